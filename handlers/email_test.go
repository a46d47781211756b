package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/mail"
	"github.com/portico/portico/internal/mail/mailtest"
	"github.com/portico/portico/internal/outbox"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// mailFixture is the billing fixture with its mail going out: the outbox Runner works the
// mail queue into an SMTP server in the test, over STARTTLS. The customer's address is
// zoe@example.com.
type mailFixture struct {
	*billing
	smtp *mailtest.Server
	key  string // an API key of the merchant
}

const customerAddress = "zoe@example.com"

func newMailFixture(t *testing.T, db *models.DB, configure func(*handlers.Options), opts ...mailtest.Option) *mailFixture {
	t.Helper()
	f := &mailFixture{billing: newBilling(t, db, configure), smtp: mailtest.Start(t, opts...)}
	ctx := context.Background()
	if _, err := f.store.UpdateCustomer(ctx, f.merchant.ID, models.SystemActor, f.customer.ID, models.CustomerInput{Email: ptr(customerAddress)}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := f.store.CreateAPIKey(ctx, f.merchant.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	f.key = secret
	catalog, err := views.LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse("http://portico.test")
	mailer, err := mail.New(f.store, catalog, mail.Config{
		SMTPURL: f.smtp.URL(), RootCAs: f.smtp.RootCAs, From: "Portal <portal@portico.test>", BaseURL: base,
	}, slog.New(slog.NewTextHandler(f.logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		outbox.NewRunner(slog.New(slog.NewTextHandler(f.logs, nil)), mailer).Run(runCtx)
	}()
	t.Cleanup(func() { stop(); <-done })
	return f
}

// mailed waits for the n-th message and reads it.
func (f *mailFixture) mailed(t *testing.T, n int) mailtest.Parts {
	t.Helper()
	got := f.smtp.Wait(t, n)
	if !got[n-1].TLS {
		t.Error("the message did not come over STARTTLS")
	}
	return got[n-1].Read(t)
}

// quiet waits a moment and fails if more than n messages arrived.
func (f *mailFixture) quiet(t *testing.T, n int) {
	t.Helper()
	time.Sleep(700 * time.Millisecond) // the Runner looks for due mail every 250 ms
	if got := len(f.smtp.Messages()); got != n {
		t.Fatalf("%d messages arrived, want %d", got, n)
	}
}

// opens checks that a mailed link opens the portal at the section it names.
func (f *mailFixture) opens(t *testing.T, link, landing string) *visitor {
	t.Helper()
	v := f.visitor()
	if got := v.open(t, link); got != landing {
		t.Errorf("the mailed link lands on %s, want %s", got, landing)
	}
	return v
}

func (f *mailFixture) logsHideAddresses(t *testing.T, addresses ...string) {
	t.Helper()
	logs := f.logs.String()
	for _, a := range addresses {
		if strings.Contains(strings.ToLower(logs), strings.ToLower(a)) {
			t.Errorf("the log holds %s unmasked:\n%s", a, logs)
		}
	}
}

func TestSendLinkByEmailFromTheAPI(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newMailFixture(t, db, nil)
		api := f.api(f.key)
		path := "/v1/customers/external:42/portal"
		res := api.call(t, http.MethodPost, path, map[string]any{"send_email": true, "section": "invoices", "expires_in": 7200}).expect(t, http.StatusCreated)
		email, _ := res.json["email"].(map[string]any)
		if email["to"] != customerAddress || email["status"] != "queued" || email["id"] == "" {
			t.Fatalf("email = %v", email)
		}
		p := f.mailed(t, 1)
		if p.Subject != "Your Acme Cloud billing portal link" {
			t.Errorf("subject = %q", p.Subject)
		}
		for header, want := range map[string]string{
			"Message-Id": "<" + email["id"].(string) + "@portico.test>", "Auto-Submitted": "auto-generated",
			"Reply-To": "<help@acme.example>", "Content-Language": "en",
		} {
			if got := p.Header.Get(header); got != want {
				t.Errorf("%s = %q, want %q", header, got, want)
			}
		}
		if p.Header.Get("Date") == "" || !strings.Contains(p.Text, "valid for 2 hours") {
			t.Errorf("no Date, or the validity is not in words:\n%s", p.Text)
		}
		link := p.Link(t)
		if link != res.str("url") {
			t.Errorf("mailed %s, minted %s", link, res.str("url"))
		}
		f.opens(t, link, "/portal/invoices")

		// The merchant sees it sent (once the attempt is recorded), never the link.
		var list apiResponse
		var row map[string]any
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			list = api.call(t, http.MethodGet, "/v1/customers/external:42/emails", nil).expect(t, http.StatusOK)
			data, _ := list.json["data"].([]any)
			if len(data) != 1 {
				t.Fatalf("emails = %s", list.body)
			}
			if row = data[0].(map[string]any); row["status"] != "queued" || time.Now().After(deadline) {
				break
			}
		}
		if row["status"] != "sent" || row["attempts"] != float64(1) || row["kind"] != "portal_link" || row["sent_at"] == nil {
			t.Errorf("email row = %v", row)
		}
		token := link[strings.LastIndex(link, "/")+1:]
		if strings.Contains(string(list.body), token) {
			t.Error("the email list shows the link")
		}

		// To a contact's address; to anyone else, not at all.
		res = api.call(t, http.MethodPost, path, map[string]any{"send_email": true, "email_to": "ADA@example.com"}).expect(t, http.StatusCreated)
		if res.json["email"].(map[string]any)["to"] != "ada@example.com" {
			t.Errorf("to a contact: %s", res.body)
		}
		if p := f.smtp.Wait(t, 2)[1]; p.To[0] != "ada@example.com" {
			t.Errorf("envelope to %v", p.To)
		}
		res = api.call(t, http.MethodPost, path, map[string]any{"send_email": true, "email_to": "mallory@evil.example"}).expect(t, http.StatusUnprocessableEntity)
		if res.errorParam() != "email_to" {
			t.Errorf("a stranger's address: %s", res.body)
		}
		api.call(t, http.MethodPost, path, map[string]any{"email_to": "ada@example.com"}).expect(t, http.StatusUnprocessableEntity)
		noAddress := fixtureStep[*models.Customer](t)(f.store.CreateCustomer(context.Background(), f.merchant.ID, models.SystemActor, models.CustomerInput{Name: ptr("Mute")}))
		api.call(t, http.MethodPost, "/v1/customers/"+noAddress.ID+"/portal", map[string]any{"send_email": true}).expect(t, http.StatusUnprocessableEntity)
		f.quiet(t, 2)
		f.logsHideAddresses(t, customerAddress, "ada@example.com")
	})
}

func TestRevokingEveryLinkOfACustomer(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newMailFixture(t, db, nil)
		api := f.api(f.key)
		first := f.signIn(t, "")
		second := f.signIn(t, "")
		res := api.call(t, http.MethodDelete, "/v1/customers/external:42/portal_links", nil).expect(t, http.StatusOK)
		if res.json["revoked"] != float64(2) {
			t.Errorf("revoked = %v, want 2", res.json["revoked"])
		}
		for _, v := range []*visitor{first, second} {
			v.page(t, "/portal", http.StatusUnauthorized)
		}
		// invalidate_existing: the links before the new one stop, the new one works.
		old := f.signIn(t, "")
		res = api.call(t, http.MethodPost, "/v1/customers/external:42/portal", map[string]any{"invalidate_existing": true}).expect(t, http.StatusCreated)
		old.page(t, "/portal", http.StatusUnauthorized)
		f.opens(t, res.str("url"), "/portal")
	})
}

// renewForm is the "email me a new link" form of a page, if it has one.
func renewForm(doc *goquery.Document) (url.Values, bool) {
	form := doc.Find(`form[data-testid="renew"]`)
	if form.Length() == 0 {
		return nil, false
	}
	values := url.Values{}
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		values.Set(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	return values, form.AttrOr("action", "") == "/renew" && values.Get("ticket") != ""
}

func TestRenewAnExpiredLink(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newMailFixture(t, db, nil)
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{
			ExpiresIn: 2 * time.Hour, Section: "payments", Locale: "fr", FrameAncestors: []string{"https://shop.example"},
		})
		f.clock.advance(3 * time.Hour)
		v := f.visitor()
		res := v.get(t, mustPath(t, linkURL))
		if res.StatusCode != http.StatusGone {
			t.Fatalf("expired link: %d", res.StatusCode)
		}
		doc := readHTML(t, res)
		form, ok := renewForm(doc)
		if !ok {
			t.Fatal("the expired link's page offers no new link")
		}
		if lang, _ := doc.Find("html").Attr("lang"); lang != "fr" || !strings.Contains(doc.Text(), "Acme Cloud") {
			t.Errorf("the expired page is not branded in the link's language (lang %q)", lang)
		}

		// A POST from another site is refused, whatever it carries.
		v.header.Set("Sec-Fetch-Site", "cross-site")
		if res := v.post(t, "/renew", form); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site renewal: %d, want 403", res.StatusCode)
		}
		v.header.Set("Sec-Fetch-Site", "same-origin")
		res = v.post(t, "/renew", form)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("renew: %d", res.StatusCode)
		}
		if res.Header.Get("Content-Security-Policy") == "" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors https://shop.example") {
			t.Errorf("the answer inside the merchant's frame must stay framable: %q", res.Header.Get("Content-Security-Policy"))
		}
		if text := readHTML(t, res).Find(`[data-testid="mail-sent"]`).Text(); !strings.Contains(text, "z•••@e•••.com") || strings.Contains(text, customerAddress) {
			t.Errorf("the page should name the address masked: %q", text)
		}
		p := f.mailed(t, 1)
		if p.Subject != "Votre nouveau lien vers le portail de facturation Acme Cloud" || !strings.Contains(p.Text, "valable 2 heures") {
			t.Errorf("renewal mail: %q\n%s", p.Subject, p.Text)
		}
		f.opens(t, p.Link(t), "/portal/payments")

		// Per link: three renewals an hour, then the 429 page.
		for range models.RenewalsPerLink - 1 {
			v.post(t, "/renew", form)
		}
		res = v.post(t, "/renew", form)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
			readHTML(t, res).Find(`[data-testid="mail-limited"]`).Length() != 1 {
			t.Errorf("past the limit: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
		}
		f.smtp.Wait(t, models.RenewalsPerLink)
		f.quiet(t, models.RenewalsPerLink)

		// A forged or altered ticket is refused.
		form.Set("ticket", form.Get("ticket")+"x")
		if res := v.post(t, "/renew", form); res.StatusCode != http.StatusBadRequest {
			t.Errorf("altered ticket: %d, want 400", res.StatusCode)
		}
		f.logsHideAddresses(t, customerAddress)
	})
}

func TestRenewalIsOfferedOnlyWhenAllowed(t *testing.T) {
	f := newMailFixture(t, testdb.SQLite(t), nil)
	expiredPage := func(t *testing.T, linkURL string) *goquery.Document {
		t.Helper()
		return f.visitor().page(t, mustPath(t, linkURL), http.StatusGone)
	}
	t.Run("revoked: no button, and a ticket from before is refused", func(t *testing.T) {
		linkURL, link := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ExpiresIn: time.Hour})
		f.clock.advance(2 * time.Hour)
		form, _ := renewForm(expiredPage(t, linkURL))
		if _, err := f.store.RevokePortalLink(context.Background(), models.MerchantScope(f.merchant.ID), models.SystemActor, link.ID); err != nil {
			t.Fatal(err)
		}
		if _, offered := renewForm(expiredPage(t, linkURL)); offered {
			t.Error("a revoked link's page offers a new link")
		}
		res := f.visitor().post(t, "/renew", form)
		if res.StatusCode != http.StatusForbidden || readHTML(t, res).Find(`[data-testid="renewal_refused"]`).Length() != 1 {
			t.Errorf("renewing a revoked link: %d, want 403 with the refusal", res.StatusCode)
		}
	})
	t.Run("more than 30 days after expiry", func(t *testing.T) {
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ExpiresIn: time.Hour})
		f.clock.advance(time.Hour + models.RenewalWindow + time.Minute)
		if _, offered := renewForm(expiredPage(t, linkURL)); offered {
			t.Error("a link expired for over 30 days is offered a renewal")
		}
	})
	t.Run("the merchant's policy says no", func(t *testing.T) {
		f.setPolicy(t, models.MerchantSettings{RenewExpiredLinks: ptr(false)})
		defer f.setPolicy(t, models.MerchantSettings{RenewExpiredLinks: ptr(true)})
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ExpiresIn: time.Hour})
		f.clock.advance(2 * time.Hour)
		if _, offered := renewForm(expiredPage(t, linkURL)); offered {
			t.Error("renewal offered against the merchant's policy")
		}
	})
	t.Run("the session ended with its link: the page offers it", func(t *testing.T) {
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ExpiresIn: time.Hour, Section: "invoices"})
		v := f.visitor()
		v.open(t, linkURL)
		v.page(t, "/portal/invoices?language=nl", http.StatusOK)
		f.clock.advance(2 * time.Hour)
		doc := v.page(t, "/portal/invoices", http.StatusUnauthorized)
		form, offered := renewForm(doc)
		if !offered || form.Get("language") != "nl" {
			t.Fatalf("the session-ended page offers no new link in the customer's language (%v)", form)
		}
		before := len(f.smtp.Messages())
		if res := v.post(t, "/renew", form); res.StatusCode != http.StatusOK {
			t.Fatalf("renew from the session-ended page: %d", res.StatusCode)
		}
		p := f.mailed(t, before+1)
		f.opens(t, p.Link(t), "/portal/invoices")
	})
	t.Run("a session that sat idle while its link still works: not offered", func(t *testing.T) {
		linkURL, _ := f.mint(t, f.merchant.ID, f.customer.ID, models.PortalLinkInput{ExpiresIn: 24 * time.Hour})
		v := f.visitor()
		v.open(t, linkURL)
		f.clock.advance(time.Hour)
		if _, offered := renewForm(v.page(t, "/portal", http.StatusUnauthorized)); offered {
			t.Error("renewal offered for a link that still works")
		}
	})
}

func mustPath(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// signInAt posts the sign-in form from a client IP (the app trusts X-Forwarded-For from
// loopback in these tests) and returns the answer, its page's text, and how long it took.
func signInAt(t *testing.T, f *billing, ip, address string) (*http.Response, string, time.Duration) {
	t.Helper()
	v := f.visitor()
	v.header.Set("X-Forwarded-For", ip)
	start := time.Now()
	res := v.post(t, views.LoginURL(f.merchant.Slug), url.Values{"email": {address}})
	doc := readHTML(t, res) // the whole answer, as a client timing it would wait for
	return res, strings.Join(strings.Fields(doc.Find("main").Text()), " "), time.Since(start)
}

func trustLoopbackProxy(o *handlers.Options) {
	o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
}

func TestSignInByEmail(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newMailFixture(t, db, trustLoopbackProxy)
		login := views.LoginURL(f.merchant.Slug)
		if res := f.get(t, login); res.StatusCode != http.StatusNotFound {
			t.Errorf("sign-in page of a merchant that has not switched it on: %d, want 404", res.StatusCode)
		}
		f.setPolicy(t, models.MerchantSettings{EmailLogin: ptr(true)})
		doc := f.visitor().page(t, login, http.StatusOK)
		if doc.Find(`form input[name="email"][type="email"]`).Length() != 1 || !strings.Contains(doc.Find("h1").Text(), "Acme Cloud") {
			t.Fatalf("the sign-in page has no email field or no branding:\n%s", doc.Text())
		}

		unknown, unknownPage, _ := signInAt(t, f.billing, "198.51.100.1", "nobody@example.net")
		known, knownPage, _ := signInAt(t, f.billing, "198.51.100.2", "ZOE@Example.com")
		if unknown.StatusCode != http.StatusOK || known.StatusCode != unknown.StatusCode {
			t.Fatalf("statuses: unknown %d, known %d", unknown.StatusCode, known.StatusCode)
		}
		if strings.Replace(unknownPage, "n•••@e•••.net", "z•••@e•••.com", 1) != strings.Replace(knownPage, "Z•••@e•••.com", "z•••@e•••.com", 1) {
			t.Errorf("the pages differ beyond the masked address:\n%s\n%s", unknownPage, knownPage)
		}
		if !strings.Contains(knownPage, "If Z•••@e•••.com belongs to an account at Acme Cloud") {
			t.Errorf("page: %s", knownPage)
		}
		p := f.mailed(t, 1)
		f.quiet(t, 1)
		if p.Subject != "Sign in to your Acme Cloud billing portal" || !strings.Contains(p.Text, "valid for 1 hour.") {
			t.Errorf("sign-in mail: %q\n%s", p.Subject, p.Text)
		}
		v := f.opens(t, p.Link(t), "/portal")
		res := v.get(t, "/portal")
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("a sign-in session must not be framable: %q", csp)
		}
		f.clock.advance(models.SignInLinkLifetime + time.Minute)
		if res := v.get(t, "/portal"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("after an hour the sign-in link's session still works: %d", res.StatusCode)
		}

		// Per address, known or not: three at once, then the 429 page.
		for i := range 3 {
			if res, _, _ := signInAt(t, f.billing, "198.51.100.10", "stranger@example.org"); res.StatusCode != http.StatusOK && i < 2 {
				t.Fatalf("request %d: %d", i, res.StatusCode)
			}
		}
		res, page, _ := signInAt(t, f.billing, "198.51.100.11", "Stranger@example.org")
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || !strings.Contains(page, "Too many sign-in requests") {
			t.Errorf("past the limit per address: %d %q", res.StatusCode, page)
		}
		// Per IP, whatever the address.
		for i := range 10 {
			signInAt(t, f.billing, "198.51.100.20", "a"+strconv.Itoa(i)+"@example.org")
		}
		if res, _, _ := signInAt(t, f.billing, "198.51.100.20", "fresh@example.org"); res.StatusCode != http.StatusTooManyRequests {
			t.Errorf("past the limit per IP: %d", res.StatusCode)
		}
		// Not a valid address: the field says so, with 422.
		if res, page, _ := signInAt(t, f.billing, "198.51.100.30", "zoe@"); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "Enter an email address") {
			t.Errorf("invalid address: %d %q", res.StatusCode, page)
		}
		// A cross-site POST is refused.
		v = f.visitor()
		v.header.Set("Sec-Fetch-Site", "cross-site")
		if res := v.post(t, login, url.Values{"email": {customerAddress}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site sign-in: %d, want 403", res.StatusCode)
		}
		f.quiet(t, 1)
		f.logsHideAddresses(t, customerAddress, "nobody@example.net", "stranger@example.org")
	})
}

// TestSignInTakesTheSameTimeEitherWay measures the answer to known and unknown addresses:
// the look-up and the mail happen after the answer, so a known address must not answer
// measurably later. The rounds alternate which goes first, and each request is measured
// after the background work of the one before has had time to finish, so neither kind pays
// for the other's.
func TestSignInTakesTheSameTimeEitherWay(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), trustLoopbackProxy)
	f.setPolicy(t, models.MerchantSettings{EmailLogin: ptr(true)})
	const rounds = 40
	ctx := context.Background()
	for i := range rounds {
		email := "known" + strconv.Itoa(i) + "@example.com"
		fixtureStep[*models.Customer](t)(f.store.CreateCustomer(ctx, f.merchant.ID, models.SystemActor, models.CustomerInput{Name: ptr("K"), Email: &email}))
	}
	var known, unknown []time.Duration
	measure := func(into *[]time.Duration, ip, address string) {
		_, _, took := signInAt(t, f, ip, address)
		*into = append(*into, took)
		time.Sleep(50 * time.Millisecond) // the sign-in's background work is done by then
	}
	for i := range rounds {
		n := strconv.Itoa(i)
		if i%2 == 0 {
			measure(&known, "198.51.100."+n, "known"+n+"@example.com")
			measure(&unknown, "203.0.113."+n, "unknown"+n+"@example.com")
		} else {
			measure(&unknown, "203.0.113."+n, "unknown"+n+"@example.com")
			measure(&known, "198.51.100."+n, "known"+n+"@example.com")
		}
	}
	// The 10th percentile: what a request costs when nothing else gets in its way. Noise
	// (other tests, the race detector, a GC) only ever adds time, so a low percentile
	// shows the work a request itself does, and that is what must not differ.
	fast := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/10] }
	mk, mu := fast(known), fast(unknown)
	t.Logf("10th percentile of the answer: known %v, unknown %v", mk, mu)
	// A look-up and a write in the request (the mistake this guards against) costs a
	// known address two to five times the time of an unknown one here.
	if diff := (mk - mu).Abs(); diff > 250*time.Microsecond && diff > mu/3 {
		t.Errorf("known addresses answer in %v, unknown in %v: the difference tells which exist", mk, mu)
	}
	// And the known ones did get their links, in the background.
	var queued int64
	for deadline := time.Now().Add(10 * time.Second); queued < rounds && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err := f.db.Writer().Model(&models.Email{}).Where("merchant_id = ? AND kind = ?", f.merchant.ID, models.EmailSignIn).Count(&queued).Error; err != nil {
			t.Fatal(err)
		}
	}
	if queued != rounds {
		t.Errorf("%d sign-in messages queued, want %d", queued, rounds)
	}
}

func TestNoticesByEmail(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newMailFixture(t, db, nil)
		v := f.signIn(t, "en")
		sent := 0
		expect := func(t *testing.T, to, subject, body string) mailtest.Parts {
			t.Helper()
			sent++
			p := f.mailed(t, sent)
			if got := f.smtp.Messages()[sent-1].To; len(got) != 1 || got[0] != to {
				t.Errorf("notice to %v, want %s", got, to)
			}
			if p.Subject != subject || !strings.Contains(p.Text, body) || !strings.Contains(p.HTML, body) {
				t.Errorf("notice %q, want %q with %q:\n%s", p.Subject, subject, body, p.Text)
			}
			if strings.Contains(p.Text, "/p/") {
				t.Error("a notice carries a portal link")
			}
			return p
		}

		form := url.Values{"csrf_token": {v.csrfToken(t)}, "name": {"Zoë Müller"}, "email": {"zoe@example.org"}}
		if res := v.post(t, "/portal/profile", form); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("profile: %d", res.StatusCode)
		}
		expect(t, customerAddress, "The email address of your Acme Cloud account was changed", "changed to z•••@e•••.org")

		res := v.post(t, "/portal/payment-details", url.Values{"csrf_token": {v.csrfToken(t)}, "account_holder": {"Zoë"}, "iban": {"NL91 ABNA 0417 1643 00"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("payment details: %d", res.StatusCode)
		}
		expect(t, "zoe@example.org", "Your payment details at Acme Cloud were changed", "From now on, NL91 •••• •••• •••• 00 is used.")

		sub := views.SubscriptionURL(f.monthly.ID)
		v.post(t, sub+"/cancel", url.Values{"csrf_token": {v.csrfToken(t)}, "reason": {"unused"}})
		catalog, _ := views.LoadCatalog()
		end := catalog.Translator("en").Date(f.monthly.CurrentPeriodEnd)
		expect(t, "zoe@example.org", "Your Pro plan subscription will end on "+end, "It stays active until "+end)
		v.post(t, sub+"/resume", url.Values{"csrf_token": {v.csrfToken(t)}})
		expect(t, "zoe@example.org", "Your Pro plan subscription continues", "It continues as before.")

		// Each notice can be switched off; and what the merchant changes over the API is
		// the merchant's to tell.
		f.setPolicy(t, models.MerchantSettings{NotifyCancellation: ptr(false)})
		v.post(t, sub+"/cancel", url.Values{"csrf_token": {v.csrfToken(t)}, "reason": {"unused"}})
		f.api(f.key).call(t, http.MethodPatch, "/v1/customers/external:42", map[string]any{"email": "zoe@example.net"}).expect(t, http.StatusOK)
		f.quiet(t, sent)
	})
}
