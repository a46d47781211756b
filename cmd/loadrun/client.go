package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"
)

// The load generator shares the machine's cores with the server it measures, so its own
// cost is kept small: requests are written as prepared bytes over kept-alive connections
// and answers are read and thrown away in place, with nothing allocated per request but
// a latency's slot.

// conn is one kept-alive HTTP/1.1 connection, dialled again after an error or a close.
type conn struct {
	addr string
	c    net.Conn
	r    *bufio.Reader
}

// do sends a prepared request and reads its answer to the end, returning the status.
func (c *conn) do(req []byte) (int, error) {
	if c.c == nil {
		nc, err := net.Dial("tcp", c.addr)
		if err != nil {
			return 0, err
		}
		c.c = nc
		if c.r == nil {
			c.r = bufio.NewReaderSize(nc, 16<<10)
		} else {
			c.r.Reset(nc)
		}
	}
	if _, err := c.c.Write(req); err != nil {
		c.close()
		return 0, err
	}
	status, keepAlive, err := readResponse(c.r)
	if err != nil || !keepAlive {
		c.close()
	}
	return status, err
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads one answer, its body by Content-Length or chunks, and discards it.
func readResponse(r *bufio.Reader) (status int, keepAlive bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, false, errMalformed
	}
	status, ok := atoi(line[9:12])
	if !ok {
		return 0, false, errMalformed
	}
	length, chunked, keepAlive := -1, false, true
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, found := bytes.Cut(line, []byte(":"))
		if !found {
			return 0, false, errMalformed
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, ok = atoi(value); !ok {
				return 0, false, errMalformed
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keepAlive = !bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case status == 204 || status == 304 || status < 200:
		return status, keepAlive, nil
	case chunked:
		return status, keepAlive, discardChunks(r)
	case length >= 0:
		_, err = r.Discard(length)
		return status, keepAlive, err
	}
	return 0, false, errors.New("an answer without Content-Length or chunks")
}

func discardChunks(r *bufio.Reader) error {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, ok := hexToInt(size)
		if !ok {
			return errMalformed
		}
		if n == 0 {
			break
		}
		if _, err := r.Discard(n + 2); err != nil { // the chunk and its CRLF
			return err
		}
	}
	for { // trailers, up to the blank line
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(bytes.TrimRight(line, "\r\n")) == 0 {
			return nil
		}
	}
}

func atoi(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func hexToInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 8 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// request is a prepared HTTP/1.1 request: method, path, headers in order, and a body.
func request(method, host, path string, body string, header ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: loadrun\r\n", method, path, host)
	for i := 0; i+1 < len(header); i += 2 {
		fmt.Fprintf(&b, "%s: %s\r\n", header[i], header[i+1])
	}
	if body != "" || method == "POST" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return []byte(b.String())
}

// target is one route under load: its requests, sent in turn (one per session or
// customer, so no single cookie or row is all the server sees), and the status they must
// answer.
type target struct {
	name     string
	addr     string
	requests [][]byte
	status   int
}

// load is what driving a target measured on the client's side.
type load struct {
	requests  int // answered, with any status
	failures  int // errors and unexpected statuses
	elapsed   time.Duration
	latencies []time.Duration // sorted
}

func (l load) perSecond() float64 { return float64(l.requests-l.failures) / l.elapsed.Seconds() }

// percentile of the sorted latencies; p = 1 is the maximum.
func (l load) percentile(p float64) time.Duration {
	if len(l.latencies) == 0 {
		return 0
	}
	return l.latencies[min(len(l.latencies)-1, int(float64(len(l.latencies))*p))]
}

// drive sends tg's requests over connections connections for d, closed loop: each sends
// its next request when the last is answered. Each connection starts at its own place in
// the rotation.
func drive(tg target, d time.Duration, connections int) load {
	results := make([]load, connections)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range connections {
		wg.Go(func() {
			c := &conn{addr: tg.addr}
			defer c.close()
			mine := &results[w]
			mine.latencies = make([]time.Duration, 0, 1<<12)
			for i := w * len(tg.requests) / connections; ; i++ {
				t0 := time.Now()
				if !t0.Before(deadline) {
					return
				}
				status, err := c.do(tg.requests[i%len(tg.requests)])
				mine.latencies = append(mine.latencies, time.Since(t0))
				mine.requests++
				if err != nil || status != tg.status {
					mine.failures++
				}
			}
		})
	}
	wg.Wait()
	all := load{elapsed: time.Since(start)}
	for _, r := range results {
		all.requests += r.requests
		all.failures += r.failures
		all.latencies = append(all.latencies, r.latencies...)
	}
	slices.Sort(all.latencies)
	return all
}
