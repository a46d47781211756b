package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// portico runs the command line in-process and returns what it printed.
func portico(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestConfig(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string // substring of the error; empty: valid
	}{
		{"defaults", nil, nil, ""},
		{"flag beats env", map[string]string{"PORTICO_ADDR": ":1"}, []string{"--addr", ":2"}, ""},
		{"relative base URL", nil, []string{"--base-url", "portal.example"}, "base-url"},
		{"base URL with query", nil, []string{"--base-url", "https://p.example/?x=1", "--session-keys", strings.Repeat("A", 44)}, "base-url"},
		{"short session key", nil, []string{"--session-keys", "c2hvcnQ="}, "shorter than 32 bytes"},
		{"https without session keys", nil, []string{"--base-url", "https://portal.example"}, "session-keys"},
		{"https without data keys", nil, []string{"--base-url", "https://portal.example", "--session-keys", strings.Repeat("A", 44)}, "data-keys"},
		{"short data key", map[string]string{"PORTICO_DATA_KEYS": "c2hvcnQ="}, nil, "data-keys"},
		{"https with both", nil, []string{"--base-url", "https://portal.example", "--session-keys", strings.Repeat("A", 44), "--data-keys", strings.Repeat("B", 43) + "=," + strings.Repeat("C", 43)}, ""},
		{"bad proxy", nil, []string{"--trusted-proxies", "10.0.0.0/33"}, "trusted-proxies"},
		{"bad log level", nil, []string{"--log-level", "loud"}, "log-level"},
		{"zero rate", map[string]string{"PORTICO_API_RATE": "0"}, nil, "api-rate"},
		{"private webhooks in development", nil, []string{"--allow-private-webhooks"}, ""},
		{"private webhooks from the environment", map[string]string{"PORTICO_ALLOW_PRIVATE_WEBHOOKS": "true"}, nil, ""},
		{"private webhooks switched off again", map[string]string{"PORTICO_ALLOW_PRIVATE_WEBHOOKS": "true"}, []string{"--allow-private-webhooks=false"}, ""},
		{"private webhooks with an https base URL", nil, []string{"--allow-private-webhooks", "--base-url", "https://portal.example", "--session-keys", strings.Repeat("A", 44)}, "allow-private-webhooks: must be off"},
		{"private webhooks with https from the environment", map[string]string{"PORTICO_ALLOW_PRIVATE_WEBHOOKS": "1", "PORTICO_BASE_URL": "https://portal.example", "PORTICO_SESSION_KEYS": strings.Repeat("A", 44)}, nil, "allow-private-webhooks: must be off"},
		{"private webhooks, not a boolean", nil, []string{"--allow-private-webhooks=maybe"}, "allow-private-webhooks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFlagSet()
			values := addConfigFlags(fs, func(k string) string { return tc.env[k] })
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			cfg, err := parseConfig(values)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want one about %q", err, tc.want)
			}
			if tc.name == "flag beats env" && cfg.Addr != ":2" {
				t.Errorf("addr = %q", cfg.Addr)
			}
			if want := strings.HasPrefix(tc.name, "private webhooks") && !strings.Contains(tc.name, "off"); tc.want == "" && cfg.AllowPrivateWebhooks != want {
				t.Errorf("AllowPrivateWebhooks = %v, want %v", cfg.AllowPrivateWebhooks, want)
			}
		})
	}
}

func TestDemoIsIdempotent(t *testing.T) {
	for _, engine := range []struct {
		name    string
		setting func(testing.TB) string
	}{{"sqlite", testdb.SQLiteSetting}, {"postgres", testdb.PostgresSetting}} {
		t.Run(engine.name, func(t *testing.T) {
			setting := engine.setting(t)
			counts := func() [4]int64 {
				db, err := models.OpenDB(setting)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				s := models.NewStore(db)
				ctx := context.Background()
				m, err := s.FindMerchant(ctx, demoSlug)
				if err != nil {
					t.Fatal(err)
				}
				sc := models.MerchantScope(m.ID)
				_, customers, _ := s.ListCustomers(ctx, m.ID, "", models.Page{})
				_, invoices, _ := s.ListInvoices(ctx, sc, models.InvoiceFilter{}, models.Page{})
				_, payments, _ := s.ListPayments(ctx, sc, models.PaymentFilter{}, models.Page{})
				_, subs, _ := s.ListSubscriptions(ctx, sc, models.SubscriptionFilter{}, models.Page{})
				return [4]int64{customers.Total, invoices.Total, payments.Total, subs.Total}
			}
			out, err := portico(t, "demo", "--database", setting)
			if err != nil {
				t.Fatalf("first demo: %v\n%s", err, out)
			}
			if !regexp.MustCompile(`API key: +sk_[A-Za-z0-9_-]{43}\n`).MatchString(out) || !regexp.MustCompile(`Portal link: +http://localhost:8080/p/[A-Za-z0-9_-]{43}\n`).MatchString(out) {
				t.Errorf("demo output lacks a key or a link:\n%s", out)
			}
			first := counts()
			if first[0] < 3 || first[1] < 12 || first[2] < 12 || first[3] != 2 {
				t.Errorf("demo data = %v customers/invoices/payments/subscriptions, want ≥3/≥12/≥12/2", first)
			}
			if out, err := portico(t, "demo", "--database", setting); err != nil {
				t.Fatalf("second demo: %v\n%s", err, out)
			}
			if second := counts(); second != first {
				t.Errorf("second demo changed the data: %v → %v", first, second)
			}
		})
	}
}

func TestAdminCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "p.db")
	out, err := portico(t, "merchant", "create", "--name", "Shop & Co", "--database", db)
	if err != nil || !strings.Contains(out, "slug shop-co") {
		t.Fatalf("merchant create: %v\n%s", err, out)
	}
	out, err = portico(t, "apikey", "create", "--merchant", "shop-co", "--database", db)
	key := regexp.MustCompile(`sk_[A-Za-z0-9_-]{43}`).FindString(out)
	if err != nil || key == "" {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	if out, err := portico(t, "apikey", "revoke", key[:11], "--database", db); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("apikey revoke: %v\n%s", err, out)
	}
	if _, err := portico(t, "link", "--merchant", "shop-co", "--customer", "external:nobody", "--database", db); err == nil {
		t.Error("link for an unknown customer succeeded")
	}
	if out, err := portico(t, "migrate", "--database", db); err != nil || !strings.Contains(out, "schema is at") {
		t.Errorf("migrate: %v\n%s", err, out)
	}
	if _, err := portico(t, "frobnicate"); err == nil {
		t.Error("unknown command succeeded")
	}
}
