package handlers_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
	"github.com/prometheus/client_golang/prometheus"
)

// app is Portico's real router over a real database, served by httptest.
type app struct {
	*httptest.Server
	db    *models.DB
	store *models.Store
	logs  *syncBuffer
	clock *clock // the store's clock: real time until a test advances it
	// metrics is the registry the app fills; cmd serves it on a listener of its own.
	metrics *prometheus.Registry
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testSessionKey is the session key tests use unless they rotate keys.
var testSessionKey = bytes.Repeat([]byte{7}, 32)

// testDataKeys seal what the store keeps secret (stored API responses).
var testDataKeys, _ = models.NewDataKeys([][]byte{bytes.Repeat([]byte{9}, models.DataKeySize)})

func newApp(t testing.TB, db *models.DB) *app {
	t.Helper()
	return newAppWith(t, db, nil)
}

// newAppWith builds the app with options changed by configure.
func newAppWith(t testing.TB, db *models.DB, configure func(*handlers.Options)) *app {
	t.Helper()
	clock := &clock{}
	base, _ := url.Parse("http://portico.test")
	store := models.NewStore(db, models.WithClock(clock.now), models.WithDataKeys(testDataKeys), models.WithLinks(models.Links{BaseURL: base, ProviderHook: views.ProviderHookURL}))
	logs := &syncBuffer{}
	opts := handlers.Options{
		BaseURL:     base,
		SessionKeys: [][]byte{testSessionKey},
		APIRate:     1000, APIBurst: 1000, LinkRate: 1000,
		Logger:  slog.New(slog.NewTextHandler(logs, nil)),
		Metrics: prometheus.NewRegistry(),
	}
	if configure != nil {
		configure(&opts)
	}
	e, err := handlers.New(store, opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &app{Server: srv, db: db, store: store, logs: logs, clock: clock, metrics: opts.Metrics}
}

// scrape is what the metrics listener would serve now.
func (a *app) scrape(t testing.TB) string {
	t.Helper()
	rec := httptest.NewRecorder()
	handlers.MetricsHandler(a.metrics).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// get fetches a path without following redirects.
func (a *app) get(t testing.TB, path string, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func readJSON(t testing.TB, res *http.Response) map[string]any {
	t.Helper()
	var v map[string]any
	body, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, body)
	}
	return v
}

func readHTML(t testing.TB, res *http.Response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestHealth(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		a := newApp(t, db)
		for _, path := range []string{"/healthz", "/readyz"} {
			res := a.get(t, path)
			if res.StatusCode != http.StatusOK || readJSON(t, res)["status"] != "ok" {
				t.Errorf("%s: %d", path, res.StatusCode)
			}
		}
		db.Close()
		if res := a.get(t, "/readyz"); res.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("/readyz with the database gone: %d, want 503", res.StatusCode)
		}
		if res := a.get(t, "/healthz"); res.StatusCode != http.StatusOK {
			t.Errorf("/healthz with the database gone: %d, want 200 (the process is up)", res.StatusCode)
		}
	})
}

func TestUnknownRoutes(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))

	res := a.get(t, "/no/such/page", "Accept-Language", "de-DE,de;q=0.9")
	if res.StatusCode != http.StatusNotFound || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("unknown page: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	doc := readHTML(t, res)
	if lang, _ := doc.Find("html").Attr("lang"); lang != "de" {
		t.Errorf("error page lang = %q, want de", lang)
	}
	if got := doc.Find("main h1").Text(); got != "Etwas ist schiefgelaufen" {
		t.Errorf("error page heading = %q", got)
	}

	// Under /v1 the key is checked before the route, so a caller without one learns
	// nothing about which routes exist; with one, an unknown route is a JSON 404.
	_, secret := merchantWithKey(t, a.store, "Acme")
	for _, tc := range []struct {
		name   string
		header []string
		status int
		code   string
	}{
		{"without a key", nil, http.StatusUnauthorized, "api_key_missing"},
		{"with a key", []string{"Authorization", "Bearer " + secret}, http.StatusNotFound, "route_missing"},
	} {
		res := a.get(t, "/v1/unknown", tc.header...)
		body := readJSON(t, res)
		e, _ := body["error"].(map[string]any)
		if res.StatusCode != tc.status || e["code"] != tc.code || e["type"] == "" || e["message"] == "" {
			t.Errorf("/v1/unknown %s: %d %v, want %d with code %s in the API error shape", tc.name, res.StatusCode, body, tc.status, tc.code)
		}
	}
}

func TestSecurityHeadersOnEveryResponse(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))
	for _, path := range []string{"/healthz", "/no/such/page", "/v1/unknown"} {
		h := a.get(t, path).Header
		want := map[string]string{
			"Content-Security-Policy":    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'",
			"X-Frame-Options":            "DENY",
			"X-Content-Type-Options":     "nosniff",
			"Referrer-Policy":            "no-referrer",
			"Cache-Control":              "no-store",
			"Cross-Origin-Opener-Policy": "same-origin",
		}
		for k, v := range want {
			if got := h.Get(k); got != v {
				t.Errorf("%s %s = %q, want %q", path, k, got, v)
			}
		}
		if h.Get("X-Request-Id") == "" {
			t.Errorf("%s has no X-Request-Id", path)
		}
	}
}

func TestStaticAssetsAreFingerprintedAndCached(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))
	doc := readHTML(t, a.get(t, "/no/such/page"))
	href, _ := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(href, "/static/portico.") || !strings.HasSuffix(href, ".css") {
		t.Fatalf("stylesheet href = %q", href)
	}
	// Compressed once at startup: a client that accepts gzip gets those bytes, any other the
	// file itself; both whole, with their length.
	var bodies [2][]byte
	for i, accept := range []string{"gzip", "identity"} {
		res := a.get(t, href, "Accept-Encoding", accept)
		sent, _ := io.ReadAll(res.Body)
		wantEncoding := map[string]string{"gzip": "gzip"}[accept]
		if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			res.Header.Get("Content-Encoding") != wantEncoding || res.Header.Get("Vary") != "Accept-Encoding" ||
			res.Header.Get("Content-Type") != "text/css; charset=utf-8" || res.Header.Get("Content-Length") != strconv.Itoa(len(sent)) {
			t.Errorf("stylesheet, Accept-Encoding %s: %d, %v", accept, res.StatusCode, res.Header)
		}
		bodies[i] = sent
	}
	zr, err := gzip.NewReader(bytes.NewReader(bodies[0]))
	if err != nil {
		t.Fatal(err)
	}
	if css, _ := io.ReadAll(zr); !bytes.Equal(css, bodies[1]) || !bytes.Contains(css, []byte("body")) || len(bodies[0]) > len(css)/2 {
		t.Errorf("the gzipped stylesheet (%d bytes) does not decode to the plain one (%d bytes)", len(bodies[0]), len(bodies[1]))
	}
	// An icon too small to gain from gzip goes out as it is.
	icon, _ := doc.Find(`link[rel="icon"]`).Attr("href")
	if res := a.get(t, icon, "Accept-Encoding", "gzip"); res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" || res.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("favicon %s: %d, %v", icon, res.StatusCode, res.Header)
	}
	if res := a.get(t, "/static/portico.css"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unfingerprinted name: %d, want 404", res.StatusCode)
	}
}

// TestMetricsAreNotPublic: the public router has no /metrics; the registry it fills is
// served by MetricsHandler, which cmd puts on a listener of its own.
func TestMetricsAreNotPublic(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := newAppWith(t, testdb.SQLite(t), func(o *handlers.Options) { o.Metrics = reg })
	a.get(t, "/healthz")
	if res := a.get(t, "/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", res.StatusCode)
	}
	metrics := httptest.NewServer(handlers.MetricsHandler(reg))
	defer metrics.Close()
	res, err := http.Get(metrics.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if !strings.Contains(string(body), `portico_http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Errorf("metrics lack the /healthz request:\n%.2000s", body)
	}
}

func TestBrandStylesheet(t *testing.T) {
	a := newApp(t, testdb.SQLite(t))
	res := a.get(t, "/brand/ffff00.css")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/css; charset=utf-8" ||
		res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("brand stylesheet: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
	}
	// Yellow is too light for text on the page or under white text: buttons and links get
	// a darker shade of it, and the yellow itself marks the header.
	if want := "--brand:#ffff00;--accent:#"; !strings.Contains(string(body), want) || strings.Contains(string(body), "--ink:#ffff00}@media") {
		t.Errorf("brand stylesheet = %q", body)
	}
	for _, bad := range []string{"/brand/FFFF00.css", "/brand/fff.css", "/brand/ffff00.js", "/brand/..%2fportico.css"} {
		if res := a.get(t, bad); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, res.StatusCode)
		}
	}
}
