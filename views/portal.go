package views

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/portico/portico/models"
)

// The portal's view models: what each page shows, built from the store's rows by the
// constructors below. Templates see these, never a GORM row.

// Action is something the customer can do with a document: a link, or a button that posts
// a form with the session's CSRF token. The top of an invoice renders InvoiceView.Actions
// after its Pay now, so a feature that adds one there (a reminder, a dispute) fills the view
// model in its handler and changes no template.
type Action struct {
	Label    string         // a catalog message ID
	Data     map[string]any // its placeholders, if it has any
	URL      string         // a portal path, or for External an https URL
	Post     bool           // a form POST, with the session's CSRF token, instead of a link (session pages only)
	Primary  bool           // the one main thing to do here: a filled button
	Download bool           // the link downloads a file
	External bool           // leaves the portal (a provider's payment page): the whole window in a framed session
}

// style is the action's button look.
func (a Action) style() string {
	if a.Primary {
		return "button"
	}
	return "button secondary"
}

// DownloadPDF is the action that downloads an invoice or credit note as a PDF.
func DownloadPDF(invoiceID string) Action {
	return Action{Label: "invoice.download_pdf", URL: InvoicePDFURL(invoiceID), Download: true}
}

// Flash is a one-time message on the page after a form: what the form did. Its catalog ID
// is "done.<flash>".
type Flash string

// The confirmations the portal's forms end with.
const (
	FlashProfileSaved                Flash = "profile_saved"
	FlashContactAdded                Flash = "contact_added"
	FlashContactSaved                Flash = "contact_saved"
	FlashContactDeleted              Flash = "contact_deleted"
	FlashPaymentDetailsSaved         Flash = "payment_details_saved"
	FlashSubscriptionCanceled        Flash = "subscription_canceled"
	FlashSubscriptionCancelScheduled Flash = "subscription_cancel_scheduled"
	FlashSubscriptionResumed         Flash = "subscription_resumed"
	FlashSubscriptionUnchanged       Flash = "subscription_unchanged"
	FlashPaymentMethodSaving         Flash = "payment_method_saving" // back from the provider's page
)

// Flashes are every confirmation there is; a session's stored flash shows only if it is one.
var Flashes = []Flash{
	FlashProfileSaved, FlashContactAdded, FlashContactSaved, FlashContactDeleted, FlashPaymentDetailsSaved,
	FlashSubscriptionCanceled, FlashSubscriptionCancelScheduled, FlashSubscriptionResumed, FlashSubscriptionUnchanged,
	FlashPaymentMethodSaving,
}

// Money is an amount in minor units of an ISO 4217 currency.
type Money struct {
	Minor    int64
	Currency string
}

// Period is a billing period.
type Period struct {
	Start, End time.Time
}

// periodOf is a row's billing period, or the zero Period when it has none.
func periodOf(start, end *time.Time) Period {
	if start == nil || end == nil {
		return Period{}
	}
	return Period{Start: *start, End: *end}
}

// IsZero reports whether there is no period.
func (p Period) IsZero() bool { return p.Start.IsZero() && p.End.IsZero() }

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
	Period     Period // zero when the document has none
	Total      Money
	AmountDue  Money
	CreditNote bool
	Pay        PayAction // set by the page where the invoice can be paid now
}

// Unpaid reports whether the customer still owes on the invoice.
func (r InvoiceRow) Unpaid() bool { return !r.CreditNote && r.AmountDue.Minor > 0 }

// NewInvoiceRow shows an invoice as it stands at time now.
func NewInvoiceRow(inv *models.Invoice, now time.Time) InvoiceRow {
	return InvoiceRow{
		ID: inv.ID, Number: inv.Number, Kind: inv.Kind, Status: inv.DisplayStatus(now),
		IssuedOn: inv.IssuedAt, DueOn: inv.DueAt, Period: periodOf(inv.PeriodStart, inv.PeriodEnd),
		Total: Money{inv.Total, inv.Currency}, AmountDue: Money{inv.AmountDue, inv.Currency},
		CreditNote: inv.Kind == models.KindCreditNote,
	}
}

// invoiceRowSlices recycles the rows of invoice lists: a page of 25 is 6 KB, the largest
// allocation of the page served most, and a third of what it allocates.
var invoiceRowSlices = sync.Pool{New: func() any { return new([]InvoiceRow) }}

// NewInvoiceRows shows a list of invoices as they stand at time now. Once the page is
// written, RecycleInvoiceRows may take the rows back.
func NewInvoiceRows(invoices []models.Invoice, now time.Time) []InvoiceRow {
	recycled := invoiceRowSlices.Get().(*[]InvoiceRow)
	rows := slices.Grow((*recycled)[:0], len(invoices))[:len(invoices)]
	for i := range invoices {
		rows[i] = NewInvoiceRow(&invoices[i], now)
	}
	return rows
}

// RecycleInvoiceRows takes back rows NewInvoiceRows made, for the next list. Nothing may
// use them after.
func RecycleInvoiceRows(rows []InvoiceRow) {
	clear(rows) // let go of what the rows name
	rows = rows[:0]
	invoiceRowSlices.Put(&rows)
}

// InvoiceListView is one page of one tab of the customer's invoices and credit notes.
type InvoiceListView struct {
	Invoices []InvoiceRow
	Filter   InvoiceFilter
	Pager    Pager
	Archive  ArchiveChoice
}

// hasActions reports whether any row has something to do (Pay now), so the list needs a
// column for it.
func (v InvoiceListView) hasActions() bool {
	return slices.ContainsFunc(v.Invoices, func(r InvoiceRow) bool { return r.Pay.Offered() })
}

// InvoiceLine is one line of an invoice.
type InvoiceLine struct {
	Description string
	Quantity    int64
	UnitPrice   Money
	TaxRate     int // basis points
	Amount      Money
}

// Party is the seller or the buyer of an invoice, as its header shows them.
type Party struct {
	Name    string
	Address models.Address
	Email   string
	TaxID   string // the seller's VAT ID, the buyer's tax ID
}

// InvoiceView is one invoice or credit note with what relates to it.
type InvoiceView struct {
	InvoiceRow
	From           Party    // the merchant
	BillTo         Party    // the customer
	Actions        []Action // at the top of the page, after Pay now: the PDF, then what features add
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

// NewInvoiceView shows an invoice (with its lines) from the merchant to the customer as it
// stands at time now, with its PDF to download.
func NewInvoiceView(inv *models.Invoice, from *models.Merchant, to *models.Customer, now time.Time) InvoiceView {
	v := InvoiceView{
		InvoiceRow: NewInvoiceRow(inv, now), Memo: inv.Memo,
		From:     Party{Name: from.Name, Address: from.Address, TaxID: from.VATID},
		BillTo:   Party{Name: to.Name, Address: to.Address, Email: to.Email, TaxID: to.TaxID},
		Actions:  []Action{DownloadPDF(inv.ID)},
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

// Metered reports whether the entitlement has a limit and a tracked usage: a usage bar.
func (e EntitlementRow) Metered() bool { return e.Limit != nil && e.Usage != nil && *e.Limit > 0 }

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
	EndedOn           *time.Time
	CanceledOn        *time.Time // when the customer or the merchant asked to cancel
}

// NewSubscriptionRow shows a subscription.
func NewSubscriptionRow(s *models.Subscription) SubscriptionRow {
	row := SubscriptionRow{
		ID: s.ID, PlanName: s.PlanName, Status: string(s.Status),
		Price: Money{s.UnitAmount, s.Currency}, Interval: s.Interval, IntervalCount: s.IntervalCount,
		Period:      Period{Start: s.CurrentPeriodStart, End: s.CurrentPeriodEnd},
		NextBilling: s.NextBillingAt(), CancelAtPeriodEnd: s.CancelAtPeriodEnd,
		Ended: s.Status == models.SubCanceled, EndedOn: s.EndedAt, CanceledOn: s.CanceledAt,
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

// OverviewView is the portal's home page: what the customer owes, what comes next, what
// they pay with, what runs and how much of it they use.
type OverviewView struct {
	CustomerName  string
	Balances      []Money
	NextInvoice   *InvoiceRow // the unpaid invoice due first, overdue or not
	NextCharge    *NextCharge // the subscription billed first
	PaymentMethod *PaymentMethod
	Subscriptions []SubscriptionRow
	Usage         []EntitlementRow // the entitlements with a limit and a tracked usage
}

// NextCharge is when a subscription bills next, and what.
type NextCharge struct {
	On     time.Time
	Amount Money
	Plan   string
}

// NewOverviewView shows a customer's summary, payment details (nil for none) and
// entitlements as they stand at time now.
func NewOverviewView(customerName string, sum *models.CustomerSummary, pay *models.PaymentDetails, entitlements []models.Entitlement, now time.Time) OverviewView {
	v := OverviewView{CustomerName: customerName, Subscriptions: NewSubscriptionRows(sum.Subscriptions), PaymentMethod: NewPaymentMethod(pay)}
	for _, b := range sum.Balances {
		v.Balances = append(v.Balances, Money{b.AmountDue, b.Currency})
	}
	if sum.NextInvoice != nil {
		row := NewInvoiceRow(sum.NextInvoice, now)
		v.NextInvoice = &row
	}
	for _, s := range v.Subscriptions {
		if s.NextBilling != nil && (v.NextCharge == nil || s.NextBilling.Before(v.NextCharge.On)) {
			v.NextCharge = &NextCharge{On: *s.NextBilling, Amount: s.Price, Plan: s.PlanName}
		}
	}
	for _, e := range NewEntitlementRows(entitlements, now) {
		if e.Active && e.Metered() {
			v.Usage = append(v.Usage, e)
		}
	}
	return v
}

// ProfileView is the customer's profile form under the merchant's policy.
type ProfileView struct {
	Form     ProfileForm
	MayEdit  func(field string) bool // the merchant's policy (models.Merchant.MayEdit)
	Requires func(field string) bool // fields that may not be left empty (models.Merchant.ProfileRequires)
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
	Mandate       string    // the reference of the SEPA mandate it gives
	ProviderKept  bool      // a payment provider keeps it, and collects under its own mandate
	AuthorisedOn  time.Time // when the customer gave this bank account or card
	CardBrand     string    // as people write it: "Visa", "American Express"
	CardLast4     string
	CardExpiry    string // MM/YYYY
	AutoCollect   bool   // the merchant collects open invoices from it
}

// NewPaymentMethod shows payment details, or nil when there are none.
func NewPaymentMethod(d *models.PaymentDetails) *PaymentMethod {
	if d == nil {
		return nil
	}
	return &PaymentMethod{
		Method: d.Method, AccountHolder: d.AccountHolder, MaskedIBAN: d.MaskedIBAN(),
		Mandate: d.Mandate(), ProviderKept: d.Provider != "", AuthorisedOn: d.UpdatedAt,
		CardBrand: cardBrand(d.CardBrand), CardLast4: d.CardLast4,
		CardExpiry:  fmt.Sprintf("%02d/%d", d.CardExpMonth, d.CardExpYear),
		AutoCollect: d.AutoCollect,
	}
}

// SEPA reports whether the method is a direct-debit mandate.
func (m *PaymentMethod) SEPA() bool { return m.Method == models.MethodSEPADebit }

// Creditor is the merchant as a SEPA direct-debit mandate names it.
type Creditor struct {
	Name string
	ID   string // the SEPA creditor identifier; empty when the merchant has not set one
}

// PaymentDetailsView shows what is on file, the mandate it gives, and how to give another:
// the bank account form, or the merchant's provider's page.
type PaymentDetailsView struct {
	OnFile   *PaymentMethod // nil when nothing is on file
	Creditor Creditor
	Form     PaymentDetailsForm
	// Setup: the merchant's provider saves new methods on its own page, instead of the
	// IBAN form.
	Setup bool
}

// formOpen reports whether the bank account form shows at once: when nothing is on file, or
// when it comes back with errors. Otherwise it waits behind "Use another bank account".
func (v PaymentDetailsView) formOpen() bool { return v.OnFile == nil || len(v.Form.Errors) > 0 }

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
func periodText(t *Translator, p Period) string {
	if p.IsZero() {
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

// renewal says when a subscription bills next, or when it ends, as one phrase that reads
// on its own under any heading: "Renews on 15 Dec 2026", "Ends on …", "Ended on …".
func renewal(t *Translator, s SubscriptionRow) string {
	switch {
	case s.Ended && s.EndedOn != nil:
		return t.Tf("subscription.ended_on", map[string]any{"Date": t.Date(*s.EndedOn)})
	case s.Ended:
		return t.T("subscription.ended")
	case s.CancelAtPeriodEnd:
		return t.Tf("subscription.ends_on", map[string]any{"Date": t.Date(s.Period.End)})
	case s.NextBilling == nil:
		return t.T("subscription.not_billed")
	}
	return t.Tf("subscription.renews_on", map[string]any{"Date": t.Date(*s.NextBilling)})
}

// allowance is an entitlement's limit, its value, or "included". A value that is a
// boolean, as merchants sync feature flags, is said in words: "Included", "Not included".
func allowance(t *Translator, e EntitlementRow) string {
	switch {
	case e.Limit != nil:
		return t.Number(*e.Limit)
	case strings.EqualFold(e.Value, "false"):
		return t.T("entitlement.not_included")
	case e.Value != "" && !strings.EqualFold(e.Value, "true"):
		return e.Value
	}
	return t.T("entitlement.included")
}

// usage is how much of an entitlement is used, where the merchant syncs it.
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

// dueLine says when an unpaid invoice is due: "Due on …", or "Overdue since …".
func dueLine(t *Translator, inv InvoiceRow) string {
	id := "overview.due_on"
	if inv.Status == models.StatusOverdue {
		id = "overview.overdue_since"
	}
	return t.Tf(id, map[string]any{"Date": t.Date(*inv.DueOn)})
}

// itoa and itoa64 write numbers into attributes (IDs, a meter's bounds).
func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
