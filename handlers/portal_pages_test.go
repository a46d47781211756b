package handlers_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"golang.org/x/net/html"
)

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

// column is the text of one column of a table's body rows.
func column(doc *goquery.Document, i int) []string {
	var cells []string
	doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		cells = append(cells, text(tr.Children().Eq(i)))
	})
	return cells
}

func TestPortalPagesShowTheCustomersAccount(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newBilling(t, db, nil)
		v := f.signIn(t, "en")

		t.Run("overview", func(t *testing.T) {
			doc := v.page(t, "/portal", http.StatusOK)
			balance := text(doc.Find(`section[aria-labelledby="balance"]`))
			// Two open EUR invoices of €119.00, less €50.00 paid; and the USD invoice.
			for _, want := range []string{"€188.00", "$1,234.56"} {
				if !strings.Contains(balance, want) {
					t.Errorf("balance %q lacks %s", balance, want)
				}
			}
			next := text(doc.Find(`section[aria-labelledby="next-invoice"]`))
			if !strings.Contains(next, "INV-0026") || !strings.Contains(next, "Overdue") {
				t.Errorf("next invoice = %q, want the overdue INV-0026", next)
			}
			subs := text(doc.Find(`section[aria-labelledby="active-subscriptions"]`))
			if !strings.Contains(subs, "Pro plan") || !strings.Contains(subs, "€49.00 per month") || !strings.Contains(subs, "€120.00 per year") {
				t.Errorf("subscriptions = %q", subs)
			}
		})

		t.Run("invoices, 25 a page, no drafts", func(t *testing.T) {
			doc := v.page(t, "/portal/invoices", http.StatusOK)
			numbers := column(doc, 0)
			if len(numbers) != 25 {
				t.Fatalf("first page has %d rows, want 25", len(numbers))
			}
			if numbers[0] != "CN-0001 Credit note" || numbers[1] != "INV-0027" || numbers[2] != "US-0001" {
				t.Errorf("first rows = %q, want newest first", numbers[:3])
			}
			statuses := column(doc, 1)
			if statuses[0] != "Issued" || statuses[1] != "Open" || statuses[3] != "Overdue" || statuses[4] != "Paid" {
				t.Errorf("statuses = %q", statuses[:5])
			}
			if got := column(doc, 5)[1]; got != "€119.00" {
				t.Errorf("INV-0027 total = %q", got)
			}
			if got := column(doc, 6)[1]; got != "€69.00" {
				t.Errorf("INV-0027 amount due = %q, want €69.00 after a €50.00 payment", got)
			}
			next, _ := doc.Find(`a[rel="next"]`).Attr("href")
			page2 := v.page(t, next, http.StatusOK)
			rest := column(page2, 0)
			if len(rest) != 4 || strings.Contains(strings.Join(append(numbers, rest...), " "), "INV-DRAFT") {
				t.Errorf("second page = %q: want the last 4 and never the draft", rest)
			}
			if res := v.get(t, "/portal/invoices/"+f.draft.ID); res.StatusCode != http.StatusNotFound {
				t.Errorf("draft invoice page: %d, want 404", res.StatusCode)
			}
		})

		t.Run("invoice filters", func(t *testing.T) {
			for _, tc := range []struct {
				status string
				want   []string
			}{
				{"overdue", []string{"INV-0026"}},
				{"open", []string{"INV-0027", "US-0001"}},
				{"credit_notes", []string{"CN-0001 Credit note"}},
				{"void", nil},
			} {
				doc := v.page(t, "/portal/invoices?status="+tc.status, http.StatusOK)
				if got := column(doc, 0); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Errorf("status=%s: %q, want %q", tc.status, got, tc.want)
				}
				if tc.want == nil && !strings.Contains(text(doc.Find("main")), "No invoices with this status.") {
					t.Errorf("status=%s: no empty state", tc.status)
				}
			}
			if res := v.get(t, "/portal/invoices?status=bogus"); res.StatusCode != http.StatusBadRequest {
				t.Errorf("unknown status: %d, want 400", res.StatusCode)
			}
			if res := v.get(t, "/portal/invoices?page=-1"); res.StatusCode != http.StatusBadRequest {
				t.Errorf("bad page: %d, want 400", res.StatusCode)
			}
		})

		t.Run("invoice detail", func(t *testing.T) {
			doc := v.page(t, "/portal/invoices/"+f.invoices[24].ID, http.StatusOK)
			main := text(doc.Find("main"))
			for _, want := range []string{
				"Invoice INV-0025", "Pro plan", "19%", "€100.00", "€19.00", "€119.00", "Refund", "-€10.00", "CN-0001",
				// The seller and the buyer as the merchant's settings and the profile have them.
				"From Acme Cloud Hauptstraße 1 10115 Berlin Germany VAT ID DE123456789",
				"Bill to Zoë Müller Keizersgracht 1 1015 CJ Amsterdam Netherlands zoe@example.com",
			} {
				if !strings.Contains(main, want) {
					t.Errorf("invoice page lacks %q:\n%s", want, main)
				}
			}
			if href, _ := doc.Find(`a[download]`).Attr("href"); href != "/portal/invoices/"+f.invoices[24].ID+"/pdf" {
				t.Errorf("PDF link = %q", href)
			}
			note := text(v.page(t, "/portal/invoices/"+f.creditNote.ID, http.StatusOK).Find("main"))
			if !strings.Contains(note, "Credit note CN-0001") || !strings.Contains(note, "Credits invoice INV-0025") {
				t.Errorf("credit note page = %q", note)
			}
		})

		t.Run("payments", func(t *testing.T) {
			doc := v.page(t, "/portal/payments", http.StatusOK)
			rows := text(doc.Find("main table tbody"))
			for _, want := range []string{"Refund", "SEPA Direct Debit", "-€10.00", "INV-0025", "Payment", "Card", "€50.00", "INV-0027", "Succeeded"} {
				if !strings.Contains(rows, want) {
					t.Errorf("payments lack %q: %s", want, rows)
				}
			}
		})

		t.Run("entitlements", func(t *testing.T) {
			rows := text(v.page(t, "/portal/entitlements", http.StatusOK).Find("main table tbody"))
			for _, want := range []string{"Seats", "10", "3 of 10", "Support", "Priority", "Not tracked"} {
				if !strings.Contains(rows, want) {
					t.Errorf("entitlements lack %q: %s", want, rows)
				}
			}
		})

		t.Run("subscriptions", func(t *testing.T) {
			doc := v.page(t, "/portal/subscriptions", http.StatusOK)
			if got := column(doc, 0); len(got) != 2 {
				t.Errorf("subscriptions = %q", got)
			}
			detail := text(v.page(t, "/portal/subscriptions/"+f.monthly.ID, http.StatusOK).Find("main"))
			if !strings.Contains(detail, "€49.00 per month") || !strings.Contains(detail, "Cancel subscription") {
				t.Errorf("subscription page = %q", detail)
			}
		})

		t.Run("account", func(t *testing.T) {
			doc := v.page(t, "/portal/profile", http.StatusOK)
			if got, _ := doc.Find(`input[name="name"]`).Attr("value"); got != "Zoë Müller" {
				t.Errorf("profile name = %q", got)
			}
			if rows := text(v.page(t, "/portal/contacts", http.StatusOK).Find("main table tbody")); !strings.Contains(rows, "Ada Lovelace ada@example.com") {
				t.Errorf("contacts = %q", rows)
			}
			onFile := text(v.page(t, "/portal/payment-details", http.StatusOK).Find(`section[aria-labelledby="on-file"]`))
			if !strings.Contains(onFile, "DE89 •••• •••• •••• •••• 00") {
				t.Errorf("payment details = %q", onFile)
			}
			if strings.Contains(onFile, "0532 0130") {
				t.Errorf("payment details show the full IBAN: %q", onFile)
			}
		})
	})
}

func TestPortalPagesSpeakGerman(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	v := f.signIn(t, "de")
	for path, want := range map[string][]string{
		"/portal":                                           {"188,00 €", "1.234,56 $", "Überfällig"},
		"/portal/invoices":                                  {"Rechnungen", "Gutschrift", "119,00 €", "Fälligkeitsdatum"},
		"/portal/invoices/" + f.invoices[24].ID:             {"Rechnung INV-0025", "19 %", "Erstattung", "-10,00 €"},
		"/portal/payments":                                  {"SEPA-Lastschrift", "Erstattung"},
		"/portal/entitlements":                              {"3 von 10"},
		"/portal/subscriptions/" + f.monthly.ID:             {"49,00 € pro Monat", "Abonnement kündigen"},
		"/portal/subscriptions/" + f.monthly.ID + "/cancel": {"Ja, Abonnement kündigen"},
		"/portal/profile":                                   {"Rechnungsadresse"},
		"/portal/contacts":                                  {"Kontakt hinzufügen"},
		"/portal/payment-details":                           {"Kontoinhaber"},
	} {
		doc := v.page(t, path, http.StatusOK)
		if lang, _ := doc.Find("html").Attr("lang"); lang != "de" {
			t.Errorf("%s: lang = %q", path, lang)
		}
		main := text(doc.Find("body"))
		for _, w := range want {
			if !strings.Contains(main, w) {
				t.Errorf("%s lacks %q:\n%s", path, w, main)
			}
		}
		for _, english := range []string{"Invoice", "Payment", "Subscription", "Overdue", "Cancel ", "Save"} {
			if strings.Contains(main, english) {
				t.Errorf("%s shows English %q", path, english)
			}
		}
	}
}

// TestEveryPortalPageHasTheSectionNav: every page of a session links the six sections, in
// order, and marks the one the page belongs to.
func TestEveryPortalPageHasTheSectionNav(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	v := f.signIn(t, "en")
	sections := []string{"/portal", "/portal/invoices", "/portal/payments", "/portal/subscriptions", "/portal/entitlements", "/portal/profile"}
	sub, contact := "/portal/subscriptions/"+f.monthly.ID, "/portal/contacts/"+f.contact.ID
	for path, current := range map[string]string{
		"/portal":                               "/portal",
		"/portal/invoices?status=open":          "/portal/invoices",
		"/portal/invoices/" + f.invoices[24].ID: "/portal/invoices",
		"/portal/payments":                      "/portal/payments",
		"/portal/subscriptions":                 "/portal/subscriptions",
		sub:                                     "/portal/subscriptions",
		sub + "/cancel":                         "/portal/subscriptions",
		"/portal/entitlements":                  "/portal/entitlements",
		"/portal/profile":                       "/portal/profile",
		"/portal/contacts":                      "/portal/profile",
		contact:                                 "/portal/profile",
		contact + "/delete":                     "/portal/profile",
		"/portal/payment-details":               "/portal/profile",
	} {
		nav := v.page(t, path, http.StatusOK).Find(`nav.sections`)
		var links []string
		nav.Find("a").Each(func(_ int, a *goquery.Selection) { links = append(links, a.AttrOr("href", "")) })
		if strings.Join(links, " ") != strings.Join(sections, " ") {
			t.Errorf("%s: section nav links %q, want %q", path, links, sections)
		}
		if marked := nav.Find(`a[aria-current="page"]`); marked.Length() != 1 || marked.AttrOr("href", "") != current {
			t.Errorf("%s: the nav marks %q, want %s alone", path, marked.AttrOr("href", ""), current)
		}
	}
}

func TestPortalEmptyStates(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	v := f.visitor()
	v.open(t, linkURL)
	for path, want := range map[string]string{
		"/portal":                 "Nothing to pay New invoices from Acme Cloud will show here when they are issued.",
		"/portal/invoices":        "No invoices yet. Invoices from Acme Cloud will show here when they are issued.",
		"/portal/payments":        "No payments yet. Your payments and refunds will show here once Acme Cloud records them.",
		"/portal/entitlements":    "No entitlements yet. What your plan includes will show here.",
		"/portal/subscriptions":   "You have no subscriptions with Acme Cloud yet.",
		"/portal/contacts":        "No contacts yet. Add the people who handle billing with you.",
		"/portal/payment-details": "No payment method is on file.",
	} {
		if got := text(v.page(t, path, http.StatusOK).Find("main")); !strings.Contains(got, want) {
			t.Errorf("%s: %q lacks %q", path, got, want)
		}
	}
}

// TestPortalNeverShowsAnotherCustomer tries every URL that takes an ID with the rows of
// another customer of the same merchant and of another merchant.
func TestPortalNeverShowsAnotherCustomer(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newBilling(t, db, nil)
		v := f.signIn(t, "en")
		token := v.csrfToken(t)
		for name, rows := range map[string]foreignRows{"same merchant": f.neighbour, "other merchant": f.otherMerchant} {
			for _, path := range []string{
				"/portal/invoices/" + rows.invoice.ID,
				"/portal/invoices/" + rows.invoice.ID + "/pdf",
				"/portal/subscriptions/" + rows.subscription.ID,
				"/portal/subscriptions/" + rows.subscription.ID + "/cancel",
				"/portal/contacts/" + rows.contact.ID,
				"/portal/contacts/" + rows.contact.ID + "/delete",
			} {
				res := v.get(t, path)
				body, _ := io.ReadAll(res.Body)
				if res.StatusCode != http.StatusNotFound || strings.Contains(string(body), "Secret") {
					t.Errorf("%s GET %s: %d, want 404 without the row", name, path, res.StatusCode)
				}
			}
			for _, path := range []string{
				"/portal/subscriptions/" + rows.subscription.ID + "/cancel",
				"/portal/subscriptions/" + rows.subscription.ID + "/resume",
				"/portal/contacts/" + rows.contact.ID,
			} {
				form := map[string][]string{"csrf_token": {token}, "name": {"Hijacked"}, "email": {"x@example.com"}}
				if res := v.post(t, path, form); res.StatusCode != http.StatusNotFound {
					t.Errorf("%s POST %s: %d, want 404", name, path, res.StatusCode)
				}
			}
			v.post(t, "/portal/contacts/"+rows.contact.ID+"/delete", map[string][]string{"csrf_token": {token}})
		}
		for name, rows := range map[string]foreignRows{"same merchant": f.neighbour} {
			sub, err := f.store.GetSubscription(t.Context(), models.MerchantScope(f.merchant.ID), rows.subscription.ID)
			if err != nil || sub.CanceledAt != nil {
				t.Errorf("%s: subscription changed: %v %+v", name, err, sub)
			}
			contacts, _, err := f.store.ListContacts(t.Context(), models.MerchantScope(f.merchant.ID).Customer(rows.contact.CustomerID), models.ContactQuery{})
			if err != nil || len(contacts) != 1 || contacts[0].Name != "Secret contact" {
				t.Errorf("%s: contacts changed: %v %+v", name, err, contacts)
			}
		}
	})
}

// TestPortalPagesStayLight: every page of the portal is at most 14 KB gzipped (the design's
// budget: one round trip's worth), ships no script and no inline style, and the stylesheet
// stays under 10 KB. go test -v prints each size.
func TestPortalPagesStayLight(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	v := f.signIn(t, "de") // German: the longest words
	v.header.Set("Accept-Encoding", "gzip")
	pages := map[string]string{
		"overview": "/portal", "invoices (25)": "/portal/invoices", "invoice": "/portal/invoices/" + f.invoices[24].ID,
		"payments": "/portal/payments", "entitlements": "/portal/entitlements", "subscriptions": "/portal/subscriptions",
		"subscription": "/portal/subscriptions/" + f.monthly.ID, "cancel": "/portal/subscriptions/" + f.monthly.ID + "/cancel",
		"profile": "/portal/profile", "contacts": "/portal/contacts", "payment details": "/portal/payment-details",
	}
	for _, name := range sorted(pages) {
		res := v.get(t, pages[name])
		compressed, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: %d, Content-Encoding %q; want 200, gzip", name, res.StatusCode, res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(compressed))
		if err != nil {
			t.Fatal(err)
		}
		html, _ := io.ReadAll(zr)
		t.Logf("%-16s %6d bytes gzipped, %6d bytes of HTML", name, len(compressed), len(html))
		if len(compressed) > 14*1024 {
			t.Errorf("%s is %d bytes gzipped, want at most 14 KB", name, len(compressed))
		}
		doc, err := goquery.NewDocumentFromReader(bytes.NewReader(html))
		if err != nil {
			t.Fatal(err)
		}
		if doc.Find("script").Length() != 0 || doc.Find("[style]").Length() != 0 || doc.Find("style").Length() != 0 {
			t.Errorf("%s ships a script or an inline style", name)
		}
		if name == "invoices (25)" && doc.Find("main table tbody tr").Length() != 25 {
			t.Errorf("the page lists %d invoices, want 25", doc.Find("main table tbody tr").Length())
		}
	}
	v.header.Del("Accept-Encoding")
	css := readHTML(t, v.get(t, "/portal")).Find(`link[rel="stylesheet"]`).AttrOr("href", "")
	res := f.get(t, css)
	body, _ := io.ReadAll(res.Body)
	t.Logf("%-16s %6d bytes", "stylesheet", len(body))
	if res.StatusCode != http.StatusOK || len(body) >= 10*1024 {
		t.Errorf("stylesheet %s: %d, %d bytes, want under 10 KB", css, res.StatusCode, len(body))
	}
}

func TestInvoicePDFDownload(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newBilling(t, db, nil)
		v := f.signIn(t, "de")
		res := v.get(t, "/portal/invoices/"+f.invoices[24].ID+"/pdf")
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
			res.Header.Get("Content-Disposition") != `attachment; filename=INV-0025.pdf` || !bytes.HasPrefix(body, []byte("%PDF-")) {
			t.Fatalf("PDF: %d %q %q %.8q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), body)
		}
		if res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("PDF Cache-Control = %q, want no-store", res.Header.Get("Cache-Control"))
		}
		if res := v.get(t, "/portal/invoices/"+f.draft.ID+"/pdf"); res.StatusCode != http.StatusNotFound {
			t.Errorf("draft PDF: %d, want 404", res.StatusCode)
		}
		if res := v.get(t, "/portal/invoices/"+f.creditNote.ID+"/pdf"); res.StatusCode != http.StatusOK {
			t.Errorf("credit note PDF: %d", res.StatusCode)
		}
	})
}

// rawMessageID matches what a missing translation renders as: its catalog ID.
var rawMessageID = regexp.MustCompile(`^(site|portal|notice|switch|overview|list|invoices?|payments?|entitlements?|subscriptions?|interval|account|profile|contacts?|payment_details|form|done|error)\.[a-z0-9_.-]+$`)

// TestPortalIsNotForSearchEngines: portal pages say noindex in a header, whatever answers,
// and /robots.txt turns every crawler away.
func TestPortalIsNotForSearchEngines(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	v := f.signIn(t, "en")
	link, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	for _, path := range []string{"/portal", "/portal/invoices/" + f.invoices[24].ID, "/portal/invoices/" + f.invoices[24].ID + "/pdf", "/p/not-a-token", strings.TrimPrefix(link, "http://portico.test")} {
		if got := v.get(t, path).Header.Get("X-Robots-Tag"); got != "noindex, nofollow" {
			t.Errorf("%s: X-Robots-Tag %q, want noindex, nofollow", path, got)
		}
	}
	res := f.get(t, "/robots.txt")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") || string(body) != "User-agent: *\nDisallow: /\n" {
		t.Errorf("/robots.txt: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

// TestEveryPageInEveryLanguageIsTranslated walks every portal page in each language and
// fails on any text or attribute that is a message ID instead of a message.
func TestEveryPageInEveryLanguageIsTranslated(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	pages := []string{
		"/portal", "/portal/invoices", "/portal/invoices?status=void", "/portal/invoices?status=credit_notes",
		"/portal/invoices/" + f.invoices[24].ID, "/portal/invoices/" + f.creditNote.ID, "/portal/payments",
		"/portal/entitlements", "/portal/subscriptions", "/portal/subscriptions/" + f.monthly.ID,
		"/portal/subscriptions/" + f.monthly.ID + "/cancel", "/portal/profile", "/portal/contacts",
		"/portal/contacts/" + f.contact.ID, "/portal/contacts/" + f.contact.ID + "/delete", "/portal/payment-details",
		"/portal/invoices/inv_00000000000000000000000000",
	}
	neighbour, _ := f.mint(t, f.merchant.ID, f.neighbour.invoice.CustomerID, models.PortalLinkInput{})
	for _, lang := range models.Locales {
		v := f.signIn(t, lang)
		docs := map[string]*goquery.Document{}
		for _, path := range pages {
			docs[path] = readHTML(t, v.get(t, path))
		}
		// A confirmation, the question before switching customers, and signing out.
		v.post(t, "/portal/contacts/"+f.contact.ID, url.Values{"csrf_token": {v.csrfToken(t)}, "name": {"Ada Lovelace"}, "email": {"ada@example.com"}})
		docs["flash"] = readHTML(t, v.get(t, "/portal/contacts"))
		docs["switch"] = readHTML(t, v.get(t, strings.TrimPrefix(neighbour, "http://portico.test")))
		docs["signed out"] = readHTML(t, v.post(t, "/portal/logout", url.Values{"csrf_token": {v.csrfToken(t)}}))
		for path, doc := range docs {
			if got, _ := doc.Find("html").Attr("lang"); got != lang {
				t.Errorf("%s %s: lang=%q", lang, path, got)
			}
			if path == "flash" && doc.Find(".flash").Length() != 1 {
				t.Errorf("%s: no confirmation after saving a contact", lang)
			}
			doc.Find("*").Each(func(_ int, s *goquery.Selection) {
				for _, n := range s.Nodes {
					for _, a := range n.Attr {
						if rawMessageID.MatchString(a.Val) && a.Key != "href" && a.Key != "action" {
							t.Errorf("%s %s: untranslated %s=%q", lang, path, a.Key, a.Val)
						}
					}
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						if c.Type == html.TextNode && rawMessageID.MatchString(strings.TrimSpace(c.Data)) {
							t.Errorf("%s %s: untranslated text %q", lang, path, strings.TrimSpace(c.Data))
						}
					}
				}
			})
		}
	}
}
