package outbox

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// queue hands out jobs that each hold a slot until release is closed.
type queue struct {
	mu       sync.Mutex
	left     int // jobs still to hand out
	fail     bool
	claims   atomic.Int32
	running  *atomic.Int32
	peak     *atomic.Int32
	finished atomic.Int32
	release  chan struct{}
}

func (q *queue) Claim(_ context.Context, n int) ([]Job, error) {
	q.claims.Add(1)
	if q.fail {
		return nil, errors.New("database is down")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, q.left)
	q.left -= n
	jobs := make([]Job, n)
	for i := range jobs {
		jobs[i] = q
	}
	return jobs, nil
}

func (q *queue) Run(ctx context.Context) {
	now := q.running.Add(1)
	for peak := q.peak.Load(); now > peak && !q.peak.CompareAndSwap(peak, now); peak = q.peak.Load() {
	}
	<-q.release
	q.running.Add(-1)
	q.finished.Add(1)
}

func TestRunnerBoundsJobsInFlightAndFinishesThemAtShutdown(t *testing.T) {
	release := make(chan struct{})
	var running, peak atomic.Int32
	webhooks := &queue{left: 40, running: &running, peak: &peak, release: release}
	mail := &queue{left: 40, running: &running, peak: &peak, release: release}
	broken := &queue{fail: true, running: &running, peak: &peak, release: release}
	r := NewRunner(slog.New(slog.NewTextHandler(io.Discard, nil)), webhooks, mail, broken)
	r.poll = 10 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	go func() { r.Run(ctx); close(stopped) }()

	deadline := time.Now().Add(5 * time.Second)
	for running.Load() < Slots && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if got := running.Load(); got != Slots {
		t.Fatalf("%d jobs in flight, want %d", got, Slots)
	}
	if webhooks.left == 40 || mail.left == 40 {
		t.Errorf("a queue got no slot: %d and %d jobs left", webhooks.left, mail.left)
	}
	if broken.claims.Load() == 0 {
		t.Error("a failing queue stopped the others")
	}
	cancel()
	select {
	case <-stopped:
		t.Fatal("Run returned while jobs were in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-stopped
	if peak.Load() != Slots || webhooks.finished.Load()+mail.finished.Load() != Slots {
		t.Errorf("peak %d in flight, %d finished; want %d each", peak.Load(), webhooks.finished.Load()+mail.finished.Load(), Slots)
	}
}

// When a job finishes, the Runner claims again at once, not at the next poll.
func TestRunnerRefillsAFreedSlotAtOnce(t *testing.T) {
	release := make(chan struct{})
	close(release)
	var running, peak atomic.Int32
	q := &queue{left: 1000, running: &running, peak: &peak, release: release}
	r := NewRunner(slog.New(slog.NewTextHandler(io.Discard, nil)), q)
	r.poll = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go r.Run(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for q.finished.Load() < 1000 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of 1000 jobs ran", q.finished.Load())
		}
		time.Sleep(5 * time.Millisecond)
	}
}
