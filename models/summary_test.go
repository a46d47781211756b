package models_test

import (
	"context"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// TestSummaryCountsWhatTheListShowsDue: the overview's balance and next invoice agree with
// the invoice list, which shows an uncollectible invoice with its amount due; and the
// invoice to pay next is the one due first, an overdue one before one not yet due.
func TestSummaryCountsWhatTheListShowsDue(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		due := func(number string, total int64, dueIn time.Duration, status models.InvoiceStatus) *models.Invoice {
			t.Helper()
			in := invoiceInput(tn.customer, number)
			in.Lines = []models.InvoiceLineInput{{Description: "Plan", Quantity: 1, UnitAmount: total}}
			in.DueAt = ptr(time.Now().Add(dueIn))
			inv, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
			if err != nil {
				t.Fatal(err)
			}
			if status != models.StatusOpen {
				if inv, err = s.UpdateInvoiceStatus(ctx, tn.merchant, actor, inv.ID, status); err != nil {
					t.Fatal(err)
				}
			}
			return inv
		}
		due("LATER", 1000, 30*24*time.Hour, models.StatusOpen)
		due("OVERDUE", 2000, -3*24*time.Hour, models.StatusOpen)
		writtenOff := due("WRITTEN-OFF", 400, -60*24*time.Hour, models.StatusUncollectible)
		due("SETTLED", 9900, -90*24*time.Hour, models.StatusPaid)
		due("CANCELLED", 9900, -90*24*time.Hour, models.StatusVoid)

		summary := func() *models.CustomerSummary {
			t.Helper()
			sum, err := s.SummarizeCustomer(ctx, models.CustomerScope(tn.merchant, tn.customer))
			if err != nil {
				t.Fatal(err)
			}
			return sum
		}
		sum := summary()
		if len(sum.Balances) != 1 || sum.Balances[0].AmountDue != 3400 {
			t.Errorf("balances = %+v, want EUR 34.00: the two open invoices and the uncollectible one", sum.Balances)
		}
		// The oldest debt comes first, written off or not; then the overdue one.
		if sum.NextInvoice == nil || sum.NextInvoice.Number != "WRITTEN-OFF" {
			t.Errorf("next invoice = %+v, want WRITTEN-OFF", sum.NextInvoice)
		}
		if _, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, writtenOff.ID, models.StatusPaid); err != nil {
			t.Fatal(err)
		}
		if sum := summary(); sum.NextInvoice == nil || sum.NextInvoice.Number != "OVERDUE" || sum.Balances[0].AmountDue != 3000 {
			t.Errorf("after paying the written-off invoice: next %+v, balances %+v; want OVERDUE and EUR 30.00", sum.NextInvoice, sum.Balances)
		}
	})
}
