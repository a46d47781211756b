package webhook

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// receiver is a merchant's webhook endpoint: it keeps what arrives and answers status.
type receiver struct {
	mu         sync.Mutex
	deliveries []delivery
	status     atomic.Int32
}

type delivery struct {
	signature string
	body      []byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.deliveries = append(r.deliveries, delivery{req.Header.Get("Portico-Signature"), body})
	r.mu.Unlock()
	w.WriteHeader(int(r.status.Load()))
}

func (r *receiver) received() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.deliveries...)
}

// setup makes a merchant with an endpoint at a local receiver, and a deliverer whose clock
// the test moves.
func setup(t *testing.T, db *models.DB) (*Deliverer, *models.Store, *models.Merchant, *receiver, *models.WebhookEndpoint, *time.Time) {
	t.Helper()
	store := models.NewStore(db)
	ctx := context.Background()
	m, err := store.CreateMerchant(ctx, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	rcv := &receiver{}
	rcv.status.Store(http.StatusNoContent)
	srv := httptest.NewServer(rcv)
	t.Cleanup(srv.Close)
	endpoint, err := store.CreateWebhookEndpoint(ctx, m.ID, models.SystemActor, srv.URL+"/hooks")
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	d := NewDeliverer(store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	d.now = func() time.Time { return clock }
	return d, store, m, rcv, endpoint, &clock
}

// changeCustomer makes one announced change: a customer's new email.
func changeCustomer(t *testing.T, store *models.Store, m *models.Merchant) {
	t.Helper()
	ctx, name, email := context.Background(), "Zoë", "zoe@example.com"
	c, err := store.CreateCustomer(ctx, m.ID, models.SystemActor, models.CustomerInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateCustomer(ctx, m.ID, models.SystemActor, c.ID, models.CustomerInput{Email: &email}); err != nil {
		t.Fatal(err)
	}
}

func TestDeliveryIsSignedAndHappensOnce(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		d, store, m, rcv, endpoint, clock := setup(t, db)
		changeCustomer(t, store, m)
		if n, err := d.DeliverDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("first pass delivered %d (%v), want 1", n, err)
		}
		got := rcv.received()
		if len(got) != 1 {
			t.Fatalf("the endpoint received %d deliveries", len(got))
		}
		var event struct {
			ID, Type string
			Data     map[string]any
		}
		if err := json.Unmarshal(got[0].body, &event); err != nil || event.Type != "customer.updated" || event.Data["email"] != "zoe@example.com" || !strings.HasPrefix(event.ID, "whe_") {
			t.Errorf("delivered %s (%v)", got[0].body, err)
		}
		if want := Sign(endpoint.Secret, *clock, got[0].body); got[0].signature != want {
			t.Errorf("signature %q, want %q", got[0].signature, want)
		}
		if n, _ := d.DeliverDue(context.Background()); n != 0 || len(rcv.received()) != 1 {
			t.Error("a delivered event was sent again")
		}
	})
}

func TestFailedDeliveryIsRetriedWithBackoff(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		d, store, m, rcv, _, clock := setup(t, db)
		rcv.status.Store(http.StatusServiceUnavailable)
		changeCustomer(t, store, m)
		if n, err := d.DeliverDue(context.Background()); err != nil || n != 0 {
			t.Fatalf("delivered %d (%v) to a failing endpoint", n, err)
		}
		// Not due again until the backoff has passed.
		if n, _ := d.DeliverDue(context.Background()); n != 0 || len(rcv.received()) != 1 {
			t.Fatalf("retried at once: %d deliveries", len(rcv.received()))
		}
		events, _, _ := store.ListOutboxEvents(context.Background(), m.ID, models.Page{})
		if len(events) != 1 || events[0].Attempts != 1 || !strings.Contains(events[0].LastError, "503") {
			t.Fatalf("after a failure: %+v", events)
		}
		rcv.status.Store(http.StatusOK)
		*clock = clock.Add(backoff(1) + time.Second)
		if n, err := d.DeliverDue(context.Background()); err != nil || n != 1 {
			t.Fatalf("retry delivered %d (%v), want 1", n, err)
		}
	})
}

func TestDeliveryRefusesInternalAddresses(t *testing.T) {
	d, store, m, _, _, _ := setup(t, testdb.SQLite(t))
	ctx := context.Background()
	if _, err := store.CreateWebhookEndpoint(ctx, m.ID, models.SystemActor, "https://10.0.0.1/hooks"); err != nil {
		t.Fatal(err)
	}
	changeCustomer(t, store, m)
	d.DeliverDue(ctx)
	events, _, _ := store.ListOutboxEvents(ctx, m.ID, models.Page{})
	if len(events) != 1 || events[0].DeliveredAt != nil || !strings.Contains(events[0].LastError, "internal address") {
		t.Errorf("delivery to a private address: %+v", events)
	}

	allowLoopback := context.WithValue(ctx, loopbackAllowedKey{}, true)
	for _, tc := range []struct {
		ctx     context.Context
		address string
		refused bool
	}{
		{ctx, "127.0.0.1:443", true},
		{ctx, "[::1]:443", true},
		{allowLoopback, "127.0.0.1:443", false},
		{allowLoopback, "192.168.1.10:443", true},
		{ctx, "169.254.169.254:80", true},
		{ctx, "172.16.0.1:443", true},
		{ctx, "93.184.216.34:443", false},
	} {
		if err := refuseInternalAddresses(tc.ctx, "tcp", tc.address, nil); (err != nil) != tc.refused {
			t.Errorf("%s: refused = %v, want %v", tc.address, err != nil, tc.refused)
		}
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	if backoff(1) != 30*time.Second || backoff(2) != time.Minute || backoff(40) != 6*time.Hour {
		t.Errorf("backoff: %v %v %v", backoff(1), backoff(2), backoff(40))
	}
}
