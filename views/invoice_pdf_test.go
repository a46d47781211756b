package views

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/internal/pdftest"
	"github.com/portico/portico/models"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// mm converts millimetres to points.
func mm(v float64) float64 { return v / 25.4 * 72 }

// checkLayout fails when a word sticks out of the page's margins or covers another word:
// what a clipped or overflowing cell looks like.
func checkLayout(t *testing.T, words []pdftest.Word) {
	t.Helper()
	const slack = 0.5 // points: glyph boxes may poke past the cell by a hair
	for i, a := range words {
		if a.XMin < mm(pdfMargin)-slack || a.XMax > mm(210-pdfMargin)+slack || a.YMax > mm(pdfPageHeight-pdfMargin/2) {
			t.Errorf("page %d: %q sticks out of the page (x %.1f–%.1f, y %.1f)", a.Page, a.Text, a.XMin, a.XMax, a.YMax)
		}
		for _, b := range words[i+1:] {
			if a.Page == b.Page && a.XMin < b.XMax-slack && b.XMin < a.XMax-slack && a.YMin < b.YMax-slack && b.YMin < a.YMax-slack {
				t.Errorf("page %d: %q and %q overlap", a.Page, a.Text, b.Text)
			}
		}
	}
}

// longName is a customer name too long for its column on one line.
const longName = "Zoë Müller-Łukasiewicz und Söhne Internationale Handelsgesellschaft für Kaffeespezialitäten mbH & Co. KG"

const longMemo = "Thank you for your business.\nPlease pay within 14 days by bank transfer, quoting the invoice number ACME-0042 so that we can match your payment without delay."

func sampleDocument(name string, kind models.InvoiceKind) InvoiceDocument {
	issued := time.Date(2026, time.March, 5, 9, 0, 0, 0, time.UTC)
	due := issued.AddDate(0, 0, 14)
	inv := &models.Invoice{
		Kind: kind, Number: "ACME-0042", Status: models.StatusOpen, Currency: "EUR",
		Subtotal: 103745, Tax: 19711, Total: 123456, AmountDue: 123456, IssuedAt: issued, DueAt: &due,
		Memo: longMemo,
		Lines: []models.InvoiceLine{
			{Description: "Pro plan, March 2026 — a description long enough to wrap onto a second line of the table", Quantity: 1, UnitAmount: 100000, Amount: 100000, TaxRate: 1900, TaxAmount: 19000},
			{Description: "Extra seats", Quantity: 3, UnitAmount: 1248, Amount: 3745, TaxRate: 1900, TaxAmount: 711},
		},
	}
	if kind == models.KindCreditNote {
		inv.Status, inv.AmountDue = models.StatusIssued, 0
	}
	return InvoiceDocument{
		Seller: Seller{Name: "Acme Cloud GmbH", VATID: "DE999999999", Address: models.Address{
			Line1: "Friedrichstraße 100", PostalCode: "10117", City: "Berlin", Country: "DE",
		}},
		Customer: &models.Customer{Name: name, TaxID: "DE123456789", Address: models.Address{
			Line1: "Hauptstraße 1", PostalCode: "10115", City: "Berlin", Country: "DE",
		}},
		Invoice: inv,
		Now:     issued,
	}
}

func renderPDF(t testing.TB, lang string, doc InvoiceDocument) []byte {
	t.Helper()
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteInvoicePDF(&buf, catalog.Translator(lang), doc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestInvoicePDFInEveryLanguage renders the same invoice in each of the portal's languages:
// every word in its language (long dates, amounts, the country's name), the seller's address
// and VAT ID, the memo, the customer's long name whole and wrapped inside its column, no
// character the font lacks, and the document's title, subject, author and language set.
func TestInvoicePDFInEveryLanguage(t *testing.T) {
	tests := map[string]struct {
		title, subject string
		want           []string
	}{
		"en": {"Invoice ACME-0042", "Invoice ACME-0042 from Acme Cloud GmbH for " + longName,
			[]string{"€1,234.56", "Amount due €1,234.56", "From", "Bill to", "VAT ID: DE999999999", "Germany", "Issued on March 5, 2026", "Due date March 19, 2026", "19%", "Notes"}},
		"de": {"Rechnung ACME-0042", "Rechnung ACME-0042 von Acme Cloud GmbH für " + longName,
			[]string{"1.234,56 €", "Offener Betrag 1.234,56 €", "Rechnungsempfänger", "USt-IdNr.: DE999999999", "Deutschland", "5. März 2026", "19. März 2026", "19 %", "Hinweise"}},
		"fr": {"Facture ACME-0042", "Facture ACME-0042 de la part de Acme Cloud GmbH pour " + longName,
			[]string{"1 234,56 €", "Montant dû 1 234,56 €", "N° de TVA : DE999999999", "Numéro de TVA : DE123456789", "Allemagne", "5 mars 2026", "19 mars 2026", "Remarques"}},
		"nl": {"Factuur ACME-0042", "Factuur ACME-0042 van Acme Cloud GmbH voor " + longName,
			[]string{"€ 1.234,56", "Te betalen € 1.234,56", "Btw-nummer: DE999999999", "Duitsland", "5 maart 2026", "19 maart 2026", "Opmerkingen"}},
		"es": {"Factura ACME-0042", "Factura ACME-0042 de Acme Cloud GmbH para " + longName,
			[]string{"1234,56 €", "Importe pendiente 1234,56 €", "NIF-IVA: DE999999999", "Alemania", "5 de marzo de 2026", "19 de marzo de 2026", "Observaciones"}},
		"it": {"Fattura ACME-0042", "Fattura ACME-0042 di Acme Cloud GmbH per " + longName,
			[]string{"1234,56 €", "Importo da pagare 1234,56 €", "Partita IVA: DE999999999", "Germania", "5 marzo 2026", "19 marzo 2026", "Note"}},
	}
	if len(tests) != len(models.Locales) {
		t.Errorf("the test covers %d languages, the portal speaks %d", len(tests), len(models.Locales))
	}
	for _, lang := range models.Locales {
		tc := tests[lang]
		t.Run(lang, func(t *testing.T) {
			pdf := renderPDF(t, lang, sampleDocument(longName, models.KindInvoice))
			text := pdftest.Text(t, pdf)
			want := append(tc.want, tc.title, longName, "Acme Cloud GmbH", "Friedrichstraße 100", "10117 Berlin", "DE123456789",
				pdftest.FoldSpaces(strings.ReplaceAll(longMemo, "\n", " ")))
			for _, w := range want {
				if !strings.Contains(text, pdftest.FoldSpaces(w)) {
					t.Errorf("PDF text lacks %q:\n%s", w, text)
				}
			}
			checkLayout(t, pdftest.Words(t, pdf))

			info := pdftest.Info(t, pdf)
			for key, want := range map[string]string{"Title": tc.title, "Subject": tc.subject, "Author": "Acme Cloud GmbH", "Creator": "Portico", "Pages": "1"} {
				if info[key] != want {
					t.Errorf("pdfinfo %s = %q, want %q", key, info[key], want)
				}
			}
			if !bytes.Contains(pdf, []byte("/Lang ("+lang+")")) {
				t.Errorf("the PDF does not declare its language %s", lang)
			}
		})
	}
}

// TestInvoicePDFWrapsLongText: a name, a number, an amount or a description too long for its
// column wraps within it, on as many lines as it needs, and a word longer than the column
// breaks inside; nothing sticks out of the page or covers its neighbour.
func TestInvoicePDFWrapsLongText(t *testing.T) {
	doc := sampleDocument(strings.Repeat("Aktiengesellschaftsregisternummernvergabestelle", 3), models.KindInvoice)
	doc.Seller.Name = "Internationale Gesellschaft für Cloud-Dienste, Datenverarbeitung und Softwareentwicklung mit beschränkter Haftung"
	doc.Seller.Address.Line2 = strings.Repeat("Hinterhaus, Aufgang C, ", 6)
	doc.Invoice.Number = strings.Repeat("2026-ACME-", 6) + "0042"
	doc.Invoice.Lines[1].UnitAmount, doc.Invoice.Lines[1].Amount = 999_999_999_999, 999_999_999_999
	doc.Invoice.Lines[1].Quantity = 1_000_000
	doc.Invoice.Total = 999_999_999_999           // the most a line may be
	doc.Invoice.AmountDue = 9_007_199_254_740_993 // more than any invoice can be: still no overflow
	doc.Customer.Address.Country = "XK"           // a code CLDR names; one it does not stays as it is
	pdf := renderPDF(t, "de", doc)
	checkLayout(t, pdftest.Words(t, pdf))
	text := pdftest.Text(t, pdf)
	for _, w := range []string{"Internationale Gesellschaft für Cloud-Dienste", "Haftung", "Hinterhaus", "Kosovo",
		"1.000.000", "9.999.999.999,99 €", "Gesamtbetrag 9.999.999.999,99 €"} {
		if !strings.Contains(text, w) {
			t.Errorf("PDF text lacks %q:\n%s", w, text)
		}
	}
	// A word wider than its column breaks inside: all of it is there, in pieces.
	joined := strings.ReplaceAll(text, " ", "")
	for _, w := range []string{strings.Repeat("Aktiengesellschaftsregisternummernvergabestelle", 3), "90.071.992.547.409,93€", doc.Invoice.Number} {
		if !strings.Contains(joined, w) {
			t.Errorf("%q is not whole:\n%s", w, text)
		}
	}
}

// TestInvoicePDFSpansPages: an invoice with many lines goes on over pages, the table's
// header repeated on each, every page numbered "n of total".
func TestInvoicePDFSpansPages(t *testing.T) {
	doc := sampleDocument("Zoë", models.KindInvoice)
	line := doc.Invoice.Lines[0]
	doc.Invoice.Lines = nil
	for i := range 60 {
		line.Description = fmt.Sprintf("Line %d: usage of the storage add-on in the billing period, billed per started gigabyte", i+1)
		doc.Invoice.Lines = append(doc.Invoice.Lines, line)
	}
	doc.Invoice.Memo = strings.Repeat("A memo that goes on and on. ", 200)
	pdf := renderPDF(t, "en", doc)
	pages, _ := strconv.Atoi(pdftest.Info(t, pdf)["Pages"])
	if pages < 3 {
		t.Fatalf("60 long lines and a long memo fit on %d pages", pages)
	}
	words := pdftest.Words(t, pdf)
	checkLayout(t, words)
	text := pdftest.Text(t, pdf)
	for i := 1; i <= pages; i++ {
		if want := fmt.Sprintf("Invoice ACME-0042 · Page %d of %d", i, pages); !strings.Contains(text, want) {
			t.Errorf("no footer %q", want)
		}
	}
	headers := 0
	for _, w := range words {
		if w.Text == "Description" {
			headers++
		}
	}
	if headers < 2 {
		t.Errorf("the lines table's header shows %d times over %d pages", headers, pages)
	}
	// Read without the footers, which interrupt the text where a page ends.
	text = regexp.MustCompile(`Invoice ACME-0042 · Page \d+ of \d+ `).ReplaceAllString(text, "")
	if !strings.Contains(text, "Line 60: usage") || strings.Count(text, "A memo that goes on and on.") != 200 {
		t.Errorf("lines or memo went missing across pages:\n%s", text)
	}
}

// TestPDFFontDrawsEveryLanguage: every message the PDF prints, and the amounts, numbers and
// dates it formats, in every language, use only characters the embedded Go fonts can draw,
// once the PDF has mapped the spaces they lack (pdftotext cannot tell: it reads back the
// character, drawn or not).
func TestPDFFontDrawsEveryLanguage(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	font, err := sfnt.Parse(goregular.TTF)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("invoice_pdf.go")
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"invoice.title.invoice", "invoice.title.credit_note", "list.page_of"}
	for _, status := range []string{"open", "overdue", "paid", "void", "uncollectible", "issued"} {
		ids = append(ids, "invoice.status."+status)
	}
	for _, m := range regexp.MustCompile(`t\.T\("([a-z0-9_.]+)"\)|labelled\(t, "([a-z0-9_.]+)"`).FindAllSubmatch(src, -1) {
		ids = append(ids, string(m[1])+string(m[2]))
	}
	day := time.Date(2026, time.September, 30, 0, 0, 0, 0, time.UTC)
	var buf sfnt.Buffer
	for _, lang := range models.Locales {
		tr := catalog.Translator(lang)
		texts := []string{tr.Money(-123456789, "EUR"), tr.Money(123456789, "USD"), tr.Money(123456789, "CHF"), tr.Money(123456789, "GBP"),
			tr.Number(1234567), tr.Percent(1950), tr.LongDate(day), tr.Date(day), tr.Country("DE"), tr.Country("CH"),
			labelled(tr, "pdf.vat_id", "DE1"), tr.Tf("pdf.subject", map[string]any{"Title": "T", "Seller": "S", "Customer": "C"})}
		for _, id := range ids {
			texts = append(texts, tr.Tf(id, map[string]any{"Number": "1", "Page": 1, "Pages": 2}))
		}
		for _, text := range texts {
			for _, r := range pdfSpaces.Replace(text) {
				if g, err := font.GlyphIndex(&buf, r); err != nil || (g == 0 && r != ' ') {
					t.Errorf("%s: %q has %q (%U), which the Go fonts lack", lang, text, r, r)
				}
			}
		}
	}
}

// TestInvoicePDFSaysHowToPay: an open invoice's PDF prints how to pay it below the totals,
// the transfer details beside their QR code, and a long payment address wraps like any text.
func TestInvoicePDFSaysHowToPay(t *testing.T) {
	qr, err := TransferQRPNG("BCD\n002\n1\nSCT\n\nAcme Cloud GmbH\nDE89370400440532013000\nEUR1234.56\n\n\nACME-0042")
	if err != nil {
		t.Fatal(err)
	}
	doc := sampleDocument(longName, models.KindInvoice)
	doc.HowToPay = &HowToPay{
		PaymentURL: "https://pay.example.com/checkout/" + strings.Repeat("c0ffee", 20),
		Transfer: &TransferView{AccountHolder: "Acme Cloud GmbH", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "COBADEFFXXX",
			Amount: Money{Minor: 123456, Currency: "EUR"}, Reference: "ACME-0042"},
		TransferQR: qr,
	}
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range models.Locales {
		pdf := renderPDF(t, lang, doc)
		checkLayout(t, pdftest.Words(t, pdf))
		text := pdftest.Text(t, pdf)
		tr := catalog.Translator(lang)
		for _, want := range []string{tr.T("pay.pdf.title"), tr.T("pay.transfer.iban") + " DE89 3704 0044 0532 0130 00", "COBADEFFXXX", tr.T("pay.transfer.reference") + " ACME-0042"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: the PDF lacks %q:\n%s", lang, want, text)
			}
		}
		if !strings.Contains(strings.ReplaceAll(text, " ", ""), doc.HowToPay.PaymentURL) {
			t.Errorf("%s: the payment address is not whole:\n%s", lang, text)
		}
		if !bytes.Contains(pdf, []byte("/Subtype /Image")) {
			t.Errorf("%s: no QR code", lang)
		}
	}
}

func TestCreditNotePDFSaysCreditNote(t *testing.T) {
	doc := sampleDocument("Jan de Vries", models.KindCreditNote)
	doc.CreditedNumber = "ACME-0041"
	text := pdftest.Text(t, renderPDF(t, "nl", doc))
	for _, want := range []string{"Creditnota ACME-0042", "Crediteert factuur ACME-0041", "€ 1.234,56", "Uitgereikt"} {
		if !strings.Contains(text, want) {
			t.Errorf("credit note text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Te betalen") {
		t.Errorf("a credit note shows an amount due:\n%s", text)
	}
}

func TestInvoicePDFIsDeterministic(t *testing.T) {
	doc := sampleDocument("Zoë", models.KindInvoice)
	if !bytes.Equal(renderPDF(t, "en", doc), renderPDF(t, "en", doc)) {
		t.Error("the same document rendered twice gives different PDFs")
	}
}

func TestPDFFileNames(t *testing.T) {
	for number, want := range map[string]string{
		"ACME-0042":        "ACME-0042.pdf",
		"2026/0042":        "2026_0042.pdf",
		`..\..\etc\passwd`: "_.._etc_passwd.pdf",
		"Rechnung Nr. 7":   "Rechnung_Nr._7.pdf",
		"Счёт 1":           "Счёт_1.pdf",
		"CON":              "_CON.pdf",
		"nul.txt":          "_nul.txt.pdf",
		"...":              "_.pdf",
		"a\x00b\"c":        "a_b_c.pdf",
	} {
		if got := PDFFileName(number); got != want {
			t.Errorf("PDFFileName(%q) = %q, want %q", number, got, want)
		}
	}
	var names ArchiveNames
	var got []string
	for _, number := range []string{"A/1", "A_1", "a_1", "A_1-2", "B"} {
		got = append(got, names.Next(number))
	}
	if want := "A_1.pdf A_1-2.pdf a_1-3.pdf A_1-2-2.pdf B.pdf"; strings.Join(got, " ") != want {
		t.Errorf("archive names = %q, want %q", strings.Join(got, " "), want)
	}
}

func BenchmarkWriteInvoicePDF(b *testing.B) {
	catalog, err := LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	doc := sampleDocument("Zoë Müller-Łukasiewicz", models.KindInvoice)
	t := catalog.Translator("de")
	b.ReportAllocs()
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteInvoicePDF(&buf, t, doc); err != nil {
			b.Fatal(err)
		}
	}
}
