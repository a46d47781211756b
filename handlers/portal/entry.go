package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// OpenLink is the portal's door, GET /p/<token>. A usable link starts a new session (each
// opening does: an email scanner's visit never burns the link), ending the one this browser
// had, and answers 303 to the landing section, so the token leaves the address bar and the
// history. Unknown, expired and revoked links get a friendly page instead.
func (h *Handler) OpenLink(c echo.Context) error {
	r := c.Request()
	previous, _ := h.cookies.read(r)
	entry, err := h.store.OpenPortalLink(r.Context(), models.LinkOpening{
		Token: c.Param("token"), PreviousSession: previous, IP: c.RealIP(), UserAgent: r.UserAgent(),
	})
	if errors.Is(err, models.ErrNotFound) {
		p := h.pages.Page(web.ChooseLanguage(r, ""), "")
		return notice(c, http.StatusNotFound, p, views.NoticeView{Notice: views.NoticeLinkInvalid})
	} else if err != nil {
		return err
	}
	link := &entry.Link
	if link.Framable() {
		web.AllowFraming(c, link.FrameAncestors)
	}
	if entry.Session == nil {
		p := h.pages.MerchantPage(r, &entry.Merchant, link.ReturnURL, link.Locale)
		return notice(c, http.StatusGone, p, views.NoticeView{
			Notice: views.NoticeLinkExpired, SupportEmail: entry.Merchant.SupportEmail, Renew: h.renewOffer(c, link),
		})
	}
	if err := h.cookies.write(c.Response(), r, entry.Session.ID, link.Framable(), entry.Session.ExpiresAt(link)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, views.LandingURL(link.Section))
}
