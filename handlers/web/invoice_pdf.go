package web

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// CreditedInvoice is the invoice a credit note credits, or nil, also when sc may not see
// it (a customer never sees a draft, not even by its number on a credit note).
func CreditedInvoice(ctx context.Context, store *models.Store, sc models.Scope, note *models.Invoice) (*models.Invoice, error) {
	if note.Kind != models.KindCreditNote || note.CreditedInvoiceID == nil {
		return nil, nil
	}
	inv, err := store.GetInvoice(ctx, sc, *note.CreditedInvoiceID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return inv, err
}

// InvoiceDocuments makes the PDFs of one customer's invoices and credit notes. What they all
// share is loaded once, however many documents follow: the merchant with its seller details
// as they are now (a portal session carries only its branding), the customer, and how the
// customer can pay.
type InvoiceDocuments struct {
	Merchant   *models.Merchant
	Customer   *models.Customer
	payability models.Payability
	now        time.Time
}

// LoadInvoiceDocuments loads what a customer's documents share; now is when they are
// downloaded (overdue is derived from it).
func LoadInvoiceDocuments(ctx context.Context, store *models.Store, merchantID, customerID string, now time.Time) (*InvoiceDocuments, error) {
	merchant, err := store.GetMerchant(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	customer, err := store.GetCustomer(ctx, merchantID, customerID)
	if err != nil {
		return nil, err
	}
	pb, err := store.Payability(ctx, models.CustomerScope(merchantID, customerID))
	if err != nil {
		return nil, err
	}
	return &InvoiceDocuments{Merchant: merchant, Customer: customer, payability: pb, now: now}, nil
}

// Document is what one document's PDF shows in t's language; creditedNumber names the
// invoice a credit note credits, if the customer may see it.
func (d *InvoiceDocuments) Document(t *views.Translator, inv *models.Invoice, creditedNumber string) (views.InvoiceDocument, error) {
	doc := views.InvoiceDocument{
		Seller: views.SellerOf(d.Merchant), Customer: d.Customer, Invoice: inv, CreditedNumber: creditedNumber, Now: d.now,
	}
	var err error
	doc.HowToPay, err = d.howToPay(t, inv)
	return doc, err
}

// howToPay is what an invoice's PDF says about paying it: what its page offers, on paper
// (the payment page's address, the transfer details with their QR code, or the merchant's
// own collection); nil when the invoice is not open.
func (d *InvoiceDocuments) howToPay(t *views.Translator, inv *models.Invoice) (*views.HowToPay, error) {
	if inv.Kind != models.KindInvoice || inv.Status != models.StatusOpen {
		return nil, nil
	}
	v := views.NewPayView(inv, d.payability, false, false)
	h := &views.HowToPay{PaymentURL: v.Action.URL, Transfer: v.Transfer, Collection: v.Collection}
	if v.Transfer != nil {
		var err error
		h.TransferQR, err = views.TransferQR(t, inv, d.payability)
		if err != nil && !errors.Is(err, models.ErrNoTransferCode) {
			return nil, err
		}
	}
	return h, nil
}

// SendInvoicePDF answers with an invoice or credit note as a PDF download, for the portal's
// customer and the merchant's back office alike, in the language translator picks for the
// customer.
func SendInvoicePDF(c echo.Context, store *models.Store, merchantID string, inv *models.Invoice, translator func(*models.Merchant, *models.Customer) *views.Translator, now time.Time) error {
	ctx := c.Request().Context()
	docs, err := LoadInvoiceDocuments(ctx, store, merchantID, inv.CustomerID, now)
	if err != nil {
		return err
	}
	credited, err := CreditedInvoice(ctx, store, models.CustomerScope(merchantID, inv.CustomerID), inv)
	if err != nil {
		return err
	}
	var creditedNumber string
	if credited != nil {
		creditedNumber = credited.Number
	}
	t := translator(docs.Merchant, docs.Customer)
	doc, err := docs.Document(t, inv, creditedNumber)
	if err != nil {
		return err
	}
	var pdf bytes.Buffer
	if err := views.WriteInvoicePDF(&pdf, t, doc); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": views.PDFFileName(inv.Number)}))
	return c.Blob(http.StatusOK, "application/pdf", pdf.Bytes())
}
