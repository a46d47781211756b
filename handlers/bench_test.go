package handlers_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/portico/portico/internal/testdb"
)

// benchPage measures one portal page through the real router and middleware on SQLite,
// without the network: session cookie, session query, page query, render, compression.
func benchPage(b *testing.B, path func(f *billing) string, gzip bool) {
	f := newBilling(b, testdb.SQLite(b), nil)
	v := f.signIn(b, "en")
	req := httptest.NewRequest(http.MethodGet, path(f), nil)
	for _, c := range v.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	handler := f.Server.Config.Handler
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			handler.ServeHTTP(w, req.Clone(req.Context()))
			if w.Code != http.StatusOK {
				b.Fatalf("status %d", w.Code)
			}
			io.Copy(io.Discard, w.Body)
		}
	})
}

func BenchmarkInvoiceListPage(b *testing.B) {
	benchPage(b, func(*billing) string { return "/portal/invoices" }, false)
}

func BenchmarkInvoiceListPageGzip(b *testing.B) {
	benchPage(b, func(*billing) string { return "/portal/invoices" }, true)
}

func BenchmarkOverviewPage(b *testing.B) {
	benchPage(b, func(*billing) string { return "/portal" }, false)
}

func BenchmarkInvoicePage(b *testing.B) {
	benchPage(b, func(f *billing) string { return "/portal/invoices/" + f.invoices[24].ID }, false)
}
