package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// signIns is sign-in by email at /login/<slug>. The answer never tells whether an address
// belongs to a customer: the page, its status and its time are the same either way, which
// is why the look-up and the mail happen after the answer, in the background.
type signIns struct {
	// waiting bounds the sign-ins accepted and not yet handled; past it a request is
	// dropped (and logged), its answer unchanged. working bounds those handled at once, so
	// a burst of sign-ins queues here instead of crowding the database.
	waiting    chan struct{}
	working    chan struct{}
	perIP      *middleware.RateLimiterMemoryStore
	perAddress *middleware.RateLimiterMemoryStore
}

// Sign-in limits in front of the Store's own per customer.
const (
	signInsWaiting = 1024
	signInsWorking = 4
	// signInsPerIPBurst requests from one client IP at once, then one a minute.
	signInsPerIPBurst = 10
	// signInsPerAddressBurst requests for one address at once, then one a minute; known
	// and unknown addresses alike, so the limit tells nothing either.
	signInsPerAddressBurst = 3
	// signInStartDelay is how long after its answer a sign-in's look-up starts.
	signInStartDelay = 10 * time.Millisecond
	// signInTimeout bounds the background look-up and queueing of one sign-in.
	signInTimeout = 10 * time.Second
)

func newSignIns() *signIns {
	return &signIns{
		waiting: make(chan struct{}, signInsWaiting), working: make(chan struct{}, signInsWorking),
		perIP: perMinuteLimiter(signInsPerIPBurst), perAddress: perMinuteLimiter(signInsPerAddressBurst),
	}
}

// ShowLogin is a merchant's sign-in page, GET /login/<slug>: its branding, one field. A
// merchant that has not switched sign-in by email on has no such page (404).
func (h *Handler) ShowLogin(c echo.Context) error {
	m, err := h.store.SignInMerchant(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	p := h.loginPage(c, m)
	return web.Render(c, http.StatusOK, views.LoginPage(p, views.NewLoginView(p.T, m.Slug, "", "")))
}

// RequestLogin takes the sign-in form. A well-formed address gets the same answer whether
// or not it belongs to a customer ("if this address belongs to an account, we sent a
// link"); the look-up and the mail follow in the background.
func (h *Handler) RequestLogin(c echo.Context) error {
	r := c.Request()
	m, err := h.store.SignInMerchant(r.Context(), c.Param("slug"))
	if err != nil {
		return err
	}
	p := h.loginPage(c, m)
	address := strings.TrimSpace(r.PostFormValue("email"))
	if !models.ValidEmail(address) {
		return web.Render(c, http.StatusUnprocessableEntity, views.LoginPage(p, views.NewLoginView(p.T, m.Slug, address, "invalid_email")))
	}
	ipAllowed, _ := h.signIns.perIP.Allow(c.RealIP())
	addressAllowed, _ := h.signIns.perAddress.Allow(addressKey(m.ID, address))
	if !ipAllowed || !addressAllowed {
		return mailLimited(c, p, "login.limited")
	}
	h.signIn(r.Context().Done(), m.ID, address, p.Lang(), c.RealIP(), r.UserAgent())
	p.Title = p.T.T("login.sent.title")
	return web.Render(c, http.StatusOK, views.MailSentPage(p, views.MailSentView{
		MaskedAddress: models.MaskEmail(address), Body: "login.sent.body", Merchant: m.Name,
	}))
}

// loginPage is a sign-in page, branded for the merchant, in the language asked for (a
// form's hidden field carries it to the POST), else the browser's, else the merchant's.
func (h *Handler) loginPage(c echo.Context, m *models.Merchant) *views.Page {
	r := c.Request()
	p := h.pages.MerchantPage(r, m, nil, r.PostFormValue("language"))
	p.Title = p.T.Tf("login.title", map[string]any{"Merchant": m.Name})
	return p
}

// signIn looks the address up and queues the mail in the background, once the request is
// over (answered) — so the answer neither waits for it nor shares the CPU with it, and does
// not take longer when the address is known.
func (h *Handler) signIn(answered <-chan struct{}, merchantID, address, lang, ip, userAgent string) {
	select {
	case h.signIns.waiting <- struct{}{}:
	default:
		h.log.Warn("sign-in by email: too many requests waiting; dropped", "merchant", merchantID, "to", models.MaskEmail(address))
		return
	}
	go func() {
		defer func() { <-h.signIns.waiting }()
		// The request's end comes a moment before its last bytes leave: let them go first.
		<-answered
		time.Sleep(signInStartDelay)
		h.signIns.working <- struct{}{}
		defer func() { <-h.signIns.working }()
		ctx, cancel := context.WithTimeout(context.Background(), signInTimeout)
		defer cancel()
		queued, err := h.store.RequestSignIn(ctx, merchantID, address, lang, ip, userAgent)
		if err != nil {
			h.log.Error("sign-in by email", "merchant", merchantID, "to", models.MaskEmail(address), "err", err)
			return
		}
		h.log.Info("sign-in by email requested", "merchant", merchantID, "to", models.MaskEmail(address), "links_sent", queued)
	}()
}

// addressKey is the rate limit's key for an address at a merchant: a hash, so the limiter's
// memory holds no address.
func addressKey(merchantID, address string) string {
	sum := sha256.Sum256([]byte(merchantID + "\x00" + strings.ToLower(address)))
	return hex.EncodeToString(sum[:])
}
