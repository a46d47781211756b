package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// ListEntitlements shows what the customer may use.
func (h *Handler) ListEntitlements(c echo.Context) error {
	a := portalAccess(c)
	entitlements, err := h.store.ListEntitlements(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionEntitlements, "portal.nav.entitlements")
	return web.Render(c, http.StatusOK, views.EntitlementsPage(p, views.EntitlementListView{Entitlements: entitlements, Now: h.store.Now()}))
}
