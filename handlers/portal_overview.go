package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/views"
)

// showOverview is the portal's home page: balance, next invoice, live subscriptions.
func (h *PortalHandler) showOverview(c echo.Context) error {
	a := portalAccess(c)
	sum, err := h.store.SummarizeCustomer(c.Request().Context(), a.Scope())
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionOverview, "portal.nav.overview")
	return render(c, http.StatusOK, views.OverviewPage(p, views.OverviewView{CustomerName: a.Customer.Name, Summary: sum, Now: h.now()}))
}
