package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

var fixtureMerchants atomic.Int64

// portalFixture is a merchant with a customer and an app to visit.
type portalFixture struct {
	*app
	merchant *models.Merchant
	customer *models.Customer
}

func newPortalFixture(t testing.TB, db *models.DB, configure func(*handlers.Options)) *portalFixture {
	t.Helper()
	a := newAppWith(t, db, configure)
	ctx := context.Background()
	// Several fixtures may share one database: each merchant gets its own slug.
	m, err := a.store.CreateMerchant(ctx, "Acme Cloud", fmt.Sprintf("acme-%d", fixtureMerchants.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	email := "help@acme.example"
	if _, err := a.store.UpdateMerchantSettings(ctx, m.ID, models.SystemActor, models.MerchantSettings{SupportEmail: &email}); err != nil {
		t.Fatal(err)
	}
	name, ext := "Zoë Müller", "42"
	cus, err := a.store.CreateCustomer(ctx, m.ID, models.SystemActor, models.CustomerInput{Name: &name, ExternalID: &ext})
	if err != nil {
		t.Fatal(err)
	}
	return &portalFixture{app: a, merchant: m, customer: cus}
}

func TestOpeningALink(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPortalFixture(t, db, nil)
		for _, tc := range []struct {
			section string
			landing string
		}{
			{"", "/portal"},
			{"overview", "/portal"},
			{"invoices", "/portal/invoices"},
			{"payments", "/portal/payments"},
			{"subscriptions", "/portal/subscriptions"},
			{"entitlements", "/portal/entitlements"},
			{"profile", "/portal/profile"},
		} {
			linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{Section: tc.section})
			v := f.visitor()
			if got := v.open(t, linkURL); got != tc.landing {
				t.Errorf("section %q lands on %q, want %q", tc.section, got, tc.landing)
			}
		}

		linkURL, link := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
		v := f.visitor()
		v.open(t, linkURL)
		doc := v.page(t, "/portal", http.StatusOK)
		if got := doc.Find("main h1").Text(); !strings.Contains(got, "Zoë Müller") {
			t.Errorf("overview heading = %q", got)
		}
		// A link survives being opened (email scanners open links first): a second
		// browser gets its own session.
		other := f.visitor()
		other.open(t, linkURL)
		other.page(t, "/portal", http.StatusOK)
		v.page(t, "/portal", http.StatusOK)

		links, _, err := f.store.ListPortalLinks(context.Background(), models.MerchantScope(f.merchant.ID).Customer(f.customer.ID), models.Page{PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(links, func(l models.PortalLink) bool { return l.ID == link.ID })
		if got := links[max(i, 0)]; i < 0 || got.FirstUsedAt == nil || got.LastUsedAt == nil || got.LastUsedAt.Before(*got.FirstUsedAt) {
			t.Errorf("first/last used not recorded (link found: %t): %+v", i >= 0, got)
		}
		events, _, _ := f.store.ListAuditEvents(context.Background(), f.merchant.ID, models.AuditFilter{Action: "portal_link.opened"}, models.Page{PerPage: 100})
		if len(events) != 9 {
			t.Errorf("portal_link.opened events = %d, want 9", len(events))
		}
	})
}

func TestSessionCookie(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	for _, tc := range []struct {
		name     string
		frame    []string
		sameSite http.SameSite
	}{
		{"unframed link", nil, http.SameSiteLaxMode},
		{"framable link", []string{"https://shop.example"}, http.SameSiteNoneMode},
	} {
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{FrameAncestors: tc.frame})
		u := strings.TrimPrefix(linkURL, "http://portico.test")
		res := f.visitor().get(t, u)
		cookies := res.Cookies()
		if len(cookies) != 1 {
			t.Fatalf("%s: %d cookies", tc.name, len(cookies))
		}
		c := cookies[0]
		if c.Name != "portico_session" || !c.HttpOnly || !c.Secure || c.Path != "/" || c.Domain != "" || c.SameSite != tc.sameSite || c.Partitioned != (tc.frame != nil) {
			t.Errorf("%s: cookie = %+v", tc.name, c)
		}
		// The cookie outlives its session by a week, to say on a later visit what ended it.
		if c.MaxAge <= 0 || c.MaxAge > int((12*time.Hour+7*24*time.Hour)/time.Second) {
			t.Errorf("%s: Max-Age = %d, want within the 12 h absolute limit and a week", tc.name, c.MaxAge)
		}
		if strings.Contains(c.Value, "ps_") {
			t.Errorf("%s: the cookie shows the session ID in clear", tc.name)
		}
	}
}

func TestHostPrefixedCookieOnHTTPS(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), func(o *handlers.Options) {
		o.BaseURL, _ = url.Parse("https://portal.example")
	})
	link, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	res := f.visitor().get(t, strings.TrimPrefix(link, "http://portico.test"))
	if c := res.Cookies(); len(c) != 1 || c[0].Name != "__Host-portico_session" {
		t.Errorf("cookies = %v, want __Host-portico_session", c)
	}
	if got := res.Header.Get("Strict-Transport-Security"); got != "max-age=31536000; includeSubDomains" {
		t.Errorf("HSTS = %q", got)
	}
}

func TestUnusableLinks(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPortalFixture(t, db, nil)
		ctx := context.Background()
		revoked, link := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ReturnURL: "https://acme.example/account"})
		if _, err := f.store.RevokePortalLink(ctx, models.MerchantScope(f.merchant.ID), models.SystemActor, link.ID); err != nil {
			t.Fatal(err)
		}
		expiring, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ExpiresIn: time.Minute, ReturnURL: "https://acme.example/account"})

		for _, tc := range []struct {
			name     string
			path     string
			advance  time.Duration
			status   int
			notice   string
			merchant bool
		}{
			{"unknown token", "/p/" + strings.Repeat("A", 43), 0, http.StatusNotFound, "link_invalid", false},
			{"malformed token", "/p/not-a-token", 0, http.StatusNotFound, "link_invalid", false},
			{"revoked", strings.TrimPrefix(revoked, "http://portico.test"), 0, http.StatusGone, "link_revoked", true},
			{"expired", strings.TrimPrefix(expiring, "http://portico.test"), 2 * time.Minute, http.StatusGone, "link_expired", true},
		} {
			f.clock.advance(tc.advance)
			v := f.visitor()
			v.header.Set("Accept-Language", "de")
			res := v.get(t, tc.path)
			if res.StatusCode != tc.status || len(res.Cookies()) != 0 {
				t.Errorf("%s: %d with %d cookies, want %d and none", tc.name, res.StatusCode, len(res.Cookies()), tc.status)
				continue
			}
			doc := readHTML(t, res)
			if doc.Find(`[data-testid="`+tc.notice+`"]`).Length() != 1 {
				t.Errorf("%s: notice %s missing", tc.name, tc.notice)
			}
			if lang, _ := doc.Find("html").Attr("lang"); lang != "de" {
				t.Errorf("%s: page language %q, want de", tc.name, lang)
			}
			back := doc.Find(`main a[href="https://acme.example/account"]`)
			if tc.merchant && (back.Length() != 1 || !strings.Contains(back.Text(), "Acme Cloud") || !strings.Contains(doc.Text(), "help@acme.example")) {
				t.Errorf("%s: no way back to the merchant", tc.name)
			}
			if !tc.merchant && strings.Contains(doc.Text(), "Acme") {
				t.Errorf("%s: an unknown link shows a merchant", tc.name)
			}
		}
	})
}

func TestSessionEnds(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPortalFixture(t, db, nil)
		ctx := context.Background()
		signedIn := func(t *testing.T, in models.PortalLinkInput) (*visitor, *models.PortalLink) {
			t.Helper()
			linkURL, link := f.mint(t, f.merchant.ID, f.customer.ID, in)
			v := f.visitor()
			v.open(t, linkURL)
			v.page(t, "/portal", http.StatusOK)
			return v, link
		}
		// ended asserts the page a visit with an ended session gets: the notice for why, and
		// the merchant's name and way back when the session is known — never the customer.
		ended := func(t *testing.T, v *visitor, notice string) {
			t.Helper()
			doc := v.page(t, "/portal", http.StatusUnauthorized)
			if doc.Find(`[data-testid="`+notice+`"]`).Length() != 1 || strings.Contains(doc.Text(), "Zoë") {
				t.Errorf("not the %s page, or it shows the customer: %s", notice, text(doc.Find("main")))
			}
			if branded := strings.Contains(text(doc.Find("header")), "Acme Cloud"); branded != (notice != "session_ended") {
				t.Errorf("%s: the merchant's header shown: %t", notice, branded)
			}
		}

		t.Run("link revoked mid-session", func(t *testing.T) {
			v, link := signedIn(t, models.PortalLinkInput{})
			if _, err := f.store.RevokePortalLink(ctx, models.MerchantScope(f.merchant.ID), models.SystemActor, link.ID); err != nil {
				t.Fatal(err)
			}
			ended(t, v, "link_revoked")
		})
		t.Run("link expires", func(t *testing.T) {
			v, _ := signedIn(t, models.PortalLinkInput{ExpiresIn: 10 * time.Minute})
			f.clock.advance(11 * time.Minute)
			defer f.clock.advance(-11 * time.Minute)
			ended(t, v, "link_expired")
			ended(t, v, "link_expired") // a reload says the same: the cookie still names the session
		})
		t.Run("idle timeout refreshed by activity", func(t *testing.T) {
			v, _ := signedIn(t, models.PortalLinkInput{IdleTimeout: 5 * time.Minute})
			defer f.clock.advance(-8 * time.Minute)
			f.clock.advance(4 * time.Minute)
			v.page(t, "/portal", http.StatusOK) // activity restarts the idle clock
			f.clock.advance(4 * time.Minute)
			v.page(t, "/portal", http.StatusOK)
			f.clock.advance(6 * time.Minute)
			defer f.clock.advance(-6 * time.Minute)
			ended(t, v, "session_idle")
		})
		t.Run("default idle timeout is 30 minutes", func(t *testing.T) {
			v, _ := signedIn(t, models.PortalLinkInput{})
			f.clock.advance(31 * time.Minute)
			defer f.clock.advance(-31 * time.Minute)
			ended(t, v, "session_idle")
		})
		t.Run("absolute timeout of 12 hours", func(t *testing.T) {
			v, _ := signedIn(t, models.PortalLinkInput{ExpiresIn: 48 * time.Hour, IdleTimeout: 12 * time.Hour})
			defer f.clock.advance(-13 * time.Hour)
			for range 11 { // active all along
				f.clock.advance(time.Hour)
				v.page(t, "/portal", http.StatusOK)
			}
			f.clock.advance(2 * time.Hour)
			ended(t, v, "link_expired")
		})
		t.Run("no cookie", func(t *testing.T) { ended(t, f.visitor(), "session_ended") })
		t.Run("tampered cookie", func(t *testing.T) {
			v, _ := signedIn(t, models.PortalLinkInput{})
			c := v.cookies["portico_session"]
			raw := []byte(c.Value)
			raw[len(raw)/2] ^= 1
			c.Value = string(raw)
			ended(t, v, "session_ended")
		})
		t.Run("page views do not rewrite the cookie", func(t *testing.T) {
			v, _ := signedIn(t, models.PortalLinkInput{})
			f.clock.advance(2 * time.Minute)
			defer f.clock.advance(-2 * time.Minute)
			if res := v.get(t, "/portal"); res.StatusCode != http.StatusOK || len(res.Cookies()) != 0 {
				t.Errorf("page view: %d, Set-Cookie %v", res.StatusCode, res.Cookies())
			}
		})
		t.Run("opening a new link ends the browser's old session", func(t *testing.T) {
			v, _ := signedIn(t, models.PortalLinkInput{})
			stolen := *v.cookies["portico_session"]
			linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
			v.open(t, linkURL)
			if v.cookies["portico_session"].Value == stolen.Value {
				t.Fatal("the session cookie was not replaced")
			}
			old := f.visitor()
			old.cookies["portico_session"] = &stolen
			ended(t, old, "session_replaced")
		})
	})
}

// TestExpiredMidSessionPageIsBrandedInTheChosenLanguage: the link runs out while the
// customer, who switched the portal to German, is using it. The next page is the
// merchant's, in German, says the link expired, and offers the way back and whom to ask.
func TestExpiredMidSessionPageIsBrandedInTheChosenLanguage(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	accent := "#0b7a75"
	if _, err := f.store.UpdateMerchantSettings(context.Background(), f.merchant.ID, models.SystemActor, models.MerchantSettings{AccentColor: &accent}); err != nil {
		t.Fatal(err)
	}
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{
		Locale: "en", ExpiresIn: 10 * time.Minute, ReturnURL: "https://acme.example/account",
	})
	v := f.visitor()
	v.header.Set("Accept-Language", "fr")
	v.open(t, linkURL)
	v.page(t, "/portal/invoices?language=de", http.StatusOK)
	f.clock.advance(11 * time.Minute)
	defer f.clock.advance(-11 * time.Minute)

	doc := v.page(t, "/portal/invoices", http.StatusUnauthorized)
	if lang := doc.Find("html").AttrOr("lang", ""); lang != "de" {
		t.Errorf("lang = %q, want de: the language the customer chose", lang)
	}
	if got := text(doc.Find("main h1")); got != "Dieser Link ist abgelaufen" {
		t.Errorf("heading = %q", got)
	}
	main := text(doc.Find("main"))
	if !strings.Contains(main, "Acme Cloud") || !strings.Contains(main, "help@acme.example") ||
		doc.Find(`main a[href="https://acme.example/account"]`).Length() != 1 || doc.Find(`link[href="/brand/0b7a75.css"]`).Length() != 1 {
		t.Errorf("the page is not the merchant's: %q", main)
	}
	if text(doc.Find("header .brand")) != "Acme Cloud" || doc.Find("nav.sections, details.account").Length() != 0 {
		t.Error("the header does not name the merchant, or still offers the session's navigation")
	}
}

// TestSwitchingCustomersAsksFirst: a browser with a live session of one customer opens the
// link of another. The link does not silently swap whom the browser acts for — a cross-site
// GET can send any browser to any link — but asks; only a same-origin POST from that page,
// with the live session's token, switches.
func TestSwitchingCustomersAsksFirst(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newBilling(t, db, nil)
		v := f.signIn(t, "de")
		first := *v.cookies["portico_session"]
		yusuf := f.neighbour.invoice.CustomerID
		other, _ := f.mint(t, f.merchant.ID, yusuf, models.PortalLinkInput{})
		path := strings.TrimPrefix(other, "http://portico.test")

		// A cross-site navigation, as from another site's link or an email: the question.
		v.header.Set("Sec-Fetch-Site", "cross-site")
		v.header.Set("Sec-Fetch-Mode", "navigate")
		res := v.get(t, path)
		if res.StatusCode != http.StatusOK || len(res.Cookies()) != 0 {
			t.Fatalf("another customer's link: %d with cookies %v, want the question and no new cookie", res.StatusCode, res.Cookies())
		}
		doc := readHTML(t, res)
		if doc.Find(`[data-testid="switch_account"]`).Length() != 1 || !strings.Contains(text(doc.Find("main")), "Zoë Müller") {
			t.Fatalf("not the switch question: %s", text(doc.Find("main")))
		}
		if lang := doc.Find("html").AttrOr("lang", ""); lang != "de" {
			t.Errorf("the question is in %q, want the live session's German", lang)
		}
		v.header.Del("Sec-Fetch-Site")
		v.header.Del("Sec-Fetch-Mode")
		if got := text(v.page(t, "/portal", http.StatusOK).Find(`header [data-testid="customer"]`)); got != "Zoë Müller" {
			t.Fatalf("after the GET the browser acts for %q, want Zoë Müller still", got)
		}
		if events := f.countOpened(t, yusuf); events != 0 {
			t.Errorf("the GET opened %d sessions for the other customer", events)
		}

		// A cross-site POST, and a POST without the live session's token: refused.
		token := doc.Find(`form[method="post"] input[name="csrf_token"]`).AttrOr("value", "")
		v.header.Set("Sec-Fetch-Site", "cross-site")
		if res := v.post(t, path, url2form("csrf_token", token)); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site confirmation: %d, want 403", res.StatusCode)
		}
		v.header.Set("Sec-Fetch-Site", "same-origin")
		if res := v.post(t, path, url2form("csrf_token", "forged")); res.StatusCode != http.StatusForbidden {
			t.Errorf("confirmation without the token: %d, want 403", res.StatusCode)
		}
		if v.cookies["portico_session"].Value != first.Value {
			t.Fatal("a refused confirmation replaced the session")
		}

		// The page's own form: the other customer's session, and the first one ended.
		res = v.post(t, path, url2form("csrf_token", token))
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/portal" {
			t.Fatalf("confirmation: %d → %s", res.StatusCode, res.Header.Get("Location"))
		}
		if got := text(v.page(t, "/portal", http.StatusOK).Find(`header [data-testid="customer"]`)); got != "Y" {
			t.Errorf("after confirming the browser acts for %q, want Y", got)
		}
		old := f.visitor()
		old.cookies["portico_session"] = &first
		if doc := old.page(t, "/portal", http.StatusUnauthorized); doc.Find(`[data-testid="session_replaced"]`).Length() != 1 {
			t.Error("the first session did not end as replaced")
		}

		// The same customer's second link, or a browser whose session is over, is not asked.
		same, _ := f.mint(t, f.merchant.ID, yusuf, models.PortalLinkInput{})
		if got := v.open(t, same); got != "/portal" {
			t.Errorf("the same customer's link lands on %s", got)
		}
	})
}

// countOpened counts the sessions opened for a customer.
func (f *billing) countOpened(t *testing.T, customerID string) int {
	t.Helper()
	events, _, err := f.store.ListAuditEvents(context.Background(), f.merchant.ID, models.AuditFilter{Action: "portal_link.opened", CustomerID: customerID}, models.Page{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

func TestKeyRotation(t *testing.T) {
	db := testdb.SQLite(t)
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before := newPortalFixture(t, db, func(o *handlers.Options) { o.SessionKeys = [][]byte{oldKey} })
	linkURL, _ := before.mint(t, before.merchant.ID, before.customer.ID, models.PortalLinkInput{})
	v := before.visitor()
	v.open(t, linkURL)

	rotated := newAppWith(t, db, func(o *handlers.Options) { o.SessionKeys = [][]byte{newKey, oldKey} })
	v.app = rotated
	v.page(t, "/portal", http.StatusOK)

	retired := newAppWith(t, db, func(o *handlers.Options) { o.SessionKeys = [][]byte{newKey} })
	v.app = retired
	v.page(t, "/portal", http.StatusUnauthorized)
}

func TestSignOut(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPortalFixture(t, db, nil)
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ReturnURL: "https://acme.example/account"})
		v := f.visitor()
		v.open(t, linkURL)
		token := v.csrfToken(t)
		stolen := *v.cookies["portico_session"]

		res := v.post(t, "/portal/logout", url2form("csrf_token", token))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("sign out: %d", res.StatusCode)
		}
		doc := readHTML(t, res)
		if doc.Find(`[data-testid="signed_out"]`).Length() != 1 || doc.Find(`main a[href="https://acme.example/account"]`).Length() != 1 {
			t.Error("the signed-out page lacks its notice or the way back")
		}
		if doc.Find("nav.sections, details.account").Length() != 0 {
			t.Error("the signed-out page still offers the session's navigation")
		}
		// A reload or a later visit says the same, in the merchant's name: the cookie stays,
		// naming the ended session.
		again := v.page(t, "/portal", http.StatusUnauthorized)
		if again.Find(`[data-testid="signed_out"]`).Length() != 1 || !strings.Contains(text(again.Find("header")), "Acme Cloud") {
			t.Errorf("a visit after signing out: %s", text(again.Find("main")))
		}
		// A copy of the cookie stops working at once: the session row has ended.
		copyHolder := f.visitor()
		copyHolder.cookies["portico_session"] = &stolen
		copyHolder.page(t, "/portal", http.StatusUnauthorized)
	})
}

func url2form(kv ...string) url.Values {
	form := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return form
}

func TestCSRF(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	v := f.visitor()
	v.open(t, linkURL)
	token := v.csrfToken(t)

	for _, tc := range []struct {
		name   string
		form   url.Values
		header map[string]string
	}{
		{"no token", url.Values{}, nil},
		{"wrong token", url2form("csrf_token", strings.Repeat("x", 43)), nil},
		{"another session's token", url2form("csrf_token", otherSessionToken(t, f)), nil},
		{"right token, cross-site", url2form("csrf_token", token), map[string]string{"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}},
		{"right token, foreign Origin", url2form("csrf_token", token), map[string]string{"Origin": "https://evil.example"}},
	} {
		for k, val := range tc.header {
			v.header.Set(k, val)
		}
		res := v.post(t, "/portal/logout", tc.form)
		for k := range tc.header {
			v.header.Del(k)
		}
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, res.StatusCode)
		}
		if doc := readHTML(t, res); doc.Find("main h1").Length() != 1 {
			t.Errorf("%s: 403 without a page", tc.name)
		}
		// Nothing changed: the session still works.
		v.page(t, "/portal", http.StatusOK)
	}
	if res := v.post(t, "/portal/logout", url2form("csrf_token", token)); res.StatusCode != http.StatusOK {
		t.Errorf("with the right token: %d", res.StatusCode)
	}
}

func otherSessionToken(t *testing.T, f *portalFixture) string {
	t.Helper()
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	other := f.visitor()
	other.open(t, linkURL)
	return other.csrfToken(t)
}

func TestCrossSiteSubresourcesRefused(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	v := f.visitor()
	v.open(t, linkURL)
	for _, tc := range []struct {
		site, mode, dest string
		want             int
	}{
		{"cross-site", "no-cors", "image", http.StatusForbidden},
		{"cross-site", "cors", "empty", http.StatusForbidden},
		{"cross-site", "navigate", "embed", http.StatusForbidden},
		{"cross-site", "navigate", "document", http.StatusOK},
		{"cross-site", "navigate", "iframe", http.StatusOK},
		{"same-origin", "cors", "empty", http.StatusOK},
		{"none", "navigate", "document", http.StatusOK},
	} {
		v.header.Set("Sec-Fetch-Site", tc.site)
		v.header.Set("Sec-Fetch-Mode", tc.mode)
		v.header.Set("Sec-Fetch-Dest", tc.dest)
		if res := v.get(t, "/portal"); res.StatusCode != tc.want {
			t.Errorf("%s/%s/%s: %d, want %d", tc.site, tc.mode, tc.dest, res.StatusCode, tc.want)
		}
	}
}

func TestFramingHeaders(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	const base = "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors "
	for _, tc := range []struct {
		name  string
		frame []string
		csp   string
		xfo   string
	}{
		{"no allow-list", nil, base + "'none'", "DENY"},
		{"one entry", []string{"https://shop.example"}, base + "https://shop.example", ""},
		{"several entries", []string{"https://shop.example", "*.acme.example", "http://localhost:3000"}, base + "https://shop.example *.acme.example http://localhost:3000", ""},
	} {
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{FrameAncestors: tc.frame})
		v := f.visitor()
		entry := v.get(t, strings.TrimPrefix(linkURL, "http://portico.test"))
		page := v.get(t, "/portal")
		for what, res := range map[string]*http.Response{"entry": entry, "page": page} {
			h := res.Header
			if got := h.Get("Content-Security-Policy"); got != tc.csp {
				t.Errorf("%s %s: CSP = %q, want %q", tc.name, what, got, tc.csp)
			}
			if got := h.Get("X-Frame-Options"); got != tc.xfo {
				t.Errorf("%s %s: X-Frame-Options = %q, want %q", tc.name, what, got, tc.xfo)
			}
			if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" {
				t.Errorf("%s %s: headers = %v", tc.name, what, h)
			}
		}
	}
}

func TestLinkOpeningIsRateLimited(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), func(o *handlers.Options) { o.LinkRate = 3 })
	v := f.visitor()
	for i := range 3 {
		if res := v.get(t, "/p/"+strings.Repeat("A", 43)); res.StatusCode != http.StatusNotFound {
			t.Fatalf("attempt %d: %d", i+1, res.StatusCode)
		}
	}
	res := v.get(t, "/p/"+strings.Repeat("B", 43))
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("4th attempt: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
	if doc := readHTML(t, res); doc.Find("main h1").Length() != 1 {
		t.Error("429 without a page")
	}
	// X-Forwarded-For from a client that is not a trusted proxy changes nothing.
	v.header.Set("X-Forwarded-For", "203.0.113.9")
	if res := v.get(t, "/p/"+strings.Repeat("C", 43)); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("with a spoofed X-Forwarded-For: %d, want 429", res.StatusCode)
	}
}

func TestTokensNeverLogged(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{})
	token := linkURL[strings.LastIndex(linkURL, "/")+1:]
	v := f.visitor()
	v.open(t, linkURL)
	v.get(t, "/p/"+token+"x") // an invalid variant
	logs := f.logs.String()
	if strings.Contains(logs, token) {
		t.Fatalf("the token is in the logs:\n%s", logs)
	}
	if !strings.Contains(logs, "/p/[redacted]") {
		t.Errorf("no redacted entry path in the logs:\n%s", logs)
	}
	if c := v.cookies["portico_session"]; strings.Contains(logs, c.Value) {
		t.Error("the session cookie is in the logs")
	}
}

func TestLanguageIsRememberedForTheSession(t *testing.T) {
	f := newPortalFixture(t, testdb.SQLite(t), nil)
	linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{Locale: "fr"})
	v := f.visitor()
	v.header.Set("Accept-Language", "nl")
	v.open(t, linkURL)
	lang := func(path string) string {
		l, _ := v.page(t, path, http.StatusOK).Find("html").Attr("lang")
		return l
	}
	if got := lang("/portal"); got != "fr" {
		t.Errorf("link locale: %s, want fr", got)
	}
	if got := lang("/portal?language=de"); got != "de" {
		t.Errorf("?language=de: %s", got)
	}
	if got := lang("/portal"); got != "de" {
		t.Errorf("after switching: %s, want de remembered", got)
	}
	if got := lang("/portal?language=xx"); got != "de" {
		t.Errorf("unknown language: %s, want de kept", got)
	}
}
