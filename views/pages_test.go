package views

import (
	"bytes"
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
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
	if signedIn.Find(`header details.account form[action="/portal/logout"] input[name="csrf_token"][value="csrf-token"]`).Length() != 1 {
		t.Error("no sign-out form with the CSRF token in the account menu")
	}
	if got := text(signedIn.Find(`header [data-testid="customer"]`)); got != "Zoë Müller" {
		t.Errorf("the header names %q, want the session's customer", got)
	}
	// The language menu: a link per language to the same page and query, the current one marked.
	langs := signedIn.Find("header details.lang a")
	if langs.Length() != len(models.Locales) {
		t.Errorf("the language menu has %d links", langs.Length())
	}
	if href := signedIn.Find(`details.lang a[hreflang="fr"]`).AttrOr("href", ""); href != "/portal/invoices?language=fr&page=2&status=open" {
		t.Errorf("the French link goes to %q, want the page and its query", href)
	}
	if signedIn.Find(`details.lang a[hreflang="de"][aria-current="true"]`).Length() != 1 || signedIn.Find("details.lang select, form.lang").Length() != 0 {
		t.Error("the language menu does not mark the page's language, or is still a form")
	}
	if signedIn.Find(`footer.site`).Length() != 1 || signedIn.Find(`link[rel="icon"][href="/static/favicon.svg"][type="image/svg+xml"]`).Length() != 1 {
		t.Error("Portico's favicon or footer is missing")
	}

	p := testPage("en")
	p.Nav.Current = SectionPayments
	if got := parse(t, PaymentsPage(p, PaymentListView{})).Find(`nav.sections a[aria-current="page"]`); got.AttrOr("href", "") != "/portal/payments" {
		t.Errorf("current section = %q", got.AttrOr("href", ""))
	}

	signedOut := testPage("en")
	signedOut.Nav, signedOut.BrandStylesheet = nil, "/brand/112233.css"
	doc := parse(t, NoticePage(signedOut, NoticeView{Notice: NoticeSignedOut}))
	if doc.Find("nav.sections").Length() != 0 || doc.Find("details.lang, details.account").Length() != 0 || doc.Find(`form[action="/portal/logout"]`).Length() != 0 {
		t.Error("a page without a session shows the session's navigation")
	}
	if doc.Find(`link[rel="stylesheet"][href="/brand/112233.css"]`).Length() != 1 {
		t.Error("no merchant stylesheet")
	}
}

func TestBranding(t *testing.T) {
	p := testPage("en")
	p.Brand.LogoURL, p.Brand.PoweredBy, p.Favicon = "https://acme.example/logo.svg", false, "https://acme.example/icon.png"
	doc := parse(t, OverviewPage(p, OverviewView{CustomerName: "Zoë"}))
	brand := doc.Find("header .brand")
	if brand.Find(`img[src="https://acme.example/logo.svg"][alt="Acme Cloud"]`).Length() != 1 || text(brand) != "" {
		t.Errorf("the logo area = %q: want the logo, named by its alt text, and the name not repeated", text(brand))
	}
	if doc.Find("footer.site").Length() != 0 {
		t.Error("Powered by Portico shows though the merchant turned it off")
	}
	if icon := doc.Find(`link[rel="icon"]`); icon.AttrOr("href", "") != "https://acme.example/icon.png" || icon.AttrOr("type", "") != "" {
		t.Errorf("favicon = %s", render(t, OverviewPage(p, OverviewView{})))
	}
	if text(parse(t, OverviewPage(testPage("en"), OverviewView{})).Find("header .brand")) != "Acme Cloud" {
		t.Error("without a logo the header does not name the merchant")
	}

	// In a frame, every link to the merchant's site opens in the whole window.
	for _, framed := range []bool{false, true} {
		p := testPage("en")
		p.Framed = framed
		sub := NewSubscriptionRow(sampleSubscription())
		pages := []*goquery.Document{
			parse(t, OverviewPage(p, OverviewView{CustomerName: "Zoë"})),
			parse(t, SubscriptionPage(p, SubscriptionView{Subscription: sub, Option: models.CancelOptionContact, Support: Support{URL: "https://acme.example/help"}})),
			parse(t, NoticePage(p, NoticeView{Notice: NoticeLinkExpired})),
		}
		for i, doc := range pages {
			links := doc.Find(`a[href^="https://acme.example"]`)
			if links.Length() == 0 {
				t.Errorf("page %d: no link to the merchant", i)
			}
			links.Each(func(_ int, a *goquery.Selection) {
				if target := a.AttrOr("target", ""); (target == "_top") != framed {
					t.Errorf("page %d, framed %t: %s has target %q", i, framed, a.AttrOr("href", ""), target)
				}
			})
		}
	}
}

// The list's rows are written in Go rather than templ: what comes from the merchant must
// still reach the page as text, and an ID as one path segment.
func TestInvoicesPageEscapesRows(t *testing.T) {
	inv := sampleInvoice("inv/1 ?x", `INV-<b>1</b> & "2"`, models.StatusOpen)
	doc := parse(t, InvoicesPage(testPage("en"), InvoiceListView{Invoices: NewInvoiceRows([]models.Invoice{*inv}, day)}))
	link := doc.Find("main table tbody tr th a")
	if got := link.Text(); got != `INV-<b>1</b> & "2"` {
		t.Errorf("number = %q", got)
	}
	if doc.Find("main table tbody b").Length() != 0 {
		t.Error("an invoice number's markup became an element")
	}
	if got := link.AttrOr("href", ""); got != "/portal/invoices/inv%2F1%20%3Fx" {
		t.Errorf("href = %q", got)
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
	// A date never breaks across lines (its spaces are no-break spaces); a billing period
	// may break at its dash, and nowhere else.
	cells := rows.First().Find("td")
	if when := cells.Eq(1).Text(); when != "Nov\u00a025,\u00a02026" {
		t.Errorf("issue date = %q", when)
	}
	if period := cells.Eq(2).Text(); strings.Count(period, " ") != 2 || !strings.Contains(period, " – ") {
		t.Errorf("period = %q, breakable elsewhere than at its dash", period)
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

	if doc.Find("thead th").Length() != 7 {
		t.Error("a list whose rows have no actions has a column for them")
	}
	v.Invoices[0].Pay = PayAction{InvoiceID: "inv_1", Form: true}
	withAction := parse(t, InvoicesPage(testPage("en"), v))
	if withAction.Find("thead th").Length() != 8 || withAction.Find(`tbody tr:first-child .row-actions form[action="/portal/invoices/inv_1/pay"]`).Length() != 1 {
		t.Error("a row's Pay now is not in its row")
	}

	for filter, want := range map[InvoiceFilter]string{"void": "No invoices with this status.", "": "No invoices yet. Invoices from Acme Cloud will show here"} {
		empty := parse(t, InvoicesPage(testPage("en"), InvoiceListView{Filter: filter}))
		if !strings.Contains(text(empty.Find("main")), want) || empty.Find("table, nav.pager").Length() != 0 {
			t.Errorf("the empty list %q has no empty state %q, or a table", filter, want)
		}
	}
}

func TestInvoicePage(t *testing.T) {
	inv := sampleInvoice("inv_1", "INV-1", models.StatusOpen)
	inv.AmountRefunded = 1000
	v := NewInvoiceView(inv, sampleMerchant(), sampleCustomer(), day)
	v.Payments = NewPaymentRows([]models.Payment{{Kind: models.KindRefund, Method: "card", Status: models.PaymentSucceeded, Amount: 1000, Currency: "EUR", PaidAt: day}}, nil)
	note := sampleInvoice("inv_2", "CN-1", models.StatusIssued)
	note.Kind, note.Total = models.KindCreditNote, 1000
	v.CreditNotes = NewInvoiceRows([]models.Invoice{*note}, day)
	p := testPage("en")
	doc := parse(t, InvoicePage(p, v))
	main := text(doc.Find("main"))
	due := p.T.Date(*inv.DueAt)
	for _, want := range []string{"Invoice INV-1", "Open", "Pro plan", "19%", "€100.00", "€19.00", "€119.00", "Thank you", "-€10.00", "CN-1 · €10.00 · " + p.T.Date(day)} {
		if !strings.Contains(main, want) {
			t.Errorf("invoice page lacks %q:\n%s", want, main)
		}
	}
	// What is due and when, first; then who bills whom.
	if got := text(doc.Find(".summary")); got != "Amount due €69.00 Due on "+due {
		t.Errorf("summary = %q", got)
	}
	if got := text(doc.Find(".parties")); got != "From Acme Cloud Hauptstraße 1 10115 Berlin Germany VAT ID DE123456789 Bill to Zoë Müller Keizersgracht 1 1015 CJ Amsterdam Netherlands zoe@example.com Tax ID NL123" {
		t.Errorf("parties = %q", got)
	}
	// The totals are rows of the lines' table, their amounts in its amount column.
	var totals []string
	doc.Find("table.lines tfoot tr").Each(func(_ int, tr *goquery.Selection) {
		if tr.Find("th[colspan='4']").Length() == 1 && tr.Find("td.num").Length() == 1 {
			totals = append(totals, text(tr))
		}
	})
	if want := []string{"Subtotal €100.00", "Tax €19.00", "Total €119.00", "Amount paid €50.00", "Amount refunded €10.00", "Amount due €69.00"}; strings.Join(totals, "|") != strings.Join(want, "|") {
		t.Errorf("totals = %q, want %q", totals, want)
	}
	// The actions at the top: the PDF, and whatever a feature adds before it.
	if doc.Find(`.page-head a[download][href="/portal/invoices/inv_1/pdf"]`).Length() != 1 || doc.Find(`a[href="/portal/invoices/inv_2"]`).Length() != 1 {
		t.Error("no PDF action at the top, or no credit note link")
	}
	// Pay now comes first, then the PDF, then what a feature appends.
	v.Pay.Action = PayAction{InvoiceID: "inv_1", Form: true}
	v.Actions = append(v.Actions, Action{Label: "invoice.download_pdf", URL: "/portal/invoices/inv_1/remind", Post: true})
	var top []string
	parse(t, InvoicePage(p, v)).Find(".page-head .actions > *").Each(func(_ int, s *goquery.Selection) {
		top = append(top, s.AttrOr("action", s.AttrOr("href", "")))
	})
	if want := []string{"/portal/invoices/inv_1/pay", "/portal/invoices/inv_1/pdf", "/portal/invoices/inv_1/remind"}; strings.Join(top, " ") != strings.Join(want, " ") {
		t.Errorf("the top of the invoice has %q, want %q", top, want)
	}
	if doc.Find("main table").Last().Find("th[scope=col]").Length() != 5 {
		t.Error("the invoice's payments table has an invoice column")
	}

	overdue := NewInvoiceView(inv, sampleMerchant(), sampleCustomer(), inv.DueAt.AddDate(0, 0, 1))
	if got := text(parse(t, InvoicePage(p, overdue)).Find(".summary .due.overdue")); got != "Overdue since "+due {
		t.Errorf("overdue summary = %q", got)
	}
	paid := sampleInvoice("inv_3", "INV-3", models.StatusPaid)
	paid.AmountPaid, paid.AmountDue = paid.Total, 0
	if got := text(parse(t, InvoicePage(p, NewInvoiceView(paid, sampleMerchant(), sampleCustomer(), day))).Find(".summary")); got != "Total €119.00" {
		t.Errorf("paid summary = %q", got)
	}

	credit := NewInvoiceView(note, sampleMerchant(), sampleCustomer(), day)
	credited := NewInvoiceRow(inv, day)
	credit.Credited = &credited
	doc = parse(t, InvoicePage(p, credit))
	main = text(doc.Find("main"))
	if !strings.Contains(main, "Credit note CN-1") || !strings.Contains(main, "Credits invoice INV-1") || strings.Contains(main, "Amount due") {
		t.Errorf("credit note page = %q", main)
	}
}

func TestOverviewPage(t *testing.T) {
	scheduled := sampleSubscription()
	scheduled.ID, scheduled.PlanName, scheduled.CancelAtPeriodEnd = "sub_2", "Storage", true
	yearly := sampleSubscription()
	yearly.ID, yearly.PlanName, yearly.Interval, yearly.UnitAmount, yearly.CurrentPeriodEnd = "sub_3", "Archive", "year", 12000, day.AddDate(0, 6, 0)
	sum := &models.CustomerSummary{
		Balances:      []models.Balance{{Currency: "EUR", AmountDue: 18800}, {Currency: "USD", AmountDue: 123456}},
		NextInvoice:   sampleInvoice("inv_1", "INV-1", models.StatusOpen),
		Subscriptions: []models.Subscription{*yearly, *sampleSubscription(), *scheduled},
	}
	pay := &models.PaymentDetails{ID: "pm_1", Method: models.MethodSEPADebit, IBAN: "DE89370400440532013000"}
	entitlements := []models.Entitlement{
		{Name: "Seats", Limit: ptr(int64(10)), Usage: ptr(int64(9)), ValidFrom: day.AddDate(-1, 0, 0)},
		{Name: "Support", Value: "Priority", ValidFrom: day.AddDate(-1, 0, 0)},
	}
	p := testPage("en")
	doc := parse(t, OverviewPage(p, NewOverviewView("Zoë", sum, pay, entitlements, day)))
	main := text(doc.Find("main"))
	renews, ends := p.T.Date(day.AddDate(0, 0, 20)), p.T.Date(scheduled.CurrentPeriodEnd)
	for _, want := range []string{
		"Welcome, Zoë", "€188.00", "$1,234.56", "INV-1", "Due on " + p.T.Date(*sum.NextInvoice.DueAt), "€49.00 per month",
		"Renews on " + renews, "Ends on " + ends, "Back to Acme Cloud",
	} {
		if !strings.Contains(main, want) {
			t.Errorf("overview lacks %q:\n%s", want, main)
		}
	}
	// The next charge is the subscription renewing first; a scheduled end is none.
	if got := text(doc.Find(`section[aria-labelledby="next-charge"]`)); !strings.HasPrefix(got, "Next charge €49.00 On "+renews+" for Pro plan Payment method SEPA Direct Debit DE89 •••• •••• •••• •••• 00") {
		t.Errorf("next charge = %q", got)
	}
	meter := doc.Find(`section[aria-labelledby="usage"] meter`)
	if meter.Length() != 1 || meter.AttrOr("value", "") != "9" || meter.AttrOr("max", "") != "10" || doc.Find("#"+meter.AttrOr("aria-labelledby", "none")).Text() != "Seats" {
		t.Errorf("usage = %s", render(t, OverviewPage(p, NewOverviewView("Zoë", sum, pay, entitlements, day))))
	}

	overdue := text(parse(t, OverviewPage(p, NewOverviewView("Zoë", sum, nil, nil, sum.NextInvoice.DueAt.AddDate(0, 0, 1)))).Find(`section[aria-labelledby="next-invoice"]`))
	if !strings.Contains(overdue, "Overdue Overdue since "+p.T.Date(*sum.NextInvoice.DueAt)) {
		t.Errorf("an overdue next invoice = %q", overdue)
	}

	empty := text(parse(t, OverviewPage(p, NewOverviewView("Zoë", &models.CustomerSummary{}, nil, nil, day))).Find("main"))
	for _, want := range []string{
		"Nothing to pay New invoices from Acme Cloud will show here", "No invoice to pay.", "No upcoming charges",
		"No payment method on file. Add a bank account", "No active subscriptions. Plans you subscribe to with Acme Cloud will show here.",
	} {
		if !strings.Contains(empty, want) {
			t.Errorf("empty overview lacks %q:\n%s", want, empty)
		}
	}
	if strings.Contains(empty, "Usage") {
		t.Error("an overview without metered entitlements has a usage section")
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
	entitlements = append(entitlements,
		models.Entitlement{Name: "SSO", Value: "true", ValidFrom: day.AddDate(-1, 0, 0)},
		models.Entitlement{Name: "API", Value: "False", ValidFrom: day.AddDate(-1, 0, 0)})
	page := parse(t, EntitlementsPage(testPage("en"), NewEntitlementRows(entitlements, day)))
	rows = text(page.Find("main table tbody"))
	for _, want := range []string{
		"Seats 10 3 of 10 Since Nov 25, 2025", "Support Priority Not tracked", "Beta Not active Included Not tracked Nov 25, 2025 – Oct 25, 2026",
		"SSO Included", "API Not included",
	} {
		if !strings.Contains(rows, want) {
			t.Errorf("entitlements lack %q: %s", want, rows)
		}
	}
	// A limit with a tracked usage gets a bar, named by its feature; nothing else does.
	meters := page.Find("main table meter")
	if meters.Length() != 1 || meters.AttrOr("value", "") != "3" || meters.AttrOr("max", "") != "10" || text(page.Find("#"+meters.AttrOr("aria-labelledby", "none"))) != "Seats" {
		t.Errorf("%d usage bars: %s", meters.Length(), render(t, meterBar(NewEntitlementRows(entitlements, day)[0], "x")))
	}
}

func TestSubscriptionPages(t *testing.T) {
	sub := sampleSubscription()
	en := testCatalog.Translator("en")
	list := text(parse(t, SubscriptionsPage(testPage("en"), SubscriptionListView{Subscriptions: NewSubscriptionRows([]models.Subscription{*sub})})).Find("main table tbody"))
	if want := "Pro plan Active €49.00 per month Renews on " + en.Date(sub.CurrentPeriodEnd); list != want {
		t.Errorf("subscription list = %q, want %q", list, want)
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

	// The facts say when it renews, or when it ends: never both, and "cancelled on" only
	// for a subscription that has ended.
	asked, endedAt := day.AddDate(0, 0, -3), day.AddDate(0, 0, -1)
	ending := sampleSubscription()
	ending.CancelAtPeriodEnd, ending.CanceledAt = true, &asked
	ended := sampleSubscription()
	ended.Status, ended.CanceledAt, ended.EndedAt = models.SubCanceled, &asked, &endedAt
	period := en.Date(sub.CurrentPeriodStart) + " – " + en.Date(sub.CurrentPeriodEnd)
	for _, tc := range []struct {
		name string
		s    *models.Subscription
		want string
	}{
		{"active", sub, "Price €49.00 per month Current period " + period + " Next billing date " + en.Date(sub.CurrentPeriodEnd)},
		{"ending", ending, "Price €49.00 per month Current period " + period + " Ends on " + en.Date(sub.CurrentPeriodEnd) + " Cancellation requested on " + en.Date(asked)},
		{"ended", ended, "Price €49.00 per month Current period " + period + " Ended on " + en.Date(endedAt) + " Cancelled on " + en.Date(asked)},
	} {
		facts := text(parse(t, SubscriptionPage(testPage("en"), SubscriptionView{Subscription: NewSubscriptionRow(tc.s), Option: models.CancelOptionNone})).Find("dl"))
		if facts != tc.want {
			t.Errorf("%s: facts %q, want %q", tc.name, facts, tc.want)
		}
	}
	for _, tc := range []struct {
		s    *models.Subscription
		want string
	}{{sub, "Renews on "}, {ending, "Ends on "}, {ended, "Ended on "}} {
		if got := renewal(en, NewSubscriptionRow(tc.s)); !strings.HasPrefix(got, tc.want) {
			t.Errorf("renewal = %q, want %q…", got, tc.want)
		}
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
	// At once: what happens to the period already paid for, and whom to ask about it.
	if got, end := text(now.Find("main form")), testCatalog.Translator("en").Date(row.Period.End); !strings.Contains(got, "ends immediately") ||
		!strings.Contains(got, "before the end of the current period on "+end) || !strings.Contains(got, "up to Acme Cloud") {
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
	customer := &models.Customer{Name: "Zoë", Email: "zoe@example.com", PreferredLocale: "de", Address: models.Address{City: "Köln", Country: "AT"}}
	m := &models.Merchant{EditableFields: []string{"email", "address"}}
	view := func(m *models.Merchant) ProfileView {
		return ProfileView{Form: NewProfileForm(customer), MayEdit: m.MayEdit, Requires: func(f string) bool { return m.ProfileRequires(f, customer) }}
	}
	doc := parse(t, ProfilePage(testPage("en"), view(m)))
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
	// The email the customer has may be changed, not removed: it is marked required; the
	// name is read-only here, so it is not.
	if _, required := doc.Find("#field-email").Attr("required"); !required || doc.Find(`label[for="field-email"] .req`).Length() != 1 || doc.Find(`label[for="field-name"] .req`).Length() != 0 {
		t.Error("required markers are wrong")
	}
	if doc.Find("main form .hint").First().Text() != "Fields marked * are required." {
		t.Error("no note explains the required mark")
	}
	// Postal code and city side by side.
	if doc.Find(".row #field-address-postal_code").Length() != 1 || doc.Find(".row #field-address-city").Length() != 1 {
		t.Error("postal code and city are not in one row")
	}
	// The country is a choice of names in the page's language, sorted as its speakers do.
	de := parse(t, ProfilePage(testPage("de"), view(m)))
	country := de.Find("select#field-address-country")
	if country.Find(`option[value="AT"][selected]`).Text() != "Österreich" || country.Find("option").Length() < 240 {
		t.Errorf("country select: %d options, selected %q", country.Find("option").Length(), country.Find("option[selected]").Text())
	}
	var names []string
	country.Find("option").Each(func(_ int, o *goquery.Selection) { names = append(names, o.Text()) })
	if i, j := slices.Index(names, "Österreich"), slices.Index(names, "Oman"); i < j || i > j+3 {
		t.Errorf("Österreich sorts at %d, Oman at %d: want it among the O's", i, j)
	}

	none := parse(t, ProfilePage(testPage("en"), view(&models.Merchant{})))
	if none.Find(`main form button`).Length() != 0 || !strings.Contains(text(none.Find("main form")), "Acme Cloud") || none.Find(".req").Length() != 0 {
		t.Error("a profile nobody may edit offers to save, or marks fields required")
	}
	if _, disabled := none.Find("#field-address-country").Attr("disabled"); !disabled {
		t.Error("the country is editable against the policy")
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

	if edit := doc.Find(`a[href="/portal/contacts/con_1"]`); text(edit) != "Edit Ada" || edit.Find(".sr").Text() != " Ada" {
		t.Errorf("the edit link reads %q: want a short word, and the name for screen readers", text(edit))
	}
}

func TestPaymentDetailsPage(t *testing.T) {
	authorised := day.AddDate(0, -2, 0)
	sepa := &models.PaymentDetails{ID: "pm_01jabcdefghjkmnpqrstvwxyz0", Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: "DE89370400440532013000", UpdatedAt: authorised}
	card := &models.PaymentDetails{Method: models.MethodCard, CardBrand: "american_express", CardLast4: "4242", CardExpMonth: 3, CardExpYear: 2030}
	creditor := Creditor{Name: "Acme Cloud", ID: "DE98ZZZ09999999999"}
	en := testCatalog.Translator("en")
	for _, tc := range []struct {
		name    string
		d       *models.PaymentDetails
		errs    FieldErrors
		shows   string
		mandate string // the mandate section, or "" for none
		open    bool   // the bank account form shows at once
	}{
		{"none", nil, nil, "No payment method is on file.", "", true},
		{"sepa", sepa, nil, "Method SEPA Direct Debit Account holder Zoë IBAN DE89 •••• •••• •••• •••• 00",
			"SEPA Direct Debit mandate Creditor Acme Cloud Creditor identifier DE98ZZZ09999999999 Mandate reference PM-01JABCDEFGHJKMNPQRSTVWXYZ0 Signed on " + en.Date(authorised) +
				" You can have any direct debit refunded by your bank within 8 weeks", false},
		{"sepa, refused", sepa, FieldErrors{"iban": "invalid_iban"}, "DE89 •••• •••• •••• •••• 00", "SEPA Direct Debit mandate", true},
		{"card", card, nil, "Card American Express ending in 4242 Expires 03/2030", "", false},
	} {
		v := PaymentDetailsView{OnFile: NewPaymentMethod(tc.d), Creditor: creditor, Form: PaymentDetailsForm{IBAN: "NL00", Errors: tc.errs}}
		doc := parse(t, PaymentDetailsPage(testPage("en"), v))
		if got := text(doc.Find(`section[aria-labelledby="on-file"]`)); !strings.Contains(got, tc.shows) {
			t.Errorf("%s: on file %q, want %q", tc.name, got, tc.shows)
		}
		if got := text(doc.Find(`section[aria-labelledby="mandate"]`)); !strings.HasPrefix(got, tc.mandate) || (tc.mandate == "") != (got == "") {
			t.Errorf("%s: mandate %q, want %q…", tc.name, got, tc.mandate)
		}
		form := doc.Find(`form[action="/portal/payment-details"]`)
		if form.Find(`#field-iban[value="NL00"]`).Length() != 1 || !strings.Contains(text(form), "within 8 weeks starting from the date on which your account was debited") {
			t.Errorf("%s: the form does not keep its input or lacks the mandate's text", tc.name)
		}
		// Replacing the account is asked for, not offered up front — unless there is none,
		// or the last try needs correcting.
		closed := doc.Find("details.disclosure:not([open]) form").Length() == 1
		if closed == tc.open {
			t.Errorf("%s: form shown at once = %t, want %t", tc.name, !closed, tc.open)
		}
	}
	unknown := parse(t, PaymentDetailsPage(testPage("en"), PaymentDetailsView{OnFile: NewPaymentMethod(sepa), Creditor: Creditor{Name: "Acme Cloud"}}))
	if strings.Contains(text(unknown.Find(`section[aria-labelledby="mandate"]`)), "Creditor identifier") {
		t.Error("a creditor identifier row without one")
	}
}

func TestNoticeAndErrorPages(t *testing.T) {
	unbranded := testPage("en")
	unbranded.Nav, unbranded.Brand = nil, Brand{PoweredBy: true}
	doc := parse(t, NoticePage(unbranded, NoticeView{Notice: NoticeLinkInvalid}))
	main := text(doc.Find("main"))
	if doc.Find(`[data-testid="link_invalid"]`).Length() != 1 || strings.Contains(main, "Acme") || doc.Find("main .steps li").Length() != 2 {
		t.Errorf("the unknown link's page gives no way forward: %q", main)
	}
	// Each notice says what happened in its own words; those the merchant can help with
	// say whom to ask.
	for notice, want := range map[Notice]string{
		NoticeLinkExpired:     "This link has expired For your security, links to the billing portal of Acme Cloud work for a limited time only. Need a new link? Ask Acme Cloud. help@acme.example",
		NoticeLinkRevoked:     "This link was withdrawn Acme Cloud has withdrawn this link",
		NoticeSessionIdle:     "Your session timed out",
		NoticeSessionReplaced: "This session has ended Another account's link was opened in this browser",
		NoticeSignedOut:       "You are signed out You have signed out of the billing portal of Acme Cloud.",
	} {
		branded := testPage("en")
		branded.Nav = nil
		doc := parse(t, NoticePage(branded, NoticeView{Notice: notice, SupportEmail: "help@acme.example"}))
		main := text(doc.Find("main"))
		if !strings.HasPrefix(main, want) || doc.Find(`main a.button[href="https://acme.example/account"]`).Length() != 1 {
			t.Errorf("%s: %q, want %q… and the way back", notice, main, want)
		}
		if asks := strings.Contains(main, "help@acme.example"); asks != (NoticeView{Notice: notice}).asksMerchant() {
			t.Errorf("%s: names the support address: %t", notice, asks)
		}
	}
	// Another feature adds its way forward beside the way back.
	extra := templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<a class="button" href="/login/acme">Email me a new link</a>`)
		return err
	})
	branded := testPage("en")
	branded.Nav = nil
	var b bytes.Buffer
	if err := NoticePage(branded, NoticeView{Notice: NoticeLinkExpired}).Render(templ.WithChildren(context.Background(), extra), &b); err != nil {
		t.Fatal(err)
	}
	withExtra, _ := goquery.NewDocumentFromReader(&b)
	if got := withExtra.Find(".notice .actions a"); got.Length() != 2 || got.Last().AttrOr("href", "") != "/login/acme" {
		t.Errorf("the notice's actions = %d links: want the way back and the added one", got.Length())
	}
	for status, want := range map[int]string{404: "error.404", 418: "error.400", 502: "error.500"} {
		main := text(parse(t, ErrorPage(unbranded, ErrorView{Status: status, RequestID: "req-1"})).Find("main"))
		if !strings.Contains(main, testCatalog.Translator("en").T(want)) || strings.Contains(main, "req-1") != (status >= 500) {
			t.Errorf("%d: %q", status, main)
		}
	}
}

func TestNoticeFor(t *testing.T) {
	for why, want := range map[models.SessionEnd]Notice{
		models.SessionSignedOut: NoticeSignedOut, models.SessionReplaced: NoticeSessionReplaced, models.SessionRevoked: NoticeLinkRevoked,
		models.SessionExpired: NoticeLinkExpired, models.SessionIdle: NoticeSessionIdle, "": NoticeSessionEnded,
	} {
		if got := NoticeFor(why); got != want {
			t.Errorf("NoticeFor(%q) = %s, want %s", why, got, want)
		}
	}
}

func TestSwitchPage(t *testing.T) {
	p := testPage("en")
	p.Nav = nil
	doc := parse(t, SwitchPage(p, SwitchView{Current: "Zoë Müller", CurrentMerchant: "Acme Cloud", Next: "Yusuf", Confirm: "/p/token", CSRFToken: "live-csrf"}))
	main := text(doc.Find("main"))
	if !strings.Contains(main, "signed in to the billing portal as Zoë Müller (Acme Cloud)") || !strings.Contains(main, "for Yusuf") {
		t.Errorf("switch page = %q", main)
	}
	form := doc.Find(`form[method="post"][action="/p/token"]`)
	if form.Find(`input[name="csrf_token"][value="live-csrf"]`).Length() != 1 || text(form.Find("button")) != "Continue as Yusuf" {
		t.Error("the confirmation is not a POST carrying the live session's token")
	}
	if stay := doc.Find(`a[href="/portal"]`); text(stay) != "Stay signed in as Zoë Müller" {
		t.Errorf("the way to stay = %q", text(stay))
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

func sampleMerchant() *models.Merchant {
	return &models.Merchant{
		Name: "Acme Cloud", VATID: "DE123456789",
		Address: models.Address{Line1: "Hauptstraße 1", PostalCode: "10115", City: "Berlin", Country: "DE"},
	}
}

func sampleCustomer() *models.Customer {
	return &models.Customer{
		Name: "Zoë Müller", Email: "zoe@example.com", TaxID: "NL123",
		Address: models.Address{Line1: "Keizersgracht 1", PostalCode: "1015 CJ", City: "Amsterdam", Country: "NL"},
	}
}
