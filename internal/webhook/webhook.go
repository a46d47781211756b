// Package webhook delivers the outbox: every event the store announced, POSTed to each of
// its merchant's webhook endpoints, signed, retried with backoff until it is taken.
// Delivery is at least once; receivers tell repeats apart by the event ID.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/portico/portico/models"
)

// Deliverer sends due outbox events, a batch at a time.
type Deliverer struct {
	store  *models.Store
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
}

// NewDeliverer returns a Deliverer whose HTTP client will not connect to private, link-local
// or (unless the endpoint's URL names one) loopback addresses, so a merchant cannot point
// Portico at the network it runs in.
func NewDeliverer(store *models.Store, log *slog.Logger) *Deliverer {
	dialer := &net.Dialer{Timeout: 5 * time.Second, ControlContext: refuseInternalAddresses}
	transport := &http.Transport{
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		MaxIdleConnsPerHost:   2,
	}
	return &Deliverer{
		store: store, log: log, now: time.Now,
		client: &http.Client{
			Transport: transport,
			Timeout:   15 * time.Second,
			// A redirect could lead anywhere; endpoints must answer where they are.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

type loopbackAllowedKey struct{}

// errInternalAddress refuses a connection to Portico's own network.
var errInternalAddress = errors.New("refusing to deliver to an internal address")

func refuseInternalAddresses(ctx context.Context, _, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return errInternalAddress
	case ip.IsLoopback():
		if allowed, _ := ctx.Value(loopbackAllowedKey{}).(bool); allowed {
			return nil
		}
		return errInternalAddress
	case ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsUnspecified(), ip.IsMulticast():
		return errInternalAddress
	}
	return nil
}

// Run delivers due events every interval until ctx ends.
func (d *Deliverer) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if _, err := d.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			d.log.Error("deliver webhooks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// batchSize bounds one pass over the outbox.
const batchSize = 100

// DeliverDue makes one pass: each due event goes to its merchant's enabled endpoints, and is
// marked delivered when all took it, or scheduled again. It returns how many were delivered.
func (d *Deliverer) DeliverDue(ctx context.Context) (int, error) {
	events, err := d.store.DueOutboxEvents(ctx, d.now(), batchSize)
	if err != nil {
		return 0, err
	}
	delivered := 0
	for _, e := range events {
		sendErr := d.send(ctx, &e)
		if err := d.store.RecordDelivery(ctx, e.MerchantID, e.ID, sendErr, d.now().Add(backoff(e.Attempts+1))); err != nil {
			return delivered, err
		}
		if sendErr == nil {
			delivered++
		} else {
			d.log.Warn("webhook delivery failed", "event", e.ID, "merchant", e.MerchantID, "attempt", e.Attempts+1, "err", sendErr)
		}
	}
	return delivered, nil
}

// backoff is the wait before the next attempt: 30 s, doubling, at most 6 hours.
func backoff(attempts int) time.Duration {
	return min(30*time.Second<<min(attempts-1, 20), 6*time.Hour)
}

// send posts the event to each enabled endpoint of its merchant.
func (d *Deliverer) send(ctx context.Context, e *models.OutboxEvent) error {
	endpoints, err := d.store.ListWebhookEndpoints(ctx, e.MerchantID)
	if err != nil {
		return err
	}
	body, err := json.Marshal(struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		CreatedAt time.Time       `json:"created_at"`
		Data      json.RawMessage `json:"data"`
	}{e.ID, e.Type, e.CreatedAt, json.RawMessage(e.Payload)})
	if err != nil {
		return err
	}
	var errs []error
	for _, w := range endpoints {
		if w.Enabled {
			if err := d.post(ctx, &w, e.ID, body); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", w.URL, err))
			}
		}
	}
	return errors.Join(errs...)
}

// post delivers one signed body to one endpoint; any 2xx is taken.
func (d *Deliverer) post(ctx context.Context, w *models.WebhookEndpoint, eventID string, body []byte) error {
	if u, err := url.Parse(w.URL); err == nil && isLoopbackHost(u.Hostname()) {
		// The store admits http://localhost only for development; let that through.
		ctx = context.WithValue(ctx, loopbackAllowedKey{}, true)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Portico-Webhooks/1")
	req.Header.Set("Portico-Event-Id", eventID)
	req.Header.Set("Portico-Signature", Sign(w.Secret, d.now(), body))
	res, err := d.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("answered %d", res.StatusCode)
	}
	return nil
}

// Sign is the Portico-Signature header of a body sent at t: "t=<unix seconds>,v1=<hex
// HMAC-SHA256 of "<t>.<body>" keyed with the endpoint's secret>". Receivers recompute it
// and reject old timestamps, so a captured delivery cannot be replayed later.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
