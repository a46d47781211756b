package views

import (
	"io"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/portico/portico/models"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// InvoiceDocument is what an invoice or credit note PDF shows.
type InvoiceDocument struct {
	MerchantName string
	Customer     *models.Customer
	Invoice      *models.Invoice // with its lines
	Credited     *models.Invoice // for a credit note: the invoice it credits, if any
	Now          time.Time       // when it is downloaded: overdue is derived from it
	HowToPay     *HowToPay       // how to pay an open invoice; nil prints nothing
}

// A4 portrait in millimetres, with 15 mm margins.
const (
	pdfMargin = 15.0
	pdfWidth  = 210.0 - 2*pdfMargin
	pdfLine   = 5.0
)

// pdfColumns are the widths of the lines table: description, quantity, unit price, tax
// rate, amount.
var pdfColumns = [5]float64{80, 20, 30, 20, 30}

// WriteInvoicePDF renders an invoice or credit note as a PDF in the translator's language.
// It embeds the Go fonts, which cover Latin, Greek and Cyrillic, so every customer's name
// prints as written. The merchant's logo is not fetched: a render makes no outbound
// requests, so the merchant's name stands in the logo's place. Output is deterministic for
// the same document (dated by the invoice, not by the clock).
func WriteInvoicePDF(w io.Writer, t *Translator, d InvoiceDocument) error {
	inv := d.Invoice
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin)
	pdf.AddUTF8FontFromBytes("go", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("go", "B", gobold.TTF)
	title := t.Tf("invoice.title."+string(inv.Kind), map[string]any{"Number": inv.Number})
	pdf.SetTitle(title, true)
	pdf.SetAuthor(d.MerchantName, true)
	pdf.SetCreator("Portico", true)
	pdf.SetCatalogSort(true) // fonts in a fixed order: the same document gives the same bytes
	pdf.SetCreationDate(inv.IssuedAt)
	pdf.SetModificationDate(inv.IssuedAt)
	pdf.AddPage()

	pdf.SetFont("go", "B", 16)
	pdf.CellFormat(pdfWidth, 9, d.MerchantName, "", 1, "L", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont("go", "B", 13)
	pdf.CellFormat(pdfWidth, 8, title, "", 1, "L", false, 0, "")
	pdf.Ln(2)

	top := pdf.GetY()
	pdfFacts(pdf, t, d)
	factsEnd := pdf.GetY()
	pdf.SetXY(pdfMargin+pdfWidth/2+5, top)
	pdfBillTo(pdf, t, d.Customer)
	pdf.SetY(max(factsEnd, pdf.GetY()) + 6)

	pdfLines(pdf, t, inv)
	pdf.Ln(3)
	pdfTotals(pdf, t, inv)
	if d.HowToPay != nil {
		pdfHowToPay(pdf, t, *d.HowToPay)
	}
	return pdf.Output(w)
}

// pdfFacts prints the document's dates and status as label: value pairs on the left half.
func pdfFacts(pdf *fpdf.Fpdf, t *Translator, d InvoiceDocument) {
	inv := d.Invoice
	facts := [][2]string{
		{t.T("invoice.issued_on"), t.Date(inv.IssuedAt)},
		{t.T("invoice.due_on"), t.DateOf(inv.DueAt)},
		{t.T("invoice.period"), periodText(t, periodOf(inv.PeriodStart, inv.PeriodEnd))},
		{t.T("invoice.status"), t.T("invoice.status." + string(inv.DisplayStatus(d.Now)))},
	}
	if d.Credited != nil {
		facts = append(facts, [2]string{t.T("invoice.credits"), d.Credited.Number})
	}
	for _, f := range facts {
		if f[1] == "" {
			continue
		}
		pdf.SetFont("go", "B", 9)
		pdf.CellFormat(35, pdfLine, f[0], "", 0, "L", false, 0, "")
		pdf.SetFont("go", "", 9)
		pdf.CellFormat(pdfWidth/2-35, pdfLine, f[1], "", 1, "L", false, 0, "")
	}
}

// pdfBillTo prints the customer's billing name and address on the right half.
func pdfBillTo(pdf *fpdf.Fpdf, t *Translator, c *models.Customer) {
	x := pdf.GetX()
	line := func(s string) {
		if strings.TrimSpace(s) == "" {
			return
		}
		pdf.SetX(x)
		pdf.CellFormat(pdfWidth/2-5, pdfLine, s, "", 1, "L", false, 0, "")
	}
	pdf.SetFont("go", "B", 9)
	line(t.T("invoice.bill_to"))
	pdf.SetFont("go", "", 9)
	a := c.Address
	for _, s := range []string{c.Name, a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.State, a.Country} {
		line(s)
	}
	if c.TaxID != "" {
		line(t.T("profile.tax_id") + ": " + c.TaxID)
	}
}

// pdfLines prints the table of lines; long descriptions wrap within their column.
func pdfLines(pdf *fpdf.Fpdf, t *Translator, inv *models.Invoice) {
	headers := [5]string{
		t.T("invoice.line.description"), t.T("invoice.line.quantity"), t.T("invoice.line.unit_price"),
		t.T("invoice.line.tax_rate"), t.T("invoice.line.amount"),
	}
	pdf.SetFont("go", "B", 9)
	for i, h := range headers {
		align := "R"
		if i == 0 {
			align = "L"
		}
		pdf.CellFormat(pdfColumns[i], 7, h, "B", 0, align, false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("go", "", 9)
	for _, l := range inv.Lines {
		wrapped := pdf.SplitText(l.Description, pdfColumns[0]-2)
		height := pdfLine * float64(max(1, len(wrapped)))
		if pdf.GetY()+height > 297-pdfMargin {
			pdf.AddPage()
		}
		x, y := pdf.GetXY()
		pdf.MultiCell(pdfColumns[0], pdfLine, l.Description, "", "L", false)
		pdf.SetXY(x+pdfColumns[0], y)
		cells := [4]string{t.Number(l.Quantity), t.Money(l.UnitAmount, inv.Currency), t.Percent(int(l.TaxRate)), t.Money(l.Amount, inv.Currency)}
		for i, s := range cells {
			pdf.CellFormat(pdfColumns[i+1], height, s, "", 0, "R", false, 0, "")
		}
		pdf.SetXY(x, y+height)
	}
	pdf.Line(pdfMargin, pdf.GetY(), pdfMargin+pdfWidth, pdf.GetY())
}

// pdfTotals prints the totals, right-aligned under the amounts.
func pdfTotals(pdf *fpdf.Fpdf, t *Translator, inv *models.Invoice) {
	type total struct {
		label  string
		amount int64
		bold   bool
	}
	totals := []total{
		{t.T("invoice.subtotal"), inv.Subtotal, false},
		{t.T("invoice.tax"), inv.Tax, false},
		{t.T("invoice.total"), inv.Total, true},
	}
	if inv.Kind == models.KindInvoice {
		totals = append(totals, total{t.T("invoice.amount_paid"), inv.AmountPaid, false})
		if inv.AmountRefunded > 0 {
			totals = append(totals, total{t.T("invoice.amount_refunded"), inv.AmountRefunded, false})
		}
		if inv.AmountCredited > 0 {
			totals = append(totals, total{t.T("invoice.amount_credited"), inv.AmountCredited, false})
		}
		totals = append(totals, total{t.T("invoice.amount_due"), inv.AmountDue, true})
	}
	labelWidth := pdfColumns[2] + pdfColumns[3]
	for _, tt := range totals {
		style := ""
		if tt.bold {
			style = "B"
		}
		pdf.SetFont("go", style, 10)
		pdf.SetX(pdfMargin + pdfWidth - labelWidth - pdfColumns[4])
		pdf.CellFormat(labelWidth, 6, tt.label, "", 0, "R", false, 0, "")
		pdf.CellFormat(pdfColumns[4], 6, t.Money(tt.amount, inv.Currency), "", 1, "R", false, 0, "")
	}
}
