package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/models"
)

// visitor is one browser: it keeps its cookies (including Secure ones, which Go's cookie
// jar would not send over the test server's plain http) and sends browser-like headers.
type visitor struct {
	app     *app
	cookies map[string]*http.Cookie
	header  http.Header
}

func (a *app) visitor() *visitor {
	return &visitor{app: a, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

func (v *visitor) do(t testing.TB, method, path string, form url.Values) *http.Response {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, v.app.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range v.header {
		req.Header[k] = vs
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range v.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(v.cookies, c.Name)
		} else {
			v.cookies[c.Name] = c
		}
	}
	return res
}

func (v *visitor) get(t testing.TB, path string) *http.Response {
	t.Helper()
	return v.do(t, http.MethodGet, path, nil)
}

// post submits a form the way the page's own form would: same-origin, with fields.
func (v *visitor) post(t testing.TB, path string, form url.Values) *http.Response {
	t.Helper()
	return v.do(t, http.MethodPost, path, form)
}

// page fetches a page and parses it, failing unless the status is want.
func (v *visitor) page(t testing.TB, path string, want int) *goquery.Document {
	t.Helper()
	res := v.get(t, path)
	if res.StatusCode != want {
		t.Fatalf("GET %s: %d, want %d", path, res.StatusCode, want)
	}
	return readHTML(t, res)
}

// open opens a portal link and follows its redirect, returning the landing page's path.
func (v *visitor) open(t testing.TB, linkURL string) string {
	t.Helper()
	u, err := url.Parse(linkURL)
	if err != nil {
		t.Fatal(err)
	}
	res := v.get(t, u.Path)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("open link: %d, want 303", res.StatusCode)
	}
	return res.Header.Get("Location")
}

// csrfToken reads the CSRF token from a page the visitor is signed in to.
func (v *visitor) csrfToken(t testing.TB) string {
	t.Helper()
	token, ok := v.page(t, "/portal", http.StatusOK).Find(`input[name="csrf_token"]`).First().Attr("value")
	if !ok || token == "" {
		t.Fatal("no CSRF token on the page")
	}
	return token
}

// mint mints a portal link through the store, as the API does, and returns its URL.
func (a *app) mint(t testing.TB, merchantID, customerRef string, in models.PortalLinkInput) (string, *models.PortalLink) {
	t.Helper()
	link, token, err := a.store.MintPortalLink(context.Background(), models.MerchantScope(merchantID).Customer(customerRef), models.SystemActor, in)
	if err != nil {
		t.Fatalf("mint link: %v", err)
	}
	return "http://portico.test/p/" + token, link
}

// clock is a test clock the app reads through Options.Now, from the server's goroutines.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }
