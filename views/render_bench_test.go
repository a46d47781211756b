package views

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/portico/portico/models"
)

// benchRender renders a page without database or network: the templ share of its cost.
func benchRender(b *testing.B, page templ.Component) {
	b.ReportAllocs()
	for b.Loop() {
		if err := page.Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderInvoicesPage renders a page of 25 invoices.
func BenchmarkRenderInvoicesPage(b *testing.B) {
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
	benchRender(b, InvoicesPage(testPage("de"), v))
}

// BenchmarkRenderInvoicePage renders one invoice with a line, a refund and a credit note.
func BenchmarkRenderInvoicePage(b *testing.B) {
	inv := sampleInvoice("inv_1", "INV-1", models.StatusOpen)
	v := NewInvoiceView(inv, sampleMerchant(), sampleCustomer(), day)
	v.Payments = NewPaymentRows([]models.Payment{{Kind: models.KindRefund, Method: "card", Status: models.PaymentSucceeded, Amount: 1000, Currency: "EUR", PaidAt: day}}, nil)
	note := sampleInvoice("inv_2", "CN-1", models.StatusIssued)
	note.Kind, note.Total = models.KindCreditNote, 1000
	v.CreditNotes = NewInvoiceRows([]models.Invoice{*note}, day)
	benchRender(b, InvoicePage(testPage("de"), v))
}

// BenchmarkRenderOverviewPage renders the overview with balances, the next invoice, three
// subscriptions, payment details and a usage meter.
func BenchmarkRenderOverviewPage(b *testing.B) {
	sum := &models.CustomerSummary{
		Balances:      []models.Balance{{Currency: "EUR", AmountDue: 18800}, {Currency: "USD", AmountDue: 123456}},
		NextInvoice:   sampleInvoice("inv_1", "INV-1", models.StatusOpen),
		Subscriptions: []models.Subscription{*sampleSubscription(), *sampleSubscription(), *sampleSubscription()},
	}
	pay := &models.PaymentDetails{ID: "pm_1", Method: models.MethodSEPADebit, IBAN: "DE89370400440532013000"}
	limit, usage := int64(10), int64(9)
	entitlements := []models.Entitlement{{Name: "Seats", Limit: &limit, Usage: &usage, ValidFrom: day.AddDate(-1, 0, 0)}}
	benchRender(b, OverviewPage(testPage("de"), NewOverviewView("Zoë", sum, pay, entitlements, day)))
}
