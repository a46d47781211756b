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

// howToPay is what an invoice's PDF says about paying it: what its page offers, on paper
// (the payment page's address, the transfer details with their QR code, or the merchant's
// own collection); nil when the invoice is not open.
func howToPay(ctx context.Context, store *models.Store, t *views.Translator, inv *models.Invoice) (*views.HowToPay, error) {
	if inv.Kind != models.KindInvoice || inv.Status != models.StatusOpen {
		return nil, nil
	}
	pb, err := store.Payability(ctx, models.CustomerScope(inv.MerchantID, inv.CustomerID))
	if err != nil {
		return nil, err
	}
	v := views.NewPayView(inv, pb, false, false)
	h := &views.HowToPay{PaymentURL: v.Action.URL, Transfer: v.Transfer, Collection: v.Collection}
	if v.Transfer != nil {
		h.TransferQR, err = views.TransferQR(t, inv, pb)
		if err != nil && !errors.Is(err, models.ErrNoTransferCode) {
			return nil, err
		}
	}
	return h, nil
}

// SendInvoicePDF answers with an invoice or credit note as a PDF download, for the portal's
// customer and the merchant's back office alike, in the language translator picks for the
// customer.
func SendInvoicePDF(c echo.Context, store *models.Store, m *models.Merchant, inv *models.Invoice, translator func(*models.Customer) *views.Translator, now time.Time) error {
	ctx := c.Request().Context()
	customer, err := store.GetCustomer(ctx, m.ID, inv.CustomerID)
	if err != nil {
		return err
	}
	credited, err := CreditedInvoice(ctx, store, models.CustomerScope(m.ID, inv.CustomerID), inv)
	if err != nil {
		return err
	}
	t := translator(customer)
	doc := views.InvoiceDocument{MerchantName: m.Name, Customer: customer, Invoice: inv, Credited: credited, Now: now}
	if doc.HowToPay, err = howToPay(ctx, store, t, inv); err != nil {
		return err
	}
	var pdf bytes.Buffer
	if err := views.WriteInvoicePDF(&pdf, t, doc); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": inv.Number + ".pdf"}))
	return c.Blob(http.StatusOK, "application/pdf", pdf.Bytes())
}
