package models

import (
	"cmp"
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"gorm.io/gorm"
)

// A resource is a row as Portico shows it to the outside world: the API answers with it and
// the webhook events that announce its changes carry it, so a merchant's systems parse one
// shape per resource and the two can never drift. Each is built by one method here. None
// carries a secret, a token, a hash or a full IBAN. The OpenAPI document describes each
// (handlers/api/openapi.yaml, components/schemas), and the tests check every API answer and
// every event against it.

// APIVersion is the version of the resources' shapes: the OpenAPI document's info.version.
// Every event records the version its data was written in.
const APIVersion = "1"

// timestampLayout is the one form every time in a resource takes: RFC 3339 in UTC with
// microseconds, the precision the database keeps, so the same instant is always the same
// string.
const timestampLayout = "2006-01-02T15:04:05.000000Z07:00"

// Timestamp is a time in a resource, written in timestampLayout.
type Timestamp struct{ time.Time }

// MarshalJSON writes the time in timestampLayout, in UTC.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(timestampLayout) + `"`), nil
}

// Stamp is a resource's time.
func Stamp(t time.Time) Timestamp { return Timestamp{t} }

// StampOf is a resource's optional time: null when nil.
func StampOf(t *time.Time) *Timestamp {
	if t == nil {
		return nil
	}
	return &Timestamp{*t}
}

// AddressResource is a postal address.
type AddressResource struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
}

// Resource is the address as resources show it.
func (a Address) Resource() AddressResource {
	return AddressResource(a)
}

// BankAccountResource is where the merchant's customers pay by transfer.
type BankAccountResource struct {
	AccountHolder string `json:"account_holder"`
	IBAN          string `json:"iban"`
	BIC           string `json:"bic"`
}

// ProviderConnectionResource is how the merchant's payment provider account is connected:
// never its key or signing secret.
type ProviderConnectionResource struct {
	Livemode      bool      `json:"livemode"`
	SecretKeyHint string    `json:"secret_key_hint"`
	WebhookURL    string    `json:"webhook_url"`
	ConnectedAt   Timestamp `json:"connected_at"`
}

// MerchantResource is the merchant's branding, seller details, portal policy and how it
// takes payments.
type MerchantResource struct {
	ID               string                      `json:"id"`
	Object           string                      `json:"object"`
	Name             string                      `json:"name"`
	Slug             string                      `json:"slug"`
	LogoURL          string                      `json:"logo_url"`
	AccentColor      string                      `json:"accent_color"`
	DefaultLocale    string                      `json:"default_locale"`
	CancellationMode string                      `json:"cancellation_mode"`
	EditableFields   []string                    `json:"editable_fields"`
	SupportEmail     string                      `json:"support_email"`
	SupportURL       string                      `json:"support_url"`
	Address          AddressResource             `json:"address"`
	VATID            string                      `json:"vat_id"`
	FaviconURL       string                      `json:"favicon_url"`
	PoweredBy        bool                        `json:"powered_by"`
	BankAccount      BankAccountResource         `json:"bank_account"`
	RemittanceFormat string                      `json:"remittance_format"`
	Stripe           *ProviderConnectionResource `json:"stripe"`
	SEPACreditorID   string                      `json:"sepa_creditor_id"`

	RenewExpiredLinks          bool `json:"renew_expired_links"`
	EmailLogin                 bool `json:"email_login"`
	NotifyEmailChange          bool `json:"notify_email_change"`
	NotifyPaymentDetailsChange bool `json:"notify_payment_details_change"`
	NotifyCancellation         bool `json:"notify_cancellation"`
}

// MerchantResource is a merchant as the API shows it, with how its payment provider is
// connected.
func (s *Store) MerchantResource(ctx context.Context, m *Merchant) (MerchantResource, error) {
	v, err := s.merchantResource(s.read(ctx), m)
	return v, storeError("merchant resource", err)
}

// merchantResource is MerchantResource read through db.
func (s *Store) merchantResource(db *gorm.DB, m *Merchant) (MerchantResource, error) {
	fields := m.EditableFields
	if fields == nil {
		fields = []string{}
	}
	v := MerchantResource{
		ID: m.ID, Object: "merchant", Name: m.Name, Slug: m.Slug, LogoURL: m.LogoURL, AccentColor: m.AccentColor,
		DefaultLocale: m.DefaultLocale, CancellationMode: string(m.CancellationMode), EditableFields: fields,
		SupportEmail: m.SupportEmail, SupportURL: m.SupportURL, Address: m.Address.Resource(),
		VATID: m.VATID, FaviconURL: m.FaviconURL, PoweredBy: m.PoweredBy,
		RenewExpiredLinks: m.RenewExpiredLinks, EmailLogin: m.EmailLogin, NotifyEmailChange: m.NotifyEmailChange,
		NotifyPaymentDetailsChange: m.NotifyPaymentDetailsChange, NotifyCancellation: m.NotifyCancellation,
		BankAccount:      BankAccountResource(m.BankAccount),
		RemittanceFormat: cmp.Or(m.RemittanceFormat, DefaultRemittanceFormat),
		SEPACreditorID:   m.SEPACreditorID,
	}
	var account ProviderAccount
	switch err := db.Where("merchant_id = ?", m.ID).Take(&account).Error; {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return v, nil
	case err != nil:
		return v, err
	}
	if account.Provider == "stripe" {
		v.Stripe = &ProviderConnectionResource{
			Livemode: account.Livemode, SecretKeyHint: account.KeyHint,
			WebhookURL: s.links.providerHook(account.Provider, m.ID), ConnectedAt: Stamp(account.UpdatedAt),
		}
	}
	return v, nil
}

// announceMerchant announces a change to the merchant's settings. The bank account's IBAN
// is printed on every invoice, yet events carry no full IBAN: it is masked there.
func (s *Store) announceMerchant(tx *gorm.DB, m *Merchant) error {
	v, err := s.merchantResource(tx, m)
	if err != nil {
		return err
	}
	if v.BankAccount.IBAN != "" {
		v.BankAccount.IBAN = MaskIBAN(v.BankAccount.IBAN)
	}
	return s.announce(tx, m.ID, "merchant.updated", v)
}

// APIKeyResource is an API key as events tell of it: what tells keys apart, never the
// secret or its hash.
type APIKeyResource struct {
	ID         string     `json:"id"`
	Object     string     `json:"object"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  Timestamp  `json:"created_at"`
	LastUsedAt *Timestamp `json:"last_used_at"`
	RevokedAt  *Timestamp `json:"revoked_at"`
}

// Resource is the key as events tell of it.
func (k *APIKey) Resource() APIKeyResource {
	return APIKeyResource{k.ID, "api_key", k.Name, k.Prefix, Stamp(k.CreatedAt), StampOf(k.LastUsedAt), StampOf(k.RevokedAt)}
}

// CustomerResource is a customer.
type CustomerResource struct {
	ID              string          `json:"id"`
	Object          string          `json:"object"`
	ExternalID      *string         `json:"external_id"`
	Name            string          `json:"name"`
	Email           string          `json:"email"`
	Phone           string          `json:"phone"`
	Address         AddressResource `json:"address"`
	TaxID           string          `json:"tax_id"`
	PreferredLocale string          `json:"preferred_locale"`
	CreatedAt       Timestamp       `json:"created_at"`
	UpdatedAt       Timestamp       `json:"updated_at"`
}

// Resource is the customer as the API shows it.
func (c *Customer) Resource() CustomerResource {
	return CustomerResource{
		ID: c.ID, Object: "customer", ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Phone: c.Phone,
		Address: c.Address.Resource(), TaxID: c.TaxID, PreferredLocale: c.PreferredLocale,
		CreatedAt: Stamp(c.CreatedAt), UpdatedAt: Stamp(c.UpdatedAt),
	}
}

// ContactResource is a contact at a customer.
type ContactResource struct {
	ID         string    `json:"id"`
	Object     string    `json:"object"`
	CustomerID string    `json:"customer_id"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Phone      string    `json:"phone"`
	Role       string    `json:"role"`
	CreatedAt  Timestamp `json:"created_at"`
	UpdatedAt  Timestamp `json:"updated_at"`
}

// Resource is the contact as the API shows it.
func (c *Contact) Resource() ContactResource {
	return ContactResource{c.ID, "contact", c.CustomerID, c.Name, c.Email, c.Phone, c.Role, Stamp(c.CreatedAt), Stamp(c.UpdatedAt)}
}

// EntitlementResource is a feature a customer may use.
type EntitlementResource struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	CustomerID     string     `json:"customer_id"`
	SubscriptionID *string    `json:"subscription_id"`
	FeatureKey     string     `json:"feature_key"`
	Name           string     `json:"name"`
	Limit          *int64     `json:"limit"`
	Value          string     `json:"value"`
	Usage          *int64     `json:"usage"`
	ValidFrom      Timestamp  `json:"valid_from"`
	ValidTo        *Timestamp `json:"valid_to"`
	CreatedAt      Timestamp  `json:"created_at"`
	UpdatedAt      Timestamp  `json:"updated_at"`
}

// Resource is the entitlement as the API shows it.
func (e *Entitlement) Resource() EntitlementResource {
	return EntitlementResource{
		e.ID, "entitlement", e.CustomerID, e.SubscriptionID, e.FeatureKey, e.Name, e.Limit, e.Value, e.Usage,
		Stamp(e.ValidFrom), StampOf(e.ValidTo), Stamp(e.CreatedAt), Stamp(e.UpdatedAt),
	}
}

// InvoiceLineResource is one line of an invoice.
type InvoiceLineResource struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount"`
	Amount      int64  `json:"amount"`
	TaxRate     int64  `json:"tax_rate"`
	TaxAmount   int64  `json:"tax_amount"`
}

// InvoiceResource is an invoice or credit note.
type InvoiceResource struct {
	ID                string                `json:"id"`
	Object            string                `json:"object"`
	Kind              string                `json:"kind"`
	CustomerID        string                `json:"customer_id"`
	Number            string                `json:"number"`
	CreditedInvoiceID *string               `json:"credited_invoice_id"`
	Status            string                `json:"status"`
	Overdue           bool                  `json:"overdue"`
	Currency          string                `json:"currency"`
	Subtotal          int64                 `json:"subtotal"`
	Tax               int64                 `json:"tax"`
	Total             int64                 `json:"total"`
	AmountPaid        int64                 `json:"amount_paid"`
	AmountRefunded    int64                 `json:"amount_refunded"`
	AmountCredited    int64                 `json:"amount_credited"`
	AmountDue         int64                 `json:"amount_due"`
	IssuedAt          Timestamp             `json:"issued_at"`
	DueAt             *Timestamp            `json:"due_at"`
	PeriodStart       *Timestamp            `json:"period_start"`
	PeriodEnd         *Timestamp            `json:"period_end"`
	Memo              string                `json:"memo"`
	PaymentURL        string                `json:"payment_url"`
	Lines             []InvoiceLineResource `json:"lines,omitempty"`
	PDF               string                `json:"pdf"`
	CreatedAt         Timestamp             `json:"created_at"`
	UpdatedAt         Timestamp             `json:"updated_at"`
}

// Resource is the document as the API shows it at time at (which decides overdue), with
// its PDF under baseURL (PORTICO_BASE_URL). Its lines are shown when they were loaded.
func (i *Invoice) Resource(at time.Time, baseURL string) InvoiceResource {
	v := InvoiceResource{
		ID: i.ID, Object: string(i.Kind), Kind: string(i.Kind), CustomerID: i.CustomerID, Number: i.Number,
		CreditedInvoiceID: i.CreditedInvoiceID, Status: string(i.Status), Overdue: i.Overdue(at),
		Currency: i.Currency, Subtotal: i.Subtotal, Tax: i.Tax, Total: i.Total, AmountPaid: i.AmountPaid,
		AmountRefunded: i.AmountRefunded, AmountCredited: i.AmountCredited, AmountDue: i.AmountDue,
		IssuedAt: Stamp(i.IssuedAt), DueAt: StampOf(i.DueAt), PeriodStart: StampOf(i.PeriodStart), PeriodEnd: StampOf(i.PeriodEnd),
		Memo: i.Memo, PaymentURL: i.PaymentURL, PDF: baseURL + "/v1/invoices/" + i.ID + "/pdf",
		CreatedAt: Stamp(i.CreatedAt), UpdatedAt: Stamp(i.UpdatedAt),
	}
	for _, l := range i.Lines {
		v.Lines = append(v.Lines, InvoiceLineResource{l.Description, l.Quantity, l.UnitAmount, l.Amount, l.TaxRate, l.TaxAmount})
	}
	return v
}

// PaymentResource is a payment or refund.
type PaymentResource struct {
	ID         string    `json:"id"`
	Object     string    `json:"object"`
	CustomerID string    `json:"customer_id"`
	InvoiceID  *string   `json:"invoice_id"`
	Kind       string    `json:"kind"`
	Status     string    `json:"status"`
	Amount     int64     `json:"amount"`
	Currency   string    `json:"currency"`
	Method     string    `json:"method"`
	Reference  string    `json:"reference"`
	Source     string    `json:"source"`
	PaidAt     Timestamp `json:"paid_at"`
	CreatedAt  Timestamp `json:"created_at"`
}

// The sources of a payment: recorded over the API, or paid by the customer in the portal
// through the merchant's payment provider.
const (
	SourceAPI    = "api"
	SourcePortal = "portal"
)

// Resource is the payment as the API shows it.
func (p *Payment) Resource() PaymentResource {
	source := SourceAPI
	if p.Provider != "" {
		source = SourcePortal
	}
	return PaymentResource{
		p.ID, "payment", p.CustomerID, p.InvoiceID, string(p.Kind), string(p.Status), p.Amount, p.Currency, p.Method, p.Reference,
		source, Stamp(p.PaidAt), Stamp(p.CreatedAt),
	}
}

// The collections payment details can be marked with: whether the merchant collects open
// invoices from the method by itself.
const (
	CollectionAutomatic = "automatic"
	CollectionManual    = "manual"
)

// PaymentDetailsResource is what a customer has on file: the IBAN masked, since the full
// number never leaves Portico again.
type PaymentDetailsResource struct {
	Object        string    `json:"object"`
	CustomerID    string    `json:"customer_id"`
	Method        string    `json:"method"`
	AccountHolder string    `json:"account_holder"`
	IBAN          string    `json:"iban"`
	CardBrand     string    `json:"card_brand"`
	CardLast4     string    `json:"card_last4"`
	CardExpMonth  int       `json:"card_exp_month"`
	CardExpYear   int       `json:"card_exp_year"`
	Collection    string    `json:"collection"`
	Provider      string    `json:"provider"`          // the provider that keeps the method, or empty
	Mandate       string    `json:"mandate_reference"` // the SEPA mandate the provider collects under
	UpdatedAt     Timestamp `json:"updated_at"`
}

// Resource is what is on file as the API shows it.
func (p *PaymentDetails) Resource() PaymentDetailsResource {
	collection := CollectionManual
	if p.AutoCollect {
		collection = CollectionAutomatic
	}
	return PaymentDetailsResource{
		"payment_details", p.CustomerID, p.Method, p.AccountHolder, p.MaskedIBAN(), p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear,
		collection, p.Provider, p.MandateReference, Stamp(p.UpdatedAt),
	}
}

// SubscriptionResource is a customer's recurring plan.
type SubscriptionResource struct {
	ID                  string     `json:"id"`
	Object              string     `json:"object"`
	CustomerID          string     `json:"customer_id"`
	PlanName            string     `json:"plan_name"`
	Status              string     `json:"status"`
	Currency            string     `json:"currency"`
	UnitAmount          int64      `json:"unit_amount"`
	Interval            string     `json:"interval"`
	IntervalCount       int        `json:"interval_count"`
	CurrentPeriodStart  Timestamp  `json:"current_period_start"`
	CurrentPeriodEnd    Timestamp  `json:"current_period_end"`
	CancelAtPeriodEnd   bool       `json:"cancel_at_period_end"`
	CanceledAt          *Timestamp `json:"canceled_at"`
	EndedAt             *Timestamp `json:"ended_at"`
	CancellationReason  string     `json:"cancellation_reason"`
	CancellationComment string     `json:"cancellation_comment"`
	CreatedAt           Timestamp  `json:"created_at"`
	UpdatedAt           Timestamp  `json:"updated_at"`
}

// Resource is the subscription as the API shows it.
func (s *Subscription) Resource() SubscriptionResource {
	return SubscriptionResource{
		s.ID, "subscription", s.CustomerID, s.PlanName, string(s.Status), s.Currency, s.UnitAmount, s.Interval,
		s.IntervalCount, Stamp(s.CurrentPeriodStart), Stamp(s.CurrentPeriodEnd), s.CancelAtPeriodEnd, StampOf(s.CanceledAt), StampOf(s.EndedAt),
		s.CancellationReason, s.CancellationComment, Stamp(s.CreatedAt), Stamp(s.UpdatedAt),
	}
}

// PortalLinkResource is a portal link, never its token: the API adds URL (which holds the
// token) to the one answer that mints the link.
type PortalLinkResource struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	CustomerID     string     `json:"customer_id"`
	URL            string     `json:"url,omitempty"`
	ExpiresAt      Timestamp  `json:"expires_at"`
	IdleTimeout    int        `json:"idle_timeout"`
	FrameAncestors []string   `json:"frame_ancestors"`
	ReturnURL      string     `json:"return_url"`
	Locale         string     `json:"locale"`
	Section        string     `json:"section"`
	CreatedAt      Timestamp  `json:"created_at"`
	RevokedAt      *Timestamp `json:"revoked_at"`
	FirstUsedAt    *Timestamp `json:"first_used_at"`
	LastUsedAt     *Timestamp `json:"last_used_at"`
	RenewedFrom    *string    `json:"renewed_from"`
}

// Resource is the link as the API lists it.
func (l *PortalLink) Resource() PortalLinkResource {
	v := PortalLinkResource{
		ID: l.ID, Object: "portal_link", CustomerID: l.CustomerID, ExpiresAt: Stamp(l.ExpiresAt), IdleTimeout: l.IdleTimeout,
		FrameAncestors: strings.Fields(l.FrameAncestors), ReturnURL: l.ReturnURL, Locale: l.Locale, Section: l.Section,
		CreatedAt: Stamp(l.CreatedAt), RevokedAt: StampOf(l.RevokedAt), FirstUsedAt: StampOf(l.FirstUsedAt), LastUsedAt: StampOf(l.LastUsedAt),
	}
	if l.RenewedFrom != "" {
		v.RenewedFrom = &l.RenewedFrom
	}
	return v
}

// WebhookEndpointResource is a webhook endpoint, never its secret: the API adds Secret to
// the answers that create or rotate it.
type WebhookEndpointResource struct {
	ID                      string     `json:"id"`
	Object                  string     `json:"object"`
	URL                     string     `json:"url"`
	Secret                  string     `json:"secret,omitempty"`
	PreviousSecretExpiresAt *Timestamp `json:"previous_secret_expires_at"`
	Enabled                 bool       `json:"enabled"`
	DisabledReason          *string    `json:"disabled_reason"`
	FailingSince            *Timestamp `json:"failing_since"`
	CreatedAt               Timestamp  `json:"created_at"`
	UpdatedAt               Timestamp  `json:"updated_at"`
}

// Resource is the endpoint as the API shows it.
func (w *WebhookEndpoint) Resource() WebhookEndpointResource {
	v := WebhookEndpointResource{
		ID: w.ID, Object: "webhook_endpoint", URL: w.URL, PreviousSecretExpiresAt: StampOf(w.PreviousSecretExpiresAt),
		Enabled: w.Enabled, FailingSince: StampOf(w.FailingSince), CreatedAt: Stamp(w.CreatedAt), UpdatedAt: Stamp(w.UpdatedAt),
	}
	if w.DisabledReason != "" {
		v.DisabledReason = &w.DisabledReason
	}
	return v
}

// eventResource is the endpoint as events tell of it: its URL cut to the origin, since a
// receiver's path or query often is its password (Slack's and Zapier's hooks are), and the
// event goes to the merchant's other endpoints, which may be other companies' services.
func (w *WebhookEndpoint) eventResource() WebhookEndpointResource {
	v := w.Resource()
	if u, err := url.Parse(w.URL); err == nil {
		v.URL = u.Scheme + "://" + u.Host
	}
	return v
}
