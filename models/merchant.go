package models

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// CancellationMode is the merchant's rule for cancelling subscriptions in the portal.
type CancellationMode string

// The cancellation policies a merchant can choose.
const (
	CancelAtPeriodEnd  CancellationMode = "period_end"
	CancelImmediately  CancellationMode = "immediately"
	CancelNotAllowed   CancellationMode = "not_allowed"
	defaultCancelMode                   = CancelAtPeriodEnd
	merchantNameMaxLen                  = 200
)

// ProfileFields are the customer fields a merchant can let customers edit in the portal.
var ProfileFields = []string{"name", "email", "phone", "address", "tax_id", "locale"}

// Merchant is a tenant: a business whose customers use the portal.
type Merchant struct {
	ID               string `gorm:"primaryKey"`
	Slug             string
	Name             string
	LogoURL          string
	AccentColor      string // "#rrggbb", or empty for Portico's default
	DefaultLocale    string
	CancellationMode CancellationMode
	EditableFields   []string `gorm:"serializer:json"`
	SupportEmail     string
	SupportURL       string
	Address          Address `gorm:"embedded;embeddedPrefix:address_"` // the seller's, on invoices
	VATID            string  `gorm:"column:vat_id"`
	FaviconURL       string  // an https image; empty for Portico's
	PoweredBy        bool    // show "Powered by Portico" under the portal
	// RenewExpiredLinks lets a customer whose link expired have a new one emailed to them.
	RenewExpiredLinks bool
	// EmailLogin offers sign-in by email at /login/<slug>.
	EmailLogin bool
	// The notices the customer gets for what is done in the portal.
	NotifyEmailChange          bool // to the old address, when the profile's email changes
	NotifyPaymentDetailsChange bool // when the bank account changes
	NotifyCancellation         bool // when a cancellation is made or undone
	// BankAccount is where customers pay by transfer; RemittanceFormat the reference they
	// write on it (see TransferReference).
	BankAccount      BankAccount `gorm:"embedded;embeddedPrefix:bank_"`
	RemittanceFormat string
	SEPACreditorID   string `gorm:"column:sepa_creditor_id"` // names the merchant on direct-debit mandates
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)

// Slugify turns a name into a slug candidate: "Acme GmbH" → "acme-gmbh".
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	return truncate(strings.TrimSuffix(b.String(), "-"), 64)
}

// CreateMerchant adds a tenant with default branding and policy. An empty slug is derived
// from the name.
func (s *Store) CreateMerchant(ctx context.Context, name, slug string) (*Merchant, error) {
	if slug == "" {
		slug = Slugify(name)
	}
	var v validator
	v.text("name", name, merchantNameMaxLen, true)
	if !slugPattern.MatchString(slug) {
		v.add("slug", "invalid_slug", "must be lowercase letters, digits and dashes")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	m := &Merchant{
		ID:               newID("mer"),
		Slug:             slug,
		Name:             name,
		DefaultLocale:    Locales[0],
		CancellationMode: defaultCancelMode,
		EditableFields:   slices.Clone(ProfileFields),
		PoweredBy:        true,
		// Sign-in by email is the one way in a merchant opts into; the rest protect the
		// customer and are on.
		RenewExpiredLinks: true, NotifyEmailChange: true, NotifyPaymentDetailsChange: true, NotifyCancellation: true,
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(m).Error; err != nil {
			return err
		}
		return s.record(tx, m.ID, "", SystemActor, "merchant.created", map[string]string{"name": name, "slug": slug})
	})
	if err != nil {
		return nil, uniqueOr("create merchant", "slug", err)
	}
	return m, nil
}

// GetMerchant loads a merchant by ID.
func (s *Store) GetMerchant(ctx context.Context, merchantID string) (*Merchant, error) {
	var m Merchant
	if err := s.read(ctx).Where("id = ?", merchantID).Take(&m).Error; err != nil {
		return nil, storeError("get merchant", err)
	}
	return &m, nil
}

// FindMerchant loads a merchant by ID or slug, for the command line.
func (s *Store) FindMerchant(ctx context.Context, idOrSlug string) (*Merchant, error) {
	var m Merchant
	err := s.read(ctx).Where("id = ? OR slug = ?", idOrSlug, idOrSlug).Take(&m).Error
	if err != nil {
		return nil, storeError("find merchant", err)
	}
	return &m, nil
}

// MerchantSettings is a partial update of branding and portal policy: nil fields stay.
type MerchantSettings struct {
	Name             *string
	LogoURL          *string
	AccentColor      *string
	DefaultLocale    *string
	CancellationMode *CancellationMode
	EditableFields   *[]string
	SupportEmail     *string
	SupportURL       *string
	Address          *AddressInput
	VATID            *string
	FaviconURL       *string
	PoweredBy        *bool

	RenewExpiredLinks          *bool
	EmailLogin                 *bool
	NotifyEmailChange          *bool
	NotifyPaymentDetailsChange *bool
	NotifyCancellation         *bool
	BankAccount                *BankAccountInput
	RemittanceFormat           *string
	// PaymentProvider connects (or, Remove, disconnects) the merchant's payment provider.
	// Its secrets never reach the audit log: the settings are recorded without it.
	PaymentProvider *ProviderInput `json:"-"`
	SEPACreditorID  *string
}

func (p *MerchantSettings) validate() error {
	var v validator
	if p.Name != nil {
		v.text("name", *p.Name, merchantNameMaxLen, true)
	}
	if p.LogoURL != nil {
		v.webURL("logo_url", *p.LogoURL)
	}
	if p.AccentColor != nil {
		v.colour("accent_color", *p.AccentColor)
	}
	if p.DefaultLocale != nil {
		v.locale("default_locale", *p.DefaultLocale)
		if *p.DefaultLocale == "" {
			v.add("default_locale", "required", "is required")
		}
	}
	if p.CancellationMode != nil {
		v.oneOf("cancellation_mode", string(*p.CancellationMode),
			string(CancelAtPeriodEnd), string(CancelImmediately), string(CancelNotAllowed))
	}
	if p.EditableFields != nil {
		for _, f := range *p.EditableFields {
			if !slices.Contains(ProfileFields, f) {
				v.add("editable_fields", "invalid_choice", "must list only "+strings.Join(ProfileFields, ", "))
				break
			}
		}
	}
	if p.SupportEmail != nil {
		v.email("support_email", *p.SupportEmail, false)
	}
	if p.SupportURL != nil {
		v.webURL("support_url", *p.SupportURL)
	}
	if p.Address != nil {
		validateAddress(&v, "address.", p.Address)
	}
	if p.VATID != nil {
		v.text("vat_id", *p.VATID, 32, false)
	}
	if p.FaviconURL != nil {
		v.webURL("favicon_url", *p.FaviconURL)
	}
	if p.BankAccount != nil {
		validateBankAccount(&v, p.BankAccount)
	}
	if p.RemittanceFormat != nil {
		validateRemittanceFormat(&v, *p.RemittanceFormat)
	}
	if p.PaymentProvider != nil {
		p.PaymentProvider.validate(&v)
	}
	if p.SEPACreditorID != nil && *p.SEPACreditorID != "" && !ValidCreditorID(*p.SEPACreditorID) {
		v.add("sepa_creditor_id", "invalid_creditor_id", "must be a SEPA creditor identifier like DE98ZZZ09999999999")
	}
	return v.err()
}

// UpdateMerchantSettings changes branding and portal policy.
func (s *Store) UpdateMerchantSettings(ctx context.Context, merchantID string, actor Actor, p MerchantSettings) (*Merchant, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var m Merchant
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", merchantID).Take(&m).Error; err != nil {
			return err
		}
		if columns := p.apply(&m); len(columns) > 0 {
			m.UpdatedAt = s.Now()
			if err := tx.Model(&m).Select(append(columns, "updated_at")).Updates(&m).Error; err != nil {
				return err
			}
		}
		if p.PaymentProvider != nil {
			if err := s.setPaymentProvider(tx, merchantID, actor, *p.PaymentProvider); err != nil {
				return err
			}
		}
		if err := s.record(tx, merchantID, "", actor, "merchant.settings_updated", p); err != nil {
			return err
		}
		return s.announceMerchant(tx, &m)
	})
	if err != nil {
		return nil, storeError("update merchant settings", err)
	}
	return &m, nil
}

// apply copies the given settings onto m and returns the columns it changed, so the update
// writes those and no others: a concurrent change to another setting survives it.
func (p MerchantSettings) apply(m *Merchant) []string {
	var columns changedColumns
	columns.set("name", assign(&m.Name, p.Name))
	columns.set("logo_url", assign(&m.LogoURL, p.LogoURL))
	columns.set("accent_color", assign(&m.AccentColor, p.AccentColor))
	columns.set("default_locale", assign(&m.DefaultLocale, p.DefaultLocale))
	columns.set("cancellation_mode", assign(&m.CancellationMode, p.CancellationMode))
	if p.EditableFields != nil {
		m.EditableFields = compactFields(*p.EditableFields)
		columns.set("editable_fields", true)
	}
	columns.set("support_email", assign(&m.SupportEmail, p.SupportEmail))
	columns.set("support_url", assign(&m.SupportURL, p.SupportURL))
	if a := p.Address; a != nil {
		columns.set("address_line1", assign(&m.Address.Line1, a.Line1))
		columns.set("address_line2", assign(&m.Address.Line2, a.Line2))
		columns.set("address_postal_code", assign(&m.Address.PostalCode, a.PostalCode))
		columns.set("address_city", assign(&m.Address.City, a.City))
		columns.set("address_state", assign(&m.Address.State, a.State))
		columns.set("address_country", assign(&m.Address.Country, a.Country))
	}
	columns.set("vat_id", assign(&m.VATID, p.VATID))
	columns.set("favicon_url", assign(&m.FaviconURL, p.FaviconURL))
	columns.set("powered_by", assign(&m.PoweredBy, p.PoweredBy))
	columns.set("renew_expired_links", assign(&m.RenewExpiredLinks, p.RenewExpiredLinks))
	columns.set("email_login", assign(&m.EmailLogin, p.EmailLogin))
	columns.set("notify_email_change", assign(&m.NotifyEmailChange, p.NotifyEmailChange))
	columns.set("notify_payment_details_change", assign(&m.NotifyPaymentDetailsChange, p.NotifyPaymentDetailsChange))
	columns.set("notify_cancellation", assign(&m.NotifyCancellation, p.NotifyCancellation))
	if b := p.BankAccount; b != nil {
		m.BankAccount = BankAccount(*b)
		columns = append(columns, "bank_account_holder", "bank_iban", "bank_bic")
	}
	columns.set("remittance_format", assign(&m.RemittanceFormat, p.RemittanceFormat))
	if p.SEPACreditorID != nil {
		id := NormalizeCreditorID(*p.SEPACreditorID)
		columns.set("sepa_creditor_id", assign(&m.SEPACreditorID, &id))
	}
	return columns
}

// compactFields sorts and de-duplicates a field list so equal policies compare equal.
func compactFields(fields []string) []string {
	out := slices.Clone(fields)
	slices.Sort(out)
	return slices.Compact(out)
}

// setIf copies *src into *dst when src is set: the one way partial updates apply.
func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}
