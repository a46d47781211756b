package views

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"codeberg.org/go-pdf/fpdf"
	"github.com/portico/portico/models"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// InvoiceDocument is what an invoice or credit note PDF shows.
type InvoiceDocument struct {
	Seller   Seller
	Customer *models.Customer
	Invoice  *models.Invoice // with its lines
	// CreditedNumber is, for a credit note, the number of the invoice it credits: empty when
	// there is none or the reader may not see it.
	CreditedNumber string
	Now            time.Time // when it is downloaded: overdue is derived from it
	HowToPay       *HowToPay // how to pay an open invoice; nil prints nothing
}

// Seller is the merchant as its documents name it.
type Seller struct {
	Name    string
	Address models.Address
	VATID   string
}

// SellerOf is how a merchant signs its invoices.
func SellerOf(m *models.Merchant) Seller {
	return Seller{Name: m.Name, Address: m.Address, VATID: m.VATID}
}

// A4 portrait in millimetres, with 15 mm margins.
const (
	pdfMargin     = 15.0
	pdfPageHeight = 297.0
	pdfWidth      = 210.0 - 2*pdfMargin
	pdfLine       = 4.5 // the height of a line of 9 pt text
	pdfGutter     = 10.0
	pdfHalf       = (pdfWidth - pdfGutter) / 2
	pdfLabelWidth = 45.0 // the labels of the document's dates and status
	pdfFont       = "go"
)

// pdfColumns are the widths of the lines table: description, quantity, unit price, tax
// rate, amount.
var pdfColumns = [5]float64{80, 20, 30, 20, 30}

// pdfSpaces maps the spaces CLDR formats use and the Go fonts lack (French groups digits with
// a narrow no-break space) to the no-break space they have, so "1 234,56 €" prints with a
// visible gap instead of an empty glyph.
var pdfSpaces = strings.NewReplacer("\u202f", "\u00a0", "\u2009", "\u00a0", "\u2007", "\u00a0")

// pdfPagesAlias stands for the number of pages until the document is complete.
const pdfPagesAlias = "{nb}"

// WriteInvoicePDF renders an invoice or credit note as a PDF in the translator's language:
// document title, subject, author and language set, so viewers and screen readers name and
// read it right. It embeds the Go fonts, which cover Latin, Greek and Cyrillic, so every
// customer's name prints as written; every text wraps within its column, however long. The
// merchant's logo is not fetched: a render makes no outbound requests, so the merchant's name
// stands in the logo's place. Output is deterministic for the same document (dated by the
// invoice, not by the clock).
//
// fpdf parses each font again for every document: its parsed fonts are private to one
// document and rewritten while the document is written out, so they cannot be shared.
func WriteInvoicePDF(w io.Writer, t *Translator, d InvoiceDocument) error {
	inv := d.Invoice
	pdf := fpdf.New("P", "mm", "A4", "")
	title := t.Tf("invoice.title."+string(inv.Kind), map[string]any{"Number": inv.Number})
	pdf.SetTitle(title, true)
	pdf.SetSubject(t.Tf("pdf.subject", map[string]any{"Title": title, "Seller": d.Seller.Name, "Customer": d.Customer.Name}), true)
	pdf.SetAuthor(d.Seller.Name, true)
	pdf.SetCreator("Portico", true)
	pdf.SetLang(t.Lang())
	pdf.SetCatalogSort(true) // fonts in a fixed order: the same document gives the same bytes
	pdf.SetCreationDate(inv.IssuedAt)
	pdf.SetModificationDate(inv.IssuedAt)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	// Rows break pages themselves, whole, so a wrapped row never splits across two pages.
	pdf.SetAutoPageBreak(false, pdfMargin)
	// The footer's page total, filled in when the document is complete. Its digits are in
	// the font subset: the last page's footer prints its own number, which is the total.
	pdf.AliasNbPages(pdfPagesAlias)
	pdf.AddUTF8FontFromBytes(pdfFont, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfFont, "B", gobold.TTF)
	doc := &invoicePDF{pdf: pdf, t: t, d: d, title: title}
	pdf.SetFooterFunc(doc.footer)
	pdf.AddPage()
	pdf.SetFont(pdfFont, "", 9)

	doc.header()
	doc.parties()
	doc.facts()
	doc.lines()
	doc.totals()
	if d.HowToPay != nil {
		doc.howToPay(*d.HowToPay)
	}
	doc.memo()
	return pdf.Output(w)
}

// invoicePDF is one document being written.
type invoicePDF struct {
	pdf   *fpdf.Fpdf
	t     *Translator
	d     InvoiceDocument
	title string
}

// pdfCell is one cell of a row: text wrapped to its width.
type pdfCell struct {
	width float64
	align string // "L" or "R"
	bold  bool
	text  string
}

// header names the seller, large, where a letterhead would be, and the document.
func (p *invoicePDF) header() {
	p.pdf.SetFontSize(16)
	p.row(pdfMargin, 7, pdfCell{pdfWidth, "L", true, p.d.Seller.Name})
	p.pdf.Ln(3)
	p.pdf.SetFontSize(13)
	p.row(pdfMargin, 6, pdfCell{pdfWidth, "L", true, p.title})
	p.pdf.Ln(4)
}

// parties prints the seller (From) and the customer (Bill to) side by side.
func (p *invoicePDF) parties() {
	t, seller, c := p.t, p.d.Seller, p.d.Customer
	from := append([]string{seller.Name}, addressLines(t, seller.Address)...)
	if seller.VATID != "" {
		from = append(from, labelled(t, "pdf.vat_id", seller.VATID))
	}
	billTo := append([]string{c.Name}, addressLines(t, c.Address)...)
	if c.TaxID != "" {
		billTo = append(billTo, labelled(t, "profile.tax_id", c.TaxID))
	}
	p.pdf.SetFontSize(9)
	top := p.pdf.GetY()
	p.block(pdfMargin, t.T("pdf.from"), from)
	fromEnd := p.pdf.GetY()
	p.pdf.SetY(top)
	p.block(pdfMargin+pdfHalf+pdfGutter, t.T("invoice.bill_to"), billTo)
	p.pdf.SetY(max(fromEnd, p.pdf.GetY()) + 5)
}

// block prints a heading and lines in a half-page column at x, the heading and the first
// line (a name) bold.
func (p *invoicePDF) block(x float64, heading string, lines []string) {
	p.row(x, pdfLine, pdfCell{pdfHalf, "L", true, heading})
	for i, s := range lines {
		p.row(x, pdfLine, pdfCell{pdfHalf, "L", i == 0, s})
	}
}

// facts prints the document's dates and status as label and value.
func (p *invoicePDF) facts() {
	t, inv := p.t, p.d.Invoice
	facts := [][2]string{
		{t.T("invoice.issued_on"), t.LongDate(inv.IssuedAt)},
		{t.T("invoice.due_on"), longDateOf(t, inv.DueAt)},
		{t.T("invoice.period"), periodText(t, periodOf(inv.PeriodStart, inv.PeriodEnd))},
		{t.T("invoice.status"), t.T("invoice.status." + string(inv.DisplayStatus(p.d.Now)))},
	}
	if p.d.CreditedNumber != "" {
		facts = append(facts, [2]string{t.T("invoice.credits"), p.d.CreditedNumber})
	}
	p.pdf.SetFontSize(9)
	for _, f := range facts {
		if f[1] != "" {
			p.row(pdfMargin, pdfLine, pdfCell{pdfLabelWidth, "L", true, f[0]}, pdfCell{pdfWidth - pdfLabelWidth, "L", false, f[1]})
		}
	}
	p.pdf.Ln(5)
}

// lines prints the table of lines, its header repeated on every page it spans.
func (p *invoicePDF) lines() {
	t, inv := p.t, p.d.Invoice
	header := func() {
		p.row(pdfMargin, pdfLine,
			pdfCell{pdfColumns[0], "L", true, t.T("invoice.line.description")},
			pdfCell{pdfColumns[1], "R", true, t.T("invoice.line.quantity")},
			pdfCell{pdfColumns[2], "R", true, t.T("invoice.line.unit_price")},
			pdfCell{pdfColumns[3], "R", true, t.T("invoice.line.tax_rate")},
			pdfCell{pdfColumns[4], "R", true, t.T("invoice.line.amount")},
		)
		p.rule()
	}
	p.pdf.SetFontSize(9)
	header()
	for _, l := range inv.Lines {
		cells := []pdfCell{
			{pdfColumns[0], "L", false, l.Description},
			{pdfColumns[1], "R", false, t.Number(l.Quantity)},
			{pdfColumns[2], "R", false, t.Money(l.UnitAmount, inv.Currency)},
			{pdfColumns[3], "R", false, t.Percent(int(l.TaxRate))},
			{pdfColumns[4], "R", false, t.Money(l.Amount, inv.Currency)},
		}
		if !p.fits(pdfLine, cells) {
			p.pdf.AddPage()
			header()
		}
		p.row(pdfMargin, pdfLine, cells...)
		p.pdf.Ln(1)
	}
	p.rule()
	p.pdf.Ln(2)
}

// totals prints the sums, right-aligned under the amounts column.
func (p *invoicePDF) totals() {
	t, inv := p.t, p.d.Invoice
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
	labelWidth := pdfColumns[1] + pdfColumns[2] + pdfColumns[3]
	p.pdf.SetFontSize(10)
	for _, tt := range totals {
		p.row(pdfMargin+pdfColumns[0], 5.5,
			pdfCell{labelWidth, "R", tt.bold, tt.label},
			pdfCell{pdfColumns[4], "R", tt.bold, t.Money(tt.amount, inv.Currency)},
		)
	}
	p.pdf.Ln(6)
}

// memo prints the merchant's note on the document as written, line breaks kept; a long note
// goes on over the next page.
func (p *invoicePDF) memo() {
	memo := strings.TrimSpace(p.d.Invoice.Memo)
	if memo == "" {
		return
	}
	p.pdf.SetFontSize(9)
	p.row(pdfMargin, pdfLine, pdfCell{pdfWidth, "L", true, p.t.T("pdf.memo")})
	p.pdf.SetFontStyle("")
	for _, line := range p.wrap(memo, pdfWidth) {
		p.row(pdfMargin, pdfLine, pdfCell{pdfWidth, "L", false, line})
	}
}

// footer prints the document's title and the page number at the foot of every page, so a
// printed page that strays from its stack still says where it belongs.
func (p *invoicePDF) footer() {
	p.pdf.SetFont(pdfFont, "", 8)
	p.pdf.SetTextColor(80, 80, 80)
	text := p.title + " · " + p.t.Tf("list.page_of", map[string]any{"Page": p.pdf.PageNo(), "Pages": pdfPagesAlias})
	p.pdf.SetY(pdfPageHeight - pdfMargin)
	for _, line := range p.wrap(text, pdfWidth) {
		p.pdf.CellFormat(pdfWidth, 3.5, line, "", 1, "R", false, 0, "")
	}
	p.pdf.SetTextColor(0, 0, 0)
}

// rule draws a thin line across the page under the current row.
func (p *invoicePDF) rule() {
	y := p.pdf.GetY() + 0.5
	p.pdf.SetLineWidth(0.2)
	p.pdf.Line(pdfMargin, y, pdfMargin+pdfWidth, y)
	p.pdf.SetY(y + 1)
}

// bottom is where a page's content ends, above the footer.
func (p *invoicePDF) bottom() float64 { return pdfPageHeight - pdfMargin - 2 }

// fits reports whether a row of cells fits on the current page.
func (p *invoicePDF) fits(lineHeight float64, cells []pdfCell) bool {
	rows := 1
	for _, c := range cells {
		p.pdf.SetFontStyle(fontStyle(c.bold))
		rows = max(rows, len(p.wrap(c.text, c.width)))
	}
	return p.pdf.GetY()+float64(rows)*lineHeight <= p.bottom()
}

// row prints cells side by side from x in the current font size, each wrapped to its width,
// and moves below the tallest. A row that does not fit the page starts the next one.
func (p *invoicePDF) row(x, lineHeight float64, cells ...pdfCell) {
	if !p.fits(lineHeight, cells) {
		p.pdf.AddPage()
	}
	y, bottom := p.pdf.GetY(), p.pdf.GetY()
	for _, c := range cells {
		p.pdf.SetFontStyle(fontStyle(c.bold))
		for j, line := range p.wrap(c.text, c.width) {
			p.pdf.SetXY(x, y+float64(j)*lineHeight)
			p.pdf.CellFormat(c.width, lineHeight, line, "", 0, c.align, false, 0, "")
			bottom = max(bottom, y+float64(j+1)*lineHeight)
		}
		x += c.width
	}
	p.pdf.SetXY(pdfMargin, bottom)
}

// fontStyle is fpdf's style name for bold or regular text.
func fontStyle(bold bool) string {
	if bold {
		return "B"
	}
	return ""
}

// wrap breaks text into lines that fit width in the current font: at spaces and line breaks,
// and inside a word only when the word alone is wider than the column. It never breaks at a
// no-break space, so an amount stays on one line (fpdf's SplitText breaks at any space).
func (p *invoicePDF) wrap(text string, width float64) []string {
	text = pdfSpaces.Replace(text)
	room := width - 2*p.pdf.GetCellMargin()
	var lines []string
	for _, paragraph := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line := ""
		for _, word := range strings.Split(paragraph, " ") {
			candidate := word
			if line != "" {
				candidate = line + " " + word
			}
			if p.pdf.GetStringWidth(candidate) <= room {
				line = candidate
				continue
			}
			if line != "" {
				lines = append(lines, line)
			}
			line = word
			for p.pdf.GetStringWidth(line) > room && utf8.RuneCountInString(line) > 1 {
				head := p.fit(line, room)
				lines = append(lines, head)
				line = line[len(head):]
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// fit is the longest head of s (at least one rune) that fits width.
func (p *invoicePDF) fit(s string, width float64) string {
	end := 0
	for i, r := range s {
		next := i + utf8.RuneLen(r)
		if end > 0 && p.pdf.GetStringWidth(s[:next]) > width {
			break
		}
		end = next
	}
	return s[:end]
}

// addressLines are an address as it is written on an envelope, the country named in the
// reader's language.
func addressLines(t *Translator, a models.Address) []string {
	var lines []string
	for _, s := range []string{a.Line1, a.Line2, strings.TrimSpace(a.PostalCode + " " + a.City), a.State, t.Country(a.Country)} {
		if s = strings.TrimSpace(s); s != "" {
			lines = append(lines, s)
		}
	}
	return lines
}

// labelled is a value after its label, as the language punctuates it ("VAT ID: DE1", French
// "N° de TVA : DE1").
func labelled(t *Translator, labelID, value string) string {
	return t.Tf("pdf.labelled", map[string]any{"Label": t.T(labelID), "Value": value})
}

// longDateOf formats an optional date in the long style; nil is an empty string.
func longDateOf(t *Translator, at *time.Time) string {
	if at == nil {
		return ""
	}
	return t.LongDate(*at)
}
