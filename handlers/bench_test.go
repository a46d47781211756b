package handlers_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/portico/portico/handlers"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// benchPage measures one portal page through the real router and middleware on SQLite,
// without the network: session cookie, session query, page query, render, compression.
// The requests rotate over sessions visitors signed in, each with its own cookie.
func benchPage(b *testing.B, path func(f *billing) string, gzip bool, sessions int) {
	f := newBilling(b, testdb.SQLite(b), nil)
	reqs := make([]*http.Request, sessions)
	for i := range reqs {
		v := f.signIn(b, "en")
		reqs[i] = httptest.NewRequest(http.MethodGet, path(f), nil)
		for _, c := range v.cookies {
			reqs[i].AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		if gzip {
			reqs[i].Header.Set("Accept-Encoding", "gzip")
		}
	}
	rotate(b, f.Server.Config.Handler, reqs, "", http.StatusOK)
}

// rotate serves reqs through handler in parallel, each next request the next of reqs (with
// body, when it is not empty), and fails on an answer other than want.
func rotate(b *testing.B, handler http.Handler, reqs []*http.Request, body string, want int) {
	var next atomic.Uint64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := reqs[next.Add(1)%uint64(len(reqs))].Clone(context.Background())
			if body != "" {
				req.Body = io.NopCloser(strings.NewReader(body))
			}
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req)
			if w.Code != want {
				b.Fatalf("status %d: %s", w.Code, w.Body)
			}
		}
	})
}

func BenchmarkInvoiceListPage(b *testing.B) {
	benchPage(b, func(*billing) string { return "/portal/invoices" }, false, 1)
}

// BenchmarkInvoiceListPageSessions rotates the requests over 200 sessions of the customer,
// as a load of many visitors does: each session's cookie and row are its own.
func BenchmarkInvoiceListPageSessions(b *testing.B) {
	benchPage(b, func(*billing) string { return "/portal/invoices" }, false, 200)
}

func BenchmarkInvoiceListPageGzip(b *testing.B) {
	benchPage(b, func(*billing) string { return "/portal/invoices" }, true, 1)
}

func BenchmarkOverviewPage(b *testing.B) {
	benchPage(b, func(*billing) string { return "/portal" }, false, 1)
}

func BenchmarkInvoicePage(b *testing.B) {
	benchPage(b, func(f *billing) string { return "/portal/invoices/" + f.invoices[24].ID }, false, 1)
}

// BenchmarkMintPortalLink measures minting through the real router and middleware on SQLite
// (synchronous=FULL), without the network: API key authentication, the rate limit, the JSON
// body, the transaction with the link, its audit event and webhook event, and the answer.
// The requests rotate over 200 customers, as the load run's do.
func BenchmarkMintPortalLink(b *testing.B) {
	a := newAppWith(b, testdb.SQLite(b), func(o *handlers.Options) { o.APIRate, o.APIBurst = 1e9, 1e9 })
	m, secret := merchantWithKey(b, a.store, "Bench")
	reqs := make([]*http.Request, 200)
	for i := range reqs {
		c, err := a.store.CreateCustomer(context.Background(), m.ID, models.SystemActor, models.CustomerInput{Name: ptr(fmt.Sprint("Customer ", i))})
		if err != nil {
			b.Fatal(err)
		}
		reqs[i] = httptest.NewRequest(http.MethodPost, "/v1/customers/"+c.ID+"/portal", nil)
		reqs[i].Header.Set("Authorization", "Bearer "+secret)
		reqs[i].Header.Set("Content-Type", "application/json")
	}
	rotate(b, a.Server.Config.Handler, reqs, `{"section":"invoices"}`, http.StatusCreated)
}
