package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// invoicesPerCustomer fills the invoice list's first page exactly: 25 rows.
const invoicesPerCustomer = 25

// session is one customer of the run, signed in to the portal.
type session struct {
	customerID string
	invoiceID  string // one of the customer's invoices
	cookie     string // "name=value" of the portal session
}

// api calls the merchant API with the demo merchant's key.
type api struct {
	base, key string
	client    *http.Client
}

// post sends a JSON body and decodes the answer into out; want is the status it must have.
func (a api) post(path string, body any, want int, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, _ := http.NewRequest(http.MethodPost, a.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Content-Type", "application/json")
	res, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	answer, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("POST %s: %d %s", path, res.StatusCode, bytes.TrimSpace(answer))
	}
	return json.Unmarshal(answer, out)
}

// setUpSessions creates n customers through the API, each with a full page of invoices,
// and signs each in to the portal through a link minted for it, as a merchant's customers
// would arrive. Eight at a time: the writes queue on the database anyway.
func setUpSessions(p *portico, n int) ([]session, error) {
	a := api{base: p.base, key: p.apiKey, client: &http.Client{}}
	sessions := make([]session, n)
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				sessions[i], errs[i] = setUpSession(a, i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	return sessions, errors.Join(errs...)
}

func setUpSession(a api, i int) (session, error) {
	var s session
	var customer struct{ ID string }
	if err := a.post("/v1/customers", map[string]any{
		"external_id": fmt.Sprintf("bench-%d", i), "name": fmt.Sprintf("Bench Customer %d", i),
		"email": fmt.Sprintf("bench-%d@example.com", i), "address": map[string]string{"country": "DE"},
	}, http.StatusCreated, &customer); err != nil {
		return s, err
	}
	s.customerID = customer.ID
	issued := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, -invoicesPerCustomer, 0)
	for n := range invoicesPerCustomer {
		issued = issued.AddDate(0, 1, 0)
		var invoice struct{ ID string }
		if err := a.post("/v1/invoices", map[string]any{
			"customer_id": customer.ID, "number": fmt.Sprintf("B%03d-%02d", i, n), "currency": "EUR",
			"issued_at": issued, "due_at": issued.AddDate(0, 0, 14), "period_start": issued, "period_end": issued.AddDate(0, 1, 0),
			"lines": []map[string]any{{"description": "Pro plan", "quantity": 1, "unit_amount": 4900 + 100*n, "tax_rate": 1900}},
		}, http.StatusCreated, &invoice); err != nil {
			return s, err
		}
		s.invoiceID = invoice.ID
	}
	var link struct{ URL string }
	if err := a.post("/v1/customers/"+customer.ID+"/portal", map[string]any{"section": "invoices"}, http.StatusCreated, &link); err != nil {
		return s, err
	}
	var err error
	s.cookie, err = openPortal(link.URL)
	return s, err
}

// openPortal opens a portal link like a browser and returns the session cookie header.
// (The cookie is Secure; Go's cookie jar would not send it over the run's plain http.)
func openPortal(link string) (string, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(link)
	if err != nil {
		return "", err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) == 0 {
		return "", fmt.Errorf("opening a portal link: %d", res.StatusCode)
	}
	ck := res.Cookies()[0]
	return ck.Name + "=" + ck.Value, nil
}
