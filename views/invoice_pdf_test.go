package views

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/models"
)

// pdfText extracts a PDF's text with poppler's pdftotext, whitespace folded to single
// spaces (CLDR's no-break spaces included).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		msg := "PDF TEXT TESTS SKIPPED: no pdftotext (Debian: apt-get install -y poppler-utils)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	cmd := exec.Command(bin, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(string(out))), " ")
}

func sampleDocument(name string, kind models.InvoiceKind) InvoiceDocument {
	issued := time.Date(2026, time.March, 5, 9, 0, 0, 0, time.UTC)
	due := issued.AddDate(0, 0, 14)
	inv := &models.Invoice{
		Kind: kind, Number: "ACME-0042", Status: models.StatusOpen, Currency: "EUR",
		Subtotal: 103745, Tax: 19711, Total: 123456, AmountDue: 123456, IssuedAt: issued, DueAt: &due,
		Lines: []models.InvoiceLine{
			{Description: "Pro plan, March 2026 — a description long enough to wrap onto a second line of the table", Quantity: 1, UnitAmount: 100000, Amount: 100000, TaxRate: 1900, TaxAmount: 19000},
			{Description: "Extra seats", Quantity: 3, UnitAmount: 1248, Amount: 3745, TaxRate: 1900, TaxAmount: 711},
		},
	}
	if kind == models.KindCreditNote {
		inv.Status, inv.AmountDue = models.StatusIssued, 0
	}
	return InvoiceDocument{
		MerchantName: "Acme Cloud",
		Customer: &models.Customer{Name: name, TaxID: "DE123456789", Address: models.Address{
			Line1: "Hauptstraße 1", PostalCode: "10115", City: "Berlin", Country: "DE",
		}},
		Invoice: inv,
		Now:     issued,
	}
}

func TestInvoicePDF(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang, name string
		want       []string
	}{
		{"en", "Zoë Müller-Łukasiewicz", []string{"Invoice ACME-0042", "€1,234.56", "Amount due", "Hauptstraße 1", "19%", "Mar 19, 2026"}},
		{"de", "Zoë Müller-Łukasiewicz", []string{"Rechnung ACME-0042", "1.234,56 €", "Offener Betrag", "Rechnungsempfänger", "19 %", "19.03.2026"}},
		{"de", "Дмитрий Иванов", []string{"Rechnung ACME-0042", "1.234,56 €", "Zwischensumme", "1.037,45 €"}},
		{"fr", "Дмитрий Иванов", []string{"Facture ACME-0042", "1 234,56 €", "Montant dû"}},
	} {
		t.Run(tc.lang+" "+tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteInvoicePDF(&buf, catalog.Translator(tc.lang), sampleDocument(tc.name, models.KindInvoice)); err != nil {
				t.Fatal(err)
			}
			text := pdfText(t, buf.Bytes())
			for _, want := range append(tc.want, tc.name, "Acme Cloud", "DE123456789") {
				if !strings.Contains(text, want) {
					t.Errorf("PDF text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

func TestCreditNotePDFSaysCreditNote(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	doc := sampleDocument("Jan de Vries", models.KindCreditNote)
	doc.Credited = &models.Invoice{Number: "ACME-0041"}
	var buf bytes.Buffer
	if err := WriteInvoicePDF(&buf, catalog.Translator("nl"), doc); err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, buf.Bytes())
	for _, want := range []string{"Creditnota ACME-0042", "Crediteert factuur ACME-0041", "€ 1.234,56"} {
		if !strings.Contains(text, want) {
			t.Errorf("credit note text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Te betalen") {
		t.Errorf("a credit note shows an amount due:\n%s", text)
	}
}

func TestInvoicePDFIsDeterministic(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	doc := sampleDocument("Zoë", models.KindInvoice)
	if err := WriteInvoicePDF(&a, catalog.Translator("en"), doc); err != nil {
		t.Fatal(err)
	}
	if err := WriteInvoicePDF(&b, catalog.Translator("en"), doc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("the same document rendered twice gives different PDFs")
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
