package portal

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// cookieRequest is a request carrying the cookie sc writes for sessionID.
func cookieRequest(t *testing.T, sc *sessionCookies, sessionID string) *http.Request {
	t.Helper()
	w := httptest.NewRecorder()
	if err := sc.write(w, httptest.NewRequest(http.MethodGet, "/", nil), sessionID, false, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/portal", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(c)
	}
	return r
}

// testCookies are session cookies whose memo tells time by the returned clock.
func testCookies(t *testing.T, secret string) (*sessionCookies, *time.Time) {
	t.Helper()
	sc, err := newSessionCookies([][]byte{[]byte(secret)}, false)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	sc.memo.now = func() time.Time { return now }
	return sc, &now
}

// A cookie is decoded once a minute: within the minute the memo answers (even with the
// keys gone), after it the cookie is decoded again.
func TestCookieDecodeIsRememberedForAMinute(t *testing.T) {
	sc, now := testCookies(t, "first secret")
	r := cookieRequest(t, sc, "ps_one")
	if id, ok := sc.read(r); !ok || id != "ps_one" {
		t.Fatalf("read %q, %v; want ps_one", id, ok)
	}
	other, _ := testCookies(t, "another secret")
	sc.store = other.store // a decode from now on refuses the cookie
	*now = now.Add(decodedCookieTTL - time.Second)
	if id, ok := sc.read(r); !ok || id != "ps_one" {
		t.Errorf("within the minute: read %q, %v; want ps_one from the memo", id, ok)
	}
	*now = now.Add(time.Second)
	if id, ok := sc.read(r); ok {
		t.Errorf("after the minute: read %q; want the cookie decoded again, and refused", id)
	}
}

// A cookie that fails to decode is never remembered, however often it comes.
func TestTamperedCookieIsNeverRemembered(t *testing.T) {
	sc, _ := testCookies(t, "secret")
	good := cookieRequest(t, sc, "ps_one")
	c, _ := good.Cookie(sc.name)
	value := []byte(c.Value)
	value[len(value)/2] ^= 1
	for range 3 {
		r := httptest.NewRequest(http.MethodGet, "/portal", nil)
		r.AddCookie(&http.Cookie{Name: sc.name, Value: string(value)})
		if id, ok := sc.read(r); ok {
			t.Fatalf("tampered cookie read as %q", id)
		}
	}
	if n := len(sc.memo.entries); n != 0 {
		t.Errorf("%d cookies remembered, want none", n)
	}
}

// The memo holds at most maxDecodedCookies, forgetting outdated entries first.
func TestCookieMemoIsBounded(t *testing.T) {
	sc, now := testCookies(t, "secret")
	sc.memo.put("old", "ps_old")
	*now = now.Add(decodedCookieTTL)
	for i := range maxDecodedCookies + 10 {
		sc.memo.put(fmt.Sprint("cookie ", i), fmt.Sprint("ps_", i))
	}
	if n := len(sc.memo.entries); n != maxDecodedCookies {
		t.Errorf("%d cookies remembered, want %d", n, maxDecodedCookies)
	}
	if _, ok := sc.memo.entries["old"]; ok {
		t.Error("an outdated cookie outlived fresh ones")
	}
	if id, ok := sc.memo.get(fmt.Sprint("cookie ", maxDecodedCookies+9)); !ok || id != fmt.Sprint("ps_", maxDecodedCookies+9) {
		t.Errorf("the newest cookie: %q, %v", id, ok)
	}
}
