package handlers_test

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// browserStep bounds each step of a browser test (a page loaded and checked, a click
// answered), never a whole test: under the load of other packages' tests one slow step must
// not use up the time of the steps after it.
const browserStep = time.Minute

// newBrowser starts the system's headless Chromium for one test and returns its first tab.
// Without a Chromium the test is skipped loudly, unless CI=true, where browser tests must run.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		msg := "BROWSER TESTS SKIPPED: no chromium on PATH (Debian: apt-get install -y chromium)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		fmt.Fprintln(os.Stderr, "\n*** "+msg+" ***")
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(cancelTab)
	attach(t, tab, cancelTab)
	return tab
}

// attach runs a context's first, empty action, which starts the browser or attaches to the
// tab. The context of that call decides how long they live, so it takes no timeout; a
// watchdog cancels the tab instead when it does not answer within one step.
func attach(t *testing.T, tab context.Context, cancel context.CancelFunc) {
	t.Helper()
	watchdog := time.AfterFunc(browserStep, cancel)
	defer watchdog.Stop()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium or attach to its tab: %v", err)
	}
}

// targets lists the browser's targets (tabs, cross-site iframes), under a step's timeout.
func targets(tab context.Context) ([]*target.Info, error) {
	ctx, cancel := context.WithTimeout(tab, browserStep)
	defer cancel()
	return chromedp.Targets(ctx)
}

// do runs one step of a browser test in a tab, under its own timeout.
func do(tab context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(tab, browserStep)
	defer cancel()
	return chromedp.Do(ctx, actions...)
}

// run runs one step of a browser test that returns a value, under its own timeout.
func run[T any](tab context.Context, action chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(tab, browserStep)
	defer cancel()
	return chromedp.Run(ctx, action)
}

// livePortal is Portico with a customer's full account, listening on
// http://localhost:<port>, with links built for it.
type livePortal struct {
	*billing
	base string
}

func startLivePortal(t *testing.T) *livePortal {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("http://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
	f := newBilling(t, testdb.SQLite(t), func(o *handlers.Options) { o.BaseURL, _ = url.Parse(base) })
	f.Server.Close()
	srv := httptest.NewUnstartedServer(f.Server.Config.Handler)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	f.Server = srv
	return &livePortal{billing: f, base: base}
}

// link mints a link and returns its URL on the live portal.
func (p *livePortal) link(t *testing.T, in models.PortalLinkInput) string {
	t.Helper()
	u, _ := p.mint(t, p.merchant.ID, p.customer.ID, in)
	return p.base + strings.TrimPrefix(u, "http://portico.test")
}

// merchantSite serves a page on http://127.0.0.1:<port> — another site than localhost —
// that shows src in an iframe, the way a merchant embeds the portal.
func merchantSite(t *testing.T) (origin string, setFrame func(src string)) {
	t.Helper()
	var src atomic.Pointer[string]
	src.Store(new(string))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Shop</title><h1>Your account at the shop</h1>
<iframe id="portal" title="Billing portal" src="%s" width="1000" height="700"></iframe>`, html.EscapeString(*src.Load()))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func(s string) { src.Store(&s) }
}

// frameTarget waits for the cross-site iframe showing a URL with prefix and returns a
// context attached to it.
func frameTarget(t *testing.T, ctx context.Context, prefix string) context.Context {
	t.Helper()
	deadline := time.Now().Add(browserStep)
	for time.Now().Before(deadline) {
		infos, err := targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.HasPrefix(info.URL, prefix) {
				frameCtx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				attach(t, frameCtx, cancel)
				return frameCtx
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no iframe target at %s", prefix)
	return nil
}

func TestBrowserFramedPortalStaysSignedIn(t *testing.T) {
	ctx := newBrowser(t)
	portal := startLivePortal(t)
	shop, setFrame := merchantSite(t)
	setFrame(portal.link(t, models.PortalLinkInput{FrameAncestors: []string{shop}}))

	if err := do(ctx, chromedp.Navigate(shop), chromedp.WaitVisible(chromedp.CSS("#portal"))); err != nil {
		t.Fatal(err)
	}
	frame := frameTarget(t, ctx, portal.base+"/portal")
	heading, err := run(frame, chromedp.Text(chromedp.CSS("main h1")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(heading, "Zoë Müller") {
		t.Fatalf("framed portal heading = %q", heading)
	}
	// Click to another page inside the frame: the partitioned cookie goes along.
	err = do(frame,
		chromedp.Click(chromedp.CSS(`nav.sections a[href="/portal/invoices"]`)),
		chromedp.WaitVisible(chromedp.CSS(`nav.sections a[href="/portal/invoices"][aria-current="page"]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	path, err := run(frame, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}
	if path != "/portal/invoices" {
		t.Errorf("after the click the frame shows %s", path)
	}
}

func TestBrowserUnframableLinkIsBlockedInAFrame(t *testing.T) {
	ctx := newBrowser(t)
	portal := startLivePortal(t)
	shop, setFrame := merchantSite(t)
	setFrame(portal.link(t, models.PortalLinkInput{}))

	if err := do(ctx, chromedp.Navigate(shop), chromedp.WaitVisible(chromedp.CSS("#portal"))); err != nil {
		t.Fatal(err)
	}
	// The browser did open the link (so the test is not passing for want of a request) but
	// must not render what came back.
	frame := frameTarget(t, ctx, portal.base+"/portal")
	shown, err := run(frame, chromedp.Evaluate[string](`document.URL + " | " + document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(shown, "Zoë") || !strings.HasPrefix(shown, "chrome-error://") {
		t.Errorf("the iframe shows %q; frame-ancestors 'none' should have blocked the portal", shown)
	}
	if !strings.Contains(portal.logs.String(), "path=/p/[redacted] status=303") {
		t.Error("the browser never opened the link")
	}
}

func TestBrowserTopLevelOpenDropsTheToken(t *testing.T) {
	ctx := newBrowser(t)
	portal := startLivePortal(t)
	link := portal.link(t, models.PortalLinkInput{Section: "invoices"})
	token := link[strings.LastIndex(link, "/")+1:]

	if err := do(ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form[action="/portal/logout"]`))); err != nil {
		t.Fatal(err)
	}
	location, err := run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	historyCtx, cancel := context.WithTimeout(ctx, browserStep)
	defer cancel()
	history, err := chromedp.Call(historyCtx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	if location != portal.base+"/portal/invoices" {
		t.Errorf("address bar = %s, want %s/portal/invoices", location, portal.base)
	}
	for _, entry := range history.Entries {
		if strings.Contains(entry.URL, token) {
			t.Errorf("the token is in the history: %s", entry.URL)
		}
	}
}
