package handlers_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// apiWorld is two merchants with a key each; merchant A has a customer (external ID 42)
// with one of everything, made through the API.
type apiWorld struct {
	app                  *app
	a, b                 *apiClient
	keyA, merchantA      string
	customer, contact    string
	invoice, payment     string
	subscription, link   string
	entitlement, hook    string
	creditNote, invoice2 string
}

func newAPIWorld(t *testing.T, db *models.DB) *apiWorld {
	t.Helper()
	app := newApp(t, db)
	merchantA, keyA := merchantWithKey(t, app.store, "Acme")
	_, keyB := merchantWithKey(t, app.store, "Other")
	w := &apiWorld{app: app, a: app.api(keyA), b: app.api(keyB), keyA: keyA, merchantA: merchantA.ID}
	post := func(path string, body any) string {
		t.Helper()
		return w.a.call(t, http.MethodPost, path, body).expect(t, http.StatusCreated).str("id")
	}
	w.customer = post("/v1/customers", map[string]any{
		"external_id": "42", "name": "Zoë Müller-Łukasiewicz", "email": "zoe@example.com",
		"address": map[string]any{"line1": "Hauptstraße 1", "city": "Berlin", "country": "DE"},
	})
	w.contact = post("/v1/customers/external:42/contacts", map[string]any{"name": "Ada", "email": "ada@example.com", "role": "Accounts"})
	w.invoice = post("/v1/invoices", map[string]any{
		"customer_id": "external:42", "number": "INV-1", "currency": "EUR", "due_at": time.Now().AddDate(0, 0, 14).Format(time.RFC3339),
		"lines": []any{map[string]any{"description": "Pro plan", "quantity": 2, "unit_amount": 4900, "tax_rate": 1900}},
		"total": 11662,
	})
	w.invoice2 = post("/v1/invoices", map[string]any{
		"customer_id": w.customer, "number": "INV-2", "currency": "EUR",
		"lines": []any{map[string]any{"description": "Setup", "quantity": 1, "unit_amount": 1000}},
	})
	w.creditNote = post("/v1/invoices", map[string]any{
		"customer_id": w.customer, "kind": "credit_note", "number": "CN-1", "currency": "EUR", "credited_invoice_id": w.invoice,
		"lines": []any{map[string]any{"description": "Goodwill", "quantity": 1, "unit_amount": 500}},
	})
	w.payment = post("/v1/payments", map[string]any{"customer_id": w.customer, "invoice_id": w.invoice, "amount": 5000, "currency": "EUR", "method": "card"})
	w.subscription = post("/v1/subscriptions", map[string]any{
		"customer_id": "external:42", "plan_name": "Pro", "currency": "EUR", "unit_amount": 4900, "interval": "month",
		"current_period_start": time.Now().AddDate(0, 0, -3).Format(time.RFC3339), "current_period_end": time.Now().AddDate(0, 0, 27).Format(time.RFC3339),
	})
	w.entitlement = post("/v1/customers/external:42/entitlements", map[string]any{"feature_key": "seats", "name": "Seats", "limit": 10, "usage": 3})
	w.link = post("/v1/customers/external:42/portal", map[string]any{"section": "invoices"})
	w.hook = post("/v1/webhook_endpoints", map[string]any{"url": "https://acme.example/hooks"})
	return w
}

func TestAPIResources(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		w := newAPIWorld(t, db)
		api := w.a

		t.Run("customers", func(t *testing.T) {
			byExternal := api.call(t, http.MethodGet, "/v1/customers/external:42", nil).expect(t, http.StatusOK)
			if byExternal.str("id") != w.customer || byExternal.str("name") != "Zoë Müller-Łukasiewicz" {
				t.Errorf("external:42 = %s", byExternal.body)
			}
			patched := api.call(t, http.MethodPatch, "/v1/customers/"+w.customer, map[string]any{"phone": "+49 30 1234567"}).expect(t, http.StatusOK)
			if patched.str("phone") != "+49 30 1234567" || patched.str("email") != "zoe@example.com" {
				t.Errorf("partial update lost fields: %s", patched.body)
			}
			dup := api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Twin", "external_id": "42"}).expect(t, http.StatusConflict)
			if dup.errorParam() != "external_id" {
				t.Errorf("duplicate external ID: %s", dup.body)
			}
			list := api.call(t, http.MethodGet, "/v1/customers?per_page=1", nil).expect(t, http.StatusOK)
			if list.json["total"] != float64(1) || list.json["has_more"] != false {
				t.Errorf("list = %s", list.body)
			}
			api.call(t, http.MethodGet, "/v1/customers/cus_01aaaaaaaaaaaaaaaaaaaaaaaa", nil).expect(t, http.StatusNotFound)
			api.call(t, http.MethodGet, "/v1/customers/external:nope", nil).expect(t, http.StatusNotFound)
			other := api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Gone"}).expect(t, http.StatusCreated).str("id")
			api.call(t, http.MethodDelete, "/v1/customers/"+other, nil).expect(t, http.StatusNoContent)
			api.call(t, http.MethodGet, "/v1/customers/"+other, nil).expect(t, http.StatusNotFound)
		})

		t.Run("contacts", func(t *testing.T) {
			path := "/v1/customers/external:42/contacts"
			for _, name := range []string{"Bob", "Carol", "Dave"} {
				api.call(t, http.MethodPost, path, map[string]any{"name": name, "email": strings.ToLower(name) + "@example.com", "role": "IT"}).expect(t, http.StatusCreated)
			}
			page := api.call(t, http.MethodGet, path+"?sort=name&order=DESC&per_page=2&page=1", nil).expect(t, http.StatusOK)
			data := page.json["data"].([]any)
			if len(data) != 2 || data[0].(map[string]any)["name"] != "Dave" || page.json["has_more"] != true || page.json["total"] != float64(4) {
				t.Errorf("sorted page = %s", page.body)
			}
			api.call(t, http.MethodGet, path+"?sort=password", nil).expect(t, http.StatusBadRequest)
			api.call(t, http.MethodGet, path+"?order=sideways", nil).expect(t, http.StatusBadRequest)
			got := api.call(t, http.MethodPatch, path+"/"+w.contact, map[string]any{"role": "Finance"}).expect(t, http.StatusOK)
			if got.str("role") != "Finance" || got.str("name") != "Ada" {
				t.Errorf("patched contact = %s", got.body)
			}
			bad := api.call(t, http.MethodPatch, path+"/"+w.contact, map[string]any{"email": "ada"}).expect(t, http.StatusUnprocessableEntity)
			if bad.errorParam() != "email" {
				t.Errorf("bad email param = %q", bad.errorParam())
			}
			api.call(t, http.MethodGet, path+"/"+w.contact, nil).expect(t, http.StatusOK)
			api.call(t, http.MethodDelete, path+"/"+w.contact, nil).expect(t, http.StatusNoContent)
			api.call(t, http.MethodGet, path+"/"+w.contact, nil).expect(t, http.StatusNotFound)
		})

		t.Run("invoices", func(t *testing.T) {
			inv := api.call(t, http.MethodGet, "/v1/invoices/"+w.invoice, nil).expect(t, http.StatusOK)
			// 11662 less the 500 credit note and the 5000 payment.
			if inv.json["total"] != float64(11662) || inv.json["amount_credited"] != float64(500) || inv.json["amount_due"] != float64(6162) ||
				inv.str("pdf") != "http://portico.test/v1/invoices/"+w.invoice+"/pdf" {
				t.Errorf("invoice = %s", inv.body)
			}
			mismatch := api.call(t, http.MethodPost, "/v1/invoices", map[string]any{
				"customer_id": w.customer, "number": "INV-X", "currency": "EUR", "total": 1,
				"lines": []any{map[string]any{"description": "x", "quantity": 1, "unit_amount": 100}},
			}).expect(t, http.StatusUnprocessableEntity)
			if mismatch.errorParam() != "total" {
				t.Errorf("total mismatch param = %q", mismatch.errorParam())
			}
			for body, param := range map[string]string{
				`{"customer_id":"external:42","number":"INV-Y","currency":"EURO","lines":[{"description":"x","quantity":1,"unit_amount":1}]}`:    "currency",
				`{"customer_id":"external:42","number":"INV-Y","currency":"EUR","lines":[{"description":"x","quantity":1,"unit_amount":-1}]}`:    "lines[0].unit_amount",
				`{"customer_id":"external:42","number":"INV-Y","currency":"EUR","lines":[]}`:                                                     "lines",
				`{"customer_id":"external:nobody","number":"INV-Y","currency":"EUR","lines":[{"description":"x","quantity":1,"unit_amount":1}]}`: "customer_id",
			} {
				if got := api.call(t, http.MethodPost, "/v1/invoices", body).expect(t, http.StatusUnprocessableEntity).errorParam(); got != param {
					t.Errorf("%s: param %q, want %q", body, got, param)
				}
			}
			api.call(t, http.MethodPost, "/v1/invoices", `{"customer_id":"external:42","number":"INV-Y","currency":"EUR","issued_at":"yesterday","lines":[]}`).expect(t, http.StatusBadRequest)
			api.call(t, http.MethodPost, "/v1/invoices", map[string]any{
				"customer_id": w.customer, "number": "INV-1", "currency": "EUR",
				"lines": []any{map[string]any{"description": "x", "quantity": 1, "unit_amount": 1}},
			}).expect(t, http.StatusConflict)
			list := api.call(t, http.MethodGet, "/v1/invoices?customer_id=external:42&status=open", nil).expect(t, http.StatusOK)
			if list.json["total"] != float64(2) {
				t.Errorf("open invoices = %s", list.body)
			}
			voided := api.call(t, http.MethodPost, "/v1/invoices/"+w.invoice2+"/status", map[string]any{"status": "void"}).expect(t, http.StatusOK)
			if voided.str("status") != "void" || voided.json["amount_due"] != float64(0) {
				t.Errorf("voided = %s", voided.body)
			}
			api.call(t, http.MethodPost, "/v1/invoices/"+w.invoice2+"/status", map[string]any{"status": "paid"}).expect(t, http.StatusConflict)
			api.call(t, http.MethodGet, "/v1/invoices/inv_01aaaaaaaaaaaaaaaaaaaaaaaa", nil).expect(t, http.StatusNotFound)
			pdf := api.call(t, http.MethodGet, "/v1/invoices/"+w.invoice+"/pdf", nil).expect(t, http.StatusOK)
			if pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(string(pdf.body), "%PDF-") {
				t.Errorf("invoice PDF: %q %.10q", pdf.Header.Get("Content-Type"), pdf.body)
			}
			if note := api.call(t, http.MethodGet, "/v1/invoices/"+w.creditNote, nil).expect(t, http.StatusOK); note.str("kind") != "credit_note" || note.str("credited_invoice_id") != w.invoice {
				t.Errorf("credit note = %s", note.body)
			}
		})

		t.Run("payments", func(t *testing.T) {
			pay := api.call(t, http.MethodPost, "/v1/payments", map[string]any{"customer_id": w.customer, "invoice_id": w.invoice, "amount": 6162, "currency": "EUR", "method": "bank_transfer"}).expect(t, http.StatusCreated)
			inv := api.call(t, http.MethodGet, "/v1/invoices/"+w.invoice, nil).expect(t, http.StatusOK)
			if inv.str("status") != "paid" || inv.json["amount_due"] != float64(0) {
				t.Errorf("after paying in full: %s", inv.body)
			}
			api.call(t, http.MethodGet, "/v1/payments/"+pay.str("id"), nil).expect(t, http.StatusOK)
			api.call(t, http.MethodPost, "/v1/payments", map[string]any{"customer_id": w.customer, "amount": -5, "currency": "EUR", "method": "card"}).expect(t, http.StatusUnprocessableEntity)
			api.call(t, http.MethodPost, "/v1/payments", map[string]any{"customer_id": w.customer, "amount": 5, "currency": "EUR", "amount_cents": 5}).expect(t, http.StatusBadRequest)
			list := api.call(t, http.MethodGet, "/v1/payments?invoice_id="+w.invoice, nil).expect(t, http.StatusOK)
			if list.json["total"] != float64(2) {
				t.Errorf("payments of the invoice = %s", list.body)
			}
		})

		t.Run("subscriptions", func(t *testing.T) {
			path := "/v1/subscriptions/" + w.subscription
			api.call(t, http.MethodPatch, path, map[string]any{"plan_name": "Pro plus", "unit_amount": 5900}).expect(t, http.StatusOK)
			api.call(t, http.MethodPatch, path, map[string]any{"interval": "fortnight"}).expect(t, http.StatusUnprocessableEntity)
			scheduled := api.call(t, http.MethodPost, path+"/cancel", map[string]any{"at_period_end": true, "reason": "too_expensive"}).expect(t, http.StatusOK)
			if scheduled.json["cancel_at_period_end"] != true || scheduled.str("status") != "active" {
				t.Errorf("scheduled = %s", scheduled.body)
			}
			api.call(t, http.MethodPost, path+"/cancel", map[string]any{"at_period_end": true}).expect(t, http.StatusConflict)
			resumed := api.call(t, http.MethodPost, path+"/resume", nil).expect(t, http.StatusOK)
			if resumed.json["cancel_at_period_end"] != false {
				t.Errorf("resumed = %s", resumed.body)
			}
			api.call(t, http.MethodPost, path+"/resume", nil).expect(t, http.StatusConflict)
			canceled := api.call(t, http.MethodPost, path+"/cancel", map[string]any{}).expect(t, http.StatusOK)
			if canceled.str("status") != "canceled" {
				t.Errorf("canceled = %s", canceled.body)
			}
			list := api.call(t, http.MethodGet, "/v1/subscriptions?customer_id=external:42&status=canceled", nil).expect(t, http.StatusOK)
			if list.json["total"] != float64(1) {
				t.Errorf("canceled subscriptions = %s", list.body)
			}
		})

		t.Run("entitlements", func(t *testing.T) {
			path := "/v1/customers/external:42/entitlements"
			api.call(t, http.MethodPatch, path+"/"+w.entitlement, map[string]any{"usage": 4}).expect(t, http.StatusOK)
			api.call(t, http.MethodPost, path, map[string]any{"feature_key": "Not A Key", "name": "x"}).expect(t, http.StatusUnprocessableEntity)
			if list := api.call(t, http.MethodGet, path, nil).expect(t, http.StatusOK); len(list.json["data"].([]any)) != 1 {
				t.Errorf("entitlements = %s", list.body)
			}
			api.call(t, http.MethodDelete, path+"/"+w.entitlement, nil).expect(t, http.StatusNoContent)
			api.call(t, http.MethodDelete, path+"/"+w.entitlement, nil).expect(t, http.StatusNotFound)
		})

		t.Run("payment details", func(t *testing.T) {
			path := "/v1/customers/external:42/payment_details"
			api.call(t, http.MethodGet, path, nil).expect(t, http.StatusNotFound)
			set := api.call(t, http.MethodPut, path, map[string]any{"method": "sepa_debit", "account_holder": "Zoë", "iban": "DE89370400440532013000"}).expect(t, http.StatusOK)
			if strings.Contains(set.str("iban"), "0532013") {
				t.Errorf("the API shows the full IBAN: %s", set.body)
			}
			api.call(t, http.MethodPut, path, map[string]any{"method": "sepa_debit", "account_holder": "Zoë", "iban": "DE89370400440532013001"}).expect(t, http.StatusUnprocessableEntity)
			api.call(t, http.MethodPut, path, map[string]any{"method": "card", "card_brand": "visa", "card_last4": "4242", "card_exp_month": 12, "card_exp_year": 2030}).expect(t, http.StatusOK)
		})

		t.Run("portal links", func(t *testing.T) {
			minted := api.call(t, http.MethodPost, "/v1/customers/external:42/portal", map[string]any{
				"expires_in": 3600, "frame_ancestors": "https://shop.example *.example.com", "return_url": "https://shop.example/account", "locale": "de",
			}).expect(t, http.StatusCreated)
			if !strings.HasPrefix(minted.str("url"), "http://portico.test/p/") || minted.str("customer_id") != w.customer || minted.str("expires_at") == "" {
				t.Errorf("minted = %s", minted.body)
			}
			api.call(t, http.MethodPost, "/v1/customers/external:42/portal", map[string]any{"frame_ancestors": []string{"https://a.example", "https://b.example"}}).expect(t, http.StatusCreated)
			for _, bad := range []map[string]any{
				{"expires_in": 30}, {"expires_in": 90*86400 + 1}, {"frame_ancestors": "*"}, {"frame_ancestors": "'self'"},
				{"return_url": "javascript:alert(1)"}, {"section": "invoice:inv_01aaaaaaaaaaaaaaaaaaaaaaaa"}, {"locale": "xx"},
			} {
				api.call(t, http.MethodPost, "/v1/customers/external:42/portal", bad).expect(t, http.StatusUnprocessableEntity)
			}
			api.call(t, http.MethodPost, "/v1/customers/external:42/portal", map[string]any{"frame_ancestors": 7}).expect(t, http.StatusBadRequest)
			list := api.call(t, http.MethodGet, "/v1/customers/external:42/portal_links", nil).expect(t, http.StatusOK)
			if list.json["total"] != float64(3) || strings.Contains(string(list.body), "/p/") {
				t.Errorf("links = %s", list.body)
			}
			api.call(t, http.MethodDelete, "/v1/portal_links/"+w.link, nil).expect(t, http.StatusNoContent)
			api.call(t, http.MethodDelete, "/v1/portal_links/pl_01aaaaaaaaaaaaaaaaaaaaaaaa", nil).expect(t, http.StatusNotFound)
		})

		t.Run("merchant settings", func(t *testing.T) {
			got := api.call(t, http.MethodPatch, "/v1/merchant", map[string]any{
				"accent_color": "#4338ca", "logo_url": "https://acme.example/logo.svg", "cancellation_mode": "immediately", "editable_fields": []string{"email"},
			}).expect(t, http.StatusOK)
			if got.str("accent_color") != "#4338ca" || got.str("cancellation_mode") != "immediately" {
				t.Errorf("settings = %s", got.body)
			}
			for _, bad := range []map[string]any{
				{"logo_url": "http://acme.example/logo.svg"}, {"accent_color": "blue"}, {"cancellation_mode": "never"}, {"editable_fields": []string{"password"}},
			} {
				api.call(t, http.MethodPatch, "/v1/merchant", bad).expect(t, http.StatusUnprocessableEntity)
			}
			api.call(t, http.MethodGet, "/v1/merchant", nil).expect(t, http.StatusOK)
		})

		t.Run("webhooks and audit", func(t *testing.T) {
			api.call(t, http.MethodPost, "/v1/webhook_endpoints", map[string]any{"url": "ftp://acme.example"}).expect(t, http.StatusUnprocessableEntity)
			api.call(t, http.MethodGet, "/v1/webhook_endpoints", nil).expect(t, http.StatusOK)
			api.call(t, http.MethodDelete, "/v1/webhook_endpoints/"+w.hook, nil).expect(t, http.StatusNoContent)
			events := api.call(t, http.MethodGet, "/v1/audit_events?action=customer.created", nil).expect(t, http.StatusOK)
			first := events.json["data"].([]any)
			if len(first) == 0 || first[0].(map[string]any)["actor_type"] != "api_key" {
				t.Errorf("audit events = %s", events.body)
			}
		})
	})
}

// TestAPITenantIsolation tries every endpoint that takes an ID with merchant A's IDs and
// merchant B's key: each is 404, and nothing of A's changes.
func TestAPITenantIsolation(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		w := newAPIWorld(t, db)
		before := w.a.call(t, http.MethodGet, "/v1/audit_events?per_page=1", nil).json["total"]
		for _, tc := range []struct {
			method, path string
			body         any
		}{
			{http.MethodGet, "/v1/customers/" + w.customer, nil},
			{http.MethodGet, "/v1/customers/external:42", nil},
			{http.MethodPatch, "/v1/customers/" + w.customer, map[string]any{"name": "Mallory"}},
			{http.MethodDelete, "/v1/customers/" + w.customer, nil},
			{http.MethodGet, "/v1/customers/" + w.customer + "/contacts", nil},
			{http.MethodPost, "/v1/customers/" + w.customer + "/contacts", map[string]any{"name": "M", "email": "m@example.com"}},
			{http.MethodGet, "/v1/customers/" + w.customer + "/contacts/" + w.contact, nil},
			{http.MethodPatch, "/v1/customers/" + w.customer + "/contacts/" + w.contact, map[string]any{"name": "M"}},
			{http.MethodDelete, "/v1/customers/" + w.customer + "/contacts/" + w.contact, nil},
			{http.MethodGet, "/v1/customers/" + w.customer + "/entitlements", nil},
			{http.MethodPost, "/v1/customers/" + w.customer + "/entitlements", map[string]any{"feature_key": "x", "name": "X"}},
			{http.MethodPatch, "/v1/customers/" + w.customer + "/entitlements/" + w.entitlement, map[string]any{"usage": 9}},
			{http.MethodDelete, "/v1/customers/" + w.customer + "/entitlements/" + w.entitlement, nil},
			{http.MethodGet, "/v1/customers/" + w.customer + "/payment_details", nil},
			{http.MethodPut, "/v1/customers/" + w.customer + "/payment_details", map[string]any{"method": "card", "card_brand": "visa", "card_last4": "4242", "card_exp_month": 1, "card_exp_year": 2030}},
			{http.MethodPost, "/v1/customers/" + w.customer + "/portal", map[string]any{}},
			{http.MethodGet, "/v1/customers/" + w.customer + "/portal_links", nil},
			{http.MethodDelete, "/v1/portal_links/" + w.link, nil},
			{http.MethodGet, "/v1/invoices/" + w.invoice, nil},
			{http.MethodGet, "/v1/invoices/" + w.invoice + "/pdf", nil},
			{http.MethodPost, "/v1/invoices/" + w.invoice + "/status", map[string]any{"status": "void"}},
			{http.MethodGet, "/v1/payments/" + w.payment, nil},
			{http.MethodGet, "/v1/subscriptions/" + w.subscription, nil},
			{http.MethodPatch, "/v1/subscriptions/" + w.subscription, map[string]any{"plan_name": "M"}},
			{http.MethodPost, "/v1/subscriptions/" + w.subscription + "/cancel", map[string]any{}},
			{http.MethodPost, "/v1/subscriptions/" + w.subscription + "/resume", nil},
			{http.MethodDelete, "/v1/webhook_endpoints/" + w.hook, nil},
		} {
			if r := w.b.call(t, tc.method, tc.path, tc.body); r.StatusCode != http.StatusNotFound {
				t.Errorf("merchant B: %s %s → %d, want 404", tc.method, tc.path, r.StatusCode)
			}
		}
		// Bodies that name A's rows are invalid references for B, not a way in.
		for _, tc := range []struct {
			path, param string
			body        any
		}{
			{"/v1/invoices", "customer_id", map[string]any{"customer_id": w.customer, "number": "B-1", "currency": "EUR", "lines": []any{map[string]any{"description": "x", "quantity": 1, "unit_amount": 1}}}},
			{"/v1/payments", "customer_id", map[string]any{"customer_id": w.customer, "amount": 1, "currency": "EUR", "method": "card"}},
			{"/v1/subscriptions", "customer_id", map[string]any{"customer_id": "external:42", "plan_name": "x", "currency": "EUR", "unit_amount": 1, "interval": "month", "current_period_start": time.Now().Format(time.RFC3339), "current_period_end": time.Now().AddDate(0, 1, 0).Format(time.RFC3339)}},
		} {
			if r := w.b.call(t, http.MethodPost, tc.path, tc.body); r.StatusCode != http.StatusUnprocessableEntity || r.errorParam() != tc.param {
				t.Errorf("merchant B: POST %s naming A's customer → %d %q", tc.path, r.StatusCode, r.errorParam())
			}
		}
		for _, list := range []string{"/v1/customers", "/v1/invoices", "/v1/payments", "/v1/subscriptions", "/v1/audit_events", "/v1/webhook_endpoints"} {
			r := w.b.call(t, http.MethodGet, list, nil).expect(t, http.StatusOK)
			if strings.Contains(string(r.body), w.customer) || strings.Contains(string(r.body), "Zoë") {
				t.Errorf("merchant B's %s shows merchant A's rows: %s", list, r.body)
			}
		}
		if after := w.a.call(t, http.MethodGet, "/v1/audit_events?per_page=1", nil).json["total"]; after != before {
			t.Errorf("merchant B's requests changed merchant A's data: %v audit events, then %v", before, after)
		}
		if c := w.a.call(t, http.MethodGet, "/v1/customers/"+w.customer, nil).expect(t, http.StatusOK); c.str("name") != "Zoë Müller-Łukasiewicz" {
			t.Errorf("customer changed: %s", c.body)
		}
	})
}

func TestAPIIdempotency(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		app := newApp(t, db)
		_, key := merchantWithKey(t, app.store, "Acme")
		api := app.api(key)
		body := map[string]any{"name": "Zoë", "external_id": "idem-1"}

		first := api.call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", "k-1").expect(t, http.StatusCreated)
		replay := api.call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", "k-1").expect(t, http.StatusCreated)
		if string(replay.body) != string(first.body) || replay.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay = %s, want %s", replay.body, first.body)
		}
		conflict := api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Other"}, "Idempotency-Key", "k-1").expect(t, http.StatusConflict)
		if conflict.errorCode() != "idempotency_key_reused" {
			t.Errorf("conflict = %s", conflict.body)
		}
		// A rejected request is replayed too: the key stands for that answer.
		bad := map[string]any{"name": ""}
		api.call(t, http.MethodPost, "/v1/customers", bad, "Idempotency-Key", "k-2").expect(t, http.StatusUnprocessableEntity)
		api.call(t, http.MethodPost, "/v1/customers", bad, "Idempotency-Key", "k-2").expect(t, http.StatusUnprocessableEntity)
		api.call(t, http.MethodPost, "/v1/customers", body, "Idempotency-Key", strings.Repeat("k", 256)).expect(t, http.StatusBadRequest)

		// 20 concurrent requests with one key: one customer, the rest replay or wait.
		var wg sync.WaitGroup
		statuses := make([]int, 20)
		for i := range statuses {
			wg.Go(func() {
				r := api.call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Race", "external_id": "race"}, "Idempotency-Key", "k-race")
				statuses[i] = r.StatusCode
			})
		}
		wg.Wait()
		created := 0
		for _, s := range statuses {
			switch s {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
			default:
				t.Errorf("concurrent request: %d", s)
			}
		}
		list := api.call(t, http.MethodGet, "/v1/customers?per_page=100", nil).expect(t, http.StatusOK)
		if n := strings.Count(string(list.body), `"external_id":"race"`); n != 1 || created == 0 {
			t.Errorf("20 concurrent same-key POSTs made %d customers (%d answered 201)", n, created)
		}

		// Another merchant's same key is its own.
		_, otherKey := merchantWithKey(t, app.store, "Other")
		app.api(otherKey).call(t, http.MethodPost, "/v1/customers", map[string]any{"name": "Other"}, "Idempotency-Key", "k-1").expect(t, http.StatusCreated)
	})
}
