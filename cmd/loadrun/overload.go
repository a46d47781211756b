package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// overloadRun drives the invoice-list page with far more connections than Portico admits
// at once (closed loop, refusals retried at once, the harshest client), first with the
// default admission control and then with the cap lifted, and prints what each answered
// and how long it took: with admission control the latency of every answer stays bounded
// and the excess gets quick 503s; without it every request waits in one long queue.
func overloadRun(binary string, duration time.Duration, connections int) error {
	fmt.Printf("overload run: %d connections on GET /portal/invoices for %s each, %s\n\n", connections, duration, binary)
	fmt.Printf("%-28s %8s %8s %8s %7s %9s %9s %9s %9s\n", "admission", "req/s", "200", "503", "errors", "p50", "p99", "max", "p99 200")
	for _, mode := range []struct {
		name        string
		maxInFlight string
	}{
		{"on (default cap)", ""},
		{"off (cap lifted)", strconv.Itoa(1 << 30)},
	} {
		r, err := overloadOnce(binary, duration, connections, mode.maxInFlight)
		if err != nil {
			return err
		}
		ok := r.byStatus[http.StatusOK]
		fmt.Printf("%-28s %8.0f %8d %8d %7d %9s %9s %9s %9s\n", mode.name, float64(r.total)/r.elapsed.Seconds(),
			len(ok), len(r.byStatus[http.StatusServiceUnavailable]), r.errors,
			percentile(r.all, 0.50), percentile(r.all, 0.99), percentile(r.all, 1), percentile(ok, 0.99))
	}
	return nil
}

// overloadResult is what one overload run measured, by status.
type overloadResult struct {
	total    int
	errors   int
	elapsed  time.Duration
	all      []time.Duration
	byStatus map[int][]time.Duration
}

func overloadOnce(binary string, duration time.Duration, connections int, maxInFlight string) (overloadResult, error) {
	r := overloadResult{byStatus: map[int][]time.Duration{}}
	dir, err := os.MkdirTemp("", "portico-overload-")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	p, err := startPortico(binary, filepath.Join(dir, "portico.db"), dir, "PORTICO_MAX_IN_FLIGHT="+maxInFlight)
	if err != nil {
		return r, err
	}
	defer p.stop()
	cookie, err := openPortal(p.link)
	if err != nil {
		return r, err
	}

	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(duration)
	for range connections {
		wg.Go(func() {
			byStatus := map[int][]time.Duration{}
			errors := 0
			for time.Now().Before(deadline) {
				req, _ := http.NewRequest(http.MethodGet, p.base+"/portal/invoices", nil)
				req.Header.Set("Cookie", cookie)
				req.Header.Set("Accept-Encoding", "gzip")
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				if err != nil {
					errors++
					continue
				}
				byStatus[res.StatusCode] = append(byStatus[res.StatusCode], time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			r.errors += errors
			for status, ls := range byStatus {
				r.byStatus[status] = append(r.byStatus[status], ls...)
				r.all = append(r.all, ls...)
				r.total += len(ls)
			}
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	slices.Sort(r.all)
	for _, ls := range r.byStatus {
		slices.Sort(ls)
	}
	return r, nil
}

// percentile of sorted latencies, rounded for reading; p = 1 is the maximum.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))].Round(100 * time.Microsecond)
}
