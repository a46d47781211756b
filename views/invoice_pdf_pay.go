package views

import (
	"bytes"

	"codeberg.org/go-pdf/fpdf"
)

// HowToPay is the "how to pay" block of an open invoice's PDF: what the invoice page offers,
// on paper. Its parts are optional; an empty one prints nothing.
type HowToPay struct {
	PaymentURL string          // a hosted payment page
	Transfer   *TransferView   // bank transfer details
	TransferQR []byte          // the transfer's EPC QR code as PNG (TransferQRPNG)
	Collection *CollectionView // the merchant collects by itself instead
}

// pdfQRSize is the printed size of the EPC QR code: 35 mm scans well from a phone.
const pdfQRSize = 35.0

// howToPay prints the block below the totals: the transfer details beside their QR code,
// the payment page's address, or when the merchant collects. It starts a new page rather
// than part the details from their code.
func (p *invoicePDF) howToPay(h HowToPay) {
	if h.PaymentURL == "" && h.Transfer == nil && h.Collection == nil {
		return
	}
	t := p.t
	if p.pdf.GetY()+pdfQRSize+20 > p.bottom() {
		p.pdf.AddPage()
	}
	p.pdf.SetFontSize(11)
	p.row(pdfMargin, 7, pdfCell{pdfWidth, "L", true, t.T("pay.pdf.title")})
	p.pdf.SetFontSize(9)
	if c := h.Collection; c != nil {
		p.row(pdfMargin, pdfLine, pdfCell{pdfWidth, "L", false, collectionText(t, c)})
	}
	if h.PaymentURL != "" {
		p.row(pdfMargin, pdfLine, pdfCell{pdfWidth, "L", false, t.Tf("pay.pdf.online", map[string]any{"URL": h.PaymentURL})})
	}
	if tr := h.Transfer; tr != nil {
		p.pdf.Ln(2)
		top := p.pdf.GetY()
		const label = 35.0
		value := pdfWidth - label - pdfQRSize - 5 // the QR code stands to the right
		for _, f := range [][2]string{
			{t.T("pay.transfer.holder"), tr.AccountHolder},
			{t.T("pay.transfer.iban"), tr.IBAN},
			{t.T("pay.transfer.bic"), tr.BIC},
			{t.T("pay.transfer.amount"), t.Money(tr.Amount.Minor, tr.Amount.Currency)},
			{t.T("pay.transfer.reference"), tr.Reference},
		} {
			if f[1] != "" {
				p.row(pdfMargin, pdfLine, pdfCell{label, "L", true, f[0]}, pdfCell{value, "L", false, f[1]})
			}
		}
		if len(h.TransferQR) > 0 {
			opts := fpdf.ImageOptions{ImageType: "PNG"}
			p.pdf.RegisterImageOptionsReader("transfer-qr", opts, bytes.NewReader(h.TransferQR))
			p.pdf.ImageOptions("transfer-qr", pdfMargin+pdfWidth-pdfQRSize, top, pdfQRSize, pdfQRSize, false, opts, 0, "")
			p.pdf.SetY(max(p.pdf.GetY(), top+pdfQRSize))
		}
	}
	p.pdf.Ln(6)
}
