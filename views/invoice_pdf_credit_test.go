package views

import (
	"bytes"
	"strings"
	"testing"

	"github.com/portico/portico/internal/pdftest"
)

// TestInvoicePDFShowsWhatWasCredited: a credit note's amount is on its invoice's PDF, and
// the amount due is net of it.
func TestInvoicePDFShowsWhatWasCredited(t *testing.T) {
	catalog, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	doc := sampleDocument("Zoë", "invoice")
	doc.Invoice.AmountCredited, doc.Invoice.AmountDue = 23456, 100000
	var pdf bytes.Buffer
	if err := WriteInvoicePDF(&pdf, catalog.Translator("en"), doc); err != nil {
		t.Fatal(err)
	}
	if text := pdftest.Text(t, pdf.Bytes()); !strings.Contains(text, "Amount credited €234.56") || !strings.Contains(text, "Amount due €1,000.00") {
		t.Errorf("the PDF does not show the credit: %s", text)
	}
}
