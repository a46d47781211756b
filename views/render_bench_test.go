package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/portico/portico/models"
)

// BenchmarkRenderInvoicesPage renders a page of 25 invoices, without database or network:
// the templ share of the invoice list's cost.
func BenchmarkRenderInvoicesPage(b *testing.B) {
	catalog, err := LoadCatalog()
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, time.November, 24, 12, 0, 0, 0, time.UTC)
	var invoices []models.Invoice
	for i := range 25 {
		issued := now.AddDate(0, -i, 0)
		due, end := issued.AddDate(0, 0, 14), issued.AddDate(0, 1, 0)
		invoices = append(invoices, models.Invoice{
			ID: fmt.Sprintf("inv_%026d", i), Kind: models.KindInvoice, Number: fmt.Sprintf("ACME-%04d", i),
			Status: models.StatusPaid, Currency: "EUR", Total: 5831, IssuedAt: issued, DueAt: &due, PeriodStart: &issued, PeriodEnd: &end,
		})
	}
	v := InvoiceListView{
		Invoices: NewInvoiceRows(invoices, now),
		Pager:    NewPager(models.PageInfo{Page: 1, PerPage: 25, Total: 27}, len(invoices), func(n int) string { return InvoicesURL("", n) }),
	}
	p := &Page{T: catalog.Translator("de"), Title: "Rechnungen", Stylesheet: "/static/portico.css", Brand: Brand{Name: "Acme Cloud"},
		Nav: &Nav{Current: SectionInvoices, CSRFToken: "token", Path: "/portal/invoices"}}
	b.ReportAllocs()
	for b.Loop() {
		if err := InvoicesPage(p, v).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
