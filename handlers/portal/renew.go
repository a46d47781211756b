package portal

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
	"golang.org/x/time/rate"
)

// renewals offer and take "email me a new link" on the page of an expired link and of a
// session that ended with its link. The form carries a ticket naming the link, signed and
// encrypted with keys derived from the session keys: only a visitor who saw the page (who
// had the link, or its session's cookie) can ask, and link IDs from elsewhere are useless.
type renewals struct {
	tickets []securecookie.Codec
	perIP   *middleware.RateLimiterMemoryStore
}

// Renewal limits in front of the Store's own (per link and per customer, in the database).
const (
	// ticketName binds a ticket to its use.
	ticketName = "portico renewal"
	// ticketLifetime bounds how long a page's offer stays good.
	ticketLifetime = 24 * time.Hour
	// renewalsPerIPBurst requests from one client IP at once, then one a minute.
	renewalsPerIPBurst = 10
	// mailRetryAfter is the Retry-After of a refused request for mail.
	mailRetryAfter = time.Minute
)

func newRenewals(secrets [][]byte) (*renewals, error) {
	pairs, err := keyPairs(secrets, "portico renewal ticket")
	if err != nil {
		return nil, err
	}
	tickets := securecookie.CodecsFromPairs(pairs...)
	for _, t := range tickets {
		t.(*securecookie.SecureCookie).MaxAge(int(ticketLifetime / time.Second))
	}
	return &renewals{tickets: tickets, perIP: perMinuteLimiter(renewalsPerIPBurst)}, nil
}

// perMinuteLimiter allows a key burst requests at once, then one a minute.
func perMinuteLimiter(burst int) *middleware.RateLimiterMemoryStore {
	return middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
		Rate: rate.Every(time.Minute), Burst: burst, ExpiresIn: time.Hour,
	})
}

// renewOffer is the "email me a new link" form for the page about link, or nil when the
// link cannot be renewed (the rule is models'; see Store.CanRenew).
func (h *Handler) renewOffer(c echo.Context, link *models.PortalLink) *views.RenewOffer {
	if err := h.store.CanRenew(c.Request().Context(), link); err != nil {
		if !errors.Is(err, models.ErrNotRenewable) {
			h.log.Error("decide whether a link can be renewed", "link", link.ID, "err", err)
		}
		return nil
	}
	ticket, err := securecookie.EncodeMulti(ticketName, link.ID, h.renewals.tickets...)
	if err != nil {
		h.log.Error("make a renewal ticket", "link", link.ID, "err", err)
		return nil
	}
	return &views.RenewOffer{Ticket: ticket}
}

// RenewLink takes the "email me a new link" form, POST /renew: a new link like the expired
// one goes to the customer's address on file, and the page says where, masked. A link that
// cannot be renewed is refused (403); too many requests get the 429 page.
func (h *Handler) RenewLink(c echo.Context) error {
	r := c.Request()
	var linkID string
	if err := securecookie.DecodeMulti(ticketName, r.PostFormValue("ticket"), &linkID, h.renewals.tickets...); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "missing, altered or outdated renewal ticket")
	}
	lang := r.PostFormValue("language")
	if allowed, _ := h.renewals.perIP.Allow(c.RealIP()); !allowed {
		return mailLimited(c, h.pages.Page(web.ChooseLanguage(r, "", lang), ""), "renew.limited")
	}
	renewal, err := h.store.RenewPortalLink(r.Context(), linkID, web.ChooseLanguage(r, "", lang), c.RealIP(), r.UserAgent())
	if renewal == nil {
		return err
	}
	old := &renewal.Expired
	if old.Framable() {
		web.AllowFraming(c, old.FrameAncestors)
	}
	p := h.pages.MerchantPage(r, &renewal.Merchant, old, lang, old.Locale)
	switch {
	case errors.Is(err, models.ErrNotRenewable):
		return notice(c, http.StatusForbidden, p, views.NoticeView{Notice: views.NoticeRenewalRefused, SupportEmail: renewal.Merchant.SupportEmail})
	case errors.Is(err, models.ErrMailLimited):
		return mailLimited(c, p, "renew.limited")
	case err != nil:
		return err
	}
	p.Title = p.T.T("renew.sent.title")
	return web.Render(c, http.StatusOK, views.MailSentPage(p, views.MailSentView{
		MaskedAddress: models.MaskEmail(renewal.Email.Recipient), Body: "renew.sent.body", Merchant: renewal.Merchant.Name,
	}))
}

// mailLimited answers a request for mail past its limits: 429, Retry-After, and a page
// that says to wait.
func mailLimited(c echo.Context, p *views.Page, messageID string) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(mailRetryAfter/time.Second)))
	p.Title = p.T.T("error.title")
	return web.Render(c, http.StatusTooManyRequests, views.MailLimitedPage(p, messageID))
}

// RefuseCrossOrigin guards the forms that work without a session (the renewal button, the
// sign-in page) with the browser's own word on where a request comes from
// (Sec-Fetch-Site, else Origin): there is no session to hold a synchronizer token.
func (h *Handler) RefuseCrossOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := h.crossOrigin.Check(c.Request()); err != nil {
			return echo.NewHTTPError(http.StatusForbidden, "cross-origin request refused")
		}
		return next(c)
	}
}
