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
// history. When the browser has a live session of another customer, it asks first (see
// ConfirmSwitch): a GET any site can send the browser to never swaps whom it acts for.
// Unknown, expired and revoked links get a page that says so and what to do.
func (h *Handler) OpenLink(c echo.Context) error { return h.openLink(c, false) }

// ConfirmSwitch is the answer to that question, POST /p/<token>: from the page itself (the
// browser says same-origin, and the form carries the live session's CSRF token), it ends
// the other customer's session and opens the link.
func (h *Handler) ConfirmSwitch(c echo.Context) error {
	r := c.Request()
	if err := h.crossOrigin.Check(r); err != nil {
		return echo.NewHTTPError(http.StatusForbidden, "cross-origin request refused")
	}
	if previous, ok := h.cookies.read(r); ok {
		live, err := h.store.LoadPortalAccess(r.Context(), previous)
		switch {
		case err == nil:
			if !sentCSRFToken(r, live.Session.CSRFSecret) {
				return echo.NewHTTPError(http.StatusForbidden, "missing or wrong CSRF token")
			}
		case !errors.Is(err, models.ErrNotFound) && !errors.Is(err, models.ErrSessionOver):
			return err
		}
	}
	return h.openLink(c, true)
}

// openLink opens the link in the request's path; confirmed says the customer agreed to
// leave a live session of another customer for it.
func (h *Handler) openLink(c echo.Context, confirmed bool) error {
	r := c.Request()
	previous, _ := h.cookies.read(r)
	token := c.Param("token")
	entry, err := h.store.OpenPortalLink(r.Context(), models.LinkOpening{
		Token: token, PreviousSession: previous, Switch: confirmed, IP: c.RealIP(), UserAgent: r.UserAgent(),
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
	switch {
	case entry.Live != nil:
		live := entry.Live
		p := h.pages.MerchantPage(r, &entry.Merchant, link, link.Locale, live.Session.Locale, live.Link.Locale, entry.Customer.PreferredLocale)
		p.Title = p.T.T("switch.title")
		return web.Render(c, http.StatusOK, views.SwitchPage(p, views.SwitchView{
			Current: live.Customer.Name, CurrentMerchant: live.Merchant.Name, Next: entry.Customer.Name,
			Confirm: views.EntryURL(token), CSRFToken: live.Session.CSRFSecret,
		}))
	case entry.Session == nil:
		p := h.pages.MerchantPage(r, &entry.Merchant, link, link.Locale)
		return notice(c, http.StatusGone, p, views.NoticeView{
			Notice: views.NoticeFor(entry.Ended), SupportEmail: entry.Merchant.SupportEmail, Renew: h.renewOffer(c, link),
		})
	}
	if err := h.cookies.write(c.Response(), r, entry.Session.ID, link.Framable(), entry.Session.ExpiresAt(link)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, views.LandingURL(link.Section))
}
