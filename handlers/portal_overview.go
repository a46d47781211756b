package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/views"
)

// showOverview is the portal's home page.
func (h *PortalHandler) showOverview(c echo.Context) error {
	a := portalAccess(c)
	p := portalPage(c, views.SectionOverview, "")
	p.Title = p.T.T("portal.nav.overview")
	return render(c, http.StatusOK, views.OverviewPage(p, views.OverviewView{CustomerName: a.Customer.Name}))
}
