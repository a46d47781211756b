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

// pdfHowToPay prints the block below the totals: the transfer details beside their QR code,
// the payment page's address, or when the merchant collects.
func pdfHowToPay(pdf *fpdf.Fpdf, t *Translator, h HowToPay) {
	if h.PaymentURL == "" && h.Transfer == nil && h.Collection == nil {
		return
	}
	if pdf.GetY()+pdfQRSize+20 > 297-pdfMargin {
		pdf.AddPage()
	}
	pdf.Ln(8)
	pdf.SetFont("go", "B", 11)
	pdf.CellFormat(pdfWidth, 7, t.T("pay.pdf.title"), "", 1, "L", false, 0, "")
	pdf.SetFont("go", "", 9)
	if c := h.Collection; c != nil {
		pdf.MultiCell(pdfWidth, pdfLine, collectionText(t, c), "", "L", false)
	}
	if h.PaymentURL != "" {
		pdf.MultiCell(pdfWidth, pdfLine, t.Tf("pay.pdf.online", map[string]any{"URL": h.PaymentURL}), "", "L", false)
	}
	if tr := h.Transfer; tr != nil {
		top := pdf.GetY() + 2
		pdf.SetY(top)
		for _, f := range [][2]string{
			{t.T("pay.transfer.holder"), tr.AccountHolder},
			{t.T("pay.transfer.iban"), tr.IBAN},
			{t.T("pay.transfer.bic"), tr.BIC},
			{t.T("pay.transfer.amount"), t.Money(tr.Amount.Minor, tr.Amount.Currency)},
			{t.T("pay.transfer.reference"), tr.Reference},
		} {
			if f[1] == "" {
				continue
			}
			pdf.SetFont("go", "B", 9)
			pdf.CellFormat(35, pdfLine, f[0], "", 0, "L", false, 0, "")
			pdf.SetFont("go", "", 9)
			pdf.CellFormat(pdfWidth-35-pdfQRSize-5, pdfLine, f[1], "", 1, "L", false, 0, "")
		}
		if len(h.TransferQR) > 0 {
			opts := fpdf.ImageOptions{ImageType: "PNG"}
			pdf.RegisterImageOptionsReader("transfer-qr", opts, bytes.NewReader(h.TransferQR))
			pdf.ImageOptions("transfer-qr", pdfMargin+pdfWidth-pdfQRSize, top, pdfQRSize, pdfQRSize, false, opts, 0, "")
			pdf.SetY(max(pdf.GetY(), top+pdfQRSize))
		}
	}
}
