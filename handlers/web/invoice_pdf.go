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

// DocumentParties loads whom a customer's documents are from and to: the merchant, with its
// seller details as they are now (a portal session carries only its branding), and the
// customer.
func DocumentParties(ctx context.Context, store *models.Store, merchantID, customerID string) (*models.Merchant, *models.Customer, error) {
	merchant, err := store.GetMerchant(ctx, merchantID)
	if err != nil {
		return nil, nil, err
	}
	customer, err := store.GetCustomer(ctx, merchantID, customerID)
	if err != nil {
		return nil, nil, err
	}
	return merchant, customer, nil
}

// SendInvoicePDF answers with an invoice or credit note as a PDF download, for the portal's
// customer and the merchant's back office alike, in the language translator picks for the
// customer.
func SendInvoicePDF(c echo.Context, store *models.Store, merchantID string, inv *models.Invoice, translator func(*models.Merchant, *models.Customer) *views.Translator, now time.Time) error {
	ctx := c.Request().Context()
	merchant, customer, err := DocumentParties(ctx, store, merchantID, inv.CustomerID)
	if err != nil {
		return err
	}
	doc := views.InvoiceDocument{Seller: views.SellerOf(merchant), Customer: customer, Invoice: inv, Now: now}
	credited, err := CreditedInvoice(ctx, store, models.CustomerScope(merchantID, inv.CustomerID), inv)
	if err != nil {
		return err
	}
	if credited != nil {
		doc.CreditedNumber = credited.Number
	}
	var pdf bytes.Buffer
	if err := views.WriteInvoicePDF(&pdf, translator(merchant, customer), doc); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": views.PDFFileName(inv.Number)}))
	return c.Blob(http.StatusOK, "application/pdf", pdf.Bytes())
}
