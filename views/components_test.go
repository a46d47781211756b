package views

import (
	"bytes"
	"context"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"
	"github.com/portico/portico/models"
)

var update = flag.Bool("update", false, "rewrite the golden HTML files in testdata/ with what the components render now, and countries_cldr.go with CLDR's names")

// testCatalog is loaded once for the package's tests.
var testCatalog = func() *Catalog {
	c, err := LoadCatalog()
	if err != nil {
		panic(err)
	}
	return c
}()

// testPage is a signed-in page in lang, as RequireSession makes one.
func testPage(lang string) *Page {
	return &Page{
		T: testCatalog.Translator(lang), Title: "Test", Stylesheet: "/static/portico.css", Favicon: "/static/favicon.svg",
		Brand: Brand{Name: "Acme Cloud", ReturnURL: "https://acme.example/account", PoweredBy: true},
		Nav: &Nav{
			CSRFToken: "csrf-token", Customer: "Zoë Müller",
			Path: "/portal/invoices", Query: url.Values{"status": {"open"}, "page": {"2"}, "language": {"en"}},
		},
	}
}

// render renders a component to HTML.
func render(t *testing.T, c templ.Component) string {
	t.Helper()
	var b bytes.Buffer
	if err := c.Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// parse renders a component and parses it as a user agent would.
func parse(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(render(t, c)))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// golden compares a component's HTML with testdata/<name>.html; with -update it writes it.
func golden(t *testing.T, name string, c templ.Component) {
	t.Helper()
	got := render(t, c) + "\n"
	path := filepath.Join("testdata", name+".html")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./views -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s renders\n%s\nwant (%s)\n%s", name, got, path, want)
	}
}

func TestStatusBadge(t *testing.T) {
	for _, tc := range []struct {
		name, lang, kind, value string
	}{
		{"status-invoice-overdue-en", "en", "invoice.status", "overdue"},
		{"status-invoice-paid-de", "de", "invoice.status", "paid"},
		{"status-subscription-canceling-fr", "fr", "subscription.status", "canceling"},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, status(testPage(tc.lang), tc.kind, tc.value)) })
	}
}

func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		m          Money
	}{
		{"money-eur-en", "en", Money{123456, "EUR"}},
		{"money-eur-de", "de", Money{123456, "EUR"}},
		{"money-refund-nl", "nl", Money{-1000, "EUR"}},
		{"money-jpy-en", "en", Money{5000, "JPY"}},
		{"money-usd-fr", "fr", Money{99, "USD"}},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, money(testPage(tc.lang), tc.m)) })
	}
}

func TestPager(t *testing.T) {
	url := func(n int) string { return InvoicesURL("open", n) }
	for _, tc := range []struct {
		name string
		info models.PageInfo
	}{
		{"pager-first-of-three", models.PageInfo{Page: 1, PerPage: 25, Total: 60}},
		{"pager-middle", models.PageInfo{Page: 2, PerPage: 25, Total: 60}},
		{"pager-last", models.PageInfo{Page: 3, PerPage: 25, Total: 60}},
		{"pager-one-page", models.PageInfo{Page: 1, PerPage: 25, Total: 25}},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, pager(testPage("en"), NewPager(tc.info, 25, url))) })
	}
	if got := render(t, pager(testPage("en"), NewPager(models.PageInfo{Page: 1, PerPage: 25}, 0, url))); got != "" {
		t.Errorf("an empty list has a pager: %s", got)
	}
}

func TestFieldWithError(t *testing.T) {
	for _, tc := range []struct {
		name, lang string
		f          Field
	}{
		{"field-error-en", "en", Field{Name: "email", Label: "Email", Value: "zoe@", Type: "email", Autocomplete: "email", Required: true, Error: "invalid_email"}},
		{"field-error-de", "de", Field{Name: "address.country", Label: "Land", Value: "XX", Autocomplete: "country", Error: "invalid_country"}},
		{"field-not-required", "en", Field{Name: "phone", Label: "Phone", Type: "tel"}},
		{"field-read-only", "en", Field{Name: "name", Label: "Name", Value: "Zoë", ReadOnly: true}},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, textField(testPage(tc.lang), tc.f)) })
	}

	// What the golden files show, as a screen reader relies on it.
	doc := parse(t, textField(testPage("en"), Field{Name: "address.city", Label: "City", Error: "required"}))
	input := doc.Find("input#field-address-city")
	if input.AttrOr("aria-invalid", "") != "true" || input.AttrOr("aria-describedby", "") != "field-address-city-error" {
		t.Errorf("the input is not tied to its error: %s", render(t, textField(testPage("en"), Field{Name: "address.city", Error: "required"})))
	}
	if got := doc.Find("#field-address-city-error").Text(); got != "Please fill in this field." {
		t.Errorf("error text = %q", got)
	}
	if doc.Find(`label[for="field-address-city"]`).Length() != 1 {
		t.Error("the input has no label")
	}
	// A required field is marked, an optional one is not; a read-only one never is.
	for _, tc := range []struct {
		f      Field
		marked bool
	}{
		{Field{Name: "name", Required: true}, true},
		{Field{Name: "phone"}, false},
		{Field{Name: "name", Required: true, ReadOnly: true}, false},
	} {
		if got := parse(t, textField(testPage("en"), tc.f)).Find("label .req").Length() == 1; got != tc.marked {
			t.Errorf("%+v: marked required = %t, want %t", tc.f, got, tc.marked)
		}
	}
}

func TestActions(t *testing.T) {
	p := testPage("en")
	p.Framed = true
	actions := []Action{
		DownloadPDF("inv_1"),
		{Label: "invoice.download_pdf", URL: "/portal/invoices/inv_1/act", Post: true, Primary: true},
		{Label: "invoice.download_pdf", URL: "https://pay.example/inv_1", External: true},
	}
	var html strings.Builder
	for _, a := range actions {
		html.WriteString(render(t, action(p, a)))
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html.String()))
	if err != nil {
		t.Fatal(err)
	}
	links, forms := doc.Find("a"), doc.Find("form")
	if links.Length() != 2 || forms.Length() != 1 {
		t.Fatalf("%d links and %d forms, want 2 and 1", links.Length(), forms.Length())
	}
	if pdf := links.First(); pdf.AttrOr("href", "") != "/portal/invoices/inv_1/pdf" || pdf.AttrOr("download", "x") == "x" || !pdf.HasClass("secondary") {
		t.Errorf("PDF action = %s", render(t, action(p, DownloadPDF("inv_1"))))
	}
	if post := forms.First(); post.AttrOr("method", "") != "post" || post.Find(`input[name="csrf_token"][value="csrf-token"]`).Length() != 1 || post.Find("button.secondary").Length() != 0 {
		t.Errorf("a POST action without its CSRF token, or not primary")
	}
	if pay := links.Last(); pay.AttrOr("target", "") != "_top" {
		t.Error("an external action in a framed session stays inside the frame")
	}
	p.Framed = false
	if target := parse(t, action(p, actions[2])).Find("a").AttrOr("target", ""); target != "" {
		t.Errorf("unframed, an external action has target %q", target)
	}
}
