package models_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// BenchmarkMintPortalLink measures the write path of minting on SQLite: one transaction
// with the link, its audit event and the webhook event that announces it, synchronous=FULL.
func BenchmarkMintPortalLink(b *testing.B) {
	s := models.NewStore(testdb.SQLite(b))
	ctx := context.Background()
	m, _ := s.CreateMerchant(ctx, "Bench", "")
	c, _ := s.CreateCustomer(ctx, m.ID, models.SystemActor, models.CustomerInput{Name: ptr("Zoë")})
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.MintPortalLink(ctx, models.MerchantScope(m.ID).Customer(c.ID), models.SystemActor, models.PortalLinkInput{}); err != nil {
				b.Error(err)
			}
		}
	})
}

// invoicedCustomers makes 20 customers with 30 monthly invoices each (three or four years of
// them) and returns the portal scope of the last.
func invoicedCustomers(b *testing.B, s *models.Store) models.Scope {
	ctx := context.Background()
	m, _ := s.CreateMerchant(ctx, "Bench", "")
	var customer string
	for i := range 20 {
		c, _ := s.CreateCustomer(ctx, m.ID, models.SystemActor, models.CustomerInput{Name: ptr(fmt.Sprint("Customer ", i))})
		customer = c.ID
		for j := range 30 {
			issued := time.Now().AddDate(0, -j, 0)
			in := invoiceInput(c.ID, fmt.Sprintf("C%d-%d", i, j))
			in.IssuedAt = &issued
			if _, err := s.CreateInvoice(ctx, m.ID, models.SystemActor, in); err != nil {
				b.Fatal(err)
			}
		}
	}
	return models.CustomerScope(m.ID, customer)
}

// BenchmarkListInvoices measures the invoice list query of a portal page: 25 rows of one
// customer among many.
func BenchmarkListInvoices(b *testing.B) {
	s := models.NewStore(testdb.SQLite(b))
	ctx, sc := context.Background(), invoicedCustomers(b, s)
	b.ResetTimer()
	for b.Loop() {
		rows, _, err := s.ListInvoices(ctx, sc, models.InvoiceFilter{}, models.Page{PerPage: 25})
		if err != nil || len(rows) != 25 {
			b.Fatal(err, len(rows))
		}
	}
}

// BenchmarkInvoiceYears measures the year picker's query on the invoice list (compare
// BenchmarkListInvoices, the list's own query, on the same rows).
func BenchmarkInvoiceYears(b *testing.B) {
	s := models.NewStore(testdb.SQLite(b))
	ctx, sc := context.Background(), invoicedCustomers(b, s)
	b.ResetTimer()
	for b.Loop() {
		if years, err := s.InvoiceYears(ctx, sc); err != nil || len(years) < 3 {
			b.Fatal(err, years)
		}
	}
}

// BenchmarkListCustomerInvoices measures the portal's invoice list query (prepared, scanned
// by hand) on the rows of BenchmarkListInvoices, its GORM counterpart. The Store's clock
// moves a second per call, so the list cache never answers.
func BenchmarkListCustomerInvoices(b *testing.B) {
	var tick atomic.Int64
	start := time.Now()
	s := models.NewStore(testdb.SQLite(b), models.WithClock(func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Second) }))
	ctx, sc := context.Background(), invoicedCustomers(b, s)
	b.ResetTimer()
	for b.Loop() {
		rows, _, err := s.ListCustomerInvoices(ctx, sc, models.InvoiceFilter{}, models.Page{PerPage: 25})
		if err != nil || len(rows) != 25 {
			b.Fatal(err, len(rows))
		}
	}
}
