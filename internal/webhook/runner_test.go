package webhook

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/internal/outbox"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
)

// run works the deliverers' queue with a Runner each, as Portico instances would, until the
// test ends.
func run(t testing.TB, deliverers ...*Deliverer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, d := range deliverers {
		wg.Go(func() { outbox.NewRunner(d.log, d).Run(ctx) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Three merchants: one endpoint hangs, one fails and then recovers, one is healthy. The
// healthy one gets each of its events once, within seconds, while the others fail.
func TestHungAndFailingEndpointsDoNotDelayAHealthyOne(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newFixture(t, db)
		hung := &receiver{hang: make(chan struct{})}
		flaky := &receiver{answer: func(n int) int {
			if n <= 10 {
				return http.StatusServiceUnavailable
			}
			return http.StatusOK
		}}
		healthy := &receiver{}
		hungMerchant, _ := f.merchant(t, serve(t, hung), serve(t, hung), serve(t, hung))
		flakyMerchant, flakyEndpoints := f.merchant(t, serve(t, flaky))
		healthyMerchant, _ := f.merchant(t, serve(t, healthy))
		run(t, f.d)
		t.Cleanup(func() { close(hung.hang) }) // before the Runner waits for its attempts

		const n = 10
		for range n {
			announce(t, f.store, hungMerchant)
			announce(t, f.store, flakyMerchant)
		}
		const held = 3 * models.MaxInFlightPerEndpoint
		waitFor(t, 5*time.Second, "the hung endpoints hold their deliveries", func() bool { return hung.waiting.Load() == held })
		sent := time.Now()
		var ids []string
		for range n {
			announce(t, f.store, healthyMerchant)
		}
		events, _, err := f.store.ListOutboxEvents(context.Background(), healthyMerchant.ID, models.Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Type == "customer.created" {
				ids = append(ids, e.ID)
			}
		}
		waitFor(t, 5*time.Second, "the healthy endpoint gets every event", func() bool { return len(healthy.taken()) == n })
		t.Logf("%d events reached the healthy endpoint in %v beside hung and failing ones", n, time.Since(sent))
		for _, id := range ids {
			if got := healthy.taken()[id]; got != 1 {
				t.Errorf("event %s reached the healthy endpoint %d times", id, got)
			}
		}
		if len(healthy.all()) != n {
			t.Errorf("the healthy endpoint got %d requests for %d events", len(healthy.all()), n)
		}
		if in := hung.waiting.Load(); in != held {
			t.Errorf("the hung endpoints hold %d requests, want %d", in, held)
		}

		// The failing endpoint recovers: once each of its events has failed and none is in
		// flight, the clock moves past the first retry's wait (not past the hung attempts'
		// leases), and each event is taken once. The clock moves only then: moved while an
		// attempt is in flight, it would lapse that attempt's lease, and another claim would
		// send the event again, as it does when an instance dies mid-attempt.
		waitFor(t, 5*time.Second, "each event of the failing endpoint failed once, none in flight", func() bool {
			return settledAfterOneAttempt(f.deliveries(t, flakyMerchant, flakyEndpoints[0]), n)
		})
		f.clock.Advance(models.RetryDelay(1))
		waitFor(t, 10*time.Second, "the recovered endpoint takes every event", func() bool { return len(flaky.taken()) == n })
		for id, got := range flaky.taken() {
			if got != 1 {
				t.Errorf("event %s was taken %d times by the recovered endpoint", id, got)
			}
		}
		if log := f.log(); strings.Contains(log, "outlived its claim") {
			t.Errorf("a claim lapsed while its attempt ran:\n%s", log)
		}
	})
}

// settledAfterOneAttempt reports whether there are n deliveries, each tried once and none
// in flight: until the clock moves, none of them is due.
func settledAfterOneAttempt(deliveries []models.WebhookDelivery, n int) bool {
	for _, d := range deliveries {
		if d.Attempts != 1 || d.ClaimedBy != "" {
			return false
		}
	}
	return len(deliveries) == n
}

// pending counts the deliveries to m's endpoints that are not delivered (nor failed) yet:
// due, waiting, or in flight.
func (f *fixture) pending(t testing.TB, m *models.Merchant) int64 {
	t.Helper()
	ctx := context.Background()
	endpoints, err := f.store.ListWebhookEndpoints(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, w := range endpoints {
		_, page, err := f.store.ListWebhookDeliveries(ctx, m.ID, w.ID, models.DeliveryFilter{State: models.JobPending}, models.Page{PerPage: 1})
		if err != nil {
			t.Fatal(err)
		}
		n += page.Total
	}
	return n
}

// Two instances on one PostgreSQL deliver 500 events, each once.
func TestTwoDeliverersDeliverEachEventOnce(t *testing.T) {
	setting := testdb.PostgresSetting(t)
	open := func() *models.DB {
		db, err := models.OpenDB(setting)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	first := open()
	if err := migrations.Up(first.Writer()); err != nil {
		t.Fatal(err)
	}
	a := newFixture(t, first)
	b := newFixtureOn(t, open(), a.clock)

	rcv := &receiver{}
	url := serve(t, rcv)
	merchants := a.merchantsAt(t, 5, url)
	// One instance dies holding two claims: that endpoint's deliveries wait until the
	// claims lapse, the other merchants' go out meanwhile.
	for range 2 {
		announce(t, a.store, merchants[0])
	}
	if died, err := a.store.ClaimWebhookDeliveries(context.Background(), 2); err != nil || len(died) != 2 {
		t.Fatalf("claim: %d %v", len(died), err)
	}
	run(t, a.d, b.d)
	const n = 500
	for i := range n - 2 {
		announce(t, a.store, merchants[i%len(merchants)])
	}
	others := 0
	for i := range n - 2 {
		if i%len(merchants) != 0 {
			others++
		}
	}
	settled := func(merchants ...*models.Merchant) func() bool {
		return func() bool {
			for _, m := range merchants {
				if a.pending(t, m) > 0 {
					return false
				}
			}
			return true
		}
	}
	// The clock moves to lapse the dead instance's claims only once every other delivery's
	// outcome is recorded: moved while an attempt is in flight, it would lapse that lease too,
	// and the event would go out again (at least once, as for an instance that died).
	waitFor(t, 30*time.Second, "the other merchants' events delivered and recorded", settled(merchants[1:]...))
	if got := len(rcv.taken()); got != others {
		t.Fatalf("the other merchants' %d events reached the receiver as %d", others, got)
	}
	a.clock.Advance(2 * time.Minute)
	waitFor(t, 30*time.Second, "every event delivered and recorded", settled(merchants...))
	for id, got := range rcv.taken() {
		if got != 1 {
			t.Errorf("event %s was delivered %d times", id, got)
		}
	}
	if len(rcv.all()) != n {
		t.Errorf("%d requests for %d events", len(rcv.all()), n)
	}
	if log := a.log() + b.log(); strings.Contains(log, "outlived its claim") {
		t.Errorf("a live instance's claim lapsed while its attempt ran:\n%s", log)
	}
}
