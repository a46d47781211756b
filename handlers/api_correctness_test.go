package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// TestLogsAndMetricsCarryTheRealStatus sends requests that fail in every way a handler can
// fail, and reads each one's status back from the request log and from the metrics.
func TestLogsAndMetricsCarryTheRealStatus(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))
	_, key := merchantWithKey(t, a.store, "Acme")
	api := a.api(key)
	unknown := "/v1/customers/cus_01aaaaaaaaaaaaaaaaaaaaaaaa"
	cases := []struct {
		method, path, route string
		body                any
		key                 string
		status              int
	}{
		{http.MethodGet, "/v1/customers", "/v1/customers", nil, key, 200},
		{http.MethodGet, "/v1/customers", "/v1/customers", nil, "", 401},                          // from the auth middleware
		{http.MethodGet, unknown, "/v1/customers/:id", nil, key, 404},                             // from the store
		{http.MethodPost, "/v1/customers", "/v1/customers", map[string]any{"name": ""}, key, 422}, // a validation error
		{http.MethodGet, "/v1/invoices?status=unpaid", "/v1/invoices", nil, key, 400},             // a bad filter
		{http.MethodPut, "/v1/customers", "unmatched", nil, key, 405},                             // a wrong method
	}
	for _, tc := range cases {
		if tc.status == http.StatusMethodNotAllowed { // the document has no such operation to check it against
			req, _ := http.NewRequest(tc.method, a.URL+tc.path, nil)
			req.Header.Set("Authorization", "Bearer "+tc.key)
			res, err := http.DefaultClient.Do(req)
			if err != nil || res.StatusCode != tc.status {
				t.Fatalf("%s %s: %v %v", tc.method, tc.path, res, err)
			}
			res.Body.Close()
			continue
		}
		a.api(tc.key).call(t, tc.method, tc.path, tc.body).expect(t, tc.status)
	}
	api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Zoë", "external_id": "z"}).expect(t, http.StatusCreated)
	api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Twin", "external_id": "z"}).expect(t, http.StatusConflict)

	logs := a.logs.String()
	for _, tc := range append(cases, struct {
		method, path, route string
		body                any
		key                 string
		status              int
	}{http.MethodPost, "/v1/customers", "/v1/customers", nil, key, 409}) {
		line := regexp.MustCompile(`msg=request method=` + tc.method + ` path=` + regexp.QuoteMeta(strings.Split(tc.path, "?")[0]) + ` status=` + fmt.Sprint(tc.status) + ` `)
		if !line.MatchString(logs) {
			t.Errorf("no request log line for %s %s with status %d:\n%s", tc.method, tc.path, tc.status, logs)
		}
		series := fmt.Sprintf(`portico_http_requests_total{method=%q,route=%q,status="%d"}`, tc.method, tc.route, tc.status)
		if body := metricsOf(t, a); !strings.Contains(body, series) {
			t.Errorf("metrics lack %s", series)
		}
	}

	// A 500 from the store: the database is gone.
	a.db.Close()
	req, _ := http.NewRequest(http.MethodGet, a.URL+"/v1/customers", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError || !strings.Contains(a.logs.String(), "path=/v1/customers status=500") ||
		!strings.Contains(metricsOf(t, a), `portico_http_requests_total{method="GET",route="/v1/customers",status="500"} 1`) {
		t.Errorf("a store failure: %d; logged and counted as 500? logs:\n%s", res.StatusCode, a.logs.String())
	}
}

func metricsOf(t *testing.T, a *app) string {
	t.Helper()
	body, _ := io.ReadAll(a.get(t, "/metrics").Body)
	return string(body)
}

// TestExternalIDsAreAddressable creates customers by external IDs a shop really has — a
// Shopify gid:// with slashes, an ID typed decomposed — and finds each by its path.
func TestExternalIDsAreAddressable(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		_, key := merchantWithKey(t, a.store, "Acme")
		api := a.api(key)
		for _, tc := range []struct{ created, path string }{
			{"gid://shopify/Customer/7", "/v1/customers/external:gid:%2F%2Fshopify%2FCustomer%2F7"},
			{"zoe\u0308", "/v1/customers/external:zo%C3%AB"},                  // created NFD, looked up NFC
			{"50%off/ünï", "/v1/customers/external:50%25off%2F%C3%BCn%C3%AF"}, // a % and a / together
		} {
			id := api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Shop", "external_id": tc.created}).expect(t, http.StatusCreated).str("id")
			got := api.call(t, http.MethodGet, tc.path, nil).expect(t, http.StatusOK)
			if got.str("id") != id {
				t.Errorf("GET %s = %s, want %s", tc.path, got.str("id"), id)
			}
			api.call(t, http.MethodPatch, tc.path, map[string]any{"phone": "+31 20 123 4567"}).expect(t, http.StatusOK)
			api.call(t, http.MethodPost, tc.path+"/portal", map[string]any{}).expect(t, http.StatusCreated)
		}
		api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Twin", "external_id": "zo\u00eb"}).expect(t, http.StatusConflict)
		long := strings.Repeat("é", models.MaxExternalIDLength)
		api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Long", "external_id": long}).expect(t, http.StatusCreated)
		api.call(t, http.MethodGet, "/v1/customers/external:"+long, nil).expect(t, http.StatusOK)
		api.call(t, http.MethodGet, "/v1/customers/external:"+long+"é", nil).expect(t, http.StatusNotFound)
	})
}

func TestDeletingACustomerWithInvoicesIsRefused(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		w := newAPIWorld(t, db)
		r := w.a.call(t, http.MethodDelete, "/v1/customers/"+w.customer, nil).expect(t, http.StatusConflict)
		if msg := r.json["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "invoices or payments") {
			t.Errorf("the refusal does not say why: %q", msg)
		}
		w.a.call(t, http.MethodGet, "/v1/invoices/"+w.invoice, nil).expect(t, http.StatusOK)
		w.a.call(t, http.MethodGet, "/v1/customers/"+w.customer, nil).expect(t, http.StatusOK)
	})
}

// TestInvalidBodiesCostLittle sends a 1 MB body of empty invoice lines: the answer is one
// small error, and what the idempotency record keeps is as small.
func TestInvalidBodiesCostLittle(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))
	_, key := merchantWithKey(t, a.store, "Acme")
	api := a.api(key)
	api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Zoë", "external_id": "42"}).expect(t, http.StatusCreated)
	body := `{"customer_id":"external:42","number":"X","currency":"EUR","lines":[` + strings.Repeat("{},", 333_000) + `{}]}`
	r := api.call(t, http.MethodPost, "/v1/invoices", body, "Idempotency-Key", "big").expect(t, http.StatusUnprocessableEntity)
	if len(r.body) > 1024 || r.errorParam() != "lines" {
		t.Errorf("a %d-byte body got a %d-byte answer: %.300s", len(body), len(r.body), r.body)
	}

	// 500 lines, each wrong three ways: 20 field errors, the first in param.
	lines := strings.TrimSuffix(strings.Repeat(`{"quantity":0,"unit_amount":-1,"tax_rate":-1},`, models.MaxInvoiceLines), ",")
	r = api.call(t, http.MethodPost, "/v1/invoices", `{"customer_id":"external:42","number":"Y","currency":"EUR","lines":[`+lines+`]}`).
		expect(t, http.StatusUnprocessableEntity)
	e := r.json["error"].(map[string]any)
	errs, _ := e["errors"].([]any)
	if len(errs) != models.MaxFieldErrors || e["param"] != "lines[0].description" || errs[0].(map[string]any)["param"] != "lines[0].description" {
		t.Errorf("%d field errors, param %v: %.500s", len(errs), e["param"], r.body)
	}
	if len(r.body) > 4096 {
		t.Errorf("20 field errors take %d bytes", len(r.body))
	}
}

// TestIdempotencySurvivesACrash simulates a process that claimed a key and died (a claim
// nobody finishes): within the lease a retry is told to wait, after it the retry runs.
// Minted links are replayed from an encrypted record.
func TestIdempotencySurvivesACrash(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		m, key := merchantWithKey(t, a.store, "Acme")
		api := a.api(key)
		api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Zoë", "external_id": "42"}).expect(t, http.StatusCreated)

		// The crashed request: its claim, with the hash the retry will have.
		body := `{"name":"Ada","external_id":"ada"}`
		if _, _, err := a.store.ClaimIdempotencyKey(context.Background(), m.ID, "k-crash", requestHash(http.MethodPost, "/v1/customers", body)); err != nil {
			t.Fatal(err)
		}
		r := api.call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", "k-crash").expect(t, http.StatusConflict)
		if r.errorCode() != "idempotency_key_in_use" {
			t.Errorf("within the lease: %s", r.body)
		}
		a.clock.advance(models.IdempotencyLease + time.Second)
		created := api.call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", "k-crash").expect(t, http.StatusCreated)
		replay := api.call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", "k-crash").expect(t, http.StatusCreated)
		if replay.str("id") != created.str("id") || replay.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay %s, first %s", replay.body, created.body)
		}

		// A minted link: the replay has the same URL; the database does not.
		link := api.call(t, http.MethodPost, "/v1/customers/external:42/portal", map[string]any{}, "Idempotency-Key", "k-link").expect(t, http.StatusCreated)
		again := api.call(t, http.MethodPost, "/v1/customers/external:42/portal", map[string]any{}, "Idempotency-Key", "k-link").expect(t, http.StatusCreated)
		if again.str("url") != link.str("url") || link.str("url") == "" {
			t.Errorf("replayed URL %q, minted %q", again.str("url"), link.str("url"))
		}
		token := link.str("url")[strings.LastIndex(link.str("url"), "/")+1:]
		var stored []byte
		if err := db.Writer().Raw("SELECT response_body FROM idempotency_records WHERE key = ?", "k-link").Row().Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(stored), token) {
			t.Error("the idempotency record holds the link's token in clear")
		}
	})
}

// requestHash is what the Idempotent middleware hashes a request as.
func requestHash(method, uri, body string) []byte {
	sum := sha256.Sum256([]byte(method + " " + uri + "\n" + body))
	return sum[:]
}

// TestUnreadableReplayIsAClearConflict: a stored response sealed with a data key that is
// no longer configured answers 409, never the response and never a 500.
func TestUnreadableReplayIsAClearConflict(t *testing.T) {
	db := testdb.SQLite(t)
	a := newApp(t, db)
	_, key := merchantWithKey(t, a.store, "Acme")
	body := map[string]any{"name": "Zoë"}
	a.api(key).call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", "k-1").expect(t, http.StatusCreated)

	otherKeys, _ := models.NewDataKeys([][]byte{bytes.Repeat([]byte{3}, models.DataKeySize)})
	base, _ := url.Parse("http://portico.test")
	e, err := handlers.New(models.NewStore(db, models.WithDataKeys(otherKeys)), handlers.Options{
		BaseURL: base, SessionKeys: [][]byte{testSessionKey}, APIRate: 1000, APIBurst: 1000, LinkRate: 1000,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	defer srv.Close()
	rotated := &app{Server: srv, db: db}
	r := rotated.api(key).call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", "k-1").expect(t, http.StatusConflict)
	if r.errorCode() != "idempotency_response_unreadable" {
		t.Errorf("replay without the key: %s", r.body)
	}
}
