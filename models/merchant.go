package models

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
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
	if err := s.db.read.WithContext(ctx).Where("id = ?", merchantID).Take(&m).Error; err != nil {
		return nil, storeError("get merchant", err)
	}
	return &m, nil
}

// FindMerchant loads a merchant by ID or slug, for the command line.
func (s *Store) FindMerchant(ctx context.Context, idOrSlug string) (*Merchant, error) {
	var m Merchant
	err := s.db.read.WithContext(ctx).Where("id = ? OR slug = ?", idOrSlug, idOrSlug).Take(&m).Error
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
}

func (p MerchantSettings) validate() error {
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
	return v.err()
}

// UpdateMerchantSettings changes branding and portal policy.
func (s *Store) UpdateMerchantSettings(ctx context.Context, merchantID string, actor Actor, p MerchantSettings) (*Merchant, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	var m Merchant
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", merchantID).Take(&m).Error; err != nil {
			return err
		}
		setIf(&m.Name, p.Name)
		setIf(&m.LogoURL, p.LogoURL)
		setIf(&m.AccentColor, p.AccentColor)
		setIf(&m.DefaultLocale, p.DefaultLocale)
		setIf(&m.CancellationMode, p.CancellationMode)
		if p.EditableFields != nil {
			m.EditableFields = compactFields(*p.EditableFields)
		}
		setIf(&m.SupportEmail, p.SupportEmail)
		setIf(&m.SupportURL, p.SupportURL)
		if err := tx.Save(&m).Error; err != nil {
			return err
		}
		return s.record(tx, merchantID, "", actor, "merchant.settings_updated", p)
	})
	if err != nil {
		return nil, storeError("update merchant settings", err)
	}
	return &m, nil
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
