package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/portico/portico/models"
)

// TestBrowserFramedPayNowLeavesTheFrame: in a portal framed by the merchant's site, Pay now
// opens the payment page in the top window (payment pages refuse framing), not in the frame.
func TestBrowserFramedPayNowLeavesTheFrame(t *testing.T) {
	ctx := newBrowser(t)
	portal := startLivePortal(t)
	// A payment page that, like real ones, refuses to be framed.
	payPage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Frame-Options", "DENY")
		fmt.Fprint(w, `<!doctype html><title>Pay</title><h1 id="paying">Pay 69.00 EUR</h1>`)
	}))
	t.Cleanup(payPage.Close)
	open := portal.invoices[26]
	payURL := payPage.URL + "/checkout/" + open.ID
	if _, err := portal.store.UpdateInvoice(context.Background(), portal.merchant.ID, models.SystemActor, open.ID, models.InvoiceUpdate{PaymentURL: &payURL}); err != nil {
		t.Fatal(err)
	}
	shop, setFrame := merchantSite(t)
	setFrame(portal.link(t, models.PortalLinkInput{FrameAncestors: []string{shop}, Section: "invoice:" + open.ID}))

	if err := do(ctx, chromedp.Navigate(shop), chromedp.WaitVisible(chromedp.CSS("#portal"))); err != nil {
		t.Fatal(err)
	}
	frame := frameTarget(t, ctx, portal.base+"/portal/invoices/"+open.ID)
	if err := do(frame, chromedp.WaitVisible(chromedp.CSS(`[data-testid="pay-now"]`)), chromedp.Click(chromedp.CSS(`[data-testid="pay-now"]`))); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(browserStep)
	for {
		location, err := run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if location == payURL {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Pay now the top window shows %s, want the payment page %s", location, payURL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	heading, err := run(ctx, chromedp.Text(chromedp.CSS("#paying")))
	if err != nil || !strings.Contains(heading, "Pay 69.00") {
		t.Errorf("the top window shows %q, %v", heading, err)
	}
}
