// Command loadrun is the load half of `make bench`. It starts a built Portico (on a fresh
// SQLite file, and on a fresh PostgreSQL database with -postgres), gives it many customers
// with a full page of invoices each, signed in to the portal through links minted for them,
// and a bare Echo "hello" server as a process of its own beside it. Then it drives each with
// the same closed-loop load (N connections, each sending its next request when the last is
// answered, portal requests rotating over every session) and prints, per route: requests
// per second, the server's CPU per request (from /proc, so the load generator's own share of
// the two cores never counts), latency percentiles, the server's peak resident memory, and
// the ratio to hello. It also measures cold start, and notes the machine's load average,
// because the machine is shared.
//
//	go run ./cmd/loadrun -binary bin/portico -duration 10s -connections 32,256 [-postgres URL]
//	go run ./cmd/loadrun -binary bin/portico -duration 10s -overload 1000
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == serveHelloArg {
		if err := serveHello(); err != nil {
			fmt.Fprintln(os.Stderr, "loadrun hello:", err)
			os.Exit(1)
		}
		return
	}
	var cfg config
	flag.StringVar(&cfg.binary, "binary", "bin/portico", "the Portico binary to run")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each route is driven")
	connections := flag.String("connections", "32,256", "concurrent connections: one table for each count in this list")
	flag.IntVar(&cfg.sessions, "sessions", 200, "portal sessions (one customer each) rotated across requests")
	flag.StringVar(&cfg.postgres, "postgres", "", "also run on this PostgreSQL server (postgres://…): a fresh database is created for the run and dropped after")
	flag.IntVar(&cfg.coldStarts, "cold-starts", 5, "starts measured for the cold-start medians (0 skips them)")
	overload := flag.Int("overload", 0, "instead: drive the invoice list with this many connections, with and without admission control")
	flag.Parse()
	var err error
	if cfg.connections, err = parseCounts(*connections); err == nil {
		if *overload > 0 {
			err = overloadRun(cfg.binary, cfg.duration, *overload)
		} else {
			err = run(cfg)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadrun:", err)
		os.Exit(1)
	}
}

type config struct {
	binary      string
	duration    time.Duration
	connections []int
	sessions    int
	postgres    string
	coldStarts  int
}

func parseCounts(s string) ([]int, error) {
	var counts []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-connections %q: want positive counts separated by commas", s)
		}
		counts = append(counts, n)
	}
	return counts, nil
}

func run(cfg config) error {
	fmt.Printf("load run: %s per route, %d portal sessions, %s; load average at the start %s\n\n", cfg.duration, cfg.sessions, cfg.binary, loadAverage())
	dir, err := os.MkdirTemp("", "portico-loadrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if cfg.binary, err = installCopy(cfg.binary, dir); err != nil {
		return err
	}

	// First, while nothing else of the run holds the CPU.
	if cfg.coldStarts > 0 {
		migrating, err := coldStart(cfg.binary, dir, cfg.coldStarts, true)
		if err != nil {
			return err
		}
		migrated, err := coldStart(cfg.binary, dir, cfg.coldStarts, false)
		if err != nil {
			return err
		}
		fmt.Printf("cold start (exec → first /healthz 200, median of %d, SQLite): %s on a fresh file (every migration runs), %s on a migrated one\n\n",
			cfg.coldStarts, migrating.Round(time.Millisecond), migrated.Round(time.Millisecond))
	}

	hello, err := startHello()
	if err != nil {
		return err
	}
	defer hello.stop()
	if err := runEngine(cfg, "SQLite", filepath.Join(dir, "portico.db"), dir, hello); err != nil {
		return err
	}
	if cfg.postgres != "" {
		database, drop, err := createDatabase(cfg.postgres)
		if err != nil {
			return fmt.Errorf("creating the run's PostgreSQL database: %w", err)
		}
		err = runEngine(cfg, "PostgreSQL", database, dir, hello)
		if err := errors.Join(err, drop()); err != nil {
			return err
		}
	}
	fmt.Printf("load average at the end %s\n", loadAverage())
	return nil
}

// runEngine measures hello and every route at each connection count against a Portico on
// database. Admission control's cap is lifted, so every connection's request is served,
// not refused: the overload run shows the cap at work.
func runEngine(cfg config, engine, database, dir string, hello *server) error {
	p, err := startPortico(cfg.binary, database, dir, "PORTICO_MAX_IN_FLIGHT=1000000")
	if err != nil {
		return err
	}
	defer p.stop()
	start := time.Now()
	sessions, err := setUpSessions(p, cfg.sessions)
	if err != nil {
		return err
	}
	fmt.Printf("%s: %d customers with %d invoices each, each signed in to the portal (set up in %s)\n\n",
		engine, len(sessions), invoicesPerCustomer, time.Since(start).Round(100*time.Millisecond))
	targets := append([]target{{name: "hello (bare Echo, own process)", addr: hello.addr,
		requests: [][]byte{request(http.MethodGet, hello.addr, "/", "")}, status: http.StatusOK}}, portalTargets(p, sessions)...)
	for _, connections := range cfg.connections {
		fmt.Printf("%s, %d connections, load average %s:\n\n", engine, connections, loadAverage())
		fmt.Println("| route | req/s | server CPU/req | p50 | p99 | peak RSS | of hello | failed |")
		fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		var baseline float64
		for i, tg := range targets {
			s := p.server
			if i == 0 {
				s = hello
			}
			m, err := measure(s, tg, cfg.duration, connections)
			if err != nil {
				return err
			}
			if i == 0 {
				baseline = m.perSecond()
			}
			fmt.Printf("| %s | %s | %d µs | %s | %s | %d MB | %.2f | %d |\n", tg.name, thousands(m.perSecond()),
				m.cpuPerRequest().Microseconds(), ms(m.percentile(0.50)), ms(m.percentile(0.99)), m.peakRSS>>20,
				m.perSecond()/baseline, m.failures)
		}
		fmt.Println()
	}
	return nil
}

// portalTargets are the measured routes: three portal pages and an invoice's PDF, each
// request with the next session's cookie; minting a link and the API's page of a customer's
// invoices (JSON, compressed as it is encoded), each request for the next customer.
func portalTargets(p *portico, sessions []session) []target {
	var overview, list, invoice, pdf, mint, apiList [][]byte
	for _, s := range sessions {
		browser := []string{"Cookie", s.cookie, "Accept-Encoding", "gzip, deflate, br"}
		overview = append(overview, request(http.MethodGet, p.addr, "/portal", "", browser...))
		list = append(list, request(http.MethodGet, p.addr, "/portal/invoices", "", browser...))
		invoice = append(invoice, request(http.MethodGet, p.addr, "/portal/invoices/"+s.invoiceID, "", browser...))
		pdf = append(pdf, request(http.MethodGet, p.addr, "/portal/invoices/"+s.invoiceID+"/pdf", "", browser...))
		mint = append(mint, request(http.MethodPost, p.addr, "/v1/customers/"+s.customerID+"/portal", `{"section":"invoices"}`,
			"Authorization", "Bearer "+p.apiKey, "Content-Type", "application/json"))
		apiList = append(apiList, request(http.MethodGet, p.addr, fmt.Sprintf("/v1/invoices?customer_id=%s&per_page=%d", s.customerID, invoicesPerCustomer), "",
			"Authorization", "Bearer "+p.apiKey, "Accept-Encoding", "gzip"))
	}
	return []target{
		{name: "`GET /portal`", addr: p.addr, requests: overview, status: http.StatusOK},
		{name: fmt.Sprintf("`GET /portal/invoices` (%d rows)", invoicesPerCustomer), addr: p.addr, requests: list, status: http.StatusOK},
		{name: "`GET /portal/invoices/{id}`", addr: p.addr, requests: invoice, status: http.StatusOK},
		{name: "`GET /portal/invoices/{id}/pdf`", addr: p.addr, requests: pdf, status: http.StatusOK},
		{name: "`POST /v1/customers/{id}/portal` (mint)", addr: p.addr, requests: mint, status: http.StatusCreated},
		{name: fmt.Sprintf("`GET /v1/invoices` (API, %d rows)", invoicesPerCustomer), addr: p.addr, requests: apiList, status: http.StatusOK},
	}
}

// measured is a route's load with what it cost the server.
type measured struct {
	load
	cpu     time.Duration
	peakRSS int64
}

func (m measured) cpuPerRequest() time.Duration {
	if m.requests == 0 {
		return 0
	}
	return m.cpu / time.Duration(m.requests)
}

// measure warms the route up, then drives it for d while reading the server's CPU time
// before and after and its peak memory over the window.
func measure(s *server, tg target, d time.Duration, connections int) (measured, error) {
	drive(tg, d/10, connections)
	if err := s.resetPeakRSS(); err != nil {
		return measured{}, err
	}
	before, err := s.cpu()
	if err != nil {
		return measured{}, err
	}
	m := measured{load: drive(tg, d, connections)}
	after, err := s.cpu()
	if err != nil {
		return measured{}, err
	}
	m.cpu = after - before
	m.peakRSS, err = s.peakRSS()
	return m, err
}

// thousands formats a rate for reading: 12,345.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// ms is a latency in milliseconds with two decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }
