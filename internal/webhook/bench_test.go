package webhook

import (
	"os"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// engines runs a benchmark on SQLite, and on PostgreSQL when it is configured.
func engines(b *testing.B, fn func(b *testing.B, db *models.DB)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, testdb.SQLite(b)) })
	if os.Getenv(testdb.PostgresEnv) != "" {
		b.Run("postgres", func(b *testing.B) { fn(b, testdb.Postgres(b)) })
	}
}

// BenchmarkDeliveries measures end-to-end throughput: b.N events of 8 merchants, waiting in
// the outbox, delivered by one Runner to healthy local receivers (one endpoint each) that
// answer at once. Run it with a fixed count, e.g.
//
//	go test -run '^$' -bench Deliveries -benchtime 2000x ./internal/webhook/
func BenchmarkDeliveries(b *testing.B) {
	engines(b, func(b *testing.B, db *models.DB) {
		f := newFixture(b, db)
		rcv := &receiver{}
		url := serve(b, rcv)
		merchants := f.merchantsAt(b, 8, url)
		for i := range b.N {
			announce(b, f.store, merchants[i%len(merchants)])
		}
		b.ResetTimer()
		start := time.Now()
		run(b, f.d)
		waitFor(b, 10*time.Minute, "every event delivered", func() bool { return len(rcv.all()) >= b.N })
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
	})
}

// BenchmarkDelayBehindAHungEndpoint measures how long another merchant's event takes to
// arrive while one merchant's endpoint hangs with a backlog of 100 events (each attempt
// held until the 10 s timeout). ms/event is that delay; with an idle Runner it is bounded
// by the Runner's 250 ms poll.
//
//	go test -run '^$' -bench DelayBehindAHungEndpoint -benchtime 20x ./internal/webhook/
func BenchmarkDelayBehindAHungEndpoint(b *testing.B) {
	engines(b, func(b *testing.B, db *models.DB) {
		f := newFixture(b, db)
		hung := &receiver{hang: make(chan struct{})}
		healthy := &receiver{}
		stalled, _ := f.merchant(b, serve(b, hung))
		other, _ := f.merchant(b, serve(b, healthy))
		for range 100 {
			announce(b, f.store, stalled)
		}
		run(b, f.d)
		b.Cleanup(func() { close(hung.hang) })
		waitFor(b, 5*time.Second, "the hung endpoint holds its deliveries", func() bool { return hung.waiting.Load() >= 1 })
		b.ResetTimer()
		var worst, total time.Duration
		for i := range b.N {
			sent := time.Now()
			announce(b, f.store, other)
			waitFor(b, time.Minute, "the other merchant's event", func() bool { return len(healthy.all()) > i })
			delay := healthy.all()[i].at.Sub(sent)
			total += delay
			worst = max(worst, delay)
		}
		b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/event")
		b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
		b.ReportMetric(0, "ns/op")
		if hung.waiting.Load() > int32(models.MaxInFlightPerEndpoint) {
			b.Errorf("the hung endpoint has %d attempts in flight", hung.waiting.Load())
		}
	})
}
