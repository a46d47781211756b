package models_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// nonPublic is every kind of address a webhook must never reach, with an example of each:
// the IANA special-purpose ranges, and IPv6 forms that carry an IPv4 address.
var nonPublic = []string{
	"0.0.0.0", "0.1.2.3", // this network
	"10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", // private
	"100.64.0.1", "100.127.255.254", // shared (carrier-grade NAT)
	"127.0.0.1", "127.0.0.2", "127.255.255.254", // loopback
	"169.254.169.254",          // link-local: cloud metadata
	"192.0.0.1", "192.0.0.170", // IETF protocol assignments
	"192.0.2.1", "198.51.100.1", "203.0.113.1", // documentation
	"192.88.99.1",                // 6to4 relay anycast
	"198.18.0.1", "198.19.255.1", // benchmarking
	"224.0.0.1", "239.255.255.250", // multicast
	"240.0.0.1", "255.255.255.255", // reserved, broadcast
	"::", "::1", // unspecified, loopback
	"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", // IPv4-mapped
	"::127.0.0.1", "::10.0.0.1", "::8.8.8.8", // IPv4-compatible
	"64:ff9b::7f00:1", "64:ff9b::808:808", "64:ff9b:1::a00:1", // NAT64
	"2002:7f00:1::1", "2002:808:808::1", // 6to4
	"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001::1", // Teredo
	"2001:db8::1", "3fff::1", // documentation
	"fec0::1",                 // site-local
	"fc00::1", "fd12:3456::1", // unique local
	"fe80::1", "ff02::1", "ff0e::1", // link-local, multicast
	"100::1", // discard-only
}

func TestWebhookPolicyAdmitsOnlyPublicUnicast(t *testing.T) {
	strict, dev := models.WebhookPolicy{}, models.WebhookPolicy{AllowPrivate: true}
	for _, s := range nonPublic {
		addr := netip.MustParseAddr(s)
		if err := strict.CheckAddress(addr); !errors.Is(err, models.ErrNonPublicAddress) {
			t.Errorf("%s: %v, want it refused", s, err)
		}
	}
	for _, s := range []string{"1.1.1.1", "93.184.216.34", "::ffff:93.184.216.34", "2606:4700:4700::1111", "2a00:1450:4001::200e"} {
		if err := strict.CheckAddress(netip.MustParseAddr(s)); err != nil {
			t.Errorf("%s: %v, want it admitted", s, err)
		}
	}
	// The development switch admits loopback and private networks, and nothing else.
	for _, s := range []string{"127.0.0.1", "::1", "::ffff:127.0.0.1", "10.0.0.1", "192.168.1.1", "fd12:3456::1"} {
		if err := dev.CheckAddress(netip.MustParseAddr(s)); err != nil {
			t.Errorf("with private webhooks, %s: %v", s, err)
		}
	}
	for _, s := range []string{"169.254.169.254", "100.64.0.1", "0.0.0.0", "64:ff9b::7f00:1", "fe80::1", "224.0.0.1"} {
		if err := dev.CheckAddress(netip.MustParseAddr(s)); err == nil {
			t.Errorf("with private webhooks, %s is admitted", s)
		}
	}
}

func TestWebhookEndpointURLs(t *testing.T) {
	db := testdb.SQLite(t)
	ctx := context.Background()
	strict := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1)))
	dev := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1)), models.WithWebhookPolicy(models.WebhookPolicy{AllowPrivate: true}))
	cases := []struct {
		url       string
		code      string // "" when allowed
		devAllows bool
	}{
		{"https://hooks.example.com/portico", "", true},
		{"https://hooks.example.com:8443/portico?key=1", "", true},
		{"https://93.184.216.34/hooks", "", true},
		{"https://[2606:4700:4700::1111]/hooks", "", true},
		{"http://hooks.example.com/portico", "invalid_url", true},
		{"ftp://hooks.example.com/", "invalid_url", false},
		{"https://user:pass@hooks.example.com/", "invalid_url", false},
		{"hooks.example.com/portico", "invalid_url", false},
		{"", "required", false},
		{"https://hooks.example.com/a b", "invalid_url", false},
		{"https://127.0.0.1/hooks", "non_public_address", true},
		{"http://127.0.0.1:8080/hooks", "invalid_url", true},
		{"https://127.0.0.2/hooks", "non_public_address", true},
		{"https://localhost/hooks", "non_public_address", true},
		{"https://api.localhost/hooks", "non_public_address", true},
		{"https://[::1]/hooks", "non_public_address", true},
		{"https://[::ffff:127.0.0.1]/hooks", "non_public_address", true},
		{"https://10.1.2.3/hooks", "non_public_address", true},
		{"https://169.254.169.254/latest/meta-data", "non_public_address", false},
		{"https://100.64.0.1/", "non_public_address", false},
		{"https://0.0.0.0/", "non_public_address", false},
		{"https://[64:ff9b::7f00:1]/", "non_public_address", false},
		{"https://[2002:7f00:1::1]/", "non_public_address", false},
		{"https://[::127.0.0.1]/", "non_public_address", false},
		{"https://[fec0::1]/", "non_public_address", false},
		{"https://2130706433/", "non_public_address", false},
		{"https://0x7f.1/", "non_public_address", false},
		{"https://127.1/", "non_public_address", false},
	}
	for i, tc := range cases {
		for _, policy := range []struct {
			name  string
			store *models.Store
			allow bool
		}{{"strict", strict, tc.code == ""}, {"dev", dev, tc.code == "" || tc.devAllows}} {
			m, err := policy.store.CreateMerchant(ctx, "Acme", fmt.Sprintf("acme-%s-%d", policy.name, i))
			if err != nil {
				t.Fatal(err)
			}
			_, err = policy.store.CreateWebhookEndpoint(ctx, m.ID, actor, tc.url)
			var invalid *models.ValidationError
			switch {
			case policy.allow && err != nil:
				t.Errorf("%s %q: %v, want it registered", policy.name, tc.url, err)
			case !policy.allow && (!errors.As(err, &invalid) || invalid.Fields[0].Field != "url" || invalid.Fields[0].Code != tc.code):
				t.Errorf("%s %q: %v, want %s", policy.name, tc.url, err, tc.code)
			}
		}
	}
}

// A merchant has at most 16 endpoints, also when many are added at once.
func TestWebhookEndpointLimit(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1)))
		ctx := context.Background()
		tn := newTenant(t, s, "Acme")
		var created, refused atomic.Int32
		var wg sync.WaitGroup
		for range models.MaxWebhookEndpoints + 8 {
			wg.Go(func() {
				_, err := s.CreateWebhookEndpoint(ctx, tn.merchant, actor, "https://hooks.example.com/portico")
				var invalid *models.ValidationError
				switch {
				case err == nil:
					created.Add(1)
				case errors.As(err, &invalid) && invalid.Fields[0].Code == "too_many_endpoints":
					refused.Add(1)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if created.Load() != models.MaxWebhookEndpoints || refused.Load() != 8 {
			t.Errorf("%d created, %d refused; want %d and 8", created.Load(), refused.Load(), models.MaxWebhookEndpoints)
		}
	})
}

// events announces n changes of tn's customer.
func events(t *testing.T, s *models.Store, tn tenant, n int) {
	t.Helper()
	for i := range n {
		phone := "+31 20 123 " + string(rune('0'+i%10)) + "000"
		if _, err := s.UpdateCustomer(context.Background(), tn.merchant, actor, tn.customer, models.CustomerInput{Phone: &phone}); err != nil {
			t.Fatal(err)
		}
	}
}

// endpointOf registers an endpoint for tn and delivers what its registration announced,
// so the test starts from an outbox with nothing due.
func endpointOf(t *testing.T, s *models.Store, tn tenant) *models.WebhookEndpoint {
	t.Helper()
	ctx := context.Background()
	w, err := s.CreateWebhookEndpoint(ctx, tn.merchant, actor, "https://hooks.example.com/"+tn.merchant)
	if err != nil {
		t.Fatal(err)
	}
	for {
		claimed, err := s.ClaimWebhookDeliveries(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(claimed) == 0 {
			return w
		}
		for i := range claimed {
			if _, err := s.RecordWebhookAttempt(ctx, &claimed[i], models.AttemptResult{StatusCode: 204}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func countByEndpoint(claimed []models.ClaimedDelivery) map[string]int {
	n := map[string]int{}
	for _, c := range claimed {
		n[c.EndpointID]++
	}
	return n
}

// Claims are fair: a merchant with a backlog does not hold up another's event, an endpoint
// has at most two deliveries in flight (one while it is failing), and what one claim holds
// no other claim gets until its lease lapses.
func TestClaimsAreFairAndBounded(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		clock := testdb.NewClock()
		s := models.NewStore(db, models.WithClock(clock.Now), models.WithDataKeys(dataKeys(t, 1)))
		ctx := context.Background()
		busy, quiet := newTenant(t, s, "Busy"), newTenant(t, s, "Quiet")
		busyHooks := []*models.WebhookEndpoint{endpointOf(t, s, busy), endpointOf(t, s, busy), endpointOf(t, s, busy)}
		quietHook := endpointOf(t, s, quiet)
		events(t, s, busy, 30)
		clock.Advance(time.Second)
		events(t, s, quiet, 1)

		// The quiet merchant's one event goes out in the first claim, though the busy
		// merchant's ninety deliveries are older; the busy one's endpoints take turns.
		first, err := s.ClaimWebhookDeliveries(ctx, 4)
		if err != nil {
			t.Fatal(err)
		}
		n := countByEndpoint(first)
		if n[quietHook.ID] != 1 || n[busyHooks[0].ID] != 1 || n[busyHooks[1].ID] != 1 || n[busyHooks[2].ID] != 1 {
			t.Fatalf("first claim: %v; want the quiet merchant's event and one per busy endpoint", n)
		}
		for _, c := range first {
			if c.Attempts != 1 || c.ClaimedBy == "" || c.Endpoint.ID != c.EndpointID || c.Event.ID != c.EventID || c.Event.Payload == "" {
				t.Errorf("claimed delivery: %+v", c)
			}
		}
		second, err := s.ClaimWebhookDeliveries(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n := countByEndpoint(second); len(second) != 3 || n[busyHooks[0].ID] != 1 {
			t.Fatalf("second claim: %v; want one more per busy endpoint", n)
		}
		if again, _ := s.ClaimWebhookDeliveries(ctx, 10); len(again) != 0 {
			t.Fatalf("a third claim took %d more while each endpoint had two in flight", len(again))
		}

		// The first busy endpoint takes one and fails one: it is failing now, so it gets one
		// at a time. The quiet merchant's instance dies holding its claim.
		var failingClaims []models.ClaimedDelivery
		var died models.ClaimedDelivery
		for _, c := range append(first, second...) {
			switch c.EndpointID {
			case busyHooks[0].ID:
				failingClaims = append(failingClaims, c)
			case quietHook.ID:
				died = c
			}
		}
		if _, err := s.RecordWebhookAttempt(ctx, &failingClaims[0], models.AttemptResult{StatusCode: 200}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RecordWebhookAttempt(ctx, &failingClaims[1], models.AttemptResult{StatusCode: 500, Err: errors.New("answered 500")}); err != nil {
			t.Fatal(err)
		}
		next, err := s.ClaimWebhookDeliveries(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n := countByEndpoint(next); n[busyHooks[0].ID] != 1 || len(next) != 1 {
			t.Fatalf("claim from a failing endpoint: %v, want one", n)
		}

		// An instance that died holding a claim: the lease lapses, another instance takes
		// the delivery, and the dead one's late outcome is not recorded.
		clock.Advance(2 * time.Minute)
		retaken, err := s.ClaimWebhookDeliveries(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var lapsed *models.ClaimedDelivery
		for i := range retaken {
			if retaken[i].ID == died.ID {
				lapsed = &retaken[i]
			}
		}
		if lapsed == nil || lapsed.Attempts != 2 || lapsed.ClaimedBy == died.ClaimedBy {
			t.Fatalf("after the lease lapsed: %+v", retaken)
		}
		if _, err := s.RecordWebhookAttempt(ctx, &died, models.AttemptResult{StatusCode: 200}); !errors.Is(err, models.ErrClaimLapsed) {
			t.Errorf("the outcome of a lapsed claim: %v, want ErrClaimLapsed", err)
		}
	})
}

// A retry sends a delivery once more, whatever became of it; not while it is in flight,
// and not to a disabled endpoint.
func TestRetryWebhookDelivery(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db, models.WithDataKeys(dataKeys(t, 1)))
		ctx := context.Background()
		tn := newTenant(t, s, "Acme")
		w := endpointOf(t, s, tn)
		events(t, s, tn, 1)
		claimed, err := s.ClaimWebhookDeliveries(ctx, 1)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v %v", claimed, err)
		}
		var state *models.StateError
		if _, err := s.RetryWebhookDelivery(ctx, tn.merchant, actor, claimed[0].ID); !errors.As(err, &state) {
			t.Errorf("retry in flight: %v, want a StateError", err)
		}
		if _, err := s.RecordWebhookAttempt(ctx, &claimed[0], models.AttemptResult{StatusCode: 200}); err != nil {
			t.Fatal(err)
		}
		d, err := s.RetryWebhookDelivery(ctx, tn.merchant, actor, claimed[0].ID)
		if err != nil || d.State != models.JobPending || d.Attempts != 1 {
			t.Fatalf("retry: %+v %v", d, err)
		}
		again, err := s.ClaimWebhookDeliveries(ctx, 1)
		if err != nil || len(again) != 1 || again[0].ID != d.ID {
			t.Fatalf("the retried delivery was not due: %v %v", again, err)
		}
		// One attempt only: a failure is final.
		if _, err := s.RecordWebhookAttempt(ctx, &again[0], models.AttemptResult{Err: errors.New("refused")}); err != nil || again[0].State != models.JobFailed {
			t.Errorf("a failed retry: %s %v", again[0].State, err)
		}

		other := newTenant(t, s, "Other")
		if _, err := s.RetryWebhookDelivery(ctx, other.merchant, actor, d.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another merchant's retry: %v", err)
		}
		off := false
		if _, err := s.UpdateWebhookEndpoint(ctx, tn.merchant, actor, w.ID, models.WebhookEndpointInput{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RetryWebhookDelivery(ctx, tn.merchant, actor, d.ID); !errors.As(err, &state) {
			t.Errorf("retry to a disabled endpoint: %v, want a StateError", err)
		}
	})
}
