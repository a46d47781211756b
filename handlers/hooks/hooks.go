// Package hooks receives payment providers' events (POST /hooks/{provider}/{merchant_id}):
// a third surface beside the merchant API and the portal, because it is neither. A
// provider's server calls it, not a merchant's key holder and not a customer's browser: it
// has no API key, no session and no CSRF token, and trusts a request only when it is
// signed with the merchant's signing secret. It shares only handlers/web with the others.
package hooks

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
)

// MaxEventSize bounds an event's body: Stripe's are a few KB, and nothing larger is read.
const MaxEventSize = 256 << 10

// badSignaturesPerMinute is how many unverifiable events one client IP may send a minute
// before it is refused without a database lookup.
const badSignaturesPerMinute = 30

// Handler receives the providers' events.
type Handler struct {
	store     *models.Store
	providers map[string]models.PaymentProvider
	log       *slog.Logger
	failures  *web.FailureLimiter // per client IP
}

// New returns the handler for the providers Portico speaks.
func New(store *models.Store, providers []models.PaymentProvider, log *slog.Logger) *Handler {
	h := &Handler{store: store, providers: map[string]models.PaymentProvider{}, log: log, failures: web.NewFailureLimiter(badSignaturesPerMinute)}
	for _, p := range providers {
		h.providers[p.Name()] = p
	}
	return h
}

// answer is every response's body: the provider reads only the status.
func answer(c echo.Context, status int, message string) error {
	return c.JSON(status, map[string]string{"message": message})
}

// ReceiveEvent verifies an event with the signing secret of the merchant its path names
// and acts on it: a payment is recorded (once, however often the event comes), a saved
// payment method stored. 200 tells the provider the event needs no resending, including
// events Portico ignores; 400 that it is not the merchant's (the provider shows it as
// failing, so a wrong secret is seen); 5xx asks it to send the event again later.
func (h *Handler) ReceiveEvent(c echo.Context) error {
	ip := c.RealIP()
	if blocked, wait := h.failures.Blocked(ip); blocked {
		c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
		return answer(c, http.StatusTooManyRequests, "too many events that do not verify")
	}
	provider, merchantID := h.providers[c.Param("provider")], c.Param("merchant_id")
	ctx := c.Request().Context()
	account, err := h.store.OpenPaymentProvider(ctx, merchantID)
	switch {
	case provider == nil, errors.Is(err, models.ErrNotFound), err == nil && account.Provider != provider.Name():
		h.failures.Fail(ip)
		return answer(c, http.StatusNotFound, "no such merchant account")
	case err != nil:
		return err
	}
	payload, err := io.ReadAll(http.MaxBytesReader(c.Response(), c.Request().Body, MaxEventSize))
	if err != nil {
		return answer(c, http.StatusRequestEntityTooLarge, "the event is too large")
	}
	ev, err := provider.ParseEvent(ctx, account, payload, c.Request().Header)
	if errors.Is(err, models.ErrBadSignature) {
		h.failures.Fail(ip)
		h.log.Warn("payment provider event refused: bad signature", "provider", provider.Name(), "merchant_id", merchantID, "err", err)
		return answer(c, http.StatusBadRequest, "the signature does not verify")
	} else if err != nil {
		h.log.Error("payment provider event could not be read", "provider", provider.Name(), "merchant_id", merchantID, "err", err)
		return answer(c, http.StatusBadRequest, "the event cannot be read")
	}
	log := h.log.With("provider", provider.Name(), "merchant_id", merchantID, "event_id", ev.ID, "event_type", ev.Type)
	if ev.Kind == models.EventIgnored {
		return answer(c, http.StatusOK, "ignored")
	}
	if ev.MerchantID != merchantID {
		// Signed by this merchant's account but made for another (the same Stripe account
		// connected to two merchants): it changes nothing here.
		log.Warn("payment provider event names another merchant; nothing changed", "event_merchant_id", ev.MerchantID)
		return answer(c, http.StatusOK, "not this merchant's")
	}
	if ev.Kind == models.EventMethodSaved {
		sc := models.MerchantScope(merchantID).Customer(ev.CustomerID)
		_, err := h.store.SetProviderPaymentDetails(ctx, sc, provider.Name(), *ev.Saved)
		var invalid *models.ValidationError
		switch {
		case errors.Is(err, models.ErrNotFound), errors.As(err, &invalid):
			log.Warn("payment provider saved a method Portico cannot store; nothing changed", "customer_id", ev.CustomerID, "err", err)
			return answer(c, http.StatusOK, "not stored")
		case err != nil:
			return err
		}
		log.Info("payment method saved through the provider", "customer_id", ev.CustomerID, "method", ev.Saved.Method)
		return answer(c, http.StatusOK, "stored")
	}
	outcome, err := h.store.RecordProviderPayment(ctx, merchantID, provider.Name(), ev)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if outcome == models.OutcomeUnknownInvoice || outcome == models.OutcomeUnapplied {
		level = slog.LevelWarn // money that matches no invoice it could pay: the merchant must look
	}
	log.Log(ctx, level, "payment provider event recorded", "outcome", outcome, "invoice_id", ev.InvoiceID,
		"payment_id", ev.PaymentID, "amount", ev.Amount, "currency", ev.Currency)
	return answer(c, http.StatusOK, string(outcome))
}
