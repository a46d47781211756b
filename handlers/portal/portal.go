// Package portal is the customer portal: the link entry, the session, and a file per page
// or action group. It shares only handlers/web with the merchant API.
package portal

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
	"golang.org/x/time/rate"
)

// New returns the portal's handler. sessionKeys sign and encrypt the session cookie (the
// first signs, all are accepted); https names the cookie for a secure origin.
func New(store *models.Store, pages *web.Pages, sessionKeys [][]byte, https bool, log *slog.Logger) (*Handler, error) {
	cookies, err := newSessionCookies(sessionKeys, https)
	if err != nil {
		return nil, fmt.Errorf("session keys: %w", err)
	}
	renewals, err := newRenewals(sessionKeys)
	if err != nil {
		return nil, fmt.Errorf("session keys: %w", err)
	}
	return &Handler{
		store: store, cookies: cookies, pages: pages, log: log,
		crossOrigin: http.NewCrossOriginProtection(),
		renewals:    renewals, signIns: newSignIns(),
	}, nil
}

// LinkRateLimit allows perMinute link openings per client IP, in bursts of as many.
func LinkRateLimit(perMinute int) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, 60/perMinute)))
			return echo.ErrTooManyRequests
		},
	})
}

// LimitPosts allows each portal session perMinute form submissions; more get the 429 page.
func LimitPosts(perMinute int) echo.MiddlewareFunc {
	return web.RateLimit(perMinute, func(c echo.Context) string { return portalAccess(c).Session.ID }, web.IsRead)
}

// Handler serves the customer portal: the link entry, the session, and the pages.
type Handler struct {
	store       *models.Store
	cookies     *sessionCookies
	pages       *web.Pages
	log         *slog.Logger
	crossOrigin *http.CrossOriginProtection
	renewals    *renewals // "email me a new link" (renew.go)
	signIns     *signIns  // sign-in by email (login.go)
	// baseURL and providers let customers pay through the merchants' providers
	// (EnablePayments); without them only payment pages and transfers are offered.
	baseURL   *url.URL
	providers map[string]models.PaymentProvider
}

type portalAccessKey struct{}

func withPortalAccess(c echo.Context, a *models.PortalAccess) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), portalAccessKey{}, a)))
}

// portalAccess is the session of a request that passed RequireSession.
func portalAccess(c echo.Context) *models.PortalAccess {
	return c.Request().Context().Value(portalAccessKey{}).(*models.PortalAccess)
}

// portalActor is the session's customer as the audit log names them.
func portalActor(c echo.Context) models.Actor {
	return portalAccess(c).Actor(c.RealIP(), c.Request().UserAgent())
}

// portalPage is the page RequireSession made for the request, completed with its section
// and its title (a catalog ID, or empty for the handler to set).
func portalPage(c echo.Context, section views.Section, titleID string) *views.Page {
	p := web.PageOf(c.Request().Context())
	p.Nav.Current = section
	if titleID != "" {
		p.Title = p.T.T(titleID)
	}
	return p
}

// sessionPage is the page of a response about a session: branded for its merchant, in the
// language the visitor chose in the session, else the link's, else the customer's (see
// web.ChooseLanguage for the rest).
func (h *Handler) sessionPage(c echo.Context, a *models.PortalAccess) *views.Page {
	return h.pages.MerchantPage(c.Request(), &a.Merchant, &a.Link, a.Session.Locale, a.Link.Locale, a.Customer.PreferredLocale)
}

// RequireSession admits a request with a live portal session and makes it, its page and
// its framing policy available to the handler. Anything else gets a page that says why.
func (h *Handler) RequireSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		id, ok := h.cookies.read(r)
		if !ok {
			return h.sessionEnded(c, nil)
		}
		a, err := h.store.LoadPortalAccess(r.Context(), id)
		switch {
		case errors.Is(err, models.ErrNotFound):
			return h.sessionEnded(c, nil)
		case errors.Is(err, models.ErrSessionOver):
			return h.sessionEnded(c, a)
		case err != nil:
			return err
		}
		if lang := c.QueryParam("language"); lang != a.Session.Locale && models.IsLocale(lang) {
			if err := h.store.SetPortalSessionLocale(r.Context(), a, lang); err != nil {
				return err
			}
		}
		if a.Link.Framable() {
			web.AllowFraming(c, a.Link.FrameAncestors)
		}
		p := h.sessionPage(c, a)
		p.Nav = &views.Nav{CSRFToken: a.Session.CSRFSecret, Customer: a.Customer.Name, Path: r.URL.Path, Query: r.URL.Query()}
		if r.Method == http.MethodGet {
			if p.Flash, err = h.takeFlash(c, a); err != nil {
				return err
			}
		}
		web.WithPage(c, p)
		withPortalAccess(c, a)
		return next(c)
	}
}

// takeFlash is the confirmation the session keeps for its next page, if it is one of ours;
// it shows once.
func (h *Handler) takeFlash(c echo.Context, a *models.PortalAccess) (views.Flash, error) {
	flash, err := h.store.TakePortalFlash(c.Request().Context(), a)
	if err != nil || !slices.Contains(views.Flashes, views.Flash(flash)) {
		return "", err
	}
	return views.Flash(flash), nil
}

// done ends a successful form POST: the confirmation kept in the session for the next page
// (never in its URL, where a reload or a bookmark would show it again), and 303 to that
// page, so a reload never submits the form again.
func (h *Handler) done(c echo.Context, path string, flash views.Flash) error {
	if err := h.store.SetPortalFlash(c.Request().Context(), portalAccess(c), string(flash)); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, path)
}

// sessionEnded answers a portal request without a usable session. A session the cookie
// still names gets its merchant's page, in the language chosen in it, saying what happened
// (signed out, timed out, link expired or withdrawn), with the way back and whom to ask; the
// cookie stays, so a reload says the same. A cookie that names nothing gets the plain page,
// and is cleared.
func (h *Handler) sessionEnded(c echo.Context, a *models.PortalAccess) error {
	if a == nil {
		h.cookies.clear(c.Response(), false)
		p := h.pages.Page(web.ChooseLanguage(c.Request(), ""), "")
		return notice(c, http.StatusUnauthorized, p, views.NoticeView{Notice: views.NoticeSessionEnded})
	}
	if a.Link.Framable() {
		web.AllowFraming(c, a.Link.FrameAncestors)
	}
	v := views.NoticeView{Notice: views.NoticeFor(a.Ended), SupportEmail: a.Merchant.SupportEmail, Renew: h.renewOffer(c, &a.Link)}
	return notice(c, http.StatusUnauthorized, h.sessionPage(c, a), v)
}

// notice answers with a notice page: why the visitor cannot go on, or that they signed out.
func notice(c echo.Context, status int, p *views.Page, v views.NoticeView) error {
	p.Title = p.T.T("notice." + string(v.Notice) + ".title")
	return web.Render(c, status, views.NoticePage(p, v))
}

// VerifyCSRF guards every state-changing portal request twice: the browser's own word on
// where the request comes from (Sec-Fetch-Site, else Origin), and the synchronizer token
// kept in the session row and sent in a hidden form field.
func (h *Handler) VerifyCSRF(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			return next(c)
		}
		if err := h.crossOrigin.Check(r); err != nil {
			return echo.NewHTTPError(http.StatusForbidden, "cross-origin request refused")
		}
		if !sentCSRFToken(r, portalAccess(c).Session.CSRFSecret) {
			return echo.NewHTTPError(http.StatusForbidden, "missing or wrong CSRF token")
		}
		return next(c)
	}
}

// sentCSRFToken reports whether a form carries a session's synchronizer token, from its
// body only: a token in a URL leaks into logs, history and Referer.
func sentCSRFToken(r *http.Request, secret string) bool {
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf_token")), []byte(secret)) == 1
}

// RefuseCrossSiteSubresources applies the Fetch Metadata resource isolation policy: another
// site may navigate to the portal (a link, a form's target, an iframe) but may not load it
// as a script, image, fetch or embed. Browsers that send no Sec-Fetch-Site are let through;
// VerifyCSRF still checks their writes.
func RefuseCrossSiteSubresources(next echo.HandlerFunc) echo.HandlerFunc {
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
