package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ShowOverview is the portal's home page: balance and the invoice to pay next, the next
// charge and the payment method, live subscriptions and their usage.
func (h *Handler) ShowOverview(c echo.Context) error {
	a := portalAccess(c)
	ctx, scope := c.Request().Context(), a.Scope()
	sum, err := h.store.SummarizeCustomer(ctx, scope)
	if err != nil {
		return err
	}
	pay, err := h.paymentDetails(c)
	if err != nil {
		return err
	}
	entitlements, err := h.store.ListEntitlements(ctx, scope)
	if err != nil {
		return err
	}
	v := views.NewOverviewView(a.Customer.Name, sum, pay, entitlements, h.store.Now())
	if sum.NextInvoice != nil {
		rows, err := h.withPayActions(c, []models.Invoice{*sum.NextInvoice}, []views.InvoiceRow{*v.NextInvoice})
		if err != nil {
			return err
		}
		v.NextInvoice = &rows[0]
	}
	p := portalPage(c, views.SectionOverview, "portal.nav.overview")
	return web.Render(c, http.StatusOK, views.OverviewPage(p, v))
}

// paymentDetails loads what the session's customer has on file, or nil for nothing.
func (h *Handler) paymentDetails(c echo.Context) (*models.PaymentDetails, error) {
	d, err := h.store.GetPaymentDetails(c.Request().Context(), portalAccess(c).Scope())
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return d, err
}
