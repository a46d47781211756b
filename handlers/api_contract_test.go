package handlers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// contractCall is one request to an operation: its path parameters, query and body.
type contractCall struct {
	params map[string]string
	query  string
	body   map[string]any // nil: no body
}

var contractSeq atomic.Int64

// unique is a fresh value for fields that must be unique (numbers, external IDs).
func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, contractSeq.Add(1)) }

// validCalls gives, for every operation of the document, a request that must succeed. Calls
// that change or remove their target make a fresh one each time.
func validCalls(t *testing.T, w *apiWorld) map[string]func() contractCall {
	post := func(path string, body any) string {
		t.Helper()
		return w.a.call(t, http.MethodPost, path, body).expect(t, http.StatusCreated).str("id")
	}
	line := []any{map[string]any{"description": "Seat", "quantity": 1, "unit_amount": 1000, "tax_rate": 1900}}
	freshInvoice := func() string {
		return post("/v1/invoices", map[string]any{"customer_id": w.customer, "number": unique("C"), "currency": "EUR", "lines": line})
	}
	start, end := time.Now().UTC().AddDate(0, 0, -1), time.Now().UTC().AddDate(0, 1, 0)
	subscription := map[string]any{
		"customer_id": "external:42", "plan_name": "Pro", "currency": "EUR", "unit_amount": 4900, "interval": "month",
		"current_period_start": start.Format(time.RFC3339), "current_period_end": end.Format(time.RFC3339),
	}
	freshSubscription := func() string { return post("/v1/subscriptions", subscription) }
	// Every call gets maps of its own: the test changes them to make invalid requests.
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{"id": "external:42"}
		maps.Copy(m, extra)
		return m
	}
	if _, err := w.app.store.SetPaymentDetails(context.Background(), models.MerchantScope(w.merchantA).Customer(w.customer), models.SystemActor,
		models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: "Zoë", IBAN: "DE89370400440532013000"}); err != nil {
		t.Fatal(err)
	}
	// One endpoint serves the calls that leave it in place (a merchant may have 16); a
	// contact created after it gives it a delivery.
	endpoint := post("/v1/webhook_endpoints", map[string]any{"url": "https://acme.example/" + unique("hook")})
	post("/v1/customers/external:42/contacts", map[string]any{"name": "Announced", "email": "announced@example.com"})
	deliveries := w.a.call(t, http.MethodGet, "/v1/webhook_endpoints/"+endpoint+"/deliveries", nil).expect(t, http.StatusOK)
	data, _ := deliveries.json["data"].([]any)
	if len(data) == 0 {
		t.Fatalf("the new endpoint has no delivery of the contact it was told of: %s", deliveries.body)
	}
	delivery, _ := data[0].(map[string]any)["id"].(string)
	onEndpoint := func() map[string]string { return map[string]string{"id": endpoint} }
	return map[string]func() contractCall{
		"getWebhookEndpoint": func() contractCall { return contractCall{params: onEndpoint()} },
		"updateWebhookEndpoint": func() contractCall {
			return contractCall{params: onEndpoint(), body: map[string]any{"enabled": true}}
		},
		"rotateWebhookSecret":   func() contractCall { return contractCall{params: onEndpoint()} },
		"listWebhookDeliveries": func() contractCall { return contractCall{params: onEndpoint(), query: "state=pending&per_page=10"} },
		"retryWebhookDelivery":  func() contractCall { return contractCall{params: map[string]string{"id": delivery}} },
		"getOpenAPI":            func() contractCall { return contractCall{} },
		"getMerchant":           func() contractCall { return contractCall{} },
		"updateMerchant": func() contractCall {
			return contractCall{body: map[string]any{"accent_color": "#4338ca", "name": "Acme", "vat_id": "DE123456789",
				"address":     map[string]any{"line1": "Hauptstraße 1", "postal_code": "10115", "city": "Berlin", "country": "DE"},
				"favicon_url": "https://acme.example/favicon.png", "powered_by": false,
				"bank_account":      map[string]any{"account_holder": "Acme GmbH", "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"},
				"remittance_format": "{number} / {customer}", "sepa_creditor_id": "DE98ZZZ09999999999",
				"stripe": map[string]any{"secret_key": "rk_test_contract123", "webhook_secret": "whsec_contract123"}}}
		},
		"createCustomer": func() contractCall {
			return contractCall{body: map[string]any{"name": "Ada", "external_id": unique("ext"), "email": "ada@example.com", "address": map[string]any{"country": "NL"}}}
		},
		"listCustomers": func() contractCall { return contractCall{query: "email=zoe@example.com&per_page=10"} },
		"getCustomer":   func() contractCall { return contractCall{params: with(nil)} },
		"updateCustomer": func() contractCall {
			return contractCall{params: with(nil), body: map[string]any{"phone": "+49 30 1234567"}}
		},
		"deleteCustomer": func() contractCall {
			return contractCall{params: map[string]string{"id": post("/v1/customers", map[string]any{"name": "Brief"})}}
		},
		"listContacts": func() contractCall { return contractCall{params: with(nil), query: "sort=name&order=DESC"} },
		"createContact": func() contractCall {
			return contractCall{params: with(nil), body: map[string]any{"name": "Bob", "email": "bob@example.com"}}
		},
		"getContact": func() contractCall { return contractCall{params: with(map[string]string{"contact_id": w.contact})} },
		"updateContact": func() contractCall {
			return contractCall{params: with(map[string]string{"contact_id": w.contact}), body: map[string]any{"role": "Finance"}}
		},
		"deleteContact": func() contractCall {
			id := post("/v1/customers/external:42/contacts", map[string]any{"name": "Gone", "email": "gone@example.com"})
			return contractCall{params: with(map[string]string{"contact_id": id})}
		},
		"listEntitlements": func() contractCall { return contractCall{params: with(nil)} },
		"createEntitlement": func() contractCall {
			return contractCall{params: with(nil), body: map[string]any{"feature_key": "api", "name": "API"}}
		},
		"updateEntitlement": func() contractCall {
			return contractCall{params: with(map[string]string{"entitlement_id": w.entitlement}), body: map[string]any{"usage": 5}}
		},
		"deleteEntitlement": func() contractCall {
			id := post("/v1/customers/external:42/entitlements", map[string]any{"feature_key": "gone", "name": "Gone"})
			return contractCall{params: with(map[string]string{"entitlement_id": id})}
		},
		"getPaymentDetails": func() contractCall { return contractCall{params: with(nil)} },
		"setPaymentDetails": func() contractCall {
			return contractCall{params: with(nil), body: map[string]any{"method": "sepa_debit", "account_holder": "Zoë", "iban": "NL91 ABNA 0417 1643 00"}}
		},
		"mintPortalLink": func() contractCall {
			return contractCall{params: with(nil), body: map[string]any{"expires_in": 3600, "section": "invoices", "send_email": true}}
		},
		"revokeCustomerPortalLinks": func() contractCall { return contractCall{params: with(nil)} },
		"listEmails":                func() contractCall { return contractCall{params: with(nil), query: "status=queued&per_page=10"} },
		"listPortalLinks":           func() contractCall { return contractCall{params: with(nil), query: "page=1"} },
		"revokePortalLink": func() contractCall {
			return contractCall{params: map[string]string{"id": post("/v1/customers/external:42/portal", map[string]any{})}}
		},
		"createInvoice": func() contractCall {
			return contractCall{body: map[string]any{"customer_id": "external:42", "number": unique("INV"), "currency": "EUR", "lines": line, "due_at": end.Format(time.RFC3339)}}
		},
		"listInvoices": func() contractCall { return contractCall{query: "customer_id=external:42&status=open&kind=invoice"} },
		"getInvoice":   func() contractCall { return contractCall{params: map[string]string{"id": w.invoice}} },
		"updateInvoice": func() contractCall {
			return contractCall{params: map[string]string{"id": freshInvoice()}, body: map[string]any{"payment_url": "https://pay.example/inv", "memo": "Thanks", "due_at": end.Format(time.RFC3339)}}
		},
		"getInvoicePDF": func() contractCall { return contractCall{params: map[string]string{"id": w.invoice}} },
		"updateInvoiceStatus": func() contractCall {
			return contractCall{params: map[string]string{"id": freshInvoice()}, body: map[string]any{"status": "void"}}
		},
		"createPayment": func() contractCall {
			return contractCall{body: map[string]any{"customer_id": w.customer, "invoice_id": freshInvoice(), "amount": 1190, "currency": "EUR", "method": "card"}}
		},
		"listPayments": func() contractCall {
			return contractCall{query: "customer_id=" + w.customer + "&invoice_id=" + w.invoice + "&kind=payment"}
		},
		"getPayment":         func() contractCall { return contractCall{params: map[string]string{"id": w.payment}} },
		"createSubscription": func() contractCall { return contractCall{body: maps.Clone(subscription)} },
		"listSubscriptions":  func() contractCall { return contractCall{query: "customer_id=external:42&status=active"} },
		"getSubscription":    func() contractCall { return contractCall{params: map[string]string{"id": w.subscription}} },
		"updateSubscription": func() contractCall {
			return contractCall{params: map[string]string{"id": w.subscription}, body: map[string]any{"plan_name": "Pro plus"}}
		},
		"cancelSubscription": func() contractCall {
			return contractCall{params: map[string]string{"id": freshSubscription()}, body: map[string]any{"at_period_end": true, "reason": "unused"}}
		},
		"resumeSubscription": func() contractCall {
			id := freshSubscription()
			w.a.call(t, http.MethodPost, "/v1/subscriptions/"+id+"/cancel", map[string]any{"at_period_end": true}).expect(t, http.StatusOK)
			return contractCall{params: map[string]string{"id": id}}
		},
		"createWebhookEndpoint": func() contractCall {
			return contractCall{body: map[string]any{"url": "https://acme.example/" + unique("hook")}}
		},
		"listWebhookEndpoints": func() contractCall { return contractCall{} },
		"deleteWebhookEndpoint": func() contractCall {
			return contractCall{params: map[string]string{"id": post("/v1/webhook_endpoints", map[string]any{"url": "https://acme.example/gone"})}}
		},
		"listAuditEvents": func() contractCall { return contractCall{query: "action=customer.created&customer_id=" + w.customer} },
	}
}

// TestContractEveryOperation walks every operation of the OpenAPI document (not a list kept
// by hand): one valid request, then invalid ones made from the document itself — no key,
// an unknown ID, bodies that are not JSON objects, unknown fields, wrong types, bad dates,
// missing required fields, every documented limit and enum crossed, unknown query
// parameters and filter values, a wrong method. Every response must be what the document
// says it is, and the document and the server must agree on which requests are invalid.
func TestContractEveryOperation(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		w := newAPIWorld(t, db)
		c := w.app.contract(t)
		valid := validCalls(t, w)
		walked := 0
		for _, path := range c.doc.Paths.InMatchingOrder() {
			item := c.doc.Paths.Value(path)
			for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
				op := item.Operations()[method]
				t.Run(op.OperationID, func(t *testing.T) {
					call, ok := valid[op.OperationID]
					if !ok {
						t.Fatalf("%s %s has no valid request in validCalls: add one", method, path)
					}
					walked++
					ct := contractTest{t: t, w: w, c: c, path: path, method: method, op: op}
					ct.run(call)
				})
			}
			t.Run("wrong method on "+path, func(t *testing.T) { wrongMethod(t, w, path, item) })
		}
		if walked != len(valid) {
			t.Errorf("walked %d operations, validCalls knows %d: the document lost an operation", walked, len(valid))
		}
	})
}

// contractTest is one operation under test.
type contractTest struct {
	t      *testing.T
	w      *apiWorld
	c      *contract
	path   string // as in the document, relative to /v1
	method string
	op     *openapi3.Operation
}

func (ct *contractTest) url(call contractCall) string {
	p := ct.path
	for name, value := range call.params {
		p = strings.ReplaceAll(p, "{"+name+"}", url.PathEscape(value))
	}
	u := "/v1" + p
	if call.query != "" {
		u += "?" + call.query
	}
	return u
}

// send makes the call with the API key (or without, when key is ""), through the client
// that checks the response against the document.
func (ct *contractTest) send(call contractCall, body any, key string) apiResponse {
	ct.t.Helper()
	client := ct.w.app.api(key)
	return client.call(ct.t, ct.method, ct.url(call), body)
}

// docRejects reports whether the document itself calls the request invalid.
func (ct *contractTest) docRejects(call contractCall, body any) error {
	var reader io.Reader
	if body != nil {
		raw := body.(string)
		reader = strings.NewReader(raw)
	}
	req, _ := http.NewRequest(ct.method, ct.w.app.URL+ct.url(call), reader)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := ct.c.router.FindRoute(req)
	if err != nil {
		return err
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
	})
}

func (ct *contractTest) run(valid func() contractCall) {
	t := ct.t
	secured := ct.op.Security == nil || len(*ct.op.Security) > 0
	key := ct.w.keyA
	if !secured {
		key = ""
	}

	call := valid()
	body := jsonBody(t, call.body)
	if err := ct.docRejects(call, body); err != nil {
		t.Errorf("the valid request breaks the document: %v", err)
	}
	if r := ct.send(call, body, key); r.StatusCode >= 300 {
		t.Fatalf("valid request: %d\n%s", r.StatusCode, r.body)
	}
	if !secured {
		return
	}

	if r := ct.send(valid(), body, ""); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a key: %d, want 401", r.StatusCode)
	}
	for name := range valid().params {
		unknown := valid()
		unknown.params[name] = "zz_unknown"
		if r := ct.send(unknown, jsonBody(t, unknown.body), key); r.StatusCode != http.StatusNotFound {
			t.Errorf("unknown %s: %d, want 404\n%s", name, r.StatusCode, r.body)
		}
	}
	ct.invalidQueries(valid, key)
	if ct.op.RequestBody != nil {
		ct.invalidBodies(valid, key)
	}
}

// expectRejected sends an invalid request and checks that the server answers status with
// param, and that the document rejects the request too.
func (ct *contractTest) expectRejected(what string, call contractCall, body any, key string, status int, param string) {
	t := ct.t
	t.Helper()
	r := ct.send(call, body, key)
	if r.StatusCode != status || r.errorParam() != param {
		t.Errorf("%s: %d param %q, want %d param %q\n%s", what, r.StatusCode, r.errorParam(), status, param, r.body)
	}
	if raw, _ := body.(string); body == nil || json.Valid([]byte(raw)) {
		if err := ct.docRejects(call, body); err == nil {
			t.Errorf("%s: the server refuses it (%d) but the document allows it", what, r.StatusCode)
		}
	}
}

func (ct *contractTest) invalidQueries(valid func() contractCall, key string) {
	params := ct.op.Parameters
	if item := ct.c.doc.Paths.Value(ct.path); item != nil {
		params = append(slices.Clone(item.Parameters), params...)
	}
	hasQuery := false
	for _, p := range params {
		if p.Value.In != openapi3.ParameterInQuery {
			continue
		}
		hasQuery = true
		schema := p.Value.Schema.Value
		call := valid()
		bad := ""
		switch {
		case len(schema.Enum) > 0:
			bad = "bogus"
		case schema.Type.Is(openapi3.TypeInteger):
			bad = "many"
		case p.Value.Name == "customer_id" || p.Value.Name == "invoice_id":
			bad = "zz_unknown" // names nothing: 400, never an empty list
		default:
			continue
		}
		call.query = p.Value.Name + "=" + bad
		r := ct.send(call, jsonBody(ct.t, call.body), key)
		if r.StatusCode != http.StatusBadRequest || r.errorParam() != p.Value.Name {
			ct.t.Errorf("?%s: %d param %q, want 400 naming it\n%s", call.query, r.StatusCode, r.errorParam(), r.body)
		}
	}
	if hasQuery {
		call := valid()
		call.query = "stauts=open"
		if r := ct.send(call, nil, key); r.StatusCode != http.StatusBadRequest || r.errorParam() != "stauts" {
			ct.t.Errorf("an unknown query parameter: %d param %q, want 400", r.StatusCode, r.errorParam())
		}
	}
}

func (ct *contractTest) invalidBodies(valid func() contractCall, key string) {
	t := ct.t
	schema := ct.op.RequestBody.Value.Content.Get("application/json").Schema.Value
	for _, variant := range schema.OneOf {
		// A body of several shapes (payment details: a bank account or a card): test the
		// shape the valid body has.
		var body any
		json.Unmarshal([]byte(jsonBody(t, valid().body).(string)), &body)
		if variant.Value.VisitJSON(body) == nil {
			schema = variant.Value
			break
		}
	}
	for _, raw := range []string{`{"name":`, `null`, `[]`, `"text"`, `{} {}`} {
		ct.expectRejected("body "+raw, valid(), raw, key, http.StatusBadRequest, "")
	}
	call := valid()
	withUnknown := maps.Clone(call.body)
	if withUnknown == nil {
		withUnknown = map[string]any{}
	}
	withUnknown["zz_unknown"] = 1
	ct.expectRejected("an unknown field", call, jsonBody(t, withUnknown), key, http.StatusBadRequest, "zz_unknown")

	for _, name := range schema.Required {
		call := valid()
		delete(call.body, name)
		ct.expectRejected("without required "+name, call, jsonBody(t, call.body), key, http.StatusUnprocessableEntity, name)
	}
	// What the document does not require, the server does not either.
	for name := range valid().body {
		if slices.Contains(schema.Required, name) {
			continue
		}
		call := valid()
		delete(call.body, name)
		if r := ct.send(call, jsonBody(t, call.body), key); r.StatusCode >= 300 {
			t.Errorf("without optional %s: %d, but the document does not require it\n%s", name, r.StatusCode, r.body)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(schema.Properties)) {
		prop := schema.Properties[name].Value
		for _, bad := range badValues(prop) {
			call := valid()
			if call.body == nil {
				call.body = map[string]any{}
			}
			call.body[name] = bad.value
			ct.expectRejected(fmt.Sprintf("%s %s", name, bad.what), call, jsonBody(t, call.body), key, bad.status, name)
			if bad.status == http.StatusBadRequest && bad.what == "not a date" {
				r := ct.send(call, jsonBody(t, call.body), key)
				if msg := r.json["error"].(map[string]any)["message"].(string); strings.Contains(msg, "parsing time") || strings.Contains(msg, "time.Time") {
					t.Errorf("%s: the message shows Go's internals: %q", name, msg)
				}
			}
		}
	}
}

// badValue is a value a property's schema forbids, and the status the server answers it with.
type badValue struct {
	what   string
	value  any
	status int
}

// badValues derives from a property's schema the values that break it: a wrong type
// (400), a bad date (400), and every documented limit crossed (422).
func badValues(s *openapi3.Schema) []badValue {
	var out []badValue
	switch {
	case s.Type == nil || s.Type.IsEmpty():
		return nil // oneOf: a string or an array
	case s.Type.Is(openapi3.TypeString):
		out = append(out, badValue{"as a number", 12345, http.StatusBadRequest})
		if s.Format == "date-time" {
			out = append(out, badValue{"not a date", "yesterday", http.StatusBadRequest})
		}
		if s.MaxLength != nil {
			out = append(out, badValue{"too long", strings.Repeat("x", int(*s.MaxLength)+1), http.StatusUnprocessableEntity})
		}
		if s.MinLength > 0 {
			out = append(out, badValue{"empty", "", http.StatusUnprocessableEntity})
		}
		if len(s.Enum) > 0 {
			out = append(out, badValue{"not in the enum", "bogus", http.StatusUnprocessableEntity})
		}
	case s.Type.Is(openapi3.TypeInteger):
		out = append(out, badValue{"as a string", "12", http.StatusBadRequest})
		if s.Min != nil {
			out = append(out, badValue{"below the minimum", int64(*s.Min) - 1, http.StatusUnprocessableEntity})
		}
		if s.Max != nil {
			out = append(out, badValue{"above the maximum", int64(*s.Max) + 1, http.StatusUnprocessableEntity})
		}
	case s.Type.Is(openapi3.TypeBoolean):
		out = append(out, badValue{"as a string", "yes", http.StatusBadRequest})
	case s.Type.Is(openapi3.TypeArray):
		out = append(out, badValue{"as a string", "x", http.StatusBadRequest})
		if s.MinItems > 0 {
			out = append(out, badValue{"empty", []any{}, http.StatusUnprocessableEntity})
		}
		if s.MaxItems != nil {
			out = append(out, badValue{"too long", make([]any, *s.MaxItems+1), http.StatusUnprocessableEntity})
		}
	case s.Type.Is(openapi3.TypeObject):
		out = append(out, badValue{"as a string", "x", http.StatusBadRequest})
	}
	return out
}

// jsonBody encodes a body for apiClient.call, which sends a string as it is.
func jsonBody(t *testing.T, body map[string]any) any {
	if body == nil {
		return nil
	}
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

// wrongMethod sends a method the path does not take: 405, with Allow naming the methods it
// does take, in the API's error shape.
func wrongMethod(t *testing.T, w *apiWorld, path string, item *openapi3.PathItem) {
	var allowed []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if item.GetOperation(m) != nil {
			allowed = append(allowed, m)
		}
	}
	wrong := ""
	for _, m := range []string{http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodPost, http.MethodGet} {
		if !slices.Contains(allowed, m) {
			wrong = m
			break
		}
	}
	p := path
	for _, param := range []string{"{id}", "{contact_id}", "{entitlement_id}"} {
		p = strings.ReplaceAll(p, param, "x")
	}
	req, _ := http.NewRequest(wrong, w.app.URL+"/v1"+p, nil)
	req.Header.Set("Authorization", "Bearer "+w.keyA)
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusMethodNotAllowed || res.Header.Get("Allow") != strings.Join(allowed, ", ") {
		t.Errorf("%s %s: %d, Allow %q; want 405, Allow %q", wrong, path, res.StatusCode, res.Header.Get("Allow"), strings.Join(allowed, ", "))
	}
	var body any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("405 body is not JSON: %s", raw)
	}
	doc := w.app.contract(t).doc
	if err := doc.Components.Schemas["Error"].Value.VisitJSON(body); err != nil {
		t.Errorf("405 body is not the API's error shape: %v\n%s", err, raw)
	}
}

// TestContractDocumentHasNoMergeKeys keeps YAML merge keys out of the document: a YAML 1.2
// parser reads "<<" as a literal key, so a response merged that way is a response named "<<".
func TestContractDocumentHasNoMergeKeys(t *testing.T) {
	raw, err := os.ReadFile("api/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if mergeKey := regexp.MustCompile(`(?m)^\s*<<\s*:`); mergeKey.Match(raw) {
		t.Error("handlers/api/openapi.yaml holds a YAML merge key")
	}
}
