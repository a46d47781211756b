package views

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/portico/portico/models"
)

// The portal's view models: what each page shows, built from the store's rows by the
// constructors below. Templates see these, never a GORM row.

// Money is an amount in minor units of an ISO 4217 currency.
type Money struct {
	Minor    int64
	Currency string
}

// Period is a billing period.
type Period struct {
	Start, End time.Time
}

// periodOf is a row's billing period, or nil when it has none.
func periodOf(start, end *time.Time) *Period {
	if start == nil || end == nil {
		return nil
	}
	return &Period{Start: *start, End: *end}
}

// Pager places one page of a list among the list's pages and links the others.
type Pager struct {
	Page  int   // 1-based
	Pages int   // at least 1
	Shown int   // rows on this page
	Total int64 // rows in the whole list
	URL   func(page int) string
}

// NewPager places a page the store returned; url links a page of the same list.
func NewPager(info models.PageInfo, shown int, url func(page int) string) Pager {
	pages := 1
	if info.PerPage > 0 && info.Total > 0 {
		pages = int((info.Total + int64(info.PerPage) - 1) / int64(info.PerPage))
	}
	return Pager{Page: info.Page, Pages: pages, Shown: shown, Total: info.Total, URL: url}
}

// InvoiceFilter is one tab of the invoice list.
type InvoiceFilter string

// InvoiceFilters are the invoice list's tabs, in display order.
var InvoiceFilters = []InvoiceFilter{"", "open", "overdue", "paid", "void", "uncollectible", "credit_notes"}

// InvoiceRow is an invoice or credit note as a list shows it.
type InvoiceRow struct {
	ID         string
	Number     string
	Kind       models.InvoiceKind
	Status     models.InvoiceStatus // as the customer sees it: overdue is derived
	IssuedOn   time.Time
	DueOn      *time.Time
	Period     *Period
	Total      Money
	AmountDue  Money
	CreditNote bool
	Pay        PayAction // set by the page where the invoice can be paid now
}

// NewInvoiceRow shows an invoice as it stands at time now.
func NewInvoiceRow(inv *models.Invoice, now time.Time) InvoiceRow {
	return InvoiceRow{
		ID: inv.ID, Number: inv.Number, Kind: inv.Kind, Status: inv.DisplayStatus(now),
		IssuedOn: inv.IssuedAt, DueOn: inv.DueAt, Period: periodOf(inv.PeriodStart, inv.PeriodEnd),
		Total: Money{inv.Total, inv.Currency}, AmountDue: Money{inv.AmountDue, inv.Currency},
		CreditNote: inv.Kind == models.KindCreditNote,
	}
}

// NewInvoiceRows shows a list of invoices as they stand at time now.
func NewInvoiceRows(invoices []models.Invoice, now time.Time) []InvoiceRow {
	rows := make([]InvoiceRow, len(invoices))
	for i := range invoices {
		rows[i] = NewInvoiceRow(&invoices[i], now)
	}
	return rows
}

// InvoiceListView is one page of one tab of the customer's invoices and credit notes.
type InvoiceListView struct {
	Invoices []InvoiceRow
	Filter   InvoiceFilter
	Pager    Pager
	Archive  ArchiveChoice
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	Description string
	Quantity    int64
	UnitPrice   Money
	TaxRate     int // basis points
	Amount      Money
}

// InvoiceView is one invoice or credit note with what relates to it.
type InvoiceView struct {
	InvoiceRow
	Memo           string
	Lines          []InvoiceLine
	Subtotal       Money
	Tax            Money
	AmountPaid     Money
	AmountRefunded Money
	AmountCredited Money
	Payments       []PaymentRow
	CreditNotes    []InvoiceRow
	Credited       *InvoiceRow // for a credit note: the invoice it credits
	Pay            PayView
}

// NewInvoiceView shows an invoice (with its lines) as it stands at time now.
func NewInvoiceView(inv *models.Invoice, now time.Time) InvoiceView {
	v := InvoiceView{
		InvoiceRow: NewInvoiceRow(inv, now), Memo: inv.Memo,
		Subtotal: Money{inv.Subtotal, inv.Currency}, Tax: Money{inv.Tax, inv.Currency},
		AmountPaid: Money{inv.AmountPaid, inv.Currency}, AmountRefunded: Money{inv.AmountRefunded, inv.Currency},
		AmountCredited: Money{inv.AmountCredited, inv.Currency},
	}
	for _, l := range inv.Lines {
		v.Lines = append(v.Lines, InvoiceLine{
			Description: l.Description, Quantity: l.Quantity, UnitPrice: Money{l.UnitAmount, inv.Currency},
			TaxRate: int(l.TaxRate), Amount: Money{l.Amount, inv.Currency},
		})
	}
	return v
}

// PaymentRow is a payment or refund as a list shows it.
type PaymentRow struct {
	PaidOn        time.Time
	Kind          models.PaymentKind
	Method        string
	Status        models.PaymentStatus
	Amount        Money // a refund is negative: money going back to the customer
	InvoiceID     string
	InvoiceNumber string
}

// NewPaymentRows shows payments; invoiceNumbers names the invoices they pay (nil where the
// invoice is obvious).
func NewPaymentRows(payments []models.Payment, invoiceNumbers map[string]string) []PaymentRow {
	rows := make([]PaymentRow, len(payments))
	for i, pay := range payments {
		amount := pay.Amount
		if pay.Kind == models.KindRefund {
			amount = -amount
		}
		rows[i] = PaymentRow{
			PaidOn: pay.PaidAt, Kind: pay.Kind, Method: pay.Method, Status: pay.Status,
			Amount: Money{amount, pay.Currency},
		}
		if pay.InvoiceID != nil {
			rows[i].InvoiceID, rows[i].InvoiceNumber = *pay.InvoiceID, invoiceNumbers[*pay.InvoiceID]
		}
	}
	return rows
}

// PaymentListView is one page of the customer's payments and refunds.
type PaymentListView struct {
	Payments []PaymentRow
	Pager    Pager
}

// EntitlementRow is one feature the customer may use.
type EntitlementRow struct {
	Name      string
	Active    bool
	Limit     *int64
	Value     string
	Usage     *int64
	ValidFrom time.Time
	ValidTo   *time.Time
}

// NewEntitlementRows shows entitlements as they stand at time now.
func NewEntitlementRows(entitlements []models.Entitlement, now time.Time) []EntitlementRow {
	rows := make([]EntitlementRow, len(entitlements))
	for i, e := range entitlements {
		rows[i] = EntitlementRow{
			Name: e.Name, Active: e.Active(now), Limit: e.Limit, Value: e.Value, Usage: e.Usage,
			ValidFrom: e.ValidFrom, ValidTo: e.ValidTo,
		}
	}
	return rows
}

// SubscriptionRow is a subscription as lists and its page show it.
type SubscriptionRow struct {
	ID                string
	PlanName          string
	Status            string // "canceling" for a scheduled cancellation
	Price             Money
	Interval          string
	IntervalCount     int
	Period            Period
	NextBilling       *time.Time
	CancelAtPeriodEnd bool
	Ended             bool
	CanceledOn        *time.Time
}

// NewSubscriptionRow shows a subscription.
func NewSubscriptionRow(s *models.Subscription) SubscriptionRow {
	row := SubscriptionRow{
		ID: s.ID, PlanName: s.PlanName, Status: string(s.Status),
		Price: Money{s.UnitAmount, s.Currency}, Interval: s.Interval, IntervalCount: s.IntervalCount,
		Period:      Period{Start: s.CurrentPeriodStart, End: s.CurrentPeriodEnd},
		NextBilling: s.NextBillingAt(), CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		Ended: s.Status == models.SubCanceled, CanceledOn: s.CanceledAt,
	}
	if row.CancelAtPeriodEnd && !row.Ended {
		row.Status = "canceling"
	}
	return row
}

// NewSubscriptionRows shows a list of subscriptions.
func NewSubscriptionRows(subs []models.Subscription) []SubscriptionRow {
	rows := make([]SubscriptionRow, len(subs))
	for i := range subs {
		rows[i] = NewSubscriptionRow(&subs[i])
	}
	return rows
}

// SubscriptionListView is one page of the customer's subscriptions.
type SubscriptionListView struct {
	Subscriptions []SubscriptionRow
	Pager         Pager
}

// Support is whom a customer asks for what the portal does not do.
type Support struct {
	Email string
	URL   string
}

// SubscriptionView is one subscription and what the merchant's policy offers for it.
type SubscriptionView struct {
	Subscription SubscriptionRow
	Option       models.CancelOption
	Support      Support
}

// CancelView is the confirmation step of a cancellation: what will happen, and the form.
type CancelView struct {
	Subscription SubscriptionRow
	Option       models.CancelOption // CancelOptionCancel, or CancelOptionContact to say whom to ask
	AtPeriodEnd  bool                // the merchant cancels at the period's end, not at once
	Support      Support
	Form         CancelForm
}

// OverviewView is the portal's home page.
type OverviewView struct {
	CustomerName  string
	Balances      []Money
	NextInvoice   *InvoiceRow // the open invoice due first
	Subscriptions []SubscriptionRow
}

// NewOverviewView shows a customer's summary as it stands at time now.
func NewOverviewView(customerName string, sum *models.CustomerSummary, now time.Time) OverviewView {
	v := OverviewView{CustomerName: customerName, Subscriptions: NewSubscriptionRows(sum.Subscriptions)}
	for _, b := range sum.Balances {
		v.Balances = append(v.Balances, Money{b.AmountDue, b.Currency})
	}
	if sum.NextInvoice != nil {
		row := NewInvoiceRow(sum.NextInvoice, now)
		v.NextInvoice = &row
	}
	return v
}

// ProfileView is the customer's profile form under the merchant's policy.
type ProfileView struct {
	Form    ProfileForm
	MayEdit func(field string) bool // the merchant's policy (models.Merchant.MayEdit)
}

// Editable reports whether the policy lets the customer change anything at all.
func (v ProfileView) Editable() bool { return slices.ContainsFunc(models.ProfileFields, v.MayEdit) }

// ContactRow is one of the customer's contacts.
type ContactRow struct {
	ID, Name, Email, Phone, Role string
}

// NewContactRow shows a contact.
func NewContactRow(c *models.Contact) ContactRow {
	return ContactRow{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Role: c.Role}
}

// ContactsView lists the customer's contacts beside the form to add one.
type ContactsView struct {
	Contacts []ContactRow
	Form     ContactForm
}

// NewContactsView shows contacts beside the form to add one.
func NewContactsView(contacts []models.Contact, form ContactForm) ContactsView {
	v := ContactsView{Contacts: make([]ContactRow, len(contacts)), Form: form}
	for i := range contacts {
		v.Contacts[i] = NewContactRow(&contacts[i])
	}
	return v
}

// PaymentMethod is what a customer has on file, as it may be shown: an IBAN only masked.
type PaymentMethod struct {
	Method        string // models.MethodSEPADebit or models.MethodCard
	AccountHolder string
	MaskedIBAN    string
	CardBrand     string // as people write it: "Visa", "American Express"
	CardLast4     string
	CardExpiry    string // MM/YYYY
	Mandate       string // the SEPA mandate a provider collects under
	AutoCollect   bool   // the merchant collects open invoices from it
}

// NewPaymentMethod shows payment details, or nil when there are none.
func NewPaymentMethod(d *models.PaymentDetails) *PaymentMethod {
	if d == nil {
		return nil
	}
	return &PaymentMethod{
		Method: d.Method, AccountHolder: d.AccountHolder, MaskedIBAN: d.MaskedIBAN(),
		CardBrand: cardBrand(d.CardBrand), CardLast4: d.CardLast4,
		CardExpiry: fmt.Sprintf("%02d/%d", d.CardExpMonth, d.CardExpYear),
		Mandate:    d.MandateReference, AutoCollect: d.AutoCollect,
	}
}

// PaymentDetailsView shows what is on file beside the form for a new bank account.
type PaymentDetailsView struct {
	OnFile *PaymentMethod // nil when nothing is on file
	Form   PaymentDetailsForm
	// Setup: the merchant's provider saves new methods on its own page, instead of the
	// IBAN form.
	Setup bool
}

// cardBrand shows a synced brand ("visa", "american_express") as people write it.
func cardBrand(brand string) string {
	switch brand {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex", "american_express":
		return "American Express"
	}
	return strings.ReplaceAll(brand, "_", " ")
}

// periodText formats a billing period, or nothing when there is none.
func periodText(t *Translator, p *Period) string {
	if p == nil {
		return ""
	}
	return t.Date(p.Start) + " – " + t.Date(p.End)
}

// price is a subscription's price per interval ("€29.00 / month", "€99.00 / 3 months").
func price(t *Translator, s SubscriptionRow) string {
	return t.Tf("subscription.price", map[string]any{
		"Amount":   t.Money(s.Price.Minor, s.Price.Currency),
		"Interval": t.Plural("interval."+s.Interval, s.IntervalCount, nil),
	})
}

// renewal says when a subscription bills next, or when it ends.
func renewal(t *Translator, s SubscriptionRow) string {
	switch {
	case s.Ended:
		return t.T("subscription.ended")
	case s.CancelAtPeriodEnd:
		return t.Tf("subscription.ends_on", map[string]any{"Date": t.Date(s.Period.End)})
	case s.NextBilling == nil:
		return t.T("subscription.not_billed")
	}
	return t.Date(*s.NextBilling)
}

// allowance is an entitlement's limit, its value, or "included".
func allowance(t *Translator, e EntitlementRow) string {
	switch {
	case e.Limit != nil:
		return t.Number(*e.Limit)
	case e.Value != "":
		return e.Value
	}
	return t.T("entitlement.included")
}

// usage is how much of a limited entitlement is used, where the merchant syncs it.
func usage(t *Translator, e EntitlementRow) string {
	switch {
	case e.Usage == nil:
		return t.T("entitlement.not_tracked")
	case e.Limit != nil:
		return t.Tf("entitlement.used_of", map[string]any{"Used": t.Number(*e.Usage), "Limit": t.Number(*e.Limit)})
	}
	return t.Number(*e.Usage)
}

// validity is when an entitlement applies.
func validity(t *Translator, e EntitlementRow) string {
	if e.ValidTo == nil {
		return t.Tf("entitlement.since", map[string]any{"Date": t.Date(e.ValidFrom)})
	}
	return t.Date(e.ValidFrom) + " – " + t.Date(*e.ValidTo)
}

// filterName is the catalog suffix of an invoice list tab.
func filterName(f InvoiceFilter) string {
	if f == "" {
		return "all"
	}
	return string(f)
}
