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

// demoAPIKey waits for a server started with --demo to print its API key, and returns it.
func demoAPIKey(t *testing.T, out *lockedBuffer) string {
	t.Helper()
	key := regexp.MustCompile(`API key: +(sk_\S+)`)
	deadline := time.Now().Add(20 * time.Second)
	for key.FindStringSubmatch(out.String()) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the server printed no API key:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return key.FindStringSubmatch(out.String())[1]
}

// TestSIGTERMLetsInFlightRequestsFinish starts the server, begins a POST whose body is
// still arriving, sends the process SIGTERM, then finishes the body: the request must
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

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"name":"Late Larry","external_id":"in-flight"}`
	fmt.Fprintf(conn, "POST /v1/customers HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		addr, secret, len(body), body[:10])
	time.Sleep(200 * time.Millisecond) // the handler is now waiting for the rest of the body

	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // shutdown has begun: new connections are refused
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("the server still accepts connections after SIGTERM")
	}
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
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
