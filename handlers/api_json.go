package handlers

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/portico/portico/models"
)

// The API's JSON: what each resource looks like on the wire, kept apart from the models so
// a column can change without changing the contract (handlers/openapi.yaml).

type addressJSON struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
}

type customerJSON struct {
	ID              string      `json:"id"`
	Object          string      `json:"object"`
	ExternalID      *string     `json:"external_id"`
	Name            string      `json:"name"`
	Email           string      `json:"email"`
	Phone           string      `json:"phone"`
	Address         addressJSON `json:"address"`
	TaxID           string      `json:"tax_id"`
	PreferredLocale string      `json:"preferred_locale"`
	CreatedAt       time.Time   `json:"created_at"`
	UpdatedAt       time.Time   `json:"updated_at"`
}

func showCustomer(c *models.Customer) customerJSON {
	a := c.Address
	return customerJSON{
		ID: c.ID, Object: "customer", ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Phone: c.Phone,
		Address: addressJSON{a.Line1, a.Line2, a.PostalCode, a.City, a.State, a.Country},
		TaxID:   c.TaxID, PreferredLocale: c.PreferredLocale, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

type contactJSON struct {
	ID         string    `json:"id"`
	Object     string    `json:"object"`
	CustomerID string    `json:"customer_id"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Phone      string    `json:"phone"`
	Role       string    `json:"role"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

func showContact(c *models.Contact) contactJSON {
	return contactJSON{c.ID, "contact", c.CustomerID, c.Name, c.Email, c.Phone, c.Role, c.CreatedAt, c.UpdatedAt}
}

type invoiceLineJSON struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount"`
	Amount      int64  `json:"amount"`
	TaxRate     int64  `json:"tax_rate"`
	TaxAmount   int64  `json:"tax_amount"`
}

type invoiceJSON struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Kind              string            `json:"kind"`
	CustomerID        string            `json:"customer_id"`
	Number            string            `json:"number"`
	CreditedInvoiceID *string           `json:"credited_invoice_id"`
	Status            string            `json:"status"`
	Overdue           bool              `json:"overdue"`
	Currency          string            `json:"currency"`
	Subtotal          int64             `json:"subtotal"`
	Tax               int64             `json:"tax"`
	Total             int64             `json:"total"`
	AmountPaid        int64             `json:"amount_paid"`
	AmountRefunded    int64             `json:"amount_refunded"`
	AmountDue         int64             `json:"amount_due"`
	IssuedAt          time.Time         `json:"issued_at"`
	DueAt             *time.Time        `json:"due_at"`
	PeriodStart       *time.Time        `json:"period_start"`
	PeriodEnd         *time.Time        `json:"period_end"`
	Memo              string            `json:"memo"`
	Lines             []invoiceLineJSON `json:"lines,omitempty"`
	PDF               string            `json:"pdf"`
	CreatedAt         time.Time         `json:"created_at"`
	UpdatedAt         time.Time         `json:"updated_at"`
}

// showInvoice returns a function showing invoices: pdf links need the base URL, overdue
// needs the time. Lists leave the lines out.
func showInvoice(base *url.URL, now time.Time) func(*models.Invoice) invoiceJSON {
	return func(i *models.Invoice) invoiceJSON {
		v := invoiceJSON{
			ID: i.ID, Object: string(i.Kind), Kind: string(i.Kind), CustomerID: i.CustomerID, Number: i.Number,
			CreditedInvoiceID: i.CreditedInvoiceID, Status: string(i.Status), Overdue: i.Overdue(now),
			Currency: i.Currency, Subtotal: i.Subtotal, Tax: i.Tax, Total: i.Total, AmountPaid: i.AmountPaid,
			AmountRefunded: i.AmountRefunded, AmountDue: i.AmountDue, IssuedAt: i.IssuedAt, DueAt: i.DueAt,
			PeriodStart: i.PeriodStart, PeriodEnd: i.PeriodEnd, Memo: i.Memo,
			PDF:       base.String() + "/v1/invoices/" + i.ID + "/pdf",
			CreatedAt: i.CreatedAt, UpdatedAt: i.UpdatedAt,
		}
		for _, l := range i.Lines {
			v.Lines = append(v.Lines, invoiceLineJSON{l.Description, l.Quantity, l.UnitAmount, l.Amount, l.TaxRate, l.TaxAmount})
		}
		return v
	}
}

type paymentJSON struct {
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
	PaidAt     time.Time `json:"paid_at"`
	CreatedAt  time.Time `json:"created_at"`
}

func showPayment(p *models.Payment) paymentJSON {
	return paymentJSON{p.ID, "payment", p.CustomerID, p.InvoiceID, string(p.Kind), string(p.Status), p.Amount, p.Currency, p.Method, p.Reference, p.PaidAt, p.CreatedAt}
}

type subscriptionJSON struct {
	ID                  string     `json:"id"`
	Object              string     `json:"object"`
	CustomerID          string     `json:"customer_id"`
	PlanName            string     `json:"plan_name"`
	Status              string     `json:"status"`
	Currency            string     `json:"currency"`
	UnitAmount          int64      `json:"unit_amount"`
	Interval            string     `json:"interval"`
	IntervalCount       int        `json:"interval_count"`
	CurrentPeriodStart  time.Time  `json:"current_period_start"`
	CurrentPeriodEnd    time.Time  `json:"current_period_end"`
	CancelAtPeriodEnd   bool       `json:"cancel_at_period_end"`
	CanceledAt          *time.Time `json:"canceled_at"`
	EndedAt             *time.Time `json:"ended_at"`
	CancellationReason  string     `json:"cancellation_reason"`
	CancellationComment string     `json:"cancellation_comment"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

func showSubscription(s *models.Subscription) subscriptionJSON {
	return subscriptionJSON{
		s.ID, "subscription", s.CustomerID, s.PlanName, string(s.Status), s.Currency, s.UnitAmount, s.Interval,
		s.IntervalCount, s.CurrentPeriodStart, s.CurrentPeriodEnd, s.CancelAtPeriodEnd, s.CanceledAt, s.EndedAt,
		s.CancellationReason, s.CancellationComment, s.CreatedAt, s.UpdatedAt,
	}
}

type entitlementJSON struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	CustomerID     string     `json:"customer_id"`
	SubscriptionID *string    `json:"subscription_id"`
	FeatureKey     string     `json:"feature_key"`
	Name           string     `json:"name"`
	Limit          *int64     `json:"limit"`
	Value          string     `json:"value"`
	Usage          *int64     `json:"usage"`
	ValidFrom      time.Time  `json:"valid_from"`
	ValidTo        *time.Time `json:"valid_to"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func showEntitlement(e *models.Entitlement) entitlementJSON {
	return entitlementJSON{e.ID, "entitlement", e.CustomerID, e.SubscriptionID, e.FeatureKey, e.Name, e.Limit, e.Value, e.Usage, e.ValidFrom, e.ValidTo, e.CreatedAt, e.UpdatedAt}
}

type paymentDetailsJSON struct {
	Object        string    `json:"object"`
	CustomerID    string    `json:"customer_id"`
	Method        string    `json:"method"`
	AccountHolder string    `json:"account_holder"`
	IBAN          string    `json:"iban"` // masked: the full number never leaves Portico again
	CardBrand     string    `json:"card_brand"`
	CardLast4     string    `json:"card_last4"`
	CardExpMonth  int       `json:"card_exp_month"`
	CardExpYear   int       `json:"card_exp_year"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func showPaymentDetails(p *models.PaymentDetails) paymentDetailsJSON {
	return paymentDetailsJSON{"payment_details", p.CustomerID, p.Method, p.AccountHolder, p.MaskedIBAN(), p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear, p.UpdatedAt}
}

type merchantJSON struct {
	ID               string   `json:"id"`
	Object           string   `json:"object"`
	Name             string   `json:"name"`
	Slug             string   `json:"slug"`
	LogoURL          string   `json:"logo_url"`
	AccentColor      string   `json:"accent_color"`
	DefaultLocale    string   `json:"default_locale"`
	CancellationMode string   `json:"cancellation_mode"`
	EditableFields   []string `json:"editable_fields"`
	SupportEmail     string   `json:"support_email"`
	SupportURL       string   `json:"support_url"`
}

func showMerchant(m *models.Merchant) merchantJSON {
	fields := m.EditableFields
	if fields == nil {
		fields = []string{}
	}
	return merchantJSON{m.ID, "merchant", m.Name, m.Slug, m.LogoURL, m.AccentColor, m.DefaultLocale, string(m.CancellationMode), fields, m.SupportEmail, m.SupportURL}
}

type portalLinkJSON struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	CustomerID     string     `json:"customer_id"`
	URL            string     `json:"url,omitempty"` // only when minted: the token is never stored
	ExpiresAt      time.Time  `json:"expires_at"`
	IdleTimeout    int        `json:"idle_timeout"`
	FrameAncestors []string   `json:"frame_ancestors"`
	ReturnURL      string     `json:"return_url"`
	Locale         string     `json:"locale"`
	Section        string     `json:"section"`
	CreatedAt      time.Time  `json:"created_at"`
	RevokedAt      *time.Time `json:"revoked_at"`
	FirstUsedAt    *time.Time `json:"first_used_at"`
	LastUsedAt     *time.Time `json:"last_used_at"`
}

func showPortalLink(l *models.PortalLink) portalLinkJSON {
	return portalLinkJSON{
		ID: l.ID, Object: "portal_link", CustomerID: l.CustomerID, ExpiresAt: l.ExpiresAt, IdleTimeout: l.IdleTimeout,
		FrameAncestors: strings.Fields(l.FrameAncestors), ReturnURL: l.ReturnURL, Locale: l.Locale, Section: l.Section,
		CreatedAt: l.CreatedAt, RevokedAt: l.RevokedAt, FirstUsedAt: l.FirstUsedAt, LastUsedAt: l.LastUsedAt,
	}
}

type webhookEndpointJSON struct {
	ID        string    `json:"id"`
	Object    string    `json:"object"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret,omitempty"` // only when created
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
}

func showWebhookEndpoint(w *models.WebhookEndpoint) webhookEndpointJSON {
	return webhookEndpointJSON{ID: w.ID, Object: "webhook_endpoint", URL: w.URL, Enabled: w.Enabled, CreatedAt: w.CreatedAt}
}

type auditEventJSON struct {
	ID         string          `json:"id"`
	Object     string          `json:"object"`
	CustomerID string          `json:"customer_id"`
	ActorType  string          `json:"actor_type"`
	ActorID    string          `json:"actor_id"`
	Action     string          `json:"action"`
	Details    json.RawMessage `json:"details"`
	IP         string          `json:"ip"`
	UserAgent  string          `json:"user_agent"`
	CreatedAt  time.Time       `json:"created_at"`
}

func showAuditEvent(e *models.AuditEvent) auditEventJSON {
	details := json.RawMessage(e.Details)
	if !json.Valid(details) {
		details = json.RawMessage("{}")
	}
	return auditEventJSON{e.ID, "audit_event", e.CustomerID, string(e.ActorType), e.ActorID, e.Action, details, e.IP, e.UserAgent, e.CreatedAt}
}
