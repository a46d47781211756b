package models

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// slowLoad is a load that counts its runs and returns value once release closes.
type slowLoad struct {
	runs    atomic.Int32
	release chan struct{}
}

func newSlowLoad() *slowLoad { return &slowLoad{release: make(chan struct{})} }

func (l *slowLoad) returning(v any, err error) func() (any, error) {
	return func() (any, error) {
		l.runs.Add(1)
		<-l.release
		return v, err
	}
}

// collect runs n requests for key k at once, each with its own load, and returns what they
// got once they are all waiting and release has closed.
func collect(f *flights[string], n int, l *slowLoad, load func() (any, error)) []any {
	got := make(chan any, n)
	for range n {
		go func() {
			v, err := f.do(context.Background(), "k", load)
			if err != nil {
				v = err
			}
			got <- v
		}()
	}
	synctest.Wait()
	close(l.release)
	values := make([]any, n)
	for i := range values {
		values[i] = <-got
	}
	return values
}

func TestMissesOfOneEntryShareOneLoad(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f flights[string]
		l := newSlowLoad()
		for _, v := range collect(&f, 20, l, l.returning("row", nil)) {
			if v != "row" {
				t.Errorf("a request got %v", v)
			}
		}
		if runs := l.runs.Load(); runs != 1 {
			t.Errorf("20 misses at once ran %d loads, want 1", runs)
		}
		// Once the load is over, the next miss loads again.
		if _, err := f.do(context.Background(), "k", func() (any, error) { return "again", nil }); err != nil || len(f.pending) != 0 {
			t.Errorf("a later miss: %v, %d loads pending", err, len(f.pending))
		}
	})
}

// A failed load's error may be its own request's: the requests that waited for it load for
// themselves.
func TestAFailedSharedLoadIsNotShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f flights[string]
		l := newSlowLoad()
		var first atomic.Bool
		failOnce := func() (any, error) {
			if first.CompareAndSwap(false, true) {
				return l.returning(nil, context.Canceled)()
			}
			l.runs.Add(1)
			return "row", nil
		}
		var failed, served int
		for _, v := range collect(&f, 5, l, failOnce) {
			switch v {
			case "row":
				served++
			default:
				failed++
			}
		}
		if failed != 1 || served != 4 {
			t.Errorf("%d requests failed and %d were served, want 1 and 4", failed, served)
		}
	})
}

// After a change, a miss loads afresh instead of taking what a load that began before the
// change read; those already waiting for that load still get it.
func TestAChangeStartsTheNextLoadAfresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f flights[string]
		before := newSlowLoad()
		got := make(chan any, 2)
		for range 2 {
			go func() {
				v, _ := f.do(context.Background(), "k", before.returning("before", nil))
				got <- v
			}()
		}
		synctest.Wait()
		f.forgetKey("k")
		after, err := f.do(context.Background(), "k", func() (any, error) { return "after", nil })
		if err != nil || after != "after" {
			t.Errorf("the miss after the change got %v, %v", after, err)
		}
		close(before.release)
		for range 2 {
			if v := <-got; v != "before" {
				t.Errorf("a request waiting before the change got %v", v)
			}
		}
		// The first load, ending after the change, must not end the second's flight.
		second := newSlowLoad()
		go f.do(context.Background(), "k", second.returning("second", nil))
		synctest.Wait()
		f.forget()
		if len(f.pending) != 0 {
			t.Error("forget left a load to join")
		}
		close(second.release)
	})
}

// A request whose deadline passes stops waiting for another's load.
func TestAWaiterStopsAtItsDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var f flights[string]
		l := newSlowLoad()
		go f.do(context.Background(), "k", l.returning("row", nil))
		synctest.Wait()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := f.do(ctx, "k", l.returning("row", nil)); !errors.Is(err, context.Canceled) {
			t.Errorf("a cancelled waiter got %v", err)
		}
		close(l.release)
	})
}
