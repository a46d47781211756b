package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// receiver is a merchant's webhook endpoint: it keeps what arrives and answers with
// answer (204 when nil).
type receiver struct {
	mu       sync.Mutex
	received []received
	answer   func(n int) int // the status for the nth request, from 1
	hang     chan struct{}   // when set, requests wait until it closes
	waiting  atomic.Int32    // requests waiting for hang now
}

type received struct {
	eventID, signature string
	body               []byte
	status             int
	at                 time.Time
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	if r.hang != nil {
		r.waiting.Add(1)
		select {
		case <-r.hang:
		case <-req.Context().Done():
		}
		r.waiting.Add(-1)
	}
	r.mu.Lock()
	status := http.StatusNoContent
	if r.answer != nil {
		status = r.answer(len(r.received) + 1)
	}
	r.received = append(r.received, received{req.Header.Get("Portico-Event-Id"), req.Header.Get("Portico-Signature"), body, status, time.Now()})
	r.mu.Unlock()
	w.WriteHeader(status)
}

func (r *receiver) all() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.received...)
}

// taken counts, per event ID, the deliveries the receiver answered with a 2xx.
func (r *receiver) taken() map[string]int {
	n := map[string]int{}
	for _, d := range r.all() {
		if d.status < 300 {
			n[d.eventID]++
		}
	}
	return n
}

// serve starts a receiver and returns its URL.
func serve(t testing.TB, r http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv.URL + "/hooks"
}

// fixture is a Store on a test clock that admits local receivers, and its deliverer.
type fixture struct {
	store *models.Store
	clock *testdb.Clock
	d     *Deliverer
	logs  *bytes.Buffer
	logMu *sync.Mutex
}

func newFixture(t testing.TB, db *models.DB) *fixture {
	return newFixtureOn(t, db, testdb.NewClock())
}

// testKeys seal the endpoints' signing secrets.
var testKeys, _ = models.NewDataKeys([][]byte{bytes.Repeat([]byte{5}, models.DataKeySize)})

// newFixtureOn is a fixture whose Store tells time by clock, which other fixtures may share.
func newFixtureOn(t testing.TB, db *models.DB, clock *testdb.Clock) *fixture {
	t.Helper()
	store := models.NewStore(db, models.WithClock(clock.Now), models.WithDataKeys(testKeys), models.WithWebhookPolicy(models.WebhookPolicy{AllowPrivate: true}))
	f := &fixture{store: store, clock: clock, logs: &bytes.Buffer{}, logMu: &sync.Mutex{}}
	f.d = NewDeliverer(store, slog.New(slog.NewTextHandler(lockedWriter{f.logMu, f.logs}, nil)))
	return f
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (f *fixture) log() string {
	f.logMu.Lock()
	defer f.logMu.Unlock()
	return f.logs.String()
}

// merchantsAt makes n merchants with one endpoint each, all at url.
func (f *fixture) merchantsAt(t testing.TB, n int, url string) []*models.Merchant {
	t.Helper()
	merchants := make([]*models.Merchant, n)
	for i := range merchants {
		merchants[i], _ = f.merchant(t, url)
	}
	return merchants
}

// merchants numbers the merchants tests make, for unique slugs.
var merchants atomic.Int64

// merchant makes a merchant with an endpoint at each URL. The endpoints' registrations are
// announced to them; those deliveries are settled at once, unsent, so a receiver gets only
// what a test announces.
func (f *fixture) merchant(t testing.TB, urls ...string) (*models.Merchant, []*models.WebhookEndpoint) {
	t.Helper()
	ctx := context.Background()
	m, err := f.store.CreateMerchant(ctx, "Acme", fmt.Sprintf("acme-%d", merchants.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	var endpoints []*models.WebhookEndpoint
	for _, u := range urls {
		w, err := f.store.CreateWebhookEndpoint(ctx, m.ID, models.SystemActor, u)
		if err != nil {
			t.Fatal(err)
		}
		endpoints = append(endpoints, w)
	}
	f.settle(t)
	return m, endpoints
}

// settle records every due delivery as delivered without sending it.
func (f *fixture) settle(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for {
		claimed, err := f.store.ClaimWebhookDeliveries(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) == 0 {
			return
		}
		for i := range claimed {
			if _, err := f.store.RecordWebhookAttempt(ctx, &claimed[i], models.AttemptResult{StatusCode: http.StatusNoContent}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// announce makes one announced change for m: a new customer. It returns the customer's ID.
func announce(t testing.TB, store *models.Store, m *models.Merchant) string {
	t.Helper()
	name, email := "Zoë", "zoe@example.com"
	c, err := store.CreateCustomer(context.Background(), m.ID, models.SystemActor, models.CustomerInput{Name: &name, Email: &email})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// deliverDue claims what is due and sends it, as one pass of the Runner would, and returns
// how many attempts it made.
func (f *fixture) deliverDue(t *testing.T) int {
	t.Helper()
	jobs, err := f.d.Claim(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		j.Run(context.Background())
	}
	return len(jobs)
}

// deliveries lists an endpoint's deliveries, newest first, but for those of endpoints'
// registrations (see merchant).
func (f *fixture) deliveries(t *testing.T, m *models.Merchant, w *models.WebhookEndpoint) []models.WebhookDelivery {
	t.Helper()
	rows, _, err := f.store.ListWebhookDeliveries(context.Background(), m.ID, w.ID, models.DeliveryFilter{}, models.Page{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(rows, func(d models.WebhookDelivery) bool { return d.EventType == "webhook_endpoint.created" })
}

func TestDeliveryIsSignedAndHappensOnce(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newFixture(t, db)
		rcv := &receiver{}
		m, endpoints := f.merchant(t, serve(t, rcv))
		announce(t, f.store, m)
		if n := f.deliverDue(t); n != 1 {
			t.Fatalf("first pass made %d attempts, want 1", n)
		}
		got := rcv.all()
		if len(got) != 1 {
			t.Fatalf("the endpoint received %d deliveries", len(got))
		}
		var event struct {
			ID, Type  string
			CreatedAt time.Time `json:"created_at"`
			Data      map[string]any
		}
		if err := json.Unmarshal(got[0].body, &event); err != nil || event.Type != "customer.created" || event.Data["email"] != "zoe@example.com" ||
			event.ID != got[0].eventID || !strings.HasPrefix(event.ID, "whe_") || event.CreatedAt.IsZero() {
			t.Errorf("delivered %s (%v)", got[0].body, err)
		}
		if want := Sign(f.clock.Now(), got[0].body, endpoints[0].Secret); got[0].signature != want {
			t.Errorf("signature %q, want %q", got[0].signature, want)
		}
		if n := f.deliverDue(t); n != 0 || len(rcv.all()) != 1 {
			t.Error("a delivered event was sent again")
		}
		d := f.deliveries(t, m, endpoints[0])
		if len(d) != 1 || d[0].State != models.JobDelivered || d[0].Attempts != 1 || d[0].LastStatusCode != http.StatusNoContent || d[0].EventType != "customer.created" {
			t.Errorf("delivery after success: %+v", d)
		}
		if got := testutil.ToFloat64(f.d.outcomes.WithLabelValues("delivered")); got != 1 {
			t.Errorf("delivered counter = %v, want 1", got)
		}
	})
}

// One endpoint failing never makes another receive an event twice: each has its own
// delivery, retried on its own schedule.
func TestEachEndpointHasItsOwnDelivery(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newFixture(t, db)
		healthy := &receiver{}
		failing := &receiver{answer: func(n int) int {
			if n < 3 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}}
		m, endpoints := f.merchant(t, serve(t, healthy), serve(t, failing))
		announce(t, f.store, m)
		f.deliverDue(t)
		if n := f.deliverDue(t); n != 0 {
			t.Fatalf("retried at once: %d attempts", n)
		}
		d := f.deliveries(t, m, endpoints[1])
		if len(d) != 1 || d[0].State != models.JobPending || d[0].Attempts != 1 || d[0].LastStatusCode != 503 ||
			!strings.Contains(d[0].LastError, "503") || !d[0].NextAttemptAt.Equal(f.store.Now().Add(30*time.Second)) {
			t.Fatalf("after a failure: %+v", d)
		}
		for _, wait := range []time.Duration{models.RetryDelay(1), models.RetryDelay(2)} {
			f.clock.Advance(wait)
			if n := f.deliverDue(t); n != 1 {
				t.Fatalf("after %v: %d attempts, want 1", wait, n)
			}
		}
		if got := healthy.taken(); len(got) != 1 || len(healthy.all()) != 1 {
			t.Errorf("the healthy endpoint received %d deliveries, want 1", len(healthy.all()))
		}
		if got := failing.all(); len(got) != 3 || got[2].status != 200 {
			t.Errorf("the failing endpoint received %d deliveries", len(got))
		}
		if d := f.deliveries(t, m, endpoints[1]); d[0].State != models.JobDelivered || d[0].Attempts != 3 || d[0].LastError != "" {
			t.Errorf("after recovering: %+v", d[0])
		}
		if got := testutil.ToFloat64(f.d.outcomes.WithLabelValues("retry")); got != 2 {
			t.Errorf("retry counter = %v, want 2", got)
		}
	})
}

// A delivery that keeps failing gives up when its retry window closes and says so in the
// log. An endpoint that then still fails, 3 days into its failures, is disabled, and the
// merchant's other endpoints hear of it. Re-enabled, it gets what was pending.
func TestFailingEndpointGivesUpAndIsDisabled(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		dead := &receiver{answer: func(int) int { return http.StatusInternalServerError }}
		m, endpoints := f.merchant(t, serve(t, dead))
		announce(t, f.store, m)
		start := f.clock.Now()
		attempts := 0
		for f.clock.Now().Sub(start) < models.RetryWindow && attempts < 100 {
			attempts += f.deliverDue(t)
			f.clock.Advance(time.Hour)
		}
		d := f.deliveries(t, m, endpoints[0])
		if len(d) != 1 || d[0].State != models.JobFailed || d[0].FinishedAt == nil || d[0].LastStatusCode != 500 {
			t.Fatalf("after the retry window: %+v", d)
		}
		if attempts < 15 || attempts > 25 {
			t.Errorf("%d attempts in the retry window; want about 20 (backoff to 6 h over 3 days)", attempts)
		}
		if log := f.log(); !strings.Contains(log, "webhook delivery gave up") || !strings.Contains(log, d[0].ID) || strings.Contains(log, endpoints[0].URL) {
			t.Errorf("the log does not tell of the delivery giving up (or names its URL):\n%s", log)
		}
		if got := testutil.ToFloat64(f.d.outcomes.WithLabelValues("failed")); got != 1 {
			t.Errorf("failed counter = %v, want 1", got)
		}
		if w, _ := f.store.GetWebhookEndpoint(ctx, m.ID, endpoints[0].ID); !w.Enabled || w.FailingSince == nil || !w.FailingSince.Equal(start.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("after 3 days less a few hours of failing: %+v", w)
		}

		// The next events (the other endpoint's registration, a change) fail too: 3 days of
		// failures, and the endpoint is off.
		other := &receiver{}
		w2, err := f.store.CreateWebhookEndpoint(ctx, m.ID, models.SystemActor, serve(t, other))
		if err != nil {
			t.Fatal(err)
		}
		announce(t, f.store, m)
		f.deliverDue(t)
		w, err := f.store.GetWebhookEndpoint(ctx, m.ID, endpoints[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if w.Enabled || w.DisabledReason != models.DisabledFailing {
			t.Fatalf("the endpoint after 3 days of failures: %+v", w)
		}
		if log := f.log(); !strings.Contains(log, "webhook endpoint disabled") {
			t.Errorf("the log does not tell of the endpoint being disabled:\n%s", log)
		}
		f.deliverDue(t)
		var types []string
		for _, r := range other.all() {
			var e models.EventEnvelope
			json.Unmarshal(r.body, &e)
			types = append(types, e.Type)
			if e.Type == "webhook_endpoint.disabled" && !strings.Contains(string(e.Data), `"id":"`+w.ID+`"`) {
				t.Errorf("the event names another endpoint: %s", e.Data)
			}
		}
		if slices.Sort(types); strings.Join(types, " ") != "customer.created webhook_endpoint.created webhook_endpoint.disabled" {
			t.Fatalf("the other endpoint was told %v", types)
		}
		if d := f.deliveries(t, m, w2); len(d) != 2 {
			t.Errorf("the other endpoint has %d deliveries, want 2", len(d))
		}

		// While it is off, its pending delivery waits and new events pass it by; switched
		// on again, what waited goes out.
		announce(t, f.store, m)
		f.clock.Advance(time.Hour)
		before := len(dead.all())
		f.deliverDue(t)
		if len(dead.all()) != before {
			t.Error("a disabled endpoint was sent a delivery")
		}
		dead.mu.Lock()
		dead.answer = nil
		dead.mu.Unlock()
		on := true
		if _, err := f.store.UpdateWebhookEndpoint(ctx, m.ID, models.SystemActor, w.ID, models.WebhookEndpointInput{Enabled: &on}); err != nil {
			t.Fatal(err)
		}
		f.deliverDue(t)
		if got := dead.taken(); len(got) != 2 {
			t.Errorf("re-enabled, the endpoint took %d events, want the two that waited", len(got))
		}
	})
}

// After a rotation, deliveries carry two signatures for a day: one with the new secret,
// one with the old, so receivers can switch without losing any.
func TestRotatedSecretSignsBesideTheNewOneForADay(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	rcv := &receiver{}
	m, endpoints := f.merchant(t, serve(t, rcv))
	old := endpoints[0].Secret
	rotated, err := f.store.RotateWebhookSecret(context.Background(), m.ID, models.SystemActor, endpoints[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Secret == old || !strings.HasPrefix(rotated.Secret, "whsec_") {
		t.Fatalf("rotated secret %q", rotated.Secret)
	}
	f.settle(t) // the rotation's announcement
	announce(t, f.store, m)
	f.deliverDue(t)
	f.clock.Advance(models.SecretRotationOverlap)
	announce(t, f.store, m)
	f.deliverDue(t)
	got := rcv.all()
	if len(got) != 2 {
		t.Fatalf("%d deliveries", len(got))
	}
	sentAt := f.clock.Now().Add(-models.SecretRotationOverlap)
	if want := Sign(sentAt, got[0].body, rotated.Secret, old); got[0].signature != want || strings.Count(want, "v1=") != 2 {
		t.Errorf("within the day: %q, want %q", got[0].signature, want)
	}
	if want := Sign(f.clock.Now(), got[1].body, rotated.Secret); got[1].signature != want {
		t.Errorf("a day later: %q, want %q", got[1].signature, want)
	}
}

// Signing secrets are sealed with the data keys and survive a key rotation: a row sealed
// with the old key still signs while that key is configured beside the new one, and a
// secret rotation then seals both secrets with the new key. A secret no configured key
// opens fails its deliveries with a clear error, sends nothing, and is recovered from by
// rotating the secret.
func TestSigningSecretsSurviveDataKeyRotation(t *testing.T) {
	db := testdb.SQLite(t)
	key := func(b byte) []byte { return bytes.Repeat([]byte{b}, models.DataKeySize) }
	keys := func(k ...[]byte) models.StoreOption {
		dk, err := models.NewDataKeys(k)
		if err != nil {
			t.Fatal(err)
		}
		return models.WithDataKeys(dk)
	}
	// withKeys is the fixture's Store and deliverer as an instance configured with opt.
	withKeys := func(f *fixture, opt models.StoreOption) *fixture {
		g := *f
		g.store = models.NewStore(db, models.WithClock(f.clock.Now), models.WithWebhookPolicy(models.WebhookPolicy{AllowPrivate: true}), opt)
		g.d = NewDeliverer(g.store, f.d.log)
		return &g
	}
	base := newFixture(t, db)
	old := withKeys(base, keys(key(1)))
	rcv := &receiver{}
	m, endpoints := old.merchant(t, serve(t, rcv))
	secret := endpoints[0].Secret

	both := withKeys(base, keys(key(2), key(1)))
	announce(t, both.store, m)
	both.deliverDue(t)
	if got := rcv.all(); len(got) != 1 || got[0].signature != Sign(base.clock.Now(), got[0].body, secret) {
		t.Fatalf("with the old key beside the new, the delivery is not signed with the secret: %+v", got)
	}
	rotated, err := both.store.RotateWebhookSecret(context.Background(), m.ID, models.SystemActor, endpoints[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	both.settle(t) // the rotation's announcement
	onlyNew := withKeys(base, keys(key(2)))
	announce(t, onlyNew.store, m)
	onlyNew.deliverDue(t)
	if got := rcv.all(); len(got) != 2 || got[1].signature != Sign(base.clock.Now(), got[1].body, rotated.Secret, secret) {
		t.Fatalf("after the rotation, with the new key alone: %+v", got)
	}

	// Another endpoint, sealed with the old key only, meets an instance without it.
	stranded := &receiver{}
	lostM, lost := old.merchant(t, serve(t, stranded))
	announce(t, onlyNew.store, lostM)
	onlyNew.deliverDue(t)
	if len(stranded.all()) != 0 {
		t.Error("a delivery went out without the signature it should carry")
	}
	d := onlyNew.deliveries(t, lostM, lost[0])
	if len(d) != 1 || d[0].State != models.JobPending || !strings.Contains(d[0].LastError, "PORTICO_DATA_KEYS") || !strings.Contains(d[0].LastError, "rotate") {
		t.Fatalf("a delivery whose secret cannot be opened: %+v", d)
	}
	if log := onlyNew.log(); !strings.Contains(log, "webhook delivery cannot be signed") || strings.Contains(log, lost[0].Secret) {
		t.Errorf("the log does not say why (or shows the secret):\n%s", log)
	}
	fresh, err := onlyNew.store.RotateWebhookSecret(context.Background(), lostM.ID, models.SystemActor, lost[0].ID)
	if err != nil || fresh.PreviousSecretExpiresAt != nil {
		t.Fatalf("rotating an unreadable secret: %+v %v, want a new secret and no previous one", fresh, err)
	}
	onlyNew.clock.Advance(models.RetryDelay(1))
	onlyNew.deliverDue(t)
	if got := stranded.all(); len(got) == 0 || got[len(got)-1].signature != Sign(base.clock.Now(), got[len(got)-1].body, fresh.Secret) {
		t.Errorf("after the rotation, the endpoint's deliveries: %+v", got)
	}
}

func TestAttemptTimesOut(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	hung := &receiver{hang: make(chan struct{})}
	t.Cleanup(func() { close(hung.hang) })
	m, endpoints := f.merchant(t, serve(t, hung))
	f.d.attemptTimeout = 200 * time.Millisecond
	announce(t, f.store, m)
	start := time.Now()
	f.deliverDue(t)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the attempt took %v", took)
	}
	if d := f.deliveries(t, m, endpoints[0]); d[0].State != models.JobPending || d[0].LastError != "no answer within 200ms" {
		t.Errorf("after a hung attempt: %+v", d[0])
	}
	if attemptTimeout > 10*time.Second || connectTimeout > 3*time.Second {
		t.Errorf("timeouts: attempt %v, connect %v", attemptTimeout, connectTimeout)
	}
}

// An endpoint that redirects is not followed, so it cannot send Portico's POST anywhere
// the address check would not see.
func TestRedirectsAreNotFollowed(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	target := &receiver{}
	targetURL := serve(t, target)
	redirector := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, targetURL, http.StatusTemporaryRedirect)
	})
	m, endpoints := f.merchant(t, serve(t, redirector))
	announce(t, f.store, m)
	f.deliverDue(t)
	if len(target.all()) != 0 {
		t.Error("the redirect was followed")
	}
	if d := f.deliveries(t, m, endpoints[0]); d[0].LastStatusCode != http.StatusTemporaryRedirect || !strings.Contains(d[0].LastError, "redirects are not followed") {
		t.Errorf("after a redirect: %+v", d[0])
	}
}

func TestOldestPendingGauge(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newFixture(t, db)
		rcv := &receiver{answer: func(int) int { return http.StatusBadGateway }}
		m, _ := f.merchant(t, serve(t, rcv))
		if got := testutil.ToFloat64(f.d.oldestPending); got != 0 {
			t.Errorf("nothing pending: %v", got)
		}
		announce(t, f.store, m)
		f.deliverDue(t)
		f.clock.Advance(90 * time.Second)
		if got := testutil.ToFloat64(f.d.oldestPending); got != 90 {
			t.Errorf("oldest pending age = %v, want 90", got)
		}
	})
}

func TestMetricsRegister(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	reg := prometheus.NewRegistry()
	if err := f.d.Register(reg); err != nil {
		t.Fatal(err)
	}
	n, err := testutil.GatherAndCount(reg, "portico_webhook_deliveries_total", "portico_webhook_oldest_pending_delivery_age_seconds")
	if err != nil || n != 4 {
		t.Errorf("%d series (%v), want 3 outcomes and the gauge", n, err)
	}
}
