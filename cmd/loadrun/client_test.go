package main

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestConnReadsEveryKindOfAnswer: one kept-alive connection reads answers with a length,
// in chunks, without a body and before a close, each to its end, so the next request on
// it gets its own answer.
func TestConnReadsEveryKindOfAnswer(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/length", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		w.Write([]byte("hello"))
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		for range 50 {
			zw.Write([]byte(strings.Repeat("a chunk of page ", 100)))
			zw.Flush()
			w.(http.Flusher).Flush()
		}
		zw.Close()
	})
	mux.HandleFunc("/not-modified", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) })
	mux.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) {
		body := new(bytes.Buffer)
		body.ReadFrom(r.Body)
		w.WriteHeader(http.StatusCreated)
		w.Write(body.Bytes())
	})
	mux.HandleFunc("/closing", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("bye"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	c := &conn{addr: host}
	defer c.close()
	for _, tc := range []struct {
		req    []byte
		status int
		open   bool // the connection stays open for the next request
	}{
		{request(http.MethodGet, host, "/length", ""), http.StatusOK, true},
		{request(http.MethodGet, host, "/chunked", "", "Accept-Encoding", "gzip"), http.StatusOK, true},
		{request(http.MethodGet, host, "/not-modified", ""), http.StatusNotModified, true},
		{request(http.MethodPost, host, "/created", `{"section":"invoices"}`, "Content-Type", "application/json"), http.StatusCreated, true},
		{request(http.MethodGet, host, "/missing", ""), http.StatusNotFound, true},
		{request(http.MethodGet, host, "/closing", ""), http.StatusOK, false},
		{request(http.MethodGet, host, "/length", ""), http.StatusOK, true},
	} {
		status, err := c.do(tc.req)
		if err != nil || status != tc.status || (c.c != nil) != tc.open {
			t.Errorf("%s: %d, %v, open %t; want %d, open %t", bytes.SplitN(tc.req, []byte("\r\n"), 2)[0], status, err, c.c != nil, tc.status, tc.open)
		}
	}
}

func TestDriveRotatesRequests(t *testing.T) {
	seen := make(chan string, 1<<16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Cookie")
		if r.Header.Get("Cookie") == "s=bad" {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tg := target{addr: host, status: http.StatusOK}
	for _, cookie := range []string{"s=1", "s=2", "s=3", "s=bad"} {
		tg.requests = append(tg.requests, request(http.MethodGet, host, "/", "", "Cookie", cookie))
	}
	l := drive(tg, 100*time.Millisecond, 2)
	close(seen)
	counts := map[string]int{}
	for c := range seen {
		counts[c]++
	}
	if len(counts) != 4 || l.requests == 0 || l.requests != len(l.latencies) || l.failures != counts["s=bad"] {
		t.Errorf("%d requests, %d failed, cookies seen %v: want all four in turn, the bad one's failed", l.requests, l.failures, counts)
	}
}

func TestProcReading(t *testing.T) {
	// A command name with spaces and a parenthesis, as /proc shows it.
	stat := []byte("4242 (portico (x) y) S 1 4242 4242 0 -1 4194560 1093 0 0 0 250 75 0 0 20 0 9 0 123 1000 200\n")
	if cpu, err := parseCPU(stat); err != nil || cpu != 3250*time.Millisecond {
		t.Errorf("parseCPU = %s, %v; want 3.25s (325 ticks)", cpu, err)
	}
	status := []byte("Name:\tportico\nVmPeak:\t  900000 kB\nVmHWM:\t   51200 kB\nVmRSS:\t   40000 kB\n")
	if peak, err := parsePeakRSS(status); err != nil || peak != 50<<20 {
		t.Errorf("parsePeakRSS = %d, %v; want 50 MiB", peak, err)
	}
}
