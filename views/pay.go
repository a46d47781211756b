package views

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/portico/portico/models"
	qrcode "github.com/yeqown/go-qrcode/v2"
)

// PayAction is the "Pay now" of an invoice, where the customer can pay it right away: a
// link to its hosted payment page, or a form that opens the merchant's provider's page.
type PayAction struct {
	InvoiceID string
	URL       string // a hosted payment page: a link, opened at the top level
	Form      bool   // through the merchant's provider: a POST form, opened at the top level
}

// Offered reports whether there is anything to click.
func (a PayAction) Offered() bool { return a.URL != "" || a.Form }

// NewPayAction is the Pay now of an invoice the options allow.
func NewPayAction(invoiceID string, o models.PaymentOptions) PayAction {
	return PayAction{InvoiceID: invoiceID, URL: o.PaymentURL, Form: o.Provider != ""}
}

// TransferView is what a customer needs to pay an invoice by bank transfer.
type TransferView struct {
	AccountHolder string
	IBAN          string // in groups of four
	BIC           string
	Amount        Money
	Reference     string
	QRURL         string // the EPC QR code's image
}

// CollectionView says that the merchant collects an invoice by itself, from what, and when.
type CollectionView struct {
	Method    string // models.MethodSEPADebit or models.MethodCard
	CardBrand string
	Last4     string
	On        *time.Time // the due date; nil when the invoice has none
}

// PayView is everything an invoice page says about paying it.
type PayView struct {
	Action     PayAction
	Transfer   *TransferView
	Collection *CollectionView
	Processing bool // a payment through the provider is under way
	Received   bool // the customer is back from paying, and the payment is in
	Returned   bool // the customer is back from paying, and the provider has not confirmed yet
}

// NewPayView shows how inv can be paid under pb, given whether a provider payment of it is
// under way. returned: the customer has just come back from the provider's page.
func NewPayView(inv *models.Invoice, pb models.Payability, processing, returned bool) PayView {
	o := pb.For(inv, processing)
	v := PayView{Action: NewPayAction(inv.ID, o), Processing: o.Processing}
	if returned {
		v.Received = inv.Status == models.StatusPaid
		v.Returned = !v.Received && !v.Processing && inv.Status == models.StatusOpen
	}
	if o.Transfer {
		v.Transfer = &TransferView{
			AccountHolder: pb.BankAccount.AccountHolder, IBAN: pb.BankAccount.GroupedIBAN(), BIC: pb.BankAccount.BIC,
			Amount: Money{inv.AmountDue, inv.Currency}, Reference: pb.TransferReference(inv.Number),
			QRURL: TransferQRURL(inv.ID),
		}
	}
	if c := o.Collection; c != nil {
		v.Collection = &CollectionView{Method: c.Method, CardBrand: cardBrand(c.CardBrand), Last4: c.Last4, On: inv.DueAt}
	}
	return v
}

// TransferQR is the EPC069-12 QR code (PNG) of the bank transfer that pays what inv owes
// into pb's account, with the invoice's title as the note for the payer.
// models.ErrNoTransferCode when the transfer does not fit the format.
func TransferQR(t *Translator, inv *models.Invoice, pb models.Payability) ([]byte, error) {
	note := t.Tf("invoice.title.invoice", map[string]any{"Number": inv.Number})
	payload, err := models.EPCPayload(pb.BankAccount, inv.AmountDue, pb.TransferReference(inv.Number), note)
	if err != nil {
		return nil, err
	}
	return TransferQRPNG(payload)
}

// TransferQRPNG draws an EPC069-12 payload as a QR code: error correction level M, as the
// standard asks, in byte mode (the payload is UTF-8), 8 pixels a module with the quiet zone
// of four modules scanners need.
func TransferQRPNG(payload string) ([]byte, error) {
	code, err := qrcode.NewWith(payload,
		qrcode.WithErrorCorrectionLevel(qrcode.ErrorCorrectionMedium), qrcode.WithEncodingMode(qrcode.EncModeByte))
	if err != nil {
		return nil, err
	}
	w := &pngWriter{}
	if err := code.Save(w); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// pngWriter is a qrcode.Writer that draws the matrix as a black-and-white PNG.
type pngWriter struct{ buf bytes.Buffer }

const (
	qrModule    = 8 // pixels per module
	qrQuietZone = 4 // modules
)

func (w *pngWriter) Write(mat qrcode.Matrix) error {
	bits := mat.Bitmap()
	size := (len(bits) + 2*qrQuietZone) * qrModule
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y, row := range bits {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range qrModule {
				for dx := range qrModule {
					img.SetColorIndex((x+qrQuietZone)*qrModule+dx, (y+qrQuietZone)*qrModule+dy, 1)
				}
			}
		}
	}
	return (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&w.buf, img)
}

func (w *pngWriter) Close() error { return nil }

// collectionText says when and from what an invoice will be collected.
func collectionText(t *Translator, c *CollectionView) string {
	from := "•••• " + c.Last4
	if c.Method == models.MethodCard {
		from = strings.TrimSpace(c.CardBrand + " " + from)
	}
	if c.On == nil {
		return t.Tf("pay.collected_from", map[string]any{"Account": from})
	}
	return t.Tf("pay.collected_from_on", map[string]any{"Account": from, "Date": t.Date(*c.On)})
}
