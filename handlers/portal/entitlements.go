package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// ListEntitlements shows what the customer may use.
func (h *Handler) ListEntitlements(c echo.Context) error {
	entitlements, err := h.store.ListEntitlements(c.Request().Context(), portalAccess(c).Scope())
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionEntitlements, "portal.nav.entitlements")
	return web.Render(c, http.StatusOK, views.EntitlementsPage(p, views.NewEntitlementRows(entitlements, h.store.Now())))
}
