package main

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The served process delivers webhooks: an endpoint registered over the API hears of
// itself and of changes within seconds, and /metrics counts the deliveries.
func TestServeDeliversWebhooks(t *testing.T) {
	var mu sync.Mutex
	bodies := map[string]string{} // by event type
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var event struct{ Type string }
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &event)
		mu.Lock()
		bodies[event.Type] = string(b)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer rcv.Close()

	addr, metricsAddr := freeAddr(t), freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--allow-private-webhooks", "--addr", addr, "--metrics-addr", metricsAddr, "--base-url", "http://" + addr,
			"--database", filepath.Join(t.TempDir(), "portico.db"), "--log-level", "warn"}, func(string) string { return "" }, &out, io.Discard)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	secret := demoAPIKey(t, &out)
	call := func(method, path, body string) int {
		req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := call(http.MethodPost, "/v1/webhook_endpoints", `{"url":"`+rcv.URL+`/hooks"}`); got != http.StatusCreated {
		t.Fatalf("register a local endpoint under --allow-private-webhooks: %d", got)
	}
	if got := call(http.MethodPost, "/v1/customers", `{"name":"Webhook Wendy","external_id":"wh-1"}`); got != http.StatusCreated {
		t.Fatal(got)
	}
	if got := call(http.MethodPatch, "/v1/customers/external:wh-1", `{"email":"wendy@example.com"}`); got != http.StatusOK {
		t.Fatal(got)
	}
	want := []string{"customer.created", "customer.updated", "webhook_endpoint.created"}
	arrived := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Sorted(maps.Keys(bodies))
	}
	for deadline := time.Now().Add(5 * time.Second); !slices.Equal(arrived(), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("within 5 s arrived %v, want %v", arrived(), want)
		}
	}
	mu.Lock()
	updated := bodies["customer.updated"]
	mu.Unlock()
	if !strings.Contains(updated, "wendy@example.com") {
		t.Errorf("delivered %s", updated)
	}
	// The outcome is counted once it is recorded, a moment after the receiver answered.
	var metrics []byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		res, err := http.Get("http://" + metricsAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		metrics, _ = io.ReadAll(res.Body)
		res.Body.Close()
		if strings.Contains(string(metrics), `outcome="delivered"} 3`) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []string{`portico_webhook_deliveries_total{outcome="delivered"} 3`, "portico_webhook_oldest_pending_delivery_age_seconds 0", "portico_http_requests_total"} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
