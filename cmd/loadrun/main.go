// Command loadrun is the load half of `make bench`: it starts a built Portico on a fresh
// SQLite file with the demo data, and a bare Echo "hello" server beside it, then drives both
// with the same closed-loop load (N connections, each sending its next request when the last
// one answered) and prints requests per second, latency percentiles and the ratio of each
// Portico route to the baseline.
//
//	go run ./cmd/loadrun -binary bin/portico -duration 10s -connections 32
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

func main() {
	binary := flag.String("binary", "bin/portico", "the Portico binary to run")
	duration := flag.Duration("duration", 10*time.Second, "how long each route is driven")
	connections := flag.Int("connections", 32, "concurrent connections")
	overload := flag.Int("overload", 0, "instead: drive the invoice list with this many connections, with and without admission control")
	flag.Parse()
	var err error
	if *overload > 0 {
		err = overloadRun(*binary, *duration, *overload)
	} else {
		err = run(*binary, *duration, *connections)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadrun:", err)
		os.Exit(1)
	}
}

// target is one route under load: the request to send and the status it must answer.
type target struct {
	name   string
	method string
	url    string
	header http.Header
	body   func() io.Reader // nil for no body
	status int
}

// result is what a load run measured.
type result struct {
	requests  int
	errors    int
	elapsed   time.Duration
	latencies []time.Duration
}

func (r result) perSecond() float64 { return float64(r.requests) / r.elapsed.Seconds() }

func (r result) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))]
}

func run(binary string, duration time.Duration, connections int) error {
	dir, err := os.MkdirTemp("", "portico-loadrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	hello, stopHello, err := startHello()
	if err != nil {
		return err
	}
	defer stopHello()
	portico, demo, stop, err := startPortico(binary, filepath.Join(dir, "portico.db"))
	if err != nil {
		return err
	}
	defer stop()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: connections, MaxConnsPerHost: connections}}
	cookie, err := openPortal(demo.link)
	if err != nil {
		return err
	}
	invoice, err := firstInvoice(client, portico, cookie)
	if err != nil {
		return err
	}
	customer, err := firstCustomer(client, portico, demo.apiKey)
	if err != nil {
		return err
	}
	portal := http.Header{"Cookie": {cookie}, "Accept-Encoding": {"gzip"}}
	api := http.Header{"Authorization": {"Bearer " + demo.apiKey}, "Content-Type": {"application/json"}}
	targets := []target{
		{name: "hello (bare Echo baseline)", method: http.MethodGet, url: hello, status: http.StatusOK},
		{name: "GET /portal", method: http.MethodGet, url: portico + "/portal", header: portal, status: http.StatusOK},
		{name: "GET /portal/invoices (25 invoices)", method: http.MethodGet, url: portico + "/portal/invoices", header: portal, status: http.StatusOK},
		{name: "GET /portal/invoices/{id}", method: http.MethodGet, url: portico + invoice, header: portal, status: http.StatusOK},
		{
			name: "POST /v1/customers/{id}/portal (mint)", method: http.MethodPost, url: portico + "/v1/customers/" + customer + "/portal",
			header: api, body: func() io.Reader { return strings.NewReader(`{"section":"invoices"}`) }, status: http.StatusCreated,
		},
	}

	fmt.Printf("load run: %d connections, %s per route, %s\n\n", connections, duration, binary)
	fmt.Printf("%-40s %10s %9s %9s %9s %8s\n", "route", "req/s", "p50", "p99", "errors", "×hello")
	var baseline float64
	for i, tg := range targets {
		r := drive(client, tg, duration, connections)
		if i == 0 {
			baseline = r.perSecond()
		}
		fmt.Printf("%-40s %10.0f %9s %9s %9d %7.0f%%\n", tg.name, r.perSecond(),
			r.percentile(0.50).Round(10*time.Microsecond), r.percentile(0.99).Round(10*time.Microsecond), r.errors, 100*r.perSecond()/baseline)
	}
	return nil
}

// drive sends requests to tg from connections goroutines for d, closed loop.
func drive(client *http.Client, tg target, d time.Duration, connections int) result {
	var (
		mu  sync.Mutex
		all result
		wg  sync.WaitGroup
	)
	start := time.Now()
	deadline := start.Add(d)
	for range connections {
		wg.Go(func() {
			var mine result
			for time.Now().Before(deadline) {
				var body io.Reader
				if tg.body != nil {
					body = tg.body()
				}
				req, _ := http.NewRequest(tg.method, tg.url, body)
				req.Header = tg.header.Clone()
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != tg.status {
						err = fmt.Errorf("status %d", res.StatusCode)
					}
				}
				mine.latencies = append(mine.latencies, time.Since(t0))
				if err != nil {
					mine.errors++
				}
				mine.requests++
			}
			mu.Lock()
			all.requests += mine.requests
			all.errors += mine.errors
			all.latencies = append(all.latencies, mine.latencies...)
			mu.Unlock()
		})
	}
	wg.Wait()
	all.elapsed = time.Since(start)
	slices.Sort(all.latencies)
	return all
}

// startHello serves the baseline: Echo answering "Hello, World!" with nothing in front.
func startHello() (string, func(), error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: e}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/", func() { srv.Close() }, nil
}

// demoOutput is what `portico serve --demo` prints.
type demoOutput struct {
	apiKey, link string
}

var (
	apiKeyLine = regexp.MustCompile(`API key: +(sk_\S+)`)
	linkLine   = regexp.MustCompile(`Portal link: +(\S+)`)
)

// startPortico runs the binary on a fresh database with demo data and waits for its demo
// output. Request logs are off (warn level) so the run measures serving, not logging.
func startPortico(binary, database string) (string, demoOutput, func(), error) {
	var demo demoOutput
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", demo, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, binary, "serve", "--demo", "--database", database, "--addr", addr, "--base-url", base, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "PORTICO_API_RATE=1000000", "PORTICO_API_BURST=1000000")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return "", demo, nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return "", demo, nil, err
	}
	stop := func() { cancel(); cmd.Wait() }
	lines := bufio.NewScanner(out)
	for lines.Scan() && (demo.apiKey == "" || demo.link == "") {
		if m := apiKeyLine.FindStringSubmatch(lines.Text()); m != nil {
			demo.apiKey = m[1]
		}
		if m := linkLine.FindStringSubmatch(lines.Text()); m != nil {
			demo.link = m[1]
		}
	}
	go io.Copy(io.Discard, out)
	if demo.apiKey == "" || demo.link == "" {
		stop()
		return "", demo, nil, errors.New("portico printed no demo API key and link")
	}
	return base, demo, stop, nil
}

// openPortal opens the portal link like a browser and returns the session cookie header.
// (The cookie is Secure; Go's cookie jar would not send it over the run's plain http.)
func openPortal(link string) (string, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(link)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
		return "", fmt.Errorf("opening the demo link: %d", res.StatusCode)
	}
	ck := res.Cookies()[0]
	return ck.Name + "=" + ck.Value, nil
}

var invoiceLink = regexp.MustCompile(`href="(/portal/invoices/inv_[0-9a-z]+)"`)

// firstInvoice is the path of the first invoice on the customer's invoice list.
func firstInvoice(client *http.Client, base, cookie string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/portal/invoices", nil)
	req.Header.Set("Cookie", cookie)
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := invoiceLink.FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("the invoice list (%d) links no invoice", res.StatusCode)
	}
	return string(m[1]), nil
}

// firstCustomer is the ID of the demo's first customer, found through the API.
func firstCustomer(client *http.Client, base, apiKey string) (string, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/customers?per_page=1", nil)
	req.Header.Set("Authorization", "Bearer "+apiKey)
	res, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`"id":\s*"(cus_[0-9a-z]+)"`).FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("listing customers: %d %s", res.StatusCode, bytes.TrimSpace(body))
	}
	return string(m[1]), nil
}
