package views

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/models"
	"golang.org/x/net/html"
)

// The pages rendered from view models, without router or database: what each shows and
// what its view model's states change. handlers/ tests the same pages end to end.

var day = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// text is an element's text as a reader sees it: the words of its text nodes, separated by
// single spaces (CLDR's no-break spaces included).
func text(s *goquery.Selection) string {
	var words []string
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			words = append(words, strings.Fields(strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(n.Data))...)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range s.Nodes {
		walk(n)
	}
	return strings.Join(words, " ")
}

func sampleInvoice(id, number string, status models.InvoiceStatus) *models.Invoice {
	due, end := day.AddDate(0, 0, 14), day.AddDate(0, 1, 0)
	return &models.Invoice{
		ID: id, Kind: models.KindInvoice, Number: number, Status: status, Currency: "EUR",
		Subtotal: 10000, Tax: 1900, Total: 11900, AmountPaid: 5000, AmountDue: 6900,
		IssuedAt: day, DueAt: &due, PeriodStart: &day, PeriodEnd: &end, Memo: "Thank you",
		Lines: []models.InvoiceLine{{Description: "Pro plan", Quantity: 1, UnitAmount: 10000, Amount: 10000, TaxRate: 1900}},
	}
}

func sampleSubscription() *models.Subscription {
	return &models.Subscription{
		ID: "sub_1", PlanName: "Pro plan", Status: models.SubActive, Currency: "EUR", UnitAmount: 4900,
		Interval: "month", IntervalCount: 1, CurrentPeriodStart: day.AddDate(0, 0, -10), CurrentPeriodEnd: day.AddDate(0, 0, 20),
	}
}

func TestLayout(t *testing.T) {
	signedIn := parse(t, OverviewPage(testPage("de"), OverviewView{CustomerName: "Zoë"}))
	if lang := signedIn.Find("html").AttrOr("lang", ""); lang != "de" {
		t.Errorf("lang = %q", lang)
	}
	if got := signedIn.Find("title").Text(); got != "Test · Acme Cloud" {
		t.Errorf("title = %q", got)
	}
	nav := signedIn.Find("nav.sections a")
	if nav.Length() != 6 || nav.First().AttrOr("href", "") != "/portal" || nav.Last().AttrOr("href", "") != "/portal/profile" {
		t.Errorf("section nav has %d links", nav.Length())
	}
	if signedIn.Find(`form[action="/portal/logout"] input[name="csrf_token"][value="csrf-token"]`).Length() != 1 {
		t.Error("no sign-out form with the CSRF token")
	}
	if signedIn.Find(`form.lang[action="/portal/invoices"] option[value="de"][selected]`).Length() != 1 {
		t.Error("the language switcher does not submit to the page or mark its language")
	}

	p := testPage("en")
	p.Nav.Current = SectionPayments
	if got := parse(t, PaymentsPage(p, PaymentListView{})).Find(`nav.sections a[aria-current="page"]`); got.AttrOr("href", "") != "/portal/payments" {
		t.Errorf("current section = %q", got.AttrOr("href", ""))
	}

	signedOut := testPage("en")
	signedOut.Nav, signedOut.BrandStylesheet = nil, "/brand/112233.css"
	doc := parse(t, NoticePage(signedOut, NoticeView{Notice: NoticeSignedOut}))
	if doc.Find("nav.sections").Length() != 0 || doc.Find("form.lang").Length() != 0 || doc.Find(`form[action="/portal/logout"]`).Length() != 0 {
		t.Error("a page without a session shows the session's navigation")
	}
	if doc.Find(`link[rel="stylesheet"][href="/brand/112233.css"]`).Length() != 1 {
		t.Error("no merchant stylesheet")
	}
}

func TestInvoicesPage(t *testing.T) {
	note := sampleInvoice("inv_2", "CN-1", models.StatusIssued)
	note.Kind = models.KindCreditNote
	invoices := []models.Invoice{*sampleInvoice("inv_1", "INV-1", models.StatusOpen), *note}
	v := InvoiceListView{
		Invoices: NewInvoiceRows(invoices, day.AddDate(0, 1, 0)), Filter: "open",
		Pager: NewPager(models.PageInfo{Page: 1, PerPage: 2, Total: 3}, 2, func(n int) string { return InvoicesURL("open", n) }),
	}
	doc := parse(t, InvoicesPage(testPage("en"), v))
	if got := doc.Find(`nav ul.filters a[aria-current="page"]`); got.AttrOr("href", "") != "/portal/invoices?status=open" {
		t.Errorf("current tab = %q", got.AttrOr("href", ""))
	}
	rows := doc.Find("main table tbody tr")
	if rows.Length() != 2 {
		t.Fatalf("%d rows", rows.Length())
	}
	first := text(rows.First())
	for _, want := range []string{"INV-1", "Overdue", "€119.00", "€69.00"} {
		if !strings.Contains(first, want) {
			t.Errorf("row %q lacks %q", first, want)
		}
	}
	if got := text(rows.Eq(1).Find("th")); got != "CN-1 Credit note" {
		t.Errorf("credit note row = %q", got)
	}
	if doc.Find(`a[rel="next"][href="/portal/invoices?page=2&status=open"]`).Length() != 1 {
		t.Error("no link to the next page")
	}
	if got := text(doc.Find("caption")); got != "Showing 2 of 3" {
		t.Errorf("caption = %q", got)
	}

	empty := parse(t, InvoicesPage(testPage("en"), InvoiceListView{Filter: "void"}))
	if !strings.Contains(text(empty.Find("main")), "There are no invoices here yet.") || empty.Find("table, nav.pager").Length() != 0 {
		t.Error("the empty list has no empty state, or a table")
	}
}

func TestInvoicePage(t *testing.T) {
	inv := sampleInvoice("inv_1", "INV-1", models.StatusOpen)
	inv.AmountRefunded = 1000
	v := NewInvoiceView(inv, day)
	v.Payments = NewPaymentRows([]models.Payment{{Kind: models.KindRefund, Method: "card", Status: models.PaymentSucceeded, Amount: 1000, Currency: "EUR", PaidAt: day}}, nil)
	note := sampleInvoice("inv_2", "CN-1", models.StatusIssued)
	note.Kind, note.Total = models.KindCreditNote, 1000
	v.CreditNotes = NewInvoiceRows([]models.Invoice{*note}, day)
	doc := parse(t, InvoicePage(testPage("en"), v))
	main := text(doc.Find("main"))
	for _, want := range []string{"Invoice INV-1", "Open", "Pro plan", "19%", "€100.00", "€19.00", "€119.00", "Amount paid €50.00", "Amount refunded €10.00", "Amount due €69.00", "Thank you", "-€10.00", "CN-1 €10.00 · Nov 25, 2026"} {
		if !strings.Contains(main, want) {
			t.Errorf("invoice page lacks %q:\n%s", want, main)
		}
	}
	if doc.Find(`a[download][href="/portal/invoices/inv_1/pdf"]`).Length() != 1 || doc.Find(`a[href="/portal/invoices/inv_2"]`).Length() != 1 {
		t.Error("no PDF link or credit note link")
	}
	if doc.Find("main table").Last().Find("th[scope=col]").Length() != 5 {
		t.Error("the invoice's payments table has an invoice column")
	}

	credit := NewInvoiceView(note, day)
	credited := NewInvoiceRow(inv, day)
	credit.Credited = &credited
	doc = parse(t, InvoicePage(testPage("en"), credit))
	main = text(doc.Find("main"))
	if !strings.Contains(main, "Credit note CN-1") || !strings.Contains(main, "Credits invoice INV-1") || strings.Contains(main, "Amount due") {
		t.Errorf("credit note page = %q", main)
	}
}

func TestOverviewPage(t *testing.T) {
	scheduled := sampleSubscription()
	scheduled.CancelAtPeriodEnd = true
	sum := &models.CustomerSummary{
		Balances:      []models.Balance{{Currency: "EUR", AmountDue: 18800}, {Currency: "USD", AmountDue: 123456}},
		NextInvoice:   sampleInvoice("inv_1", "INV-1", models.StatusOpen),
		Subscriptions: []models.Subscription{*sampleSubscription(), *scheduled},
	}
	doc := parse(t, OverviewPage(testPage("en"), NewOverviewView("Zoë", sum, day)))
	main := text(doc.Find("main"))
	for _, want := range []string{"Welcome, Zoë", "€188.00", "$1,234.56", "INV-1", "Due on Dec 9, 2026", "€49.00 per month", "Next billing date: Dec 15, 2026", "Ends on Dec 15, 2026", "Back to Acme Cloud"} {
		if !strings.Contains(main, want) {
			t.Errorf("overview lacks %q:\n%s", want, main)
		}
	}
	empty := text(parse(t, OverviewPage(testPage("en"), NewOverviewView("Zoë", &models.CustomerSummary{}, day))).Find("main"))
	for _, want := range []string{"Nothing is due.", "You have no open invoices.", "You have no active subscriptions."} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty overview lacks %q:\n%s", want, empty)
		}
	}
}

func TestPaymentsAndEntitlementsPages(t *testing.T) {
	invoiceID := "inv_1"
	payments := []models.Payment{
		{Kind: models.KindPayment, Method: "card", Status: models.PaymentSucceeded, Amount: 5000, Currency: "EUR", PaidAt: day, InvoiceID: &invoiceID},
		{Kind: models.KindRefund, Method: "sepa_debit", Status: models.PaymentPending, Amount: 1000, Currency: "EUR", PaidAt: day},
	}
	doc := parse(t, PaymentsPage(testPage("en"), PaymentListView{Payments: NewPaymentRows(payments, map[string]string{invoiceID: "INV-1"})}))
	rows := text(doc.Find("main table tbody"))
	for _, want := range []string{"Payment Card Succeeded INV-1 €50.00", "Refund SEPA Direct Debit Pending -€10.00"} {
		if !strings.Contains(rows, want) {
			t.Errorf("payments lack %q: %s", want, rows)
		}
	}
	if doc.Find(`a[href="/portal/invoices/inv_1"]`).Length() != 1 {
		t.Error("no link to the paid invoice")
	}

	until := day.AddDate(0, -1, 0)
	entitlements := []models.Entitlement{
		{Name: "Seats", Limit: ptr(int64(10)), Usage: ptr(int64(3)), ValidFrom: day.AddDate(-1, 0, 0)},
		{Name: "Support", Value: "Priority", ValidFrom: day.AddDate(-1, 0, 0)},
		{Name: "Beta", ValidFrom: day.AddDate(-1, 0, 0), ValidTo: &until},
	}
	rows = text(parse(t, EntitlementsPage(testPage("en"), NewEntitlementRows(entitlements, day))).Find("main table tbody"))
	for _, want := range []string{"Seats 10 3 of 10 Since Nov 25, 2025", "Support Priority Not tracked", "Beta Not active Included Not tracked Nov 25, 2025 – Oct 25, 2026"} {
		if !strings.Contains(rows, want) {
			t.Errorf("entitlements lack %q: %s", want, rows)
		}
	}
}

func TestSubscriptionPages(t *testing.T) {
	sub := sampleSubscription()
	list := text(parse(t, SubscriptionsPage(testPage("en"), SubscriptionListView{Subscriptions: NewSubscriptionRows([]models.Subscription{*sub})})).Find("main table tbody"))
	if list != "Pro plan Active €49.00 per month Dec 15, 2026" {
		t.Errorf("subscription list = %q", list)
	}
	support := Support{Email: "help@acme.example", URL: "https://acme.example/help"}
	for _, tc := range []struct {
		option  models.CancelOption
		present string // a selector only this option shows
	}{
		{models.CancelOptionCancel, `a[href="/portal/subscriptions/sub_1/cancel"]`},
		{models.CancelOptionResume, `form[action="/portal/subscriptions/sub_1/resume"] input[name="csrf_token"]`},
		{models.CancelOptionContact, `a[href="mailto:help@acme.example"]`},
		{models.CancelOptionNone, `h1`},
	} {
		doc := parse(t, SubscriptionPage(testPage("en"), SubscriptionView{Subscription: NewSubscriptionRow(sub), Option: tc.option, Support: support}))
		if doc.Find(tc.present).Length() == 0 {
			t.Errorf("%s: no %s", tc.option, tc.present)
		}
		offers := doc.Find(`a[href$="/cancel"], form[action$="/resume"], a[href^="mailto:"]`).Length()
		if (tc.option == models.CancelOptionNone) != (offers == 0) {
			t.Errorf("%s: %d offers", tc.option, offers)
		}
	}

	ended := sampleSubscription()
	ended.Status, ended.CanceledAt = models.SubCanceled, &day
	facts := text(parse(t, SubscriptionPage(testPage("en"), SubscriptionView{Subscription: NewSubscriptionRow(ended), Option: models.CancelOptionNone})).Find("dl"))
	if !strings.Contains(facts, "Ended") || !strings.Contains(facts, "Cancelled on Nov 25, 2026") {
		t.Errorf("ended subscription facts = %q", facts)
	}
}

func TestCancelPage(t *testing.T) {
	row := NewSubscriptionRow(sampleSubscription())
	atEnd := parse(t, CancelPage(testPage("en"), CancelView{Subscription: row, Option: models.CancelOptionCancel, AtPeriodEnd: true}))
	if got := text(atEnd.Find("main form")); !strings.Contains(got, "stays active until Dec 15, 2026") {
		t.Errorf("at period end: %q", got)
	}
	now := parse(t, CancelPage(testPage("en"), CancelView{
		Subscription: row, Option: models.CancelOptionCancel,
		Form: CancelForm{Reason: "unused", Comment: "kept", Errors: FieldErrors{"comment": "too_long"}},
	}))
	if got := text(now.Find("main form")); !strings.Contains(got, "ends immediately") {
		t.Errorf("immediately: %q", got)
	}
	if now.Find(`#field-reason option[value="unused"][selected]`).Length() != 1 || now.Find("#field-comment").Text() != "kept" {
		t.Error("the form does not keep the input")
	}
	if now.Find(`#field-comment[aria-describedby="field-comment-error"]`).Length() != 1 || now.Find(`[role="alert"]`).Length() != 1 {
		t.Error("the comment's error is not tied to it")
	}
	contact := parse(t, CancelPage(testPage("en"), CancelView{Subscription: row, Option: models.CancelOptionContact, Support: Support{Email: "help@acme.example"}}))
	if contact.Find("main form").Length() != 0 || contact.Find(`a[href="mailto:help@acme.example"]`).Length() != 1 {
		t.Error("a merchant that takes cancellations itself still gets a form")
	}
}

func TestProfilePage(t *testing.T) {
	customer := &models.Customer{Name: "Zoë", Email: "zoe@example.com", PreferredLocale: "de", Address: models.Address{City: "Köln", Country: "DE"}}
	m := &models.Merchant{EditableFields: []string{"email", "address"}}
	doc := parse(t, ProfilePage(testPage("en"), ProfileView{Form: NewProfileForm(customer), MayEdit: m.MayEdit}))
	for selector, readOnly := range map[string]bool{"#field-name": true, "#field-email": false, "#field-address-city": false, "#field-tax_id": true} {
		if _, ro := doc.Find(selector).Attr("readonly"); ro != readOnly {
			t.Errorf("%s read-only = %t, want %t", selector, ro, readOnly)
		}
	}
	if _, disabled := doc.Find("#field-preferred_locale").Attr("disabled"); !disabled || doc.Find(`#field-preferred_locale option[value="de"][selected]`).Length() != 1 {
		t.Error("the locale is editable against the policy, or not shown")
	}
	if doc.Find(`main form button[type="submit"]`).Length() != 1 {
		t.Error("no save button")
	}
	none := parse(t, ProfilePage(testPage("en"), ProfileView{Form: NewProfileForm(customer), MayEdit: (&models.Merchant{}).MayEdit}))
	if none.Find(`main form button`).Length() != 0 || !strings.Contains(text(none.Find("main form")), "Acme Cloud") {
		t.Error("a profile nobody may edit offers to save")
	}
}

func TestProfileFormRefused(t *testing.T) {
	m := &models.Merchant{EditableFields: []string{"email", "address"}}
	saved := NewProfileForm(&models.Customer{Name: "Zoë", Email: "zoe@example.com", PreferredLocale: "de"})
	typed := ProfileForm{Name: "Mallory", Email: "zoe@", City: "Köln", PreferredLocale: ""}
	got := typed.Refused(saved, m.MayEdit, FieldErrors{"email": "invalid_email"})
	if got.Name != "Zoë" || got.PreferredLocale != "de" || got.Email != "zoe@" || got.City != "Köln" || got.Errors["email"] != "invalid_email" {
		t.Errorf("refused form = %+v", got)
	}
	in := typed.Input()
	if *in.Name != "Mallory" || *in.Address.City != "Köln" || in.ExternalID != nil {
		t.Errorf("input = %+v", in)
	}
}

func TestErrorsOf(t *testing.T) {
	invalid := &models.ValidationError{Fields: []models.FieldError{{Field: "email", Code: "invalid_email"}}}
	if errs, err := ErrorsOf(errors.Join(errors.New("store: save"), invalid)); err != nil || errs["email"] != "invalid_email" {
		t.Errorf("wrapped validation error: %v, %v", errs, err)
	}
	other := errors.New("disk full")
	if _, err := ErrorsOf(other); err != other {
		t.Errorf("other error: %v", err)
	}
}

func TestAccountPages(t *testing.T) {
	contacts := []models.Contact{{ID: "con_1", Name: "Ada", Email: "ada@example.com", Role: "Accounts"}}
	doc := parse(t, ContactsPage(testPage("en"), NewContactsView(contacts, ContactForm{Name: "Bob", Errors: FieldErrors{"email": "required"}})))
	if got := text(doc.Find("main table tbody")); !strings.Contains(got, "Ada ada@example.com Accounts") {
		t.Errorf("contacts = %q", got)
	}
	if doc.Find(`a[href="/portal/contacts/con_1"]`).Length() != 1 || doc.Find(`a[href="/portal/contacts/con_1/delete"]`).Length() != 1 {
		t.Error("no edit or delete link")
	}
	if doc.Find(`form[action="/portal/contacts"] #field-name[value="Bob"]`).Length() != 1 || doc.Find(`#field-email-error`).Length() != 1 {
		t.Error("the add form does not keep its input and error")
	}
	edit := parse(t, ContactPage(testPage("en"), NewContactForm(&contacts[0])))
	if edit.Find(`form[action="/portal/contacts/con_1"] #field-email[value="ada@example.com"]`).Length() != 1 || edit.Find(`a[href="/portal/contacts"]`).Length() == 0 {
		t.Error("the edit form does not post to the contact or lacks its way back")
	}
	del := parse(t, DeleteContactPage(testPage("en"), NewContactRow(&contacts[0])))
	if del.Find(`form[action="/portal/contacts/con_1/delete"] button.danger`).Length() != 1 {
		t.Error("no delete confirmation")
	}

	sepa := &models.PaymentDetails{Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBANMasked: models.MaskIBAN("DE89370400440532013000")}
	card := &models.PaymentDetails{Method: models.MethodCard, CardBrand: "american_express", CardLast4: "4242", CardExpMonth: 3, CardExpYear: 2030}
	for _, tc := range []struct {
		name  string
		d     *models.PaymentDetails
		shows string
	}{
		{"none", nil, "No payment method is on file."},
		{"sepa", sepa, "Method SEPA Direct Debit Account holder Zoë IBAN DE•• •••• •••• •••• ••30 00"},
		{"card", card, "Card American Express ending in 4242 Expires 03/2030"},
	} {
		doc := parse(t, PaymentDetailsPage(testPage("en"), PaymentDetailsView{OnFile: NewPaymentMethod(tc.d), Form: PaymentDetailsForm{IBAN: "NL00"}}))
		if got := text(doc.Find(`section[aria-labelledby="on-file"]`)); !strings.Contains(got, tc.shows) {
			t.Errorf("%s: on file %q, want %q", tc.name, got, tc.shows)
		}
		if doc.Find(`form[action="/portal/payment-details"] #field-iban[value="NL00"]`).Length() != 1 {
			t.Errorf("%s: the form does not keep its input", tc.name)
		}
	}
}

func TestNoticeAndErrorPages(t *testing.T) {
	unbranded := testPage("en")
	unbranded.Nav, unbranded.Brand = nil, Brand{}
	doc := parse(t, NoticePage(unbranded, NoticeView{Notice: NoticeLinkInvalid}))
	if doc.Find(`[data-testid="link_invalid"]`).Length() != 1 || strings.Contains(text(doc.Find("main")), "Acme") {
		t.Error("the unknown link's page")
	}
	branded := testPage("en")
	branded.Nav = nil
	doc = parse(t, NoticePage(branded, NoticeView{Notice: NoticeLinkExpired, SupportEmail: "help@acme.example"}))
	if doc.Find(`a[href="mailto:help@acme.example"]`).Length() != 1 || doc.Find(`main a[href="https://acme.example/account"]`).Length() != 1 {
		t.Error("the expired link's page has no way back to the merchant")
	}
	for status, want := range map[int]string{404: "error.404", 418: "error.400", 502: "error.500"} {
		main := text(parse(t, ErrorPage(unbranded, ErrorView{Status: status, RequestID: "req-1"})).Find("main"))
		if !strings.Contains(main, testCatalog.Translator("en").T(want)) || strings.Contains(main, "req-1") != (status >= 500) {
			t.Errorf("%d: %q", status, main)
		}
	}
}

func TestRoutes(t *testing.T) {
	for got, want := range map[string]string{
		InvoiceURL("inv_1"):              "/portal/invoices/inv_1",
		InvoicePDFURL("inv_1"):           "/portal/invoices/inv_1/pdf",
		InvoicesURL("", 1):               "/portal/invoices",
		InvoicesURL("paid", 3):           "/portal/invoices?page=3&status=paid",
		PaymentsURL(2):                   "/portal/payments?page=2",
		SubscriptionsURL(1):              "/portal/subscriptions",
		CancelSubscriptionURL("sub_1"):   "/portal/subscriptions/sub_1/cancel",
		ResumeSubscriptionURL("sub_1"):   "/portal/subscriptions/sub_1/resume",
		DeleteContactURL("con_1"):        "/portal/contacts/con_1/delete",
		InvoiceURL("a/b"):                "/portal/invoices/a%2Fb",
		LandingURL("invoice:inv_1"):      "/portal/invoices/inv_1",
		LandingURL("subscription:sub_1"): "/portal/subscriptions/sub_1",
		LandingURL("payments"):           "/portal/payments",
		LandingURL("entitlements"):       "/portal/entitlements",
		LandingURL("profile"):            "/portal/profile",
		LandingURL("invoices"):           "/portal/invoices",
		LandingURL("subscriptions"):      "/portal/subscriptions",
		LandingURL(""):                   "/portal",
		LandingURL("overview"):           "/portal",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
}
