package handlers_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/handlers"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// rawPost starts a POST whose body has not arrived yet: the request is in flight until
// finish sends the rest and returns the response.
func rawPost(t *testing.T, a *app, path, key, body string) (finish func() *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", a.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: portico.test\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		path, key, len(body), body[:1])
	return func() *http.Response {
		if _, err := conn.Write([]byte(body[1:])); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReadyzFailsOnAReadOnlyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	testdb.Open(t, path).Close()
	testdb.ReadOnly(t, path)
	db, err := models.OpenDB(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := newApp(t, db)
	if res := a.get(t, "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz on a read-only file: %d, want 503", res.StatusCode)
	}
	if res := a.get(t, "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d, want 200 (the process is alive)", res.StatusCode)
	}
	if !strings.Contains(a.logs.String(), "readonly") {
		t.Errorf("the log does not say why:\n%s", a.logs)
	}
}

// TestCorruptFileStopsServing serves a file with twenty garbage pages (start-up would have
// refused it; see cmd): once a read meets the damage, /readyz says so and no invoice is
// written into the damaged file.
func TestCorruptFileStopsServing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	db := testdb.Open(t, path)
	a := newApp(t, db)
	m, key := merchantWithKey(t, a.store, "Acme")
	for i := range 400 {
		name := fmt.Sprintf("%03d %s", i, strings.Repeat("Müller-Łukasiewicz ", 9))
		if _, err := a.store.CreateCustomer(t.Context(), m.ID, models.SystemActor, models.CustomerInput{Name: &name, ExternalID: ptr(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	a = newApp(t, testdb.Corrupt(t, db, path, 20))

	var failed bool
	for page := 1; page <= 4 && !failed; page++ {
		failed = a.api(key).get(t, fmt.Sprintf("/v1/customers?per_page=100&page=%d", page)) >= 500
	}
	if !failed {
		t.Fatal("listing every customer of a corrupt file succeeded")
	}
	if res := a.get(t, "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz after a read met the damage: %d, want 503", res.StatusCode)
	}
	created := 0
	for i := range 20 {
		body := fmt.Sprintf(`{"external_id":"new-%d","name":"New"}`, i)
		if a.api(key).post(t, "/v1/customers", body) == http.StatusCreated {
			created++
		}
	}
	if created > 0 {
		t.Errorf("%d of 20 customers were written into the damaged file", created)
	}
}

// signedIn opens a new link of the fixture's customer in a new browser, and returns it
// with the link's URL.
func (f *portalFixture) signedIn(t *testing.T, in models.PortalLinkInput) (*visitor, string) {
	t.Helper()
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, in)
	v := f.visitor()
	v.open(t, linkURL)
	return v, linkURL
}

// get and post send one API request and return its status, without the contract check the
// call helper makes (these statuses come from a broken database, not the API's contract).
func (c *apiClient) get(t *testing.T, path string) int { return c.send(t, http.MethodGet, path, "") }

func (c *apiClient) post(t *testing.T, path, body string) int {
	return c.send(t, http.MethodPost, path, body)
}

func (c *apiClient) send(t *testing.T, method, path, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, c.app.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestAdmissionControl(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), func(o *handlers.Options) { o.MaxInFlight = 1 })
	_, key := merchantWithKey(t, f.store, "Busy")
	v, _ := f.signedIn(t, models.PortalLinkInput{})

	// One request in flight (its body is still arriving) fills the only slot.
	finish := rawPost(t, f.app, "/v1/customers", key, `{"name":"Slow Sam","external_id":"slow"}`)
	var res *http.Response
	waitFor(t, "the slot to fill", func() bool {
		res = v.get(t, "/portal")
		return res.StatusCode == http.StatusServiceUnavailable
	})
	if res.Header.Get("Retry-After") != "1" || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("portal 503: Retry-After %q, Content-Type %q", res.Header.Get("Retry-After"), res.Header.Get("Content-Type"))
	}
	if doc := readHTML(t, res); doc.Find("main h1").Length() != 1 {
		t.Error("portal 503 without a page")
	}
	apiRes := f.get(t, "/v1/customers", "Authorization", "Bearer "+key)
	if apiRes.StatusCode != http.StatusServiceUnavailable || apiRes.Header.Get("Retry-After") != "1" {
		t.Errorf("API while full: %d, Retry-After %q", apiRes.StatusCode, apiRes.Header.Get("Retry-After"))
	}
	if e, _ := readJSON(t, apiRes)["error"].(map[string]any); e["code"] != web.CodeOverloaded {
		t.Errorf("API 503 body: %v", e)
	}
	for _, probe := range []string{"/healthz", "/readyz"} {
		if res := f.get(t, probe); res.StatusCode != http.StatusOK {
			t.Errorf("%s while full: %d, want 200 (probes are never refused)", probe, res.StatusCode)
		}
	}
	if strings.Contains(f.logs.String(), "request failed") {
		t.Errorf("refusals were logged as errors:\n%s", f.logs)
	}

	if res := finish(); res.StatusCode != http.StatusCreated {
		t.Errorf("the request in flight: %d, want 201", res.StatusCode)
	}
	waitFor(t, "the slot to free", func() bool { return v.get(t, "/portal").StatusCode == http.StatusOK })
}

func TestRequestDeadline(t *testing.T) {
	db := testdb.SQLite(t)
	f := newPortalFixture(t, db, func(o *handlers.Options) { o.RequestTimeout = 200 * time.Millisecond })
	_, key := merchantWithKey(t, f.store, "Stuck")
	v, _ := f.signedIn(t, models.PortalLinkInput{})
	token := v.csrfToken(t)

	// The only writer connection is held: writes wait for it until their deadline.
	held, release := make(chan struct{}), make(chan struct{})
	go db.Writer().Transaction(func(tx *gorm.DB) error {
		close(held)
		<-release
		return nil
	})
	<-held
	defer close(release)

	start := time.Now()
	status := f.api(key).post(t, "/v1/customers", `{"name":"Waiting Will"}`)
	if took := time.Since(start); status != http.StatusServiceUnavailable || took > 2*time.Second {
		t.Errorf("API write behind a stuck writer: %d after %s, want 503 after about 200ms", status, took)
	}
	res := v.post(t, "/portal/contacts", url.Values{"csrf_token": {token}, "name": {"Ada"}, "email": {"ada@example.com"}})
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
		t.Fatalf("portal write behind a stuck writer: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if doc := readHTML(t, res); doc.Find("main h1").Length() != 1 {
		t.Error("portal 503 without a page")
	}
}

func TestFailedAuthenticationIsLimitedPerIP(t *testing.T) {
	db := testdb.SQLite(t)
	a := newApp(t, db)
	_, key := merchantWithKey(t, a.store, "Acme")
	bad := a.api("sk_" + strings.Repeat("x", 43))
	for i := range 20 {
		if status := bad.get(t, "/v1/customers"); status != http.StatusUnauthorized {
			t.Fatalf("bad key %d: %d, want 401", i+1, status)
		}
	}
	res := a.get(t, "/v1/customers", "Authorization", "Bearer sk_"+strings.Repeat("y", 43))
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("21st bad key: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if e, _ := readJSON(t, res)["error"].(map[string]any); e["code"] != "rate_limited" {
		t.Errorf("429 body: %v", e)
	}
	// Refused before any lookup: with the database gone, still 429, not 500.
	db.Close()
	if status := a.api(key).get(t, "/v1/customers"); status != http.StatusTooManyRequests {
		t.Errorf("while blocked, with the database closed: %d, want 429", status)
	}
}

func TestBodyLimitIsOneMiB(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))
	_, key := merchantWithKey(t, a.store, "Acme")
	body := func(size int) string {
		head := `{"name":"Zoë","external_id":"` + fmt.Sprint(size) + `"}`
		return head + strings.Repeat(" ", size-len(head)) // JSON allows trailing whitespace
	}
	if status := a.api(key).post(t, "/v1/customers", body(1<<20)); status != http.StatusCreated {
		t.Errorf("a body of exactly 1,048,576 bytes: %d, want 201", status)
	}
	if status := a.api(key).post(t, "/v1/customers", body(1<<20+1)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a body of 1,048,577 bytes: %d, want 413", status)
	}
}

func TestOversizedHeaderGetsTheSecurityHeaders(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))
	res := a.get(t, "/portal", "X-Padding", strings.Repeat("a", handlers.HeaderLimit))
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("header over the limit: %d, want 431", res.StatusCode)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "X-Request-Id"} {
		if res.Header.Get(h) == "" {
			t.Errorf("431 without %s", h)
		}
	}
	if res := a.get(t, "/healthz", "X-Padding", strings.Repeat("a", handlers.HeaderLimit-1024)); res.StatusCode != http.StatusOK {
		t.Errorf("header under the limit: %d", res.StatusCode)
	}
}

func TestTokensRedactedInAnyPathShape(t *testing.T) {
	token := strings.Repeat("Ab3_-", 8) + "xyz" // 43 characters, like a real token
	for path, want := range map[string]string{
		"/p/" + token:                 "/p/[redacted]",
		"//p/" + token:                "//p/[redacted]",
		"/P/" + token:                 "/P/[redacted]",
		"/p/" + token + "/x":          "/p/[redacted]",
		"///P//" + token:              "///P/[redacted]",
		"/portal/" + token:            "/portal/[redacted]",
		"/v1/customers/sk_" + token:   "/v1/customers/[redacted]",
		"/portal/invoices/inv_01jabc": "/portal/invoices/inv_01jabc",
		"/p/":                         "/p/",
		"/portal":                     "/portal",
	} {
		if got := web.RedactedPath(path); got != want {
			t.Errorf("RedactedPath(%q) = %q, want %q", path, got, want)
		}
	}

	f := newPortalFixture(t, testdb.SQLite(t), nil)
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	real := linkURL[strings.LastIndex(linkURL, "/")+1:]
	v := f.visitor()
	for _, path := range []string{"//p/" + real, "/P/" + real, "/p//" + real} {
		v.get(t, path)
	}
	if logs := f.logs.String(); strings.Contains(logs, real) || !strings.Contains(logs, "[redacted]") {
		t.Errorf("a token reached the logs, or nothing was redacted:\n%s", logs)
	}
}

// TestShortIdleTimeoutIsKept: last-seen is written once a quarter of the idle timeout has
// passed (at most once a minute), so a session used within its timeout lives on.
func TestShortIdleTimeoutIsKept(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPortalFixture(t, db, nil)
		v, _ := f.signedIn(t, models.PortalLinkInput{IdleTimeout: time.Minute})
		defer f.clock.advance(-(68*time.Second + 61*time.Second))
		f.clock.advance(40 * time.Second)
		v.page(t, "/portal", http.StatusOK)
		f.clock.advance(28 * time.Second) // +68 s: 28 s since the last use
		v.page(t, "/portal", http.StatusOK)
		f.clock.advance(61 * time.Second)
		v.page(t, "/portal", http.StatusUnauthorized)
	})
}

func TestContactsPerCustomerAreCapped(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPortalFixture(t, db, nil)
		for i := range models.MaxContactsPerCustomer {
			in := models.ContactInput{Name: ptr(fmt.Sprint("Contact ", i)), Email: ptr(fmt.Sprintf("c%d@example.com", i))}
			if _, err := f.store.CreateContact(t.Context(), models.CustomerScope(f.merchant.ID, f.customer.ID), models.SystemActor, in); err != nil {
				t.Fatal(err)
			}
		}
		mKey := apiKeyFor(t, f.store, f.merchant.ID)
		r := f.api(mKey).call(t, http.MethodPost, "/v1/customers/"+f.customer.ID+"/contacts", map[string]string{"name": "One Too Many", "email": "more@example.com"})
		r.expect(t, http.StatusUnprocessableEntity)
		if r.errorCode() != "parameter_invalid" || !strings.Contains(string(r.body), "at most 50 contacts") {
			t.Errorf("API beyond the cap: %s", r.body)
		}

		v, _ := f.signedIn(t, models.PortalLinkInput{})
		res := v.post(t, "/portal/contacts", url.Values{"csrf_token": {v.csrfToken(t)}, "name": {"Ada"}, "email": {"ada@example.com"}})
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("portal beyond the cap: %d, want 422", res.StatusCode)
		}
		doc := readHTML(t, res)
		if alert := doc.Find(`[role="alert"]`).Text(); !strings.Contains(alert, "as many contacts as allowed") {
			t.Errorf("the page does not say why: %q", alert)
		}
		if name, _ := doc.Find(`input[name="name"]`).Attr("value"); name != "Ada" {
			t.Errorf("the input was not kept: %q", name)
		}
		_, info, err := f.store.ListContacts(t.Context(), models.CustomerScope(f.merchant.ID, f.customer.ID), models.ContactQuery{})
		if err != nil || info.Total != models.MaxContactsPerCustomer {
			t.Errorf("contacts = %d, %v; want %d", info.Total, err, models.MaxContactsPerCustomer)
		}
	})
}

// apiKeyFor mints an API key for an existing merchant.
func apiKeyFor(t *testing.T, s *models.Store, merchantID string) string {
	t.Helper()
	_, secret, err := s.CreateAPIKey(context.Background(), merchantID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func TestPortalPostsAreLimitedPerSession(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	v, linkURL := f.signedIn(t, models.PortalLinkInput{})
	token := v.csrfToken(t)
	invalid := url.Values{"csrf_token": {token}, "name": {""}, "email": {"not an email"}}
	for i := range 30 {
		if res := v.post(t, "/portal/contacts", invalid); res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("post %d: %d, want 422", i+1, res.StatusCode)
		}
	}
	res := v.post(t, "/portal/contacts", invalid)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("31st post: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if doc := readHTML(t, res); doc.Find("main h1").Length() != 1 {
		t.Error("429 without a page")
	}
	v.page(t, "/portal/contacts", http.StatusOK) // reading goes on
	// Another session of the same customer has its own allowance.
	other := f.visitor()
	other.open(t, linkURL)
	if res := other.post(t, "/portal/contacts", url.Values{"csrf_token": {other.csrfToken(t)}, "name": {""}}); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("another session: %d, want 422", res.StatusCode)
	}
}

func TestCSRFTokenOnlyFromTheBody(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	v, _ := f.signedIn(t, models.PortalLinkInput{})
	token := v.csrfToken(t)
	if res := v.post(t, "/portal/logout?csrf_token="+url.QueryEscape(token), url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("token in the query string: %d, want 403", res.StatusCode)
	}
	v.page(t, "/portal", http.StatusOK)
	if res := v.post(t, "/portal/logout", url.Values{"csrf_token": {token}}); res.StatusCode != http.StatusOK {
		t.Errorf("token in the body: %d", res.StatusCode)
	}
}

// TestTracing: with a tracer provider, every request is a span named by its route, every
// database call a child span of it, and the request log line carries the trace ID. Link
// tokens stay out of span attributes.
func TestTracing(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := trace.NewTracerProvider(trace.WithSpanProcessor(spans))
	db := testdb.SQLite(t)
	if err := db.Trace(tp); err != nil {
		t.Fatal(err)
	}
	f := newPortalFixture(t, db, func(o *handlers.Options) { o.TracerProvider = tp })
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	token := linkURL[strings.LastIndex(linkURL, "/")+1:]
	v := f.visitor()
	v.open(t, linkURL)
	v.header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	v.page(t, "/portal/invoices", http.StatusOK)

	var server, queries int
	for _, s := range spans.Ended() {
		for _, attr := range s.Attributes() {
			if strings.Contains(attr.Value.String(), token) {
				t.Errorf("span %q attribute %s holds the token", s.Name(), attr.Key)
			}
		}
		if s.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" {
			continue
		}
		switch {
		case s.Name() == "GET /portal/invoices":
			server++
		case s.SpanKind() == oteltrace.SpanKindClient && s.Parent().SpanID() != oteltrace.SpanID{}:
			queries++
		}
	}
	if server != 1 || queries == 0 {
		t.Errorf("the traced page made %d server spans and %d database spans; want 1 and some", server, queries)
	}
	if !strings.Contains(f.logs.String(), "trace_id=4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Errorf("the request log has no trace ID:\n%s", f.logs)
	}
}
