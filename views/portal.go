package views

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portico/portico/models"
)

// FieldErrors are a form's validation failures: field name → error code. The page
// translates each code ("form.error.<code>") beside its field; the code of "" (the form as
// a whole) goes in the summary above the form.
type FieldErrors map[string]string

// Field is one labelled input of a form.
type Field struct {
	Name         string // the form field, also the store's field name
	Label        string
	Value        string
	Type         string // "text" when empty
	Autocomplete string
	Required     bool
	ReadOnly     bool // shown but not editable under the merchant's policy
	Error        string
}

// inputID is the element ID of a field's input.
func (f Field) inputID() string { return "field-" + strings.ReplaceAll(f.Name, ".", "-") }

// errorID is the element ID of a field's error message, for aria-describedby.
func (f Field) errorID() string { return f.inputID() + "-error" }

func (f Field) inputType() string {
	if f.Type == "" {
		return "text"
	}
	return f.Type
}

// InvoiceFilter is one tab of the invoice list.
type InvoiceFilter string

// The invoice list's tabs, in display order.
var InvoiceFilters = []InvoiceFilter{"", "open", "overdue", "paid", "void", "uncollectible", "credit_notes"}

// OverviewView is the portal's home page.
type OverviewView struct {
	CustomerName string
	Summary      *models.CustomerSummary
	Now          time.Time
}

// InvoiceListView is one page of the customer's invoices and credit notes.
type InvoiceListView struct {
	Invoices []models.Invoice
	Filter   InvoiceFilter
	Page     models.PageInfo
	Now      time.Time
}

// InvoiceView is one invoice or credit note with what relates to it.
type InvoiceView struct {
	Invoice     *models.Invoice
	Payments    []models.Payment
	CreditNotes []models.Invoice
	Credited    *models.Invoice // for a credit note: the invoice it credits
	Now         time.Time
}

// PaymentListView is one page of the customer's payments and refunds.
type PaymentListView struct {
	Payments       []models.Payment
	InvoiceNumbers map[string]string // invoice ID → number
	Page           models.PageInfo
}

// EntitlementListView is what the customer may use.
type EntitlementListView struct {
	Entitlements []models.Entitlement
	Now          time.Time
}

// SubscriptionListView is the customer's subscriptions.
type SubscriptionListView struct {
	Subscriptions []models.Subscription
	Page          models.PageInfo
}

// SubscriptionView is one subscription and what the customer may do with it.
type SubscriptionView struct {
	Subscription *models.Subscription
	Policy       CancellationPolicy
	Now          time.Time
}

// CancellationPolicy is the merchant's word on cancelling, and whom to ask otherwise.
type CancellationPolicy struct {
	Mode         models.CancellationMode
	SupportEmail string
	SupportURL   string
}

// CancelView is the confirmation step of a cancellation.
type CancelView struct {
	Subscription *models.Subscription
	Policy       CancellationPolicy
	Reason       string
	Comment      string
	Errors       FieldErrors
}

// ProfileView is the customer's profile form.
type ProfileView struct {
	Customer *models.Customer // saved values, or the rejected input to show again
	Editable []string
	Errors   FieldErrors
}

// ContactsView lists the customer's contacts beside the form to add one.
type ContactsView struct {
	Contacts []models.Contact
	Form     ContactForm
}

// ContactForm adds (ID empty) or edits a contact.
type ContactForm struct {
	ID                       string
	Name, Email, Phone, Role string
	Errors                   FieldErrors
}

// PaymentDetailsView shows what is on file and the form to change the bank account.
type PaymentDetailsView struct {
	OnFile        *models.PaymentDetails // nil when nothing is on file
	AccountHolder string
	IBAN          string
	Errors        FieldErrors
}

// invoiceListURL is the URL of a page of one tab of the invoice list.
func invoiceListURL(f InvoiceFilter, page int) string {
	q := url.Values{}
	if f != "" {
		q.Set("status", string(f))
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return "/portal/invoices"
	}
	return "/portal/invoices?" + q.Encode()
}

// lastPage is the number of the last page of a list (1 for an empty one).
func lastPage(info models.PageInfo) int {
	if info.PerPage == 0 || info.Total == 0 {
		return 1
	}
	return int((info.Total + int64(info.PerPage) - 1) / int64(info.PerPage))
}

// period formats a billing period, or nothing when there is none.
func period(t *Translator, start, end *time.Time) string {
	if start == nil || end == nil {
		return ""
	}
	return t.Date(*start) + " – " + t.Date(*end)
}

// price is a subscription's price per interval ("€29.00 / month", "€99.00 / 3 months").
func price(t *Translator, s *models.Subscription) string {
	return t.Tf("subscription.price", map[string]any{
		"Amount":   t.Money(s.UnitAmount, s.Currency),
		"Interval": t.Plural("interval."+s.Interval, s.IntervalCount, nil),
	})
}

// subscriptionStatus is the status to show, naming a scheduled cancellation.
func subscriptionStatus(s *models.Subscription) string {
	if s.CancelAtPeriodEnd && s.Status != models.SubCanceled {
		return "canceling"
	}
	return string(s.Status)
}

// profileField is one field of the profile form, read-only unless the policy allows.
func profileField(p *Page, v ProfileView, name, label, value, typ, autocomplete string) Field {
	return Field{
		Name: name, Label: p.T.T(label), Value: value, Type: typ, Autocomplete: autocomplete,
		ReadOnly: !editable(v.Editable, name), Error: v.Errors[name],
	}
}

// editable reports whether the policy lets the customer change a field; the address's
// parts follow "address".
func editable(fields []string, name string) bool {
	group, _, _ := strings.Cut(name, ".")
	if group == "preferred_locale" {
		group = "locale"
	}
	for _, f := range fields {
		if f == group {
			return true
		}
	}
	return false
}

// pagesOf returns the URL of each page of the list at path.
func pagesOf(path string) func(page int) string {
	return func(page int) string {
		if page <= 1 {
			return path
		}
		return path + "?page=" + strconv.Itoa(page)
	}
}

// signedMoney shows a refund as money going back to the customer.
func signedMoney(t *Translator, pay *models.Payment) string {
	if pay.Kind == models.KindRefund {
		return t.Money(-pay.Amount, pay.Currency)
	}
	return t.Money(pay.Amount, pay.Currency)
}

// allowance is an entitlement's limit, its value, or "included".
func allowance(t *Translator, e *models.Entitlement) string {
	switch {
	case e.Limit != nil:
		return t.Number(*e.Limit)
	case e.Value != "":
		return e.Value
	}
	return t.T("entitlement.included")
}

// usage is how much of a limited entitlement is used, where the merchant syncs it.
func usage(t *Translator, e *models.Entitlement) string {
	switch {
	case e.Usage == nil:
		return t.T("entitlement.not_tracked")
	case e.Limit != nil:
		return t.Tf("entitlement.used_of", map[string]any{"Used": t.Number(*e.Usage), "Limit": t.Number(*e.Limit)})
	}
	return t.Number(*e.Usage)
}

// validity is when an entitlement applies.
func validity(t *Translator, e *models.Entitlement) string {
	if e.ValidTo == nil {
		return t.Tf("entitlement.since", map[string]any{"Date": t.Date(e.ValidFrom)})
	}
	return t.Date(e.ValidFrom) + " – " + t.Date(*e.ValidTo)
}

// renewal says when a subscription bills next, or when it ends.
func renewal(t *Translator, s *models.Subscription) string {
	switch {
	case s.Status == models.SubCanceled:
		return t.T("subscription.ended")
	case s.CancelAtPeriodEnd:
		return t.Tf("subscription.ends_on", map[string]any{"Date": t.Date(s.CurrentPeriodEnd)})
	case s.NextBillingAt() == nil:
		return t.T("subscription.not_billed")
	}
	return t.Date(*s.NextBillingAt())
}

// contactFormAction is where a contact form posts: the list to add, the contact to edit.
func contactFormAction(f ContactForm) string {
	if f.ID == "" {
		return "/portal/contacts"
	}
	return "/portal/contacts/" + f.ID
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

// cardExpiry is a card's expiry as MM/YYYY.
func cardExpiry(d *models.PaymentDetails) string {
	return fmt.Sprintf("%02d/%d", d.CardExpMonth, d.CardExpYear)
}
