package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// TestInvoiceArchiveOfAYear: a year's archive is every document the customer may see that
// was issued in that calendar year (UTC), oldest first, each once with its lines, however
// many batches it takes; drafts never, other customers' never; a credit note knows the number
// of the invoice it credits. The years offered are exactly those with such documents.
func TestInvoiceArchiveOfAYear(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		other, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Other")})
		if err != nil {
			t.Fatal(err)
		}
		create := func(customer, number string, issued time.Time, edit func(*models.InvoiceInput)) *models.Invoice {
			t.Helper()
			in := invoiceInput(customer, number)
			in.IssuedAt = &issued
			if edit != nil {
				edit(&in)
			}
			inv, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
			if err != nil {
				t.Fatalf("create %s: %v", number, err)
			}
			return inv
		}
		draft := func(in *models.InvoiceInput) { in.Status = models.StatusDraft }
		utc := func(y int, m time.Month, d, h, min, sec int) time.Time {
			return time.Date(y, m, d, h, min, sec, 0, time.UTC)
		}

		create(tn.customer, "2024-1", utc(2024, 6, 1, 12, 0, 0), nil)
		december := create(tn.customer, "2025-LAST", utc(2025, 12, 31, 23, 59, 59), nil)
		// 01:00 in Berlin on New Year's Day is still 2025 in UTC.
		create(tn.customer, "2025-BERLIN", time.Date(2026, 1, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600)), nil)
		create(tn.customer, "DRAFT-2023", utc(2023, 3, 1, 0, 0, 0), draft)
		create(tn.customer, "DRAFT-2026", utc(2026, 3, 1, 0, 0, 0), draft)
		create(other.ID, "OTHER-2026", utc(2026, 3, 1, 0, 0, 0), nil)
		create(other.ID, "OTHER-2022", utc(2022, 3, 1, 0, 0, 0), nil)
		var want []string
		// More than two batches, many sharing one instant, so the walk must order by ID too.
		for i := range 230 {
			issued := utc(2026, 1, 1, 0, 0, 0).Add(time.Duration(i/30) * 24 * time.Hour)
			want = append(want, create(tn.customer, fmt.Sprintf("2026-%03d", i), issued, nil).ID)
		}
		note := create(tn.customer, "CN-2026", utc(2026, 12, 31, 23, 59, 59), func(in *models.InvoiceInput) {
			in.Kind, in.CreditedInvoiceID = models.KindCreditNote, &december.ID
			in.Lines = in.Lines[:1]
		})
		want = append(want, note.ID)

		portal := models.CustomerScope(tn.merchant, tn.customer)
		years, err := s.InvoiceYears(ctx, portal)
		if err != nil || !slices.Equal(years, []int{2026, 2025, 2024}) {
			t.Errorf("years = %v, %v; want [2026 2025 2024]", years, err)
		}
		if n, err := s.CountInvoicesOfYear(ctx, portal, 2026); n != int64(len(want)) || err != nil {
			t.Errorf("count 2026 = %d, %v; want %d", n, err, len(want))
		}
		if n, err := s.CountInvoicesOfYear(ctx, portal, 2025); n != 2 || err != nil {
			t.Errorf("count 2025 = %d, %v; want 2", n, err)
		}

		var got []string
		var last *models.ArchivedDocument
		err = s.ForEachInvoiceOfYear(ctx, portal, 2026, func(d *models.ArchivedDocument) error {
			if last != nil && (d.IssuedAt.Before(last.IssuedAt) || d.IssuedAt.Equal(last.IssuedAt) && d.ID < last.ID) {
				t.Errorf("%s comes after %s", d.Number, last.Number)
			}
			if len(d.Lines) == 0 || d.Lines[0].Position != 1 {
				t.Errorf("%s without its lines in order: %+v", d.Number, d.Lines)
			}
			if (d.ID == note.ID) != (d.CreditedNumber == "2025-LAST") {
				t.Errorf("%s credits %q", d.Number, d.CreditedNumber)
			}
			got = append(got, d.ID)
			last = d
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The order is checked above; here, that each is there once.
		slices.Sort(want)
		if !slices.Equal(slices.Sorted(slices.Values(got)), want) {
			t.Errorf("the 2026 archive has %d documents, want the %d issued in 2026 (no drafts, no one else's)", len(got), len(want))
		}

		years, err = s.InvoiceYears(ctx, models.CustomerScope(tn.merchant, other.ID))
		if err != nil || !slices.Equal(years, []int{2026, 2022}) {
			t.Errorf("the other customer's years = %v, %v", years, err)
		}
		stop := errors.New("stop")
		calls := 0
		err = s.ForEachInvoiceOfYear(ctx, portal, 2026, func(*models.ArchivedDocument) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("an error from fn: %v after %d calls, want it back after 1", err, calls)
		}
		if years, err := s.InvoiceYears(ctx, models.CustomerScope(tn.merchant, "cus_00000000000000000000000000")); len(years) != 0 || err != nil {
			t.Errorf("a stranger's years = %v, %v", years, err)
		}
	})
}
