package webhook

import (
	"context"
	"net/http"
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
		flakyMerchant, _ := f.merchant(t, serve(t, flaky))
		healthyMerchant, _ := f.merchant(t, serve(t, healthy))
		run(t, f.d)
		t.Cleanup(func() { close(hung.hang) }) // before the Runner waits for its attempts

		const n = 10
		for range n {
			announce(t, f.store, hungMerchant)
			announce(t, f.store, flakyMerchant)
		}
		waitFor(t, 5*time.Second, "the hung endpoints hold their deliveries", func() bool { return hung.waiting.Load() >= 3 })
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
			ids = append(ids, e.ID)
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
		if in := hung.waiting.Load(); in != 3*models.MaxInFlightPerEndpoint {
			t.Errorf("the hung endpoints hold %d requests, want %d", in, 3*models.MaxInFlightPerEndpoint)
		}

		// The failing endpoint recovers: as time passes, each of its events is taken once.
		waitFor(t, 5*time.Second, "the failing endpoint fails first", func() bool { return len(flaky.all()) >= n })
		for range 5 {
			f.clock.Advance(time.Hour)
			time.Sleep(200 * time.Millisecond)
		}
		waitFor(t, 10*time.Second, "the recovered endpoint takes every event", func() bool { return len(flaky.taken()) == n })
		for id, got := range flaky.taken() {
			if got != 1 {
				t.Errorf("event %s was taken %d times by the recovered endpoint", id, got)
			}
		}
	})
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
	waitFor(t, 30*time.Second, "the other merchants' events delivered", func() bool { return len(rcv.taken()) == others })
	a.clock.Advance(2 * time.Minute)
	waitFor(t, 30*time.Second, "every event delivered", func() bool { return len(rcv.taken()) == n })
	time.Sleep(300 * time.Millisecond)
	for id, got := range rcv.taken() {
		if got != 1 {
			t.Errorf("event %s was delivered %d times", id, got)
		}
	}
	if len(rcv.all()) != n {
		t.Errorf("%d requests for %d events", len(rcv.all()), n)
	}
}
