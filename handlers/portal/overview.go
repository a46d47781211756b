package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ShowOverview is the portal's home page: balance, next invoice, live subscriptions.
func (h *Handler) ShowOverview(c echo.Context) error {
	a := portalAccess(c)
	sum, err := h.store.SummarizeCustomer(c.Request().Context(), a.Scope())
	if err != nil {
		return err
	}
	v := views.NewOverviewView(a.Customer.Name, sum, h.store.Now())
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
