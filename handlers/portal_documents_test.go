package handlers_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/pdftest"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// documents is a portal fixture for downloads: a merchant with seller details, and a
// customer with documents in 2025 and 2026, a draft, a credit note, and a neighbour's
// invoice that must never show.
type documents struct {
	*portalFixture
	neighbour *models.Invoice
}

func newDocuments(t *testing.T, db *models.DB, configure func(*handlers.Options)) *documents {
	t.Helper()
	f := &documents{portalFixture: newPortalFixture(t, db, configure)}
	ctx, s, sys := context.Background(), f.store, models.SystemActor
	fixtureStep[*models.Merchant](t)(s.UpdateMerchantSettings(ctx, f.merchant.ID, sys, models.MerchantSettings{
		VATID:   ptr("DE999999999"),
		Address: &models.AddressInput{Line1: ptr("Friedrichstraße 100"), PostalCode: ptr("10117"), City: ptr("Berlin"), Country: ptr("DE")},
	}))
	invoice := fixtureStep[*models.Invoice](t)
	create := func(customer, number string, issued time.Time, edit func(*models.InvoiceInput)) *models.Invoice {
		in := models.InvoiceInput{
			CustomerRef: customer, Number: number, Currency: "EUR", IssuedAt: &issued, Memo: "Memo of " + number,
			Lines: []models.InvoiceLineInput{{Description: "Pro plan", Quantity: 1, UnitAmount: 10000, TaxRate: 1900}},
		}
		if edit != nil {
			edit(&in)
		}
		return invoice(s.CreateInvoice(ctx, f.merchant.ID, sys, in))
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }
	cus := f.customer.ID
	create(cus, "2025/001", day(2025, 2, 1), nil)
	create(cus, "2025_001", day(2025, 3, 1), nil) // the same file name once made safe
	paid := create(cus, "INV-1", day(2026, 1, 15), nil)
	create(cus, "CN-1", day(2026, 2, 1), func(in *models.InvoiceInput) {
		in.Kind, in.CreditedInvoiceID = models.KindCreditNote, &paid.ID
	})
	create(cus, "DRAFT-1", day(2026, 3, 1), func(in *models.InvoiceInput) { in.Status = models.StatusDraft })
	other := fixtureStep[*models.Customer](t)(s.CreateCustomer(ctx, f.merchant.ID, sys, models.CustomerInput{Name: ptr("Neighbour")}))
	f.neighbour = create(other.ID, "SECRET-1", day(2026, 4, 1), nil)
	return f
}

// zipEntries reads a ZIP answer: its entries' names, in order, and their contents.
func zipEntries(t *testing.T, res *http.Response) ([]string, map[string][]byte) {
	t.Helper()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	archive, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a ZIP file: %v", err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range archive.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], err = io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		names = append(names, f.Name)
	}
	return names, files
}

// TestInvoiceArchive: the invoice list offers the years with documents; a year's archive is
// a ZIP file of its invoices and credit notes (drafts and other customers' never), each a
// PDF named by its number (made safe and unique) in the portal's language, from the
// merchant's seller details to the customer.
func TestInvoiceArchive(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newDocuments(t, db, nil)
		v := f.visitor()
		v.open(t, linkURL(t, f.portalFixture, "de"))

		form := v.page(t, views.InvoicesURL("", 1), http.StatusOK).Find(`[data-testid="archive-form"]`)
		if action, _ := form.Attr("action"); action != "/portal/invoices/archive" || form.AttrOr("method", "") != "get" {
			t.Errorf("archive form: %s %q", form.AttrOr("method", ""), action)
		}
		if years := form.Find(`select[name="year"] option`).Map(optionValue); !slices.Equal(years, []string{"2026", "2025"}) {
			t.Errorf("the years offered: %v, want [2026 2025]", years)
		}

		for _, tc := range []struct {
			year     int
			language string
			names    []string
			want     map[string][]string // entry → what its text shows
		}{
			{2025, "", []string{"2025_001.pdf", "2025_001-2.pdf"}, map[string][]string{
				"2025_001.pdf":   {"Rechnung 2025/001", "Memo of 2025/001", "1. Februar 2025", "Rechnungsempfänger Zoë Müller"},
				"2025_001-2.pdf": {"Rechnung 2025_001", "1. März 2025"},
			}},
			{2026, "fr", []string{"INV-1.pdf", "CN-1.pdf"}, map[string][]string{
				"INV-1.pdf": {"Facture INV-1", "Facturé à Zoë Müller", "119,00 €"},
				"CN-1.pdf":  {"Avoir CN-1", "Avoir sur la facture INV-1"},
			}},
		} {
			res := v.get(t, views.InvoiceArchiveURL(tc.year)+"&language="+tc.language)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("%d: %d %s", tc.year, res.StatusCode, res.Header.Get("Content-Type"))
			}
			_, params, _ := mime.ParseMediaType(res.Header.Get("Content-Disposition"))
			wantName := map[string]string{"": "rechnungen", "fr": "factures"}[tc.language]
			if params["filename"] != fmt.Sprintf("%s-%s-%d.zip", f.merchant.Slug, wantName, tc.year) {
				t.Errorf("%d: file name %q", tc.year, params["filename"])
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("%d: Cache-Control = %q, want no-store", tc.year, cc)
			}
			names, files := zipEntries(t, res)
			if !slices.Equal(names, tc.names) {
				t.Errorf("%d: entries %v, want %v", tc.year, names, tc.names)
			}
			for name, wants := range tc.want {
				text := pdftest.Text(t, files[name])
				for _, w := range append(wants, "Acme Cloud", "Friedrichstraße 100", "DE999999999") {
					if !strings.Contains(text, w) {
						t.Errorf("%d/%s lacks %q:\n%s", tc.year, name, w, text)
					}
				}
				if strings.Contains(text, "DRAFT") || strings.Contains(text, "SECRET") {
					t.Errorf("%d/%s shows what the customer may not see", tc.year, name)
				}
			}
		}
	})
}

// TestInvoiceArchiveProblems: something other than a year is a 400 page, a year without
// documents a 404 page; both in the portal's language, offering the years there are, and a
// session asking again and again is told to slow down.
func TestInvoiceArchiveProblems(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newDocuments(t, db, nil)
		v := f.visitor()
		v.open(t, linkURL(t, f.portalFixture, "de"))
		for _, tc := range []struct {
			query  string
			status int
			testid string
			text   string
		}{
			{"?year=2024", http.StatusNotFound, "archive-empty", "Sie haben keine Rechnungen oder Gutschriften aus dem Jahr 2024."},
			{"?year=abc", http.StatusBadRequest, "archive-bad_year", "Wählen Sie ein Jahr aus der Liste"},
			{"?year=99999", http.StatusBadRequest, "archive-bad_year", "Wählen Sie ein Jahr aus der Liste"},
			{"", http.StatusBadRequest, "archive-bad_year", "Wählen Sie ein Jahr aus der Liste"},
		} {
			doc := v.page(t, "/portal/invoices/archive"+tc.query, tc.status)
			if got := strings.TrimSpace(doc.Find(`[data-testid="` + tc.testid + `"]`).Text()); !strings.Contains(got, tc.text) {
				t.Errorf("%q: %q, want %q", tc.query, got, tc.text)
			}
			if years := doc.Find(`[data-testid="archive-form"] option`).Map(optionValue); !slices.Equal(years, []string{"2026", "2025"}) {
				t.Errorf("%q offers %v", tc.query, years)
			}
		}
		// Five archive requests a minute per session (four made above).
		if res := v.get(t, views.InvoiceArchiveURL(2025)); res.StatusCode != http.StatusOK {
			t.Errorf("the fifth request: %d", res.StatusCode)
		}
		res := v.get(t, views.InvoiceArchiveURL(2025))
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
			t.Errorf("the sixth request within a minute: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		// Another session of the same customer has its own allowance.
		other := f.visitor()
		other.open(t, linkURL(t, f.portalFixture, "de"))
		if res := other.get(t, views.InvoiceArchiveURL(2025)); res.StatusCode != http.StatusOK {
			t.Errorf("another session: %d", res.StatusCode)
		}
	})
}

// TestInvoiceArchiveOutlastsTheRequestDeadline: a large archive takes longer than a page may;
// it streams to the end under its own deadline, while pages keep theirs.
func TestInvoiceArchiveOutlastsTheRequestDeadline(t *testing.T) {
	const deadline = 150 * time.Millisecond
	f := newDocuments(t, testdb.SQLite(t), func(o *handlers.Options) { o.RequestTimeout = deadline })
	ctx := context.Background()
	for i := range 20 {
		issued := time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC)
		fixtureStep[*models.Invoice](t)(f.store.CreateInvoice(ctx, f.merchant.ID, models.SystemActor, models.InvoiceInput{
			CustomerRef: f.customer.ID, Number: fmt.Sprintf("2024-%03d", i), Currency: "EUR", IssuedAt: &issued,
			Lines: []models.InvoiceLineInput{{Description: "Pro plan", Quantity: 1, UnitAmount: 10000}},
		}))
	}
	v := f.visitor()
	v.open(t, linkURL(t, f.portalFixture, "en"))
	start := time.Now()
	res := v.get(t, views.InvoiceArchiveURL(2024))
	names, _ := zipEntries(t, res)
	if took := time.Since(start); took < deadline {
		t.Skipf("the archive took %v, under the %v request deadline: the machine is too fast for this test", took, deadline)
	}
	if res.StatusCode != http.StatusOK || len(names) != 20 {
		t.Errorf("an archive past the request deadline: %d with %d entries, want 200 with 20", res.StatusCode, len(names))
	}
}

// optionValue is an option's value, and its text when that says the same.
func optionValue(_ int, o *goquery.Selection) string {
	if v := o.AttrOr("value", ""); v == o.Text() {
		return v
	}
	return "value " + o.AttrOr("value", "") + " shown as " + o.Text()
}

// linkURL mints a link for the fixture's customer in lang.
func linkURL(t *testing.T, f *portalFixture, lang string) string {
	t.Helper()
	u, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{Locale: lang})
	return u
}

// signedIn is a visitor in the customer's portal in lang, and the documents it may see,
// newest first.
func (f *documents) signedIn(t *testing.T, lang string) (*visitor, []models.Invoice) {
	t.Helper()
	v := f.visitor()
	v.open(t, linkURL(t, f.portalFixture, lang))
	list, _, err := f.store.ListCustomerInvoices(context.Background(), models.CustomerScope(f.merchant.ID, f.customer.ID), models.InvoiceFilter{}, models.Page{Number: 1, PerPage: 10})
	if err != nil || len(list) == 0 {
		t.Fatal(err)
	}
	return v, list
}

// TestInvoicePDFNamesTheSeller: a single PDF from the portal carries the merchant's seller
// details, which the portal session itself does not load, in the portal's language.
func TestInvoicePDFNamesTheSeller(t *testing.T) {
	f := newDocuments(t, testdb.SQLite(t), nil)
	v, list := f.signedIn(t, "it")
	inv := list[len(list)-1] // 2025/001
	res := v.get(t, views.InvoicePDFURL(inv.ID))
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Disposition") != "attachment; filename=2025_001.pdf" {
		t.Fatalf("PDF: %d %q", res.StatusCode, res.Header.Get("Content-Disposition"))
	}
	text := pdftest.Text(t, body)
	for _, w := range []string{"Fattura 2025/001", "Emittente Acme Cloud", "Friedrichstraße 100", "Partita IVA: DE999999999", "Germania", "Note", "Memo of 2025/001"} {
		if !strings.Contains(text, w) {
			t.Errorf("the portal's PDF lacks %q:\n%s", w, text)
		}
	}
}

// TestInvoicePDFsWaitTheirTurn: a burst of downloads larger than the PDFs made at once is
// served in full, each in turn, none refused.
func TestInvoicePDFsWaitTheirTurn(t *testing.T) {
	f := newDocuments(t, testdb.SQLite(t), nil)
	v, list := f.signedIn(t, "en")
	// Requests of their own, with the visitor's cookies: a visitor is one goroutine's.
	download := func(id string) string {
		req, err := http.NewRequest(http.MethodGet, f.URL+views.InvoicePDFURL(id), nil)
		if err != nil {
			return err.Error()
		}
		for _, c := range v.cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		return fmt.Sprintf("%d %s %t %v", res.StatusCode, res.Header.Get("Content-Type"), bytes.HasPrefix(body, []byte("%PDF-")), err)
	}
	const downloads = 24
	statuses := make(chan string, downloads)
	for i := range downloads {
		go func() { statuses <- download(list[i%len(list)].ID) }()
	}
	for range downloads {
		if got := <-statuses; got != "200 application/pdf true <nil>" {
			t.Errorf("a download in the burst: %s", got)
		}
	}
}
