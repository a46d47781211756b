package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// SignOut ends the session and says so, with the way back to the merchant.
func (h *Handler) SignOut(c echo.Context) error {
	a := portalAccess(c)
	if err := h.store.EndPortalSession(c.Request().Context(), a, portalActor(c)); err != nil {
		return err
	}
	h.cookies.clear(c.Response(), a.Link.Framable())
	p := web.PageOf(c.Request().Context())
	p.Nav = nil
	p.Title = p.T.T("notice.signed_out.title")
	return web.Render(c, http.StatusOK, views.NoticePage(p, views.NoticeView{Notice: views.NoticeSignedOut}))
}
