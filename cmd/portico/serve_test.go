package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/portico/portico/models"
)

// lockedBuffer collects a running server's output for the test to read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.WriteString(string(p))
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond until it holds or timeout passes, and reports whether it held.
func waitFor(timeout time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// demoAPIKey waits for a server started with --demo to print its API key, and returns it.
func demoAPIKey(t *testing.T, out *lockedBuffer) string {
	t.Helper()
	key := regexp.MustCompile(`API key: +(sk_\S+)`)
	if !waitFor(20*time.Second, func() bool { return key.MatchString(out.String()) }) {
		t.Fatalf("the server printed no API key:\n%s", out.String())
	}
	return key.FindStringSubmatch(out.String())[1]
}

// TestSIGTERMLetsInFlightRequestsFinish starts the server, begins a POST whose handler is
// waiting for its body, sends the process SIGTERM, then sends the body: the request must
// complete and its customer exist, and the server must then stop cleanly.
func TestSIGTERMLetsInFlightRequestsFinish(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	database := filepath.Join(t.TempDir(), "portico.db")
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"serve", "--demo", "--addr", addr, "--database", database, "--log-level", "warn"},
			func(string) string { return "" }, &out, io.Discard)
	}()

	secret := demoAPIKey(t, &out)

	// Expect: 100-continue makes the server say when the handler starts reading the body,
	// so the test knows the request is in flight without guessing how long that takes.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"name":"Late Larry","external_id":"in-flight"}`
	fmt.Fprintf(conn, "POST /v1/customers HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n",
		addr, secret, len(body))
	responses := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if interim, err := http.ReadResponse(responses, nil); err != nil || interim.StatusCode != http.StatusContinue {
		t.Fatalf("no 100 Continue: the handler never started on the request (%v, %v)", interim, err)
	}

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	refused := waitFor(10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if !refused {
		t.Fatal("the server still accepts connections 10 s after SIGTERM")
	}
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	res, err := http.ReadResponse(responses, nil)
	if err != nil {
		t.Fatalf("the in-flight request got no response: %v", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		t.Errorf("in-flight request: %d, want 201", res.StatusCode)
	}

	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop after SIGTERM")
	}
	db, err := models.OpenDB(database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	m, err := models.NewStore(db).FindMerchant(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := models.NewStore(db).GetCustomer(context.Background(), m.ID, "external:in-flight"); err != nil {
		t.Errorf("the in-flight request's customer: %v", err)
	}
}
