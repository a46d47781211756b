package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// SignOut ends the session and says so, with the way back to the merchant. The cookie
// stays, naming the ended session: a reload or a later visit gets the same page, branded
// and in the customer's language, instead of an anonymous one.
func (h *Handler) SignOut(c echo.Context) error {
	a := portalAccess(c)
	if err := h.store.EndPortalSession(c.Request().Context(), a, portalActor(c)); err != nil {
		return err
	}
	p := web.PageOf(c.Request().Context())
	p.Nav, p.Flash = nil, ""
	return notice(c, http.StatusOK, p, views.NoticeView{Notice: views.NoticeSignedOut})
}
