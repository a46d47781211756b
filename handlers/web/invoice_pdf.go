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
	doc := views.InvoiceDocument{MerchantName: m.Name, Customer: customer, Invoice: inv, Credited: credited, Now: now}
	var pdf bytes.Buffer
	if err := views.WriteInvoicePDF(&pdf, translator(customer), doc); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": inv.Number + ".pdf"}))
	return c.Blob(http.StatusOK, "application/pdf", pdf.Bytes())
}
