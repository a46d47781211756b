package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// ShowOverview is the portal's home page: balance, next invoice, live subscriptions.
func (h *Handler) ShowOverview(c echo.Context) error {
	a := portalAccess(c)
	sum, err := h.store.SummarizeCustomer(c.Request().Context(), a.Scope())
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionOverview, "portal.nav.overview")
	return web.Render(c, http.StatusOK, views.OverviewPage(p, views.NewOverviewView(a.Customer.Name, sum, h.store.Now())))
}
