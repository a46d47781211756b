package handlers_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// fuzzTarget is one API under fuzzing: whatever the body, the answer is never a 5xx, and a
// request that does not succeed leaves no trace (no row, no audit event).
type fuzzTarget struct {
	app      *app
	api      *apiClient
	merchant *models.Merchant
}

func newFuzzTarget(f *testing.F) *fuzzTarget {
	a := newApp(f, testdb.SQLite(f))
	m, key := merchantWithKey(f, a.store, "Fuzz")
	name, ext := "Zoë", "fuzz-1"
	if _, err := a.store.CreateCustomer(context.Background(), m.ID, models.SystemActor, models.CustomerInput{Name: &name, ExternalID: &ext}); err != nil {
		f.Fatal(err)
	}
	return &fuzzTarget{app: a, api: a.api(key), merchant: m}
}

// rows counts what a failed request must not have added.
func (ft *fuzzTarget) rows(t *testing.T) [3]int64 {
	ctx, all := context.Background(), models.Page{PerPage: 1}
	_, customers, err1 := ft.app.store.ListCustomers(ctx, ft.merchant.ID, "", all)
	_, invoices, err2 := ft.app.store.ListInvoices(ctx, models.MerchantScope(ft.merchant.ID), models.InvoiceFilter{}, all)
	_, events, err3 := ft.app.store.ListAuditEvents(ctx, ft.merchant.ID, models.AuditFilter{}, all)
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return [3]int64{customers.Total, invoices.Total, events.Total}
}

func (ft *fuzzTarget) post(t *testing.T, path string, body []byte) {
	before := ft.rows(t)
	r := ft.api.call(t, http.MethodPost, path, string(body))
	if r.StatusCode == http.StatusCreated {
		return
	}
	if after := ft.rows(t); after != before {
		t.Errorf("POST %s answered %d but changed rows %v → %v\n%s", path, r.StatusCode, before, after, body)
	}
}

func FuzzCreateCustomer(f *testing.F) {
	for _, seed := range []string{
		`{"name":"Zoë Müller-Łukasiewicz","email":"zoe@example.com","address":{"country":"DE"}}`,
		`{"name":"Дмитрий","external_id":"fuzz-1"}`,
		`{"name":""}`, `{"name":null}`, `{"name":1e309}`, `{"address":[]}`, `{"email":"a@b"}`,
		`{"name":"\u0000"}`, `{"name":"x","preferred_locale":"xx"}`, `[]`, `"x"`, `{`, ``, `{"name":"x"}{"name":"y"}`,
	} {
		f.Add([]byte(seed))
	}
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body []byte) { ft.post(t, "/v1/customers", body) })
}

func FuzzCreateInvoice(f *testing.F) {
	for _, seed := range []string{
		`{"customer_id":"external:fuzz-1","number":"F-1","currency":"EUR","lines":[{"description":"x","quantity":1,"unit_amount":100,"tax_rate":1900}]}`,
		`{"customer_id":"external:fuzz-1","number":"F-2","currency":"EUR","lines":[{"description":"x","quantity":9223372036854775807,"unit_amount":9223372036854775807}]}`,
		`{"customer_id":"external:fuzz-1","number":"F-3","currency":"JPY","total":5,"lines":[{"description":"x","quantity":1,"unit_amount":1}]}`,
		`{"customer_id":"external:fuzz-1","number":"F-4","currency":"EUR","kind":"credit_note","credited_invoice_id":"inv_x","lines":[{"description":"x","quantity":1,"unit_amount":1}]}`,
		`{"customer_id":"external:fuzz-1","number":"F-5","currency":"EUR","due_at":"2026-01-01T00:00:00Z","issued_at":"2026-02-01T00:00:00Z","lines":[{"description":"x","quantity":1,"unit_amount":1}]}`,
		`{"customer_id":"cus_nope","number":"F-6","currency":"EUR","lines":[]}`,
		`{"lines":[{"quantity":-1}]}`, `{"lines":null}`, `{"number":"F-7","currency":"eur"}`, `{}`, `null`,
	} {
		f.Add([]byte(seed))
	}
	ft := newFuzzTarget(f)
	f.Fuzz(func(t *testing.T, body []byte) { ft.post(t, "/v1/invoices", body) })
}
