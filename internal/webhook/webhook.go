// Package webhook sends webhook deliveries: each event the Store announced, POSTed to each
// of its merchant's endpoints, signed, and retried with backoff until it is taken or its
// retry window closes. It is a queue of the outbox Runner; delivery is at least once, and
// receivers tell repeats apart by the event ID.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/portico/portico/internal/outbox"
	"github.com/portico/portico/models"
	"github.com/prometheus/client_golang/prometheus"
)

// Timeouts of one delivery attempt.
const (
	// connectTimeout bounds the TCP connection, and again the TLS handshake.
	connectTimeout = 3 * time.Second
	// attemptTimeout bounds the whole attempt: connecting, sending, the answer.
	attemptTimeout = 10 * time.Second
	// answerReadLimit is how much of an answer's body is read (and thrown away), so the
	// connection can be reused.
	answerReadLimit = 64 << 10
)

// Deliverer is the outbox queue of webhook deliveries.
type Deliverer struct {
	store          *models.Store
	client         *http.Client
	log            *slog.Logger
	attemptTimeout time.Duration
	outcomes       *prometheus.CounterVec
	oldestPending  prometheus.GaugeFunc
}

// NewDeliverer returns the queue of webhook deliveries. Its HTTP client connects only
// where the Store's WebhookPolicy allows, checked on every address it dials, so a DNS
// name that resolves (or rebinds) to an internal address is refused at connection time.
// It follows no redirects: an endpoint must answer where it is.
func NewDeliverer(store *models.Store, log *slog.Logger) *Deliverer {
	return newDeliverer(store, log, net.DefaultResolver)
}

func newDeliverer(store *models.Store, log *slog.Logger, resolver *net.Resolver) *Deliverer {
	d := &Deliverer{
		store: store, log: log, attemptTimeout: attemptTimeout,
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "portico_webhook_deliveries_total",
			Help: "Webhook delivery attempts by outcome: delivered; retry (failed, tried again later); failed (gave up).",
		}, []string{"outcome"}),
	}
	for _, outcome := range []string{"delivered", "retry", "failed"} {
		d.outcomes.WithLabelValues(outcome)
	}
	d.oldestPending = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "portico_webhook_oldest_pending_delivery_age_seconds",
		Help: "Age of the oldest webhook delivery not yet delivered or given up, on enabled endpoints; 0 when none is pending.",
	}, d.oldestPendingAge)

	policy := store.WebhookPolicy()
	dialer := &net.Dialer{
		Timeout:  connectTimeout,
		Resolver: resolver,
		Control: func(_, address string, _ syscall.RawConn) error {
			addr, err := netip.ParseAddrPort(address)
			if err != nil {
				return err
			}
			return policy.CheckAddress(addr.Addr())
		},
	}
	d.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil, // a proxy would dial for us, past the address check
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			TLSHandshakeTimeout:    connectTimeout,
			MaxIdleConns:           outbox.Slots * 2,
			MaxIdleConnsPerHost:    models.MaxInFlightPerEndpoint,
			IdleConnTimeout:        90 * time.Second,
			MaxResponseHeaderBytes: 16 << 10,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return d
}

// Register adds the deliverer's metrics to reg: attempts by outcome, and the age of the
// oldest pending delivery.
func (d *Deliverer) Register(reg prometheus.Registerer) error {
	if err := reg.Register(d.outcomes); err != nil {
		return err
	}
	return reg.Register(d.oldestPending)
}

func (d *Deliverer) oldestPendingAge() float64 {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	oldest, ok, err := d.store.OldestPendingWebhookDelivery(ctx)
	switch {
	case err != nil:
		return math.NaN()
	case !ok:
		return 0
	}
	return d.store.Now().Sub(oldest).Seconds()
}

// Claim takes up to n due deliveries; it is the outbox.Queue of webhooks.
func (d *Deliverer) Claim(ctx context.Context, n int) ([]outbox.Job, error) {
	claimed, err := d.store.ClaimWebhookDeliveries(ctx, n)
	if err != nil {
		return nil, err
	}
	jobs := make([]outbox.Job, len(claimed))
	for i := range claimed {
		jobs[i] = &delivery{deliverer: d, claimed: &claimed[i]}
	}
	return jobs, nil
}

// delivery is one claimed delivery as an outbox job.
type delivery struct {
	deliverer *Deliverer
	claimed   *models.ClaimedDelivery
}

// Run sends the delivery once and records how it went.
func (j *delivery) Run(ctx context.Context) {
	d, c := j.deliverer, j.claimed
	result := d.send(ctx, c)
	disabled, err := d.store.RecordWebhookAttempt(ctx, c, result)
	switch {
	case errors.Is(err, models.ErrClaimLapsed):
		d.log.Warn("webhook delivery attempt outlived its claim; not recorded", "delivery", c.ID, "endpoint", c.EndpointID)
		return
	case err != nil:
		d.log.Error("record webhook delivery attempt", "delivery", c.ID, "err", err)
		return
	}
	switch c.State {
	case models.JobDelivered:
		d.outcomes.WithLabelValues("delivered").Inc()
	case models.JobFailed:
		d.outcomes.WithLabelValues("failed").Inc()
		d.log.Warn("webhook delivery gave up", "delivery", c.ID, "event", c.EventID, "event_type", c.Event.Type,
			"endpoint", c.EndpointID, "merchant", c.MerchantID, "attempts", c.Attempts, "status", c.LastStatusCode, "err", c.LastError)
	default:
		d.outcomes.WithLabelValues("retry").Inc()
		d.log.Debug("webhook delivery failed; will retry", "delivery", c.ID, "endpoint", c.EndpointID,
			"attempts", c.Attempts, "next_attempt_at", c.NextAttemptAt, "status", c.LastStatusCode, "err", c.LastError)
	}
	if disabled {
		d.log.Warn("webhook endpoint disabled: it has failed without a success for too long", "endpoint", c.EndpointID,
			"merchant", c.MerchantID, "failing_for", models.DisableFailingEndpointAfter.String())
	}
}

// send POSTs the delivery's event to its endpoint, signed; any 2xx is taken.
func (d *Deliverer) send(ctx context.Context, c *models.ClaimedDelivery) models.AttemptResult {
	body, err := c.Event.Envelope()
	if err != nil {
		return models.AttemptResult{Err: err}
	}
	now := d.store.Now()
	secrets, err := d.store.SigningSecrets(&c.Endpoint, now)
	if err != nil {
		d.log.Error("webhook delivery cannot be signed", "delivery", c.ID, "endpoint", c.EndpointID, "merchant", c.MerchantID, "err", err)
		return models.AttemptResult{Err: fmt.Errorf("not sent: %w", err)}
	}
	ctx, cancel := context.WithTimeout(ctx, d.attemptTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint.URL, bytes.NewReader(body))
	if err != nil {
		return models.AttemptResult{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Portico-Webhooks/1")
	req.Header.Set("Portico-Event-Id", c.EventID)
	req.Header.Set("Portico-Delivery-Id", c.ID)
	req.Header.Set("Portico-Signature", Sign(now, body, secrets...))
	res, err := d.client.Do(req)
	if err != nil {
		// The endpoint's URL is known; keep what went wrong, not the request line.
		var urlErr *url.Error
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			err = fmt.Errorf("no answer within %v", d.attemptTimeout)
		case errors.As(err, &urlErr):
			err = urlErr.Err
		}
		return models.AttemptResult{Err: err}
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, answerReadLimit))
	switch {
	case res.StatusCode >= 200 && res.StatusCode <= 299:
		return models.AttemptResult{StatusCode: res.StatusCode}
	case res.StatusCode >= 300 && res.StatusCode <= 399:
		return models.AttemptResult{StatusCode: res.StatusCode, Err: fmt.Errorf("answered %s: redirects are not followed", res.Status)}
	}
	return models.AttemptResult{StatusCode: res.StatusCode, Err: fmt.Errorf("answered %s", res.Status)}
}

// Sign is the Portico-Signature header of a body sent at t: "t=<unix seconds>" and a
// "v1=<hex HMAC-SHA256 of "<t>.<body>">" per secret (two for a day after a rotation).
// Receivers recompute it with their secret, accept any v1 that matches, and reject old
// timestamps, so a captured delivery cannot be replayed later.
func Sign(t time.Time, body []byte, secrets ...string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	var b strings.Builder
	b.WriteString("t=" + ts)
	for _, secret := range secrets {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write([]byte(ts + "."))
		mac.Write(body)
		b.WriteString(",v1=" + hex.EncodeToString(mac.Sum(nil)))
	}
	return b.String()
}
