package handlers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"
	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/payments/stripe"
	"github.com/portico/portico/internal/stripemock"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
	"github.com/stripe/stripe-go/v85/webhook"
)

// Test credentials: shaped like Stripe's, accepted by stripe-mock, and easy to look for.
const (
	testStripeKey    = "rk_test_PorticoSecretKey4242"
	testStripeSecret = "whsec_PorticoSigningSecret4242"
)

// paying is the billing fixture with its merchant connected to Stripe (stripe-mock).
type paying struct {
	*billing
	api *apiClient
}

func newPaying(t *testing.T, db *models.DB) *paying {
	t.Helper()
	mock := stripemock.Start(t)
	f := newBilling(t, db, func(o *handlers.Options) { o.PaymentProviders = []models.PaymentProvider{stripe.New(mock)} })
	_, err := f.store.UpdateMerchantSettings(context.Background(), f.merchant.ID, models.SystemActor, models.MerchantSettings{
		PaymentProvider: &models.ProviderInput{Provider: "stripe", SecretKey: testStripeKey, WebhookSecret: testStripeSecret},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, key, err := f.store.CreateAPIKey(context.Background(), f.merchant.ID, "tests")
	if err != nil {
		t.Fatal(err)
	}
	return &paying{billing: f, api: f.api(key)}
}

// stripeEvent posts an event about a Checkout Session to the merchant's hook, signed with
// secret as Stripe signs them (the SDK's test helper).
func (f *paying) stripeEvent(t *testing.T, merchantID, secret, eventType string, session map[string]any) *http.Response {
	t.Helper()
	payload, _ := json.Marshal(map[string]any{
		"id": "evt_" + fmt.Sprint(time.Now().UnixNano()), "object": "event", "type": eventType, "api_version": "2026-03-25.dahlia",
		"data": map[string]any{"object": session},
	})
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret})
	req, _ := http.NewRequest(http.MethodPost, f.URL+"/hooks/stripe/"+merchantID, bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Stripe-Signature", signed.Header)
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

// paidSession is a completed Checkout Session paying amount of inv.
func paidSession(merchantID string, inv *models.Invoice, intent, status string, amount int64) map[string]any {
	return map[string]any{
		"id": "cs_" + intent, "object": "checkout.session", "mode": "payment", "payment_status": status,
		"payment_intent": intent, "amount_total": amount, "currency": strings.ToLower(inv.Currency),
		"metadata": map[string]any{"portico_merchant_id": merchantID, "portico_customer_id": inv.CustomerID, "portico_invoice_id": inv.ID},
	}
}

func (f *paying) invoice(t *testing.T, id string) *models.Invoice {
	t.Helper()
	inv, err := f.store.GetInvoice(context.Background(), models.MerchantScope(f.merchant.ID), id)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// paymentsOf are the payments recorded for a Stripe payment intent, on any invoice or none.
func (f *paying) paymentsOf(t *testing.T, intent string) []models.Payment {
	t.Helper()
	rows, _, err := f.store.ListPayments(context.Background(), models.MerchantScope(f.merchant.ID), models.PaymentFilter{}, models.Page{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []models.Payment
	for _, p := range rows {
		if p.ProviderPaymentID != nil && *p.ProviderPaymentID == intent {
			out = append(out, p)
		}
	}
	return out
}

// providerPayments are the payments Stripe's events recorded for an invoice.
func (f *paying) providerPayments(t *testing.T, invoiceID string) []models.Payment {
	t.Helper()
	rows, _, err := f.store.ListPayments(context.Background(), models.MerchantScope(f.merchant.ID), models.PaymentFilter{InvoiceID: invoiceID}, models.Page{PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []models.Payment
	for _, p := range rows {
		if p.Provider == "stripe" {
			out = append(out, p)
		}
	}
	return out
}

func TestPayNowOpensStripeCheckout(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		open := f.invoices[26] // INV-0027, open, 5000 of 11900 paid
		v := f.signIn(t, "de")

		res := v.get(t, "/portal/invoices/"+open.ID)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://checkout.stripe.com;") {
			t.Errorf("the page's forms may not lead to Stripe: %s", csp)
		}
		doc := readHTML(t, res)
		form := doc.Find(`form[action="/portal/invoices/` + open.ID + `/pay"][method="post"][target="_top"]`)
		if form.Length() != 1 || form.Find(`input[name="csrf_token"]`).Length() != 1 || strings.TrimSpace(form.Find("button").Text()) != "Jetzt bezahlen" {
			t.Fatalf("no Pay now form opening at the top level on the invoice page")
		}
		if v.page(t, "/portal/invoices", http.StatusOK).Find(`form[action="/portal/invoices/`+open.ID+`/pay"][target="_top"]`).Length() != 1 {
			t.Errorf("no Pay now for %s on the invoice list", open.Number)
		}
		next := f.invoices[25] // the open invoice due first
		if v.page(t, "/portal", http.StatusOK).Find(`form[action="/portal/invoices/`+next.ID+`/pay"][target="_top"]`).Length() != 1 {
			t.Errorf("no Pay now for the next invoice, %s, on the overview", next.Number)
		}
		if v.page(t, "/portal/invoices/"+f.invoices[0].ID, http.StatusOK).Find(`[data-testid="pay-now"]`).Length() != 0 {
			t.Error("a paid invoice offers Pay now")
		}

		if res := v.post(t, "/portal/invoices/"+open.ID+"/pay", url.Values{}); res.StatusCode != http.StatusForbidden {
			t.Errorf("Pay now without the CSRF token: %d, want 403", res.StatusCode)
		}
		res = v.post(t, "/portal/invoices/"+open.ID+"/pay", url.Values{"csrf_token": {v.csrfToken(t)}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://checkout.stripe.com/") {
			t.Fatalf("Pay now: %d to %q, want 303 to the session's URL", res.StatusCode, res.Header.Get("Location"))
		}
		// Another customer's invoice is not found, and nothing is opened for it.
		if res := v.post(t, "/portal/invoices/"+f.neighbour.invoice.ID+"/pay", url.Values{"csrf_token": {v.csrfToken(t)}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("Pay now on a neighbour's invoice: %d, want 404", res.StatusCode)
		}
	})
}

func TestStripeEventsRecordThePaymentOnce(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		open := f.invoice(t, f.invoices[26].ID)
		session := paidSession(f.merchant.ID, open, "pi_once", "paid", open.AmountDue)
		for i := range 3 {
			if res := f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.completed", session); res.StatusCode != http.StatusOK {
				t.Fatalf("event, delivery %d: %d", i+1, res.StatusCode)
			}
		}
		if inv := f.invoice(t, open.ID); inv.Status != models.StatusPaid || inv.AmountDue != 0 || inv.AmountPaid != inv.Total {
			t.Errorf("after the event the invoice is %s with %d due, %d paid", inv.Status, inv.AmountDue, inv.AmountPaid)
		}
		payments := f.paymentsOf(t, "pi_once")
		if len(payments) != 1 || payments[0].Amount != 6900 || payments[0].Status != models.PaymentSucceeded || *payments[0].ProviderPaymentID != "pi_once" {
			t.Fatalf("three deliveries of one event recorded %+v, want one payment of 6900", payments)
		}
		audit, _, _ := f.store.ListAuditEvents(context.Background(), f.merchant.ID, models.AuditFilter{Action: "payment.created"}, models.Page{PerPage: 100})
		if len(audit) == 0 || audit[0].ActorType != models.ActorProvider || audit[0].ActorID != "stripe" {
			t.Errorf("the payment's audit event: %+v, want the provider as actor", audit)
		}
		events, _, _ := f.store.ListOutboxEvents(context.Background(), f.merchant.ID, models.Page{PerPage: 100})
		announced := 0
		for _, e := range events {
			if strings.HasPrefix(e.Type, "payment.") && strings.Contains(e.Payload, `"source":"portal"`) && strings.Contains(e.Payload, payments[0].ID) {
				announced++
			}
		}
		if announced != 1 {
			t.Errorf("the payment was announced %d times with \"source\": \"portal\", want once", announced)
		}
		// The customer, back from Stripe, is thanked.
		v := f.signIn(t, "en")
		doc := v.page(t, "/portal/invoices/"+open.ID+"?checkout=done", http.StatusOK)
		if got := doc.Find(`[data-testid="payment-received"]`).Text(); got != "Payment received, thank you." || doc.Find(`[data-testid="pay-now"]`).Length() != 0 {
			t.Errorf("back from Stripe: %q, Pay now shown: %d", got, doc.Find(`[data-testid="pay-now"]`).Length())
		}

		// Many deliveries of one event at once (Stripe retries while the first is slow):
		// still one payment, on both engines.
		overdue := f.invoices[25]
		session = paidSession(f.merchant.ID, overdue, "pi_race", "paid", overdue.AmountDue)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if res := f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.completed", session); res.StatusCode != http.StatusOK {
					t.Errorf("concurrent delivery: %d", res.StatusCode)
				}
			})
		}
		wg.Wait()
		if n := len(f.paymentsOf(t, "pi_race")); n != 1 || f.invoice(t, overdue.ID).Status != models.StatusPaid {
			t.Errorf("8 concurrent deliveries recorded %d payments", n)
		}
	})
}

func TestStripeEventsThatChangeNothing(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		open := f.invoices[26]
		session := paidSession(f.merchant.ID, open, "pi_forged", "paid", open.AmountDue)
		for _, tc := range []struct {
			name     string
			merchant string
			secret   string
			status   int
		}{
			{"signed with another secret", f.merchant.ID, "whsec_AttackerSecret", http.StatusBadRequest},
			{"sent to a merchant without Stripe", f.otherMerchantID(t), testStripeSecret, http.StatusNotFound},
			{"sent to no merchant", "mer_nope", testStripeSecret, http.StatusNotFound},
		} {
			if res := f.stripeEvent(t, tc.merchant, tc.secret, "checkout.session.completed", session); res.StatusCode != tc.status {
				t.Errorf("%s: %d, want %d", tc.name, res.StatusCode, tc.status)
			}
		}
		// Signed by this merchant's account, but naming another merchant's invoice: it is
		// acknowledged (Stripe must not retry it forever) and changes nothing.
		foreign := f.otherMerchant.invoice
		for _, s := range []map[string]any{
			paidSession(f.merchant.ID, foreign, "pi_foreign1", "paid", foreign.AmountDue),
			paidSession(foreign.MerchantID, foreign, "pi_foreign2", "paid", foreign.AmountDue),
		} {
			if res := f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.completed", s); res.StatusCode != http.StatusOK {
				t.Errorf("an event for another merchant's invoice: %d, want 200", res.StatusCode)
			}
		}
		if inv := f.invoice(t, open.ID); inv.Status != models.StatusOpen || len(f.providerPayments(t, open.ID)) != 0 {
			t.Errorf("a refused event changed the invoice: %s, %d payments", inv.Status, len(f.providerPayments(t, open.ID)))
		}
		other, _ := f.store.GetInvoice(context.Background(), models.MerchantScope(foreign.MerchantID), foreign.ID)
		if other.Status != models.StatusOpen || other.AmountPaid != 0 {
			t.Errorf("another merchant's invoice changed: %s, %d paid", other.Status, other.AmountPaid)
		}
	})
}

// otherMerchantID is the merchant of the fixture's foreign customer: it has no Stripe.
func (f *paying) otherMerchantID(t *testing.T) string { return f.otherMerchant.invoice.MerchantID }

func TestAsynchronousPaymentIsProcessingUntilItSettles(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		open := f.invoice(t, f.invoices[26].ID)
		v := f.signIn(t, "en")
		session := paidSession(f.merchant.ID, open, "pi_sepa", "unpaid", open.AmountDue)
		// The outcome can come first: then it is recorded, and the late "processing" is old news.
		early := paidSession(f.merchant.ID, f.invoices[25], "pi_early", "unpaid", f.invoices[25].AmountDue)
		f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.async_payment_succeeded", early)
		f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.completed", early)
		if inv := f.invoice(t, f.invoices[25].ID); inv.Status != models.StatusPaid {
			t.Errorf("success before processing: invoice %s", inv.Status)
		}

		f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.completed", session)
		doc := v.page(t, "/portal/invoices/"+open.ID+"?checkout=done", http.StatusOK)
		if doc.Find(`[data-testid="payment-processing"]`).Length() != 1 || doc.Find(`[data-testid="pay-now"]`).Length() != 0 {
			t.Error("while SEPA settles the page must say processing and offer no second payment")
		}
		if inv := f.invoice(t, open.ID); inv.Status != models.StatusOpen {
			t.Errorf("a pending payment settled the invoice: %s", inv.Status)
		}
		f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.async_payment_succeeded", session)
		f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.completed", session) // a late replay
		payments := f.paymentsOf(t, "pi_sepa")
		if inv := f.invoice(t, open.ID); inv.Status != models.StatusPaid || len(payments) != 1 || payments[0].Status != models.PaymentSucceeded {
			t.Errorf("after the settlement: invoice %s, payments %+v", inv.Status, payments)
		}
	})
}

func TestUpdatePaymentMethodThroughStripe(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		v := f.signIn(t, "en")
		doc := v.page(t, "/portal/payment-details", http.StatusOK)
		if doc.Find(`form[action="/portal/payment-details/setup"][target="_top"]`).Length() != 1 || doc.Find(`#field-iban`).Length() != 0 {
			t.Fatal("with Stripe the page offers Stripe's page for a new method, not the IBAN form")
		}
		res := v.post(t, "/portal/payment-details/setup", url.Values{"csrf_token": {v.csrfToken(t)}})
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "https://checkout.stripe.com/") {
			t.Fatalf("update through Stripe: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		setup := map[string]any{"id": "cs_setup", "object": "checkout.session", "mode": "setup", "setup_intent": "seti_1",
			"metadata": map[string]any{"portico_merchant_id": f.merchant.ID, "portico_customer_id": f.customer.ID}}
		if res := f.stripeEvent(t, f.merchant.ID, testStripeSecret, "checkout.session.completed", setup); res.StatusCode != http.StatusOK {
			t.Fatalf("setup event: %d", res.StatusCode)
		}
		d, err := f.store.GetPaymentDetails(context.Background(), models.CustomerScope(f.merchant.ID, f.customer.ID))
		if err != nil || d.Provider != "stripe" || d.ProviderPaymentMethodID == "" || (d.CardLast4 == "" && d.IBANMasked == "") {
			t.Fatalf("after the setup: %+v, %v", d, err)
		}
		events, _, _ := f.store.ListOutboxEvents(context.Background(), f.merchant.ID, models.Page{PerPage: 10})
		if events[0].Type != "payment_details.updated" || !strings.Contains(events[0].Payload, `"provider":"stripe"`) {
			t.Errorf("the new method was not announced: %s %s", events[0].Type, events[0].Payload)
		}
		// Back from Stripe's page: said once, on the payment details without the mark.
		back := v.get(t, "/portal/payment-details?setup=done")
		if back.StatusCode != http.StatusSeeOther || back.Header.Get("Location") != "/portal/payment-details" {
			t.Fatalf("back from Stripe: %d → %s", back.StatusCode, back.Header.Get("Location"))
		}
		for i, want := range []int{1, 0} {
			if got := v.page(t, "/portal/payment-details", http.StatusOK).Find(`.flash[role="status"]`).Length(); got != want {
				t.Errorf("visit %d after Stripe: %d confirmations, want %d", i+1, got, want)
			}
		}
	})
}

func TestBankTransferDetailsAndEPCCode(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		open := f.invoices[26]
		v := f.signIn(t, "en")
		if v.page(t, "/portal/invoices/"+open.ID, http.StatusOK).Find(`[data-testid="transfer"]`).Length() != 0 {
			t.Error("transfer details without a merchant account")
		}
		if res := v.get(t, "/portal/invoices/"+open.ID+"/transfer-qr.png"); res.StatusCode != http.StatusNotFound {
			t.Errorf("QR code without a merchant account: %d, want 404", res.StatusCode)
		}
		f.api.call(t, http.MethodPatch, "/v1/merchant", map[string]any{
			"bank_account":      map[string]any{"account_holder": "Acme Cloud GmbH", "iban": "de89 3704 0044 0532 0130 00", "bic": "cobadeffxxx"},
			"remittance_format": "{number} {customer}",
		}).expect(t, http.StatusOK)
		f.api.call(t, http.MethodPatch, "/v1/merchant", map[string]any{"bank_account": map[string]any{"account_holder": "X", "iban": "DE89 3704 0044 0532 0130 01"}}).
			expect(t, http.StatusUnprocessableEntity)

		doc := v.page(t, "/portal/invoices/"+open.ID, http.StatusOK)
		if got := doc.Find(`[data-testid="transfer-iban"]`).Text(); got != "DE89 3704 0044 0532 0130 00" {
			t.Errorf("IBAN shown as %q, want groups of four", got)
		}
		if got := doc.Find(`[data-testid="transfer-amount"]`).Text(); !strings.Contains(got, "69.00") {
			t.Errorf("amount %q, want the amount due", got)
		}
		if got := doc.Find(`[data-testid="transfer-reference"]`).Text(); got != "INV-0027 42" {
			t.Errorf("reference %q, want the invoice number and the customer's external ID", got)
		}
		src, _ := doc.Find(`img[data-testid="transfer-qr"]`).Attr("src")
		if src != "/portal/invoices/"+open.ID+"/transfer-qr.png" {
			t.Fatalf("QR code image at %q", src)
		}
		res := v.get(t, src)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("QR code: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' https: data:") {
			t.Errorf("CSP of the image changed: %s", csp)
		}
		lines := strings.Split(decodeQR(t, res), "\n")
		want := []string{"BCD", "002", "1", "SCT", "COBADEFFXXX", "Acme Cloud GmbH", "DE89370400440532013000", "EUR69.00", "", "", "INV-0027 42", "Invoice INV-0027"}
		if len(lines) != len(want) {
			t.Fatalf("EPC payload has %d lines, want %d: %q", len(lines), len(want), lines)
		}
		for i := range want {
			if lines[i] != want[i] {
				t.Errorf("EPC line %d = %q, want %q", i+1, lines[i], want[i])
			}
		}
		for _, tc := range []struct{ name, id string }{{"USD invoice", f.usd.ID}, {"paid invoice", f.invoices[0].ID}, {"neighbour's invoice", f.neighbour.invoice.ID}} {
			if res := v.get(t, "/portal/invoices/"+tc.id+"/transfer-qr.png"); res.StatusCode != http.StatusNotFound {
				t.Errorf("QR code of a %s: %d, want 404", tc.name, res.StatusCode)
			}
		}
		if v.page(t, "/portal/invoices/"+f.usd.ID, http.StatusOK).Find(`[data-testid="transfer"]`).Length() != 0 {
			t.Error("transfer details on a USD invoice")
		}
		// The PDF carries the same details.
		res = v.get(t, "/portal/invoices/"+open.ID+"/pdf")
		var pdf bytes.Buffer
		pdf.ReadFrom(res.Body)
		if !bytes.Contains(pdf.Bytes(), []byte("/Subtype /Image")) {
			t.Error("the PDF has no QR code image")
		}
	})
}

// decodeQR reads the QR code in a PNG response, as a banking app would.
func decodeQR(t *testing.T, res *http.Response) string {
	t.Helper()
	img, _, err := image.Decode(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	result, err := gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8"})
	if err != nil {
		t.Fatal(err)
	}
	if level, _ := result.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string); level != "M" {
		t.Errorf("error correction level %q, want M (EPC069-12)", level)
	}
	return result.GetText()
}

func TestPaymentPageAndCollection(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		open := f.invoices[26]
		f.api.call(t, http.MethodPatch, "/v1/invoices/"+open.ID, map[string]any{"payment_url": "javascript:alert(1)"}).expect(t, http.StatusUnprocessableEntity)
		r := f.api.call(t, http.MethodPatch, "/v1/invoices/"+open.ID, map[string]any{"payment_url": "https://pay.example/inv-27"}).expect(t, http.StatusOK)
		if r.str("payment_url") != "https://pay.example/inv-27" {
			t.Errorf("payment_url = %q", r.str("payment_url"))
		}
		f.api.call(t, http.MethodPatch, "/v1/invoices/"+f.invoices[0].ID, map[string]any{"memo": "late"}).expect(t, http.StatusConflict)
		v := f.signIn(t, "en")
		link := v.page(t, "/portal/invoices/"+open.ID, http.StatusOK).Find(`a[data-testid="pay-now"]`)
		if href, _ := link.Attr("href"); href != "https://pay.example/inv-27" || link.AttrOr("target", "") != "_top" {
			t.Errorf("Pay now links %q (target %q), want the payment page at the top level", href, link.AttrOr("target", ""))
		}

		// The merchant collects by direct debit: the customer is told when, and not asked to pay.
		f.api.call(t, http.MethodPut, "/v1/customers/"+f.customer.ID+"/payment_details",
			map[string]any{"method": "sepa_debit", "account_holder": "Zoë Müller", "iban": "DE89 3704 0044 0532 0130 00", "collection": "automatic"}).expect(t, http.StatusOK)
		doc := v.page(t, "/portal/invoices/"+open.ID, http.StatusOK)
		catalog, _ := views.LoadCatalog()
		want := "Will be collected from •••• 00 on " + catalog.Translator("en").Date(*open.DueAt) + "."
		if got := doc.Find(`[data-testid="collection"]`).Text(); got != want {
			t.Errorf("collection notice %q, want %q", got, want)
		}
		if doc.Find(`[data-testid="pay-now"], [data-testid="transfer"]`).Length() != 0 {
			t.Error("an invoice the merchant collects offers to pay as well")
		}
	})
}

// TestProviderSecretsStaySecret: the Stripe key and signing secret go in once and never
// come out: not in API answers, the audit log, the request log, stored idempotent
// responses, nor in the clear in the database; IBANs on file are sealed too.
func TestProviderSecretsStaySecret(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		f := newPaying(t, db)
		key, secret := "rk_live_LeakCanaryKey9876", "whsec_LeakCanarySecret9876"
		r := f.api.call(t, http.MethodPatch, "/v1/merchant", map[string]any{"stripe": map[string]any{"secret_key": key, "webhook_secret": secret}}).expect(t, http.StatusOK)
		stripeJSON, _ := r.json["stripe"].(map[string]any)
		if stripeJSON["secret_key_hint"] != "rk_live_…9876" || stripeJSON["livemode"] != true ||
			stripeJSON["webhook_url"] != "http://portico.test/hooks/stripe/"+f.merchant.ID {
			t.Errorf("stripe = %v", stripeJSON)
		}
		f.api.call(t, http.MethodPatch, "/v1/merchant", map[string]any{"stripe": map[string]any{"secret_key": "sk_live_FullPowerKey", "webhook_secret": secret}}).
			expect(t, http.StatusUnprocessableEntity)
		f.api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Idem"}, "Idempotency-Key", "leak-check").expect(t, http.StatusCreated)
		var seen []string
		seen = append(seen, string(f.api.call(t, http.MethodGet, "/v1/merchant", nil).body), f.logs.String())
		seen = append(seen, string(f.api.call(t, http.MethodGet, "/v1/audit_events?per_page=100", nil).body))
		for _, table := range []string{"idempotency_records", "payment_provider_accounts", "audit_events", "outbox_events", "payment_details"} {
			var rows []map[string]any
			if err := db.Writer().Table(table).Find(&rows).Error; err != nil {
				t.Fatal(err)
			}
			seen = append(seen, fmt.Sprint(rows))
		}
		all := strings.Join(seen, "\n")
		for _, s := range []string{key, secret, "LeakCanary", "DE89370400440532013000", "3704 0044"} {
			if strings.Contains(all, s) {
				t.Errorf("%q is readable in an answer, the log or the database", s)
			}
		}
		account, err := f.store.OpenPaymentProvider(context.Background(), f.merchant.ID)
		if err != nil || account.SecretKey != key || fmt.Sprint(account) == "" || strings.Contains(fmt.Sprintf("%v %+v %#v", account, account, account), key) {
			t.Errorf("the sealed key does not open, or prints: %v", err)
		}
		f.api.call(t, http.MethodPatch, "/v1/merchant", map[string]any{"stripe": nil}).expect(t, http.StatusOK)
		if r := f.api.call(t, http.MethodGet, "/v1/merchant", nil); r.json["stripe"] != nil {
			t.Errorf("after disconnecting: stripe = %v", r.json["stripe"])
		}

		// Without durable data keys Portico refuses to take provider secrets.
		temporary := newAppWith(t, db, nil)
		temporary.store = models.NewStore(db, models.WithDataKeys(models.GenerateDataKeys()))
		_, err = temporary.store.UpdateMerchantSettings(context.Background(), f.merchant.ID, models.SystemActor, models.MerchantSettings{
			PaymentProvider: &models.ProviderInput{Provider: "stripe", SecretKey: key, WebhookSecret: secret},
		})
		var refused *models.StateError
		if !errors.As(err, &refused) || !strings.Contains(err.Error(), "PORTICO_DATA_KEYS") {
			t.Errorf("temporary data keys: %v, want a refusal that names PORTICO_DATA_KEYS", err)
		}
	})
}
