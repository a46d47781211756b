package handlers_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/portico/portico/models"
	"github.com/portico/portico/static"
)

// What axe-core cannot see, tried in the system's Chromium: a visible focus indicator on
// every stop of every page, nothing cut off at 320 px in German with long content, the
// merchant's links leaving a frame, and the pages of the portal's door as customers meet
// them. Screenshots of each page at 360 and 1280 px go to test-output/.

// pages are the portal's pages for the live portal's customer, by name.
func (p *livePortal) pages() map[string]string {
	return map[string]string{
		"overview":        "/portal",
		"invoices":        "/portal/invoices",
		"invoices-empty":  "/portal/invoices?status=void",
		"invoice":         "/portal/invoices/" + p.invoices[24].ID,
		"invoice-open":    "/portal/invoices/" + p.invoices[26].ID,
		"credit-note":     "/portal/invoices/" + p.creditNote.ID,
		"payments":        "/portal/payments",
		"entitlements":    "/portal/entitlements",
		"subscriptions":   "/portal/subscriptions",
		"subscription":    "/portal/subscriptions/" + p.monthly.ID,
		"cancel":          "/portal/subscriptions/" + p.monthly.ID + "/cancel",
		"profile":         "/portal/profile",
		"contacts":        "/portal/contacts",
		"contact":         "/portal/contacts/" + p.contact.ID,
		"contact-delete":  "/portal/contacts/" + p.contact.ID + "/delete",
		"payment-details": "/portal/payment-details",
		"not-found":       "/portal/invoices/inv_00000000000000000000000000",
	}
}

// sorted are a map's keys in order, so a test walks pages the same way every run.
func sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// signIn opens a fresh link of the live portal's customer in the browser.
func (p *livePortal) signIn(t *testing.T, ctx context.Context, in models.PortalLinkInput) {
	t.Helper()
	if err := do(ctx, chromedp.Navigate(p.link(t, in)), chromedp.WaitVisible(chromedp.CSS("nav.sections"))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

// notices brings the browser, one after the other, to each page of the portal's door and
// calls visit on it: asked before switching customers, an unknown link, an expired one,
// the link expiring mid-session after the customer chose German, a session timed out, and
// signed out. It leaves the browser signed in again.
func (p *livePortal) notices(t *testing.T, ctx context.Context, visit func(name string)) {
	t.Helper()
	step := func(name, ready string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := do(ctx, append(actions, chromedp.WaitVisible(chromedp.CSS(ready)))...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		visit(name)
	}
	back := models.PortalLinkInput{ReturnURL: "https://acme.example/account"}

	p.signIn(t, ctx, back)
	neighbour, _ := p.mint(t, p.merchant.ID, p.neighbour.invoice.CustomerID, models.PortalLinkInput{})
	step("switch-account", `[data-testid="switch_account"]`, chromedp.Navigate(p.base+strings.TrimPrefix(neighbour, "http://portico.test")))
	step("link-invalid", `[data-testid="link_invalid"]`, chromedp.Navigate(p.base+"/p/not-a-real-token"))

	expiring := back
	expiring.ExpiresIn = time.Minute
	expired := p.link(t, expiring)
	p.clock.advance(2 * time.Minute)
	step("link-expired", `[data-testid="link_expired"]`, chromedp.Navigate(expired))
	p.clock.advance(-2 * time.Minute)

	p.signIn(t, ctx, expiring)
	step("german", `html[lang="de"]`, chromedp.Navigate(p.base+"/portal/invoices?language=de"))
	p.clock.advance(2 * time.Minute)
	step("session-expired", `[data-testid="link_expired"]`, chromedp.Navigate(p.base+"/portal/invoices"))
	p.clock.advance(-2 * time.Minute)

	idle := back
	idle.IdleTimeout = time.Minute
	p.signIn(t, ctx, idle)
	p.clock.advance(2 * time.Minute)
	step("session-idle", `[data-testid="session_idle"]`, chromedp.Navigate(p.base+"/portal"))
	p.clock.advance(-2 * time.Minute)

	p.signIn(t, ctx, back)
	step("signed-out", `[data-testid="signed_out"]`,
		chromedp.Click(chromedp.CSS("details.account summary")),
		chromedp.Click(chromedp.CSS(`details.account button[type="submit"]`)))
	p.signIn(t, ctx, back)
}

// colourScheme makes the browser prefer a light or a dark colour scheme.
func colourScheme(t *testing.T, ctx context.Context, scheme string) {
	t.Helper()
	media(t, ctx, emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
}

// focusStop is the element keyboard focus is on, and how its focus indicator shows.
type focusStop struct {
	HTML   string  `json:"html"`
	Style  string  `json:"style"`  // outline-style
	Width  float64 `json:"width"`  // outline-width in px
	Ratio  float64 `json:"ratio"`  // contrast of the outline against what it is drawn on
	Inside bool    `json:"inside"` // the outline is drawn inside the element (negative offset)
}

// focusIndicator describes document.activeElement's outline and the contrast of its colour
// against the background it is drawn on: the element's own (an outline inside it) or the
// nearest opaque one behind it (an outline outside it), in WCAG's formula.
const focusIndicator = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const rgb = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const v = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number); return {r: v[0], g: v[1], b: v[2], a: v.length > 3 ? v[3] : 1}; };
  const background = n => { for (; n; n = n.parentElement) { const c = rgb(getComputedStyle(n).backgroundColor); if (c && c.a > 0) return c; } return {r: 255, g: 255, b: 255}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const s = getComputedStyle(el), inside = parseFloat(s.outlineOffset) < 0;
  const colour = rgb(s.outlineColor), behind = background(inside ? el : el.parentElement);
  const [hi, lo] = [lum(colour), lum(behind)].sort((a, b) => b - a);
  return {html: el.outerHTML.slice(0, 160), style: s.outlineStyle, width: parseFloat(s.outlineWidth), ratio: (hi + 0.05) / (lo + 0.05), inside};
})()`

// tabThrough presses Tab from the top of the page until focus leaves it, and checks every
// stop: an outline at least 2 px wide whose colour has at least 3:1 against its background
// (WCAG 2.4.7 and 1.4.11). It returns how many stops there were.
func tabThrough(t *testing.T, ctx context.Context) int {
	t.Helper()
	var seen []string
	for range 120 {
		if err := do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
			t.Fatal(err)
		}
		stop, err := run(ctx, chromedp.Evaluate[*focusStop](focusIndicator))
		if err != nil {
			t.Fatal(err)
		}
		if stop == nil || slices.Contains(seen, stop.HTML) {
			return len(seen)
		}
		seen = append(seen, stop.HTML)
		if stop.Style == "none" || stop.Width < 2 || stop.Ratio < 3 {
			t.Errorf("focus on %s: outline %s %.0fpx with contrast %.2f:1 (inside: %t), want a visible outline of 3:1",
				stop.HTML, stop.Style, stop.Width, stop.Ratio, stop.Inside)
		}
	}
	return len(seen)
}

// TestBrowserFocusIsVisibleEverywhere tabs through every page of the portal and its door,
// in Portico's colours and in a merchant's light yellow, in the light and the dark colour
// scheme, at phone and desktop width.
func TestBrowserFocusIsVisibleEverywhere(t *testing.T) {
	ctx := newBrowser(t)
	portal := startLivePortal(t)
	for _, theme := range []struct {
		name, accent, scheme string
		width                int64
	}{
		{"portico-light", "", "light", 1280},
		{"yellow-light", "#ffd400", "light", 360},
		{"yellow-dark", "#ffd400", "dark", 1280},
	} {
		t.Run(theme.name, func(t *testing.T) {
			portal.setAccent(t, theme.accent)
			colourScheme(t, ctx, theme.scheme)
			if err := do(ctx, chromedp.EmulateViewport(theme.width, 800)); err != nil {
				t.Fatal(err)
			}
			portal.signIn(t, ctx, models.PortalLinkInput{ReturnURL: "https://acme.example/account"})
			for _, name := range sorted(portal.pages()) {
				if err := do(ctx, chromedp.Navigate(portal.base+portal.pages()[name])); err != nil {
					t.Fatal(err)
				}
				if n := tabThrough(t, ctx); n < 3 {
					t.Errorf("%s: only %d focus stops", name, n)
				}
			}
			portal.notices(t, ctx, func(name string) {
				if n := tabThrough(t, ctx); n < 1 && name != "link-invalid" {
					t.Errorf("%s: no focus stop", name)
				}
			})
		})
	}
	colourScheme(t, ctx, "light")
}

// setAccent gives the live portal's merchant an accent colour ("" for Portico's).
func (p *livePortal) setAccent(t *testing.T, accent string) {
	t.Helper()
	if _, err := p.store.UpdateMerchantSettings(context.Background(), p.merchant.ID, models.SystemActor, models.MerchantSettings{AccentColor: &accent}); err != nil {
		t.Fatal(err)
	}
}

// overflowing lists the elements that reach past the viewport's right edge, or past the
// box of a table that would have to scroll, with where they reach. Exempt are the rows of
// links that scroll sideways on purpose (the sections, a list's tabs: lists) and what is
// hidden for screen readers only.
const overflowing = `(() => {
  const width = document.documentElement.clientWidth, out = [];
  const scrolls = s => s.overflowX === 'auto' || s.overflowX === 'scroll';
  const exempt = el => { for (let p = el; p; p = p.parentElement) { const s = getComputedStyle(p); if (p !== el && p.tagName === 'UL' && scrolls(s) || s.clipPath !== 'none') return true; } return false; };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if ((r.width || r.height) && r.right > width + 0.5 && !exempt(el)) out.push(el.outerHTML.slice(0, 120) + ' reaches ' + Math.round(r.right) + 'px');
    if (scrolls(getComputedStyle(el)) && el.tagName !== 'UL' && el.scrollWidth > el.clientWidth) out.push(el.outerHTML.slice(0, 80) + ' scrolls sideways to ' + el.scrollWidth + 'px');
  }
  if (document.documentElement.scrollWidth > width) out.push('the page scrolls sideways to ' + document.documentElement.scrollWidth + 'px');
  return out;
})()`

// TestBrowserNothingIsCutOffAt320 reflows every page at 320 px (WCAG 1.4.10) in German,
// whose words are long, for a customer whose name, contacts, plans and invoice lines are
// long too: no element may reach past the viewport.
func TestBrowserNothingIsCutOffAt320(t *testing.T) {
	ctx := newBrowser(t)
	portal := startLivePortal(t)
	portal.makeEverythingLong(t)
	if err := do(ctx, chromedp.EmulateViewport(320, 640)); err != nil {
		t.Fatal(err)
	}
	shots := screenshotDir(t, "320")
	portal.signIn(t, ctx, models.PortalLinkInput{Locale: "de", ReturnURL: "https://acme.example/account"})
	check := func(name string) {
		t.Helper()
		out, err := run(ctx, chromedp.Evaluate[[]string](overflowing))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out {
			t.Errorf("%s: %s", name, o)
		}
		screenshot(t, ctx, filepath.Join(shots, name+".png"))
	}
	for _, name := range sorted(portal.pages()) {
		if err := do(ctx, chromedp.Navigate(portal.base+portal.pages()[name])); err != nil {
			t.Fatal(err)
		}
		check(name)
	}
	// The menus open over the page, not past its edge.
	for _, menu := range []string{"details.lang", "details.account"} {
		if err := do(ctx, chromedp.Navigate(portal.base+"/portal"), chromedp.Click(chromedp.CSS(menu+" summary"))); err != nil {
			t.Fatal(err)
		}
		check(strings.TrimPrefix(menu, "details.") + "-menu")
	}
	portal.notices(t, ctx, check)
}

// makeEverythingLong gives the live portal's customer the longest names this portal will
// meet: a company name, an address, contacts, a plan, an invoice line and an entitlement.
func (p *livePortal) makeEverythingLong(t *testing.T) {
	t.Helper()
	ctx, m, sys := context.Background(), p.merchant.ID, models.SystemActor
	fixtureStep[*models.Customer](t)(p.store.UpdateCustomer(ctx, m, sys, p.customer.ID, models.CustomerInput{
		Name:  ptr("Maximiliane Müller-Lüdenscheidt Datenverarbeitungsgesellschaft mbH & Co. KG"),
		Email: ptr("rechnungseingang.buchhaltung@datenverarbeitungsgesellschaft-luedenscheidt.example"),
		TaxID: ptr("DE999999999-Steuernummer-2026"),
		Address: &models.AddressInput{
			Line1: ptr("Donaudampfschifffahrtsgesellschaftsstraße 1234a"), PostalCode: ptr("58507"),
			City: ptr("Lüdenscheid-Oberrahmede"), Country: ptr("DE"),
		},
	}))
	fixtureStep[*models.Contact](t)(p.store.CreateContact(ctx, models.MerchantScope(m).Customer(p.customer.ID), sys, models.ContactInput{
		Name: ptr("Bartholomäus Schwarzenberger-Hohenlohe"), Role: ptr("Leiter Finanzbuchhaltung und Controlling"),
		Email: ptr("bartholomaeus.schwarzenberger-hohenlohe@datenverarbeitungsgesellschaft-luedenscheidt.example"),
		Phone: ptr("+49 2351 123456789"),
	}))
	fixtureStep[*models.Subscription](t)(p.store.CreateSubscription(ctx, m, sys, models.SubscriptionInput{
		CustomerRef: p.customer.ID, PlanName: ptr("Unternehmenslizenz Rechenzentrumsbetreuung Premium (Jahresvertrag)"),
		Currency: ptr("EUR"), UnitAmount: ptr(int64(123456789)), Interval: ptr("year"),
		CurrentPeriodStart: ptr(time.Now().AddDate(0, -1, 0)), CurrentPeriodEnd: ptr(time.Now().AddDate(0, 11, 0)),
	}))
	fixtureStep[*models.Invoice](t)(p.store.CreateInvoice(ctx, m, sys, models.InvoiceInput{
		CustomerRef: p.customer.ID, Number: "RE-2026-000001234567", Currency: "EUR", DueAt: ptr(time.Now().AddDate(0, 0, 14)),
		Memo: "Zahlbar innerhalb von vierzehn Tagen ohne Abzug auf das Geschäftskonto der Datenverarbeitungsgesellschaft.",
		Lines: []models.InvoiceLineInput{{
			Description: "Bereitstellung der Datenverarbeitungsinfrastrukturdienstleistungen gemäß Rahmenvertrag",
			Quantity:    1234, UnitAmount: 98765, TaxRate: 1900,
		}},
	}))
	fixtureStep[*models.Entitlement](t)(p.store.CreateEntitlement(ctx, models.MerchantScope(m).Customer(p.customer.ID), sys, models.EntitlementInput{
		FeatureKey: ptr("archive"), Name: ptr("Revisionssichere Langzeitarchivierung der Geschäftskorrespondenz"),
		Limit: ptr(int64(1000000)), Usage: ptr(int64(987654)),
	}))
}

// TestBrowserMerchantLinksLeaveTheFrame: in a session framed on the merchant's site, every
// link to that site opens in the whole window; clicking "Back to …" in the frame replaces
// the merchant's page, not the frame's content.
func TestBrowserMerchantLinksLeaveTheFrame(t *testing.T) {
	ctx := newBrowser(t)
	portal := startLivePortal(t)
	shop, setFrame := merchantSite(t)
	back := shop + "/account"
	setFrame(portal.link(t, models.PortalLinkInput{FrameAncestors: []string{shop}, ReturnURL: back}))
	if err := do(ctx, chromedp.Navigate(shop), chromedp.WaitVisible(chromedp.CSS("#portal"))); err != nil {
		t.Fatal(err)
	}
	frame := frameTarget(t, ctx, portal.base+"/portal")
	for _, path := range []string{"/portal", "/portal/subscriptions/" + portal.monthly.ID, "/portal/profile"} {
		if err := do(frame, chromedp.Navigate(portal.base+path), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		targets, err := run(frame, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('a[href^="`+shop+`"]')].map(a => a.target || "(none)")`))
		if err != nil {
			t.Fatal(err)
		}
		if len(targets) == 0 {
			t.Errorf("%s: no link back to the merchant", path)
		}
		for _, target := range targets {
			if target != "_top" {
				t.Errorf("%s: a link to the merchant has target %q, want _top", path, target)
			}
		}
	}
	if err := do(frame, chromedp.Navigate(portal.base+"/portal"), chromedp.Click(chromedp.CSS(`main a[href="`+back+`"]`))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(browserStep)
	for {
		top, err := run(ctx, chromedp.Location())
		if err == nil && top == back {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window shows %s (%v), want the merchant's %s", top, err, back)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowserPortalLooksRight keeps screenshots of every page of the portal and its door at
// 360 and 1280 px — in Portico's colours, in the dark scheme, and for a merchant with a light
// yellow, a logo and no "Powered by Portico" — for people to look at, and runs axe-core on
// the dark and the branded ones (TestBrowserPortalIsAccessibleAndFits does the light ones).
func TestBrowserPortalLooksRight(t *testing.T) {
	ctx := newBrowser(t)
	axe := axeScript(t)
	portal := startLivePortal(t)
	for _, look := range []struct {
		name, scheme string
		brand        func(t *testing.T)
	}{
		{"dark", "dark", func(*testing.T) {}},
		{"branded", "light", portal.brandLightly},
	} {
		t.Run(look.name, func(t *testing.T) {
			look.brand(t)
			colourScheme(t, ctx, look.scheme)
			shots := screenshotDir(t, look.name)
			for _, width := range []int64{360, 1280} {
				if err := do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
					t.Fatal(err)
				}
				portal.signIn(t, ctx, models.PortalLinkInput{ReturnURL: "https://acme.example/account"})
				for _, name := range sorted(portal.pages()) {
					if err := do(ctx, chromedp.Navigate(portal.base+portal.pages()[name])); err != nil {
						t.Fatal(err)
					}
					checkPage(t, ctx, axe, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width)))
				}
				portal.notices(t, ctx, func(name string) {
					checkPage(t, ctx, axe, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width)))
				})
			}
		})
	}
	colourScheme(t, ctx, "light")

	// Printed, an invoice is the document alone: no header, sections, actions or footer.
	t.Run("print", func(t *testing.T) {
		portal.signIn(t, ctx, models.PortalLinkInput{})
		if err := do(ctx, chromedp.EmulateViewport(800, 1100), chromedp.Navigate(portal.base+portal.pages()["invoice-open"])); err != nil {
			t.Fatal(err)
		}
		media(t, ctx, emulation.SetEmulatedMediaParams{Media: "print"})
		defer media(t, ctx, emulation.SetEmulatedMediaParams{})
		shown, err := run(ctx, chromedp.Evaluate[[]string](
			`[...document.querySelectorAll('header.site, nav.sections, footer.site, .actions, .crumb, .document, table.lines')].filter(e => getComputedStyle(e).display !== 'none').map(e => e.className || e.tagName)`))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(shown, " ") != "card document list lines" {
			t.Errorf("printed, the invoice page shows %q, want the document alone", shown)
		}
		screenshot(t, ctx, filepath.Join(screenshotDir(t, "print"), "invoice.png"))
	})
}

// media emulates a CSS media type or feature.
func media(t *testing.T, ctx context.Context, params emulation.SetEmulatedMediaParams) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	if _, err := chromedp.Call(step, emulation.SetEmulatedMedia, params); err != nil {
		t.Fatal(err)
	}
}

// brandLightly gives the live portal's merchant a light yellow, a logo that shows its name,
// and no "Powered by Portico", and its customer an invoice to pay now. The logo is an image of Portico's own origin, which the CSP
// allows (the store takes only https logos, and the test has no TLS).
func (p *livePortal) brandLightly(t *testing.T) {
	t.Helper()
	accent, poweredBy := "#ffd400", false
	if _, err := p.store.UpdateMerchantSettings(context.Background(), p.merchant.ID, models.SystemActor, models.MerchantSettings{
		AccentColor: &accent, PoweredBy: &poweredBy,
	}); err != nil {
		t.Fatal(err)
	}
	// An open invoice the customer can pay on a hosted page: Pay now at the top, in its row
	// and on the overview.
	payURL := "https://pay.example/inv-27"
	if _, err := p.store.UpdateInvoice(context.Background(), p.merchant.ID, models.SystemActor, p.invoices[26].ID, models.InvoiceUpdate{PaymentURL: &payURL}); err != nil {
		t.Fatal(err)
	}
	logo := p.base + "/static/" + logoAsset(t)
	if err := p.db.Writer().Table("merchants").Where("id = ?", p.merchant.ID).Update("logo_url", logo).Error; err != nil {
		t.Fatal(err)
	}
}

// logoAsset is the fingerprinted name of Portico's favicon, served at /static/, which
// stands in for a merchant's logo.
func logoAsset(t *testing.T) string {
	t.Helper()
	a, err := static.Load()
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(a.Path("favicon.svg"), "/static/")
}

// screenshotDir is test-output/screenshots/<name>, made if need be.
func screenshotDir(t *testing.T, name string) string {
	t.Helper()
	dir := filepath.Join("..", "test-output", "screenshots", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page the browser shows as a PNG.
func screenshot(t *testing.T, ctx context.Context, file string) {
	t.Helper()
	png, err := run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
