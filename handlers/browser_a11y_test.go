package handlers_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/portico/portico/models"
)

// axeManifest is where axe-core is pinned: a package.json and its package-lock.json, so the
// accessibility rules only change in a reviewed commit.
const axeManifest = "testdata/axe"

// axeScript installs the pinned axe-core with npm ci into test-output/axe (never committed)
// unless that install already matches the lockfile, and returns its source. Without npm the
// accessibility tests are skipped loudly, unless CI=true, where they must run.
func axeScript(t *testing.T) string {
	t.Helper()
	lock, err := os.ReadFile(filepath.Join(axeManifest, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir, err := filepath.Abs(filepath.Join("..", "test-output", "axe"))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	installed, _ := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if _, err := os.Stat(script); err != nil || !bytes.Equal(installed, lock) {
		installAxe(t, dir)
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
}

// installAxe copies the pinned manifest into dir and runs npm ci there.
func installAxe(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		msg := "ACCESSIBILITY TESTS SKIPPED: no npm to install axe-core with (Debian: apt-get install -y npm)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		fmt.Fprintln(os.Stderr, "\n*** "+msg+" ***")
		t.Skip(msg)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"package.json", "package-lock.json"} {
		body, err := os.ReadFile(filepath.Join(axeManifest, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(filepath.Join(dir, "package-lock.json")) // so the next run installs again
		t.Fatalf("npm ci (axe-core): %v\n%s", err, out)
	}
}

// axeViolation is one rule axe-core found broken, with the elements that break it.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes []struct {
		HTML string `json:"html"`
	} `json:"nodes"`
}

// TestBrowserPortalIsAccessibleAndFits runs axe-core (WCAG 2.2 A and AA rules, and its
// best practices) on every page of the portal and its door at phone and desktop width,
// checks that no page scrolls sideways, and keeps a screenshot of each in
// test-output/screenshots/light (TestBrowserPortalLooksRight does the dark scheme and a
// merchant's brand).
func TestBrowserPortalIsAccessibleAndFits(t *testing.T) {
	ctx := newBrowser(t)
	axe := axeScript(t)
	portal := startLivePortal(t)
	shots := screenshotDir(t, "light")
	for _, width := range []int64{360, 1280} {
		if err := do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
			t.Fatal(err)
		}
		portal.signIn(t, ctx, models.PortalLinkInput{ReturnURL: "https://acme.example/account"})
		for _, name := range sorted(portal.pages()) {
			t.Run(fmt.Sprintf("%s-%d", name, width), func(t *testing.T) {
				if err := do(ctx, chromedp.Navigate(portal.base+portal.pages()[name])); err != nil {
					t.Fatal(err)
				}
				checkPage(t, ctx, axe, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width)))
			})
		}
		portal.notices(t, ctx, func(name string) {
			t.Run(fmt.Sprintf("%s-%d", name, width), func(t *testing.T) {
				checkPage(t, ctx, axe, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width)))
			})
		})
	}

	// A form with errors: the messages must be tied to their inputs.
	t.Run("profile-errors", func(t *testing.T) {
		err := do(ctx,
			chromedp.Navigate(portal.base+"/portal/profile"),
			chromedp.SetValue(chromedp.CSS("#field-email"), "not an email"),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#field-email-error")),
		)
		if err != nil {
			t.Fatal(err)
		}
		checkPage(t, ctx, axe, filepath.Join(shots, "profile-errors-1280.png"))
	})
	// The menus, open.
	for _, menu := range []string{"lang", "account"} {
		t.Run(menu+"-menu", func(t *testing.T) {
			if err := do(ctx, chromedp.Navigate(portal.base+"/portal"), chromedp.Click(chromedp.CSS("details."+menu+" summary"))); err != nil {
				t.Fatal(err)
			}
			checkPage(t, ctx, axe, filepath.Join(shots, menu+"-menu-1280.png"))
		})
	}
}

// checkPage runs axe-core on the page the browser shows, checks it fits the viewport, and
// saves a screenshot.
func checkPage(t *testing.T, ctx context.Context, axe, shot string) {
	t.Helper()
	if _, err := run(ctx, chromedp.Evaluate[bool](axe+";true")); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	violations, err := run(ctx, chromedp.Evaluate[[]axeViolation](
		`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}}).then(r => r.violations)`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core: %v", err)
	}
	for _, v := range violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, n.HTML)
		}
		t.Errorf("%s: %s\n  %s", v.ID, v.Help, strings.Join(where, "\n  "))
	}
	overflow, err := run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow > 0 {
		t.Errorf("the page scrolls sideways by %d px", overflow)
	}
	screenshot(t, ctx, shot)
}

// TestBrowserCustomerJourney walks what a customer does, by clicking: open a minted link,
// open an invoice, download its PDF, cancel a subscription at period end, undo it, change
// the billing address, switch to German. Each page is checked with axe-core at 360 and
// 1280 px and kept as screenshots in test-output/journey.
func TestBrowserCustomerJourney(t *testing.T) {
	ctx := newBrowser(t)
	axe := axeScript(t)
	portal := startLivePortal(t)
	shots := filepath.Join("..", "test-output", "journey")
	downloads := t.TempDir()
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	downloadCtx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	if _, err := chromedp.CallBrowser(downloadCtx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads,
	}); err != nil {
		t.Fatal(err)
	}
	step := 0
	// see checks the page the journey reached at both widths, then returns to desktop size.
	see := func(name string, ready string) {
		t.Helper()
		step++
		if err := do(ctx, chromedp.WaitVisible(chromedp.CSS(ready))); err != nil {
			t.Fatalf("step %d (%s): %v", step, name, err)
		}
		for _, width := range []int64{360, 1280} {
			if err := do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
				t.Fatal(err)
			}
			checkPage(t, ctx, axe, filepath.Join(shots, fmt.Sprintf("%02d-%s-%d.png", step, name, width)))
		}
	}
	click := func(selector string) {
		t.Helper()
		if err := do(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
			t.Fatalf("click %s: %v", selector, err)
		}
	}

	if err := do(ctx, chromedp.Navigate(portal.link(t, models.PortalLinkInput{Locale: "en"}))); err != nil {
		t.Fatal(err)
	}
	see("overview", `section[aria-labelledby="balance"]`)

	click(`nav.sections a[href="/portal/invoices"]`)
	see("invoices", `nav.sections a[href="/portal/invoices"][aria-current="page"]`)
	invoicePath := "/portal/invoices/" + portal.invoices[24].ID
	click(`main table a[href="` + invoicePath + `"]`)
	see("invoice", `a[download]`)

	click(`a[download]`)
	pdf := waitForDownload(t, downloads)
	if !strings.HasPrefix(string(pdf), "%PDF-") {
		t.Errorf("the download is not a PDF: %.20q", pdf)
	}

	click(`nav.sections a[href="/portal/subscriptions"]`)
	see("subscriptions", `nav.sections a[href="/portal/subscriptions"][aria-current="page"]`)
	subscriptionPath := "/portal/subscriptions/" + portal.monthly.ID
	click(`main table a[href="` + subscriptionPath + `"]`)
	see("subscription", `a[href="`+subscriptionPath+`/cancel"]`)
	click(`a[href="` + subscriptionPath + `/cancel"]`)
	see("cancel", `#field-reason`)
	if err := do(ctx, chromedp.SetValue(chromedp.CSS("#field-reason"), "too_expensive")); err != nil {
		t.Fatal(err)
	}
	click(`main form button[type="submit"]`)
	see("cancel-scheduled", `form[action="`+subscriptionPath+`/resume"]`)
	if sub := portal.subscription(t); !sub.CancelAtPeriodEnd || sub.CancellationReason != "too_expensive" {
		t.Errorf("after cancelling: %+v", sub)
	}
	click(`form[action="` + subscriptionPath + `/resume"] button`)
	// The page before had a flash too: wait for what only the kept subscription shows.
	see("kept", `a[href="`+subscriptionPath+`/cancel"]`)
	if sub := portal.subscription(t); sub.CancelAtPeriodEnd {
		t.Error("the subscription is still scheduled to end after undo")
	}

	click(`nav.sections a[href="/portal/profile"]`)
	see("profile", `#field-address-line1`)
	err := do(ctx,
		chromedp.SetValue(chromedp.CSS("#field-address-line1"), "Neue Straße 5"),
		chromedp.SetValue(chromedp.CSS("#field-address-city"), "Köln"),
		chromedp.SetValue(chromedp.CSS("#field-address-country"), "DE"),
	)
	if err != nil {
		t.Fatal(err)
	}
	click(`main form button[type="submit"]`)
	see("profile-saved", `.flash[role="status"]`)
	// The confirmation shows once: not again on a reload.
	if err := do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#field-address-line1`))); err != nil {
		t.Fatal(err)
	}
	if flashes, err := run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".flash").length`)); err != nil || flashes != 0 {
		t.Errorf("after a reload the page shows %d confirmations (%v), want none", flashes, err)
	}
	customer, err := portal.store.GetCustomer(context.Background(), portal.merchant.ID, portal.customer.ID)
	if err != nil || customer.Address.Line1 != "Neue Straße 5" || customer.Address.City != "Köln" {
		t.Errorf("billing address after saving: %+v, %v", customer.Address, err)
	}

	click(`details.lang summary`)
	click(`details.lang a[hreflang="de"]`)
	see("german", `html[lang="de"]`)
	heading, err := run(ctx, chromedp.Text(chromedp.CSS("main h1")))
	if err != nil || heading != "Profil" {
		t.Errorf("after switching to German the heading is %q (%v)", heading, err)
	}
}

// waitForDownload waits for the browser to finish a download into dir and returns it.
func waitForDownload(t *testing.T, dir string) []byte {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".crdownload") {
				if body, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil && len(body) > 0 {
					return body
				}
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("no download arrived")
	return nil
}
