package handlers

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// PortalHandler serves the customer portal: the link entry, the session, and the pages.
type PortalHandler struct {
	store       *models.Store
	cookies     *sessionCookies
	pages       *pageBuilder
	log         *slog.Logger
	crossOrigin *http.CrossOriginProtection
	now         func() time.Time
}

type portalAccessKey struct{}

func withPortalAccess(c echo.Context, a *models.PortalAccess) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), portalAccessKey{}, a)))
}

// portalAccess is the session of a request that passed requireSession.
func portalAccess(c echo.Context) *models.PortalAccess {
	return c.Request().Context().Value(portalAccessKey{}).(*models.PortalAccess)
}

// portalActor is the session's customer as the audit log names them.
func portalActor(c echo.Context) models.Actor {
	return portalAccess(c).Actor(c.RealIP(), c.Request().UserAgent())
}

// portalPage is the page of a request that passed requireSession, completed with its
// section, its title (a catalog ID) and the confirmation of the form it follows, if any.
func portalPage(c echo.Context, section views.Section, titleID string) *views.Page {
	p := pageOf(c.Request().Context())
	p.Nav.Current = section
	p.Title = p.T.T(titleID)
	p.Flash = flashOf(c)
	return p
}

// requireSession admits a request with a live portal session and makes it, its page and
// its framing policy available to the handler. Anything else gets the "session ended" page.
func (h *PortalHandler) requireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id, ok := h.cookies.read(r)
		if !ok {
			return h.sessionEnded(c, nil)
		}
		a, err := h.store.LoadPortalAccess(r.Context(), id)
		if errors.Is(err, models.ErrNotFound) {
			return h.sessionEnded(c, nil)
		} else if err != nil {
			return err
		}
		now := h.now().UTC()
		if err := a.Check(now); err != nil {
			return h.sessionEnded(c, a)
		}
		if err := h.store.TouchPortalSession(r.Context(), a, now); err != nil {
			return err
		}
		if lang := c.QueryParam("language"); lang != a.Session.Locale && models.IsLocale(lang) {
			if err := h.store.SetPortalSessionLocale(r.Context(), a, lang); err != nil {
				return err
			}
			a.Session.Locale = lang
		}
		if a.Link.Framable() {
			allowFraming(c, a.Link.FrameAncestors)
		}
		withPage(c, h.pages.portalPage(c.Request(), a))
		withPortalAccess(c, a)
		return next(c)
	}
}

// sessionEnded answers a portal request without a usable session: the friendly page, with
// the merchant's name and way back when the session is known, and the cookie cleared.
func (h *PortalHandler) sessionEnded(c echo.Context, a *models.PortalAccess) error {
	r := c.Request()
	p := h.pages.page(chooseLanguage(r, ""), "")
	framable := false
	v := views.NoticeView{Notice: views.NoticeSessionEnded}
	if a != nil {
		p = h.pages.merchantPage(r, &a.Merchant, &a.Link, a.Customer.PreferredLocale)
		v.SupportEmail = a.Merchant.SupportEmail
		if framable = a.Link.Framable(); framable {
			allowFraming(c, a.Link.FrameAncestors)
		}
	}
	h.cookies.clear(c.Response(), framable)
	p.Title = p.T.T("notice.session_ended.title")
	return render(c, http.StatusUnauthorized, views.NoticePage(p, v))
}

// verifyCSRF guards every state-changing portal request twice: the browser's own word on
// where the request comes from (Sec-Fetch-Site, else Origin), and the synchronizer token
// kept in the session row and sent in a hidden form field.
func (h *PortalHandler) verifyCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		if err := h.crossOrigin.Check(r); err != nil {
			return echo.NewHTTPError(http.StatusForbidden, "cross-origin request refused")
		}
		token := c.FormValue("csrf_token")
		if subtle.ConstantTimeCompare([]byte(token), []byte(portalAccess(c).Session.CSRFSecret)) != 1 {
			return echo.NewHTTPError(http.StatusForbidden, "missing or wrong CSRF token")
		}
		return next(c)
	}
}

// refuseCrossSiteSubresources applies the Fetch Metadata resource isolation policy: another
// site may navigate to the portal (a link, a form's target, an iframe) but may not load it
// as a script, image, fetch or embed. Browsers that send no Sec-Fetch-Site are let through;
// verifyCSRF still checks their writes.
func refuseCrossSiteSubresources(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header
		switch h.Get("Sec-Fetch-Site") {
		case "", "same-origin", "same-site", "none":
			return next(c)
		}
		dest := h.Get("Sec-Fetch-Dest")
		if c.Request().Method == http.MethodGet && h.Get("Sec-Fetch-Mode") == "navigate" && dest != "object" && dest != "embed" {
			return next(c)
		}
		return echo.NewHTTPError(http.StatusForbidden, "cross-site request refused")
	}
}

// signOut ends the session and says so, with the way back to the merchant.
func (h *PortalHandler) signOut(c echo.Context) error {
	a := portalAccess(c)
	if err := h.store.EndPortalSession(c.Request().Context(), a, portalActor(c)); err != nil {
		return err
	}
	h.cookies.clear(c.Response(), a.Link.Framable())
	p := pageOf(c.Request().Context())
	p.Nav = nil
	p.Title = p.T.T("notice.signed_out.title")
	return render(c, http.StatusOK, views.NoticePage(p, views.NoticeView{Notice: views.NoticeSignedOut}))
}

// landingPath is where a link's section lands.
func landingPath(section string) string {
	kind, id, _ := strings.Cut(section, ":")
	switch kind {
	case "invoice":
		return "/portal/invoices/" + id
	case "subscription":
		return "/portal/subscriptions/" + id
	case "invoices", "subscriptions", "payments", "entitlements", "profile":
		return "/portal/" + kind
	}
	return "/portal"
}
