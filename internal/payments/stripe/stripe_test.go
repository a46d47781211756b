package stripe_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/portico/portico/internal/payments/stripe"
	"github.com/portico/portico/internal/stripemock"
	"github.com/portico/portico/models"
	"github.com/stripe/stripe-go/v85/webhook"
)

var account = &models.ProviderAccount{MerchantID: "mer_1", Provider: "stripe", SecretKey: "rk_test_portico", WebhookSecret: "whsec_test123456"}

func TestCheckoutAgainstStripeMock(t *testing.T) {
	p := stripe.New(stripemock.Start(t))
	for _, req := range []models.CheckoutRequest{
		{Mode: models.CheckoutPayment, MerchantID: "mer_1", CustomerID: "cus_1", InvoiceID: "inv_1", CustomerEmail: "zoe@example.com",
			Description: "Invoice INV-1", Amount: 11662, Currency: "EUR", Locale: "de",
			SuccessURL: "https://portico.test/portal/invoices/inv_1?checkout=done", CancelURL: "https://portico.test/portal/invoices/inv_1", IdempotencyKey: "pay-inv_1-11662"},
		{Mode: models.CheckoutSetup, MerchantID: "mer_1", CustomerID: "cus_1", SuccessURL: "https://portico.test/portal/payment-details", CancelURL: "https://portico.test/portal/payment-details", IdempotencyKey: "setup-1"},
	} {
		url, err := p.Checkout(context.Background(), account, req)
		if err != nil || !strings.HasPrefix(url, "https://") {
			t.Errorf("%s checkout: %q, %v", req.Mode, url, err)
		}
	}
	bad := *account
	bad.SecretKey = "not-a-key"
	if _, err := p.Checkout(context.Background(), &bad, models.CheckoutRequest{Mode: models.CheckoutSetup}); err == nil || strings.Contains(err.Error(), "not-a-key") {
		t.Errorf("a refused key: %v (must fail, and never repeat the key)", err)
	}
}

// signed is a Stripe event as Stripe's SDK signs test payloads.
func signed(t *testing.T, secret string, event map[string]any) ([]byte, http.Header) {
	t.Helper()
	payload, _ := json.Marshal(event)
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: time.Now()})
	return payload, http.Header{"Stripe-Signature": {sp.Header}}
}

func sessionEvent(eventType string, session map[string]any) map[string]any {
	return map[string]any{"id": "evt_1", "object": "event", "type": eventType, "api_version": "2020-08-27", "data": map[string]any{"object": session}}
}

func TestParseEvent(t *testing.T) {
	p := stripe.New(stripemock.Start(t))
	meta := map[string]any{"portico_merchant_id": "mer_1", "portico_customer_id": "cus_1", "portico_invoice_id": "inv_1"}
	paid := map[string]any{"id": "cs_1", "object": "checkout.session", "mode": "payment", "payment_status": "paid",
		"payment_intent": "pi_1", "amount_total": 11662, "currency": "eur", "metadata": meta}
	unpaid := map[string]any{"id": "cs_2", "object": "checkout.session", "mode": "payment", "payment_status": "unpaid",
		"payment_intent": "pi_2", "amount_total": 500, "currency": "eur", "metadata": meta}
	for _, tc := range []struct {
		name  string
		event map[string]any
		kind  models.ProviderEventKind
	}{
		{"paid", sessionEvent("checkout.session.completed", paid), models.EventPaymentSucceeded},
		{"async, pending", sessionEvent("checkout.session.completed", unpaid), models.EventPaymentProcessing},
		{"async, succeeded", sessionEvent("checkout.session.async_payment_succeeded", unpaid), models.EventPaymentSucceeded},
		{"async, failed", sessionEvent("checkout.session.async_payment_failed", unpaid), models.EventPaymentFailed},
		{"another event", sessionEvent("customer.created", map[string]any{"id": "cus_x", "object": "customer"}), models.EventIgnored},
	} {
		payload, header := signed(t, account.WebhookSecret, tc.event)
		ev, err := p.ParseEvent(context.Background(), account, payload, header)
		if err != nil || ev.Kind != tc.kind {
			t.Errorf("%s: %+v, %v; want kind %q", tc.name, ev, err, tc.kind)
			continue
		}
		if tc.kind == models.EventPaymentSucceeded && tc.name == "paid" &&
			(ev.PaymentID != "pi_1" || ev.Amount != 11662 || ev.Currency != "EUR" || ev.InvoiceID != "inv_1" || ev.CustomerID != "cus_1" || ev.MerchantID != "mer_1") {
			t.Errorf("paid event read as %+v", ev)
		}
	}

	setup := map[string]any{"id": "cs_3", "object": "checkout.session", "mode": "setup", "setup_intent": "seti_1", "metadata": meta}
	payload, header := signed(t, account.WebhookSecret, sessionEvent("checkout.session.completed", setup))
	ev, err := p.ParseEvent(context.Background(), account, payload, header)
	if err != nil || ev.Kind != models.EventMethodSaved || ev.Saved == nil || ev.Saved.Method == "" {
		t.Errorf("setup completed: %+v, %v", ev, err)
	}

	payload, header = signed(t, "whsec_someone_else", sessionEvent("checkout.session.completed", paid))
	if _, err := p.ParseEvent(context.Background(), account, payload, header); !errors.Is(err, models.ErrBadSignature) {
		t.Errorf("signed with another secret: %v, want ErrBadSignature", err)
	}
	payload, header = signed(t, account.WebhookSecret, sessionEvent("checkout.session.completed", paid))
	if _, err := p.ParseEvent(context.Background(), account, append(payload, ' '), header); !errors.Is(err, models.ErrBadSignature) {
		t.Errorf("altered payload: %v, want ErrBadSignature", err)
	}
}
