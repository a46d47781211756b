package handlers_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/portico/portico/models"
)

// axeVersion is the axe-core release the accessibility test runs, installed from the npm
// registry at test time into test-output/ (never committed).
const axeVersion = "4.11.0"

// axeScript installs axe-core once per checkout and returns its source.
func axeScript(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "test-output", "axe-core-"+axeVersion))
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")
	if _, err := os.Stat(script); err != nil {
		cmd := exec.Command("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir, "axe-core@"+axeVersion)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm install axe-core: %v\n%s", err, out)
		}
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	return string(src)
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
// best practices) on every portal page at phone and desktop width, checks that no page
// scrolls sideways, and keeps a screenshot of each in test-output/screenshots.
func TestBrowserPortalIsAccessibleAndFits(t *testing.T) {
	ctx := newBrowser(t)
	axe := axeScript(t)
	portal := startLivePortal(t)
	shots := filepath.Join("..", "test-output", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(portal.link(t, models.PortalLinkInput{ReturnURL: "https://acme.example/account"}))); err != nil {
		t.Fatal(err)
	}
	pages := map[string]string{
		"overview":        "/portal",
		"invoices":        "/portal/invoices",
		"invoices-empty":  "/portal/invoices?status=void",
		"invoice":         "/portal/invoices/" + portal.invoices[24].ID,
		"credit-note":     "/portal/invoices/" + portal.creditNote.ID,
		"payments":        "/portal/payments",
		"entitlements":    "/portal/entitlements",
		"subscriptions":   "/portal/subscriptions",
		"subscription":    "/portal/subscriptions/" + portal.monthly.ID,
		"cancel":          "/portal/subscriptions/" + portal.monthly.ID + "/cancel",
		"profile":         "/portal/profile",
		"contacts":        "/portal/contacts",
		"contact":         "/portal/contacts/" + portal.contact.ID,
		"contact-delete":  "/portal/contacts/" + portal.contact.ID + "/delete",
		"payment-details": "/portal/payment-details",
		"not-found":       "/portal/invoices/inv_00000000000000000000000000",
		"link-invalid":    "/p/not-a-real-token",
		"german":          "/portal/invoices?language=de",
	}
	for _, width := range []int64{360, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
			t.Fatal(err)
		}
		for name, path := range pages {
			t.Run(fmt.Sprintf("%s-%d", name, width), func(t *testing.T) {
				if err := chromedp.Do(ctx, chromedp.Navigate(portal.base+path)); err != nil {
					t.Fatal(err)
				}
				checkPage(t, ctx, axe, filepath.Join(shots, fmt.Sprintf("%s-%d.png", name, width)))
			})
		}
	}

	// A form with errors: the messages must be tied to their inputs.
	t.Run("profile-errors", func(t *testing.T) {
		err := chromedp.Do(ctx,
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
}

// checkPage runs axe-core on the page the browser shows, checks it fits the viewport, and
// saves a screenshot.
func checkPage(t *testing.T, ctx context.Context, axe, shot string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](axe+";true")); err != nil {
		t.Fatalf("load axe-core: %v", err)
	}
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](
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
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow > 0 {
		t.Errorf("the page scrolls sideways by %d px", overflow)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
