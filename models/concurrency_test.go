package models_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"sync"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

// rounds is how often each race is run; each round starts from fresh rows. Raise it to
// hunt for rare interleavings: go test ./models -run Concurrent -rounds 200.
var rounds = flag.Int("rounds", 20, "rounds of each concurrency test")

// race runs every fn at once, released together from a common start line, and returns
// their errors in order.
func race(fns ...func() error) []error {
	errs := make([]error, len(fns))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Go(func() {
			<-start
			errs[i] = fn()
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// times returns n copies of fn.
func times(n int, fn func() error) []func() error {
	fns := make([]func() error, n)
	for i := range fns {
		fns[i] = fn
	}
	return fns
}

// ledger counts what a merchant's audit log and outbox hold, by action and event type.
type ledger struct {
	audit, outbox map[string]int
}

func ledgerOf(t *testing.T, s *models.Store, merchantID string) ledger {
	t.Helper()
	ctx, all := context.Background(), models.Page{PerPage: models.MaxPerPage}
	events, _, err := s.ListAuditEvents(ctx, merchantID, models.AuditFilter{}, all)
	if err != nil {
		t.Fatal(err)
	}
	outbox, _, err := s.ListOutboxEvents(ctx, merchantID, all)
	if err != nil {
		t.Fatal(err)
	}
	l := ledger{audit: map[string]int{}, outbox: map[string]int{}}
	for _, e := range events {
		l.audit[e.Action]++
	}
	for _, e := range outbox {
		l.outbox[e.Type]++
	}
	return l
}

// tally counts the successes of a race, and fails the test on an error that is not the
// refusal the race can legitimately end in.
func tally(t *testing.T, errs []error, refused func(error) bool) int {
	t.Helper()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !refused(err):
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok
}

func isState(err error) bool {
	var stateErr *models.StateError
	return errors.As(err, &stateErr)
}

func isInvalid(field string) func(error) bool {
	return func(err error) bool {
		var invalid *models.ValidationError
		if !errors.As(err, &invalid) {
			return false
		}
		_, ok := invalid.For(field)
		return ok
	}
}

// check records whether a round's outcome kept an invariant; a broken one is an anomaly.
type check func(ok bool, format string, args ...any)

// raceRounds runs round *rounds times on each engine, each time with a fresh merchant and
// customer (so each round's audit log and outbox are its own), and reports how many rounds
// broke an invariant.
func raceRounds(t *testing.T, name string, round func(t *testing.T, s *models.Store, tn tenant, ok check)) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		s := models.NewStore(db)
		anomalies := 0
		for r := range *rounds {
			tn := newTenant(t, s, fmt.Sprintf("Race %d", r))
			round(t, s, tn, func(ok bool, format string, args ...any) {
				t.Helper()
				if !ok {
					anomalies++
					t.Errorf("round %d: "+format, append([]any{r}, args...)...)
				}
			})
		}
		t.Logf("%s: %d rounds, %d anomalies", name, *rounds, anomalies)
	})
}

func openInvoice(t *testing.T, s *models.Store, tn tenant, number string, total int64) *models.Invoice {
	t.Helper()
	inv, err := s.CreateInvoice(context.Background(), tn.merchant, actor, models.InvoiceInput{
		CustomerRef: tn.customer, Number: number, Currency: "EUR",
		Lines: []models.InvoiceLineInput{{Description: "Plan", Quantity: 1, UnitAmount: total}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func payment(tn tenant, invoiceID string, kind models.PaymentKind, amount int64) models.PaymentInput {
	return models.PaymentInput{CustomerRef: tn.customer, InvoiceID: &invoiceID, Kind: kind, Amount: amount, Currency: "EUR", Method: "card"}
}

// paymentsOf sums an invoice's payment rows of one kind.
func paymentsOf(t *testing.T, s *models.Store, tn tenant, invoiceID string, kind models.PaymentKind) (n int, sum int64) {
	t.Helper()
	rows, _, err := s.ListPayments(context.Background(), models.MerchantScope(tn.merchant),
		models.PaymentFilter{InvoiceID: invoiceID, Kind: kind}, models.Page{PerPage: models.MaxPerPage})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range rows {
		sum += p.Amount
	}
	return len(rows), sum
}

func TestConcurrentPaymentsNeverExceedAmountDue(t *testing.T) {
	for _, tc := range []struct {
		name          string
		total, amount int64
		payers        int
	}{
		{"ten payments of 10.00 on 58.31", 5831, 1000, 10},
		{"two payments of 60 % each", 10000, 6000, 2},
		{"ten payments that add up exactly", 10000, 1000, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			affordable := min(tc.payers, int(tc.total/tc.amount))
			paid := int64(affordable) * tc.amount
			wantStatus := models.StatusOpen
			if paid == tc.total {
				wantStatus = models.StatusPaid
			}
			raceRounds(t, tc.name, func(t *testing.T, s *models.Store, tn tenant, check check) {
				ctx := context.Background()
				inv := openInvoice(t, s, tn, "INV-1", tc.total)
				ok := tally(t, race(times(tc.payers, func() error {
					_, err := s.CreatePayment(ctx, tn.merchant, actor, payment(tn, inv.ID, models.KindPayment, tc.amount))
					return err
				})...), isInvalid("amount"))
				got := invoiceNow(t, s, tn, inv.ID)
				rows, sum := paymentsOf(t, s, tn, inv.ID, models.KindPayment)
				l := ledgerOf(t, s, tn.merchant)
				check(ok == affordable && rows == affordable && sum == paid &&
					got.AmountPaid == paid && got.AmountDue == tc.total-paid && got.Status == wantStatus &&
					l.audit["payment.created"] == affordable && l.outbox["payment.created"] == affordable,
					"%d of %d payments succeeded, %d rows summing to %d; invoice paid %d, due %d, %s; %d audit and %d outbox events; want %d payments, %d paid",
					ok, tc.payers, rows, sum, got.AmountPaid, got.AmountDue, got.Status,
					l.audit["payment.created"], l.outbox["payment.created"], affordable, paid)
			})
		})
	}
}

func TestConcurrentRefundsNeverExceedAmountPaid(t *testing.T) {
	const total, refund, refunders = 5000, 1500, 10
	const affordable = total / refund
	raceRounds(t, "refunds beyond the amount paid", func(t *testing.T, s *models.Store, tn tenant, check check) {
		ctx := context.Background()
		inv := openInvoice(t, s, tn, "INV-1", total)
		if _, err := s.CreatePayment(ctx, tn.merchant, actor, payment(tn, inv.ID, models.KindPayment, total)); err != nil {
			t.Fatal(err)
		}
		ok := tally(t, race(times(refunders, func() error {
			_, err := s.CreatePayment(ctx, tn.merchant, actor, payment(tn, inv.ID, models.KindRefund, refund))
			return err
		})...), isInvalid("amount"))
		got := invoiceNow(t, s, tn, inv.ID)
		rows, sum := paymentsOf(t, s, tn, inv.ID, models.KindRefund)
		l := ledgerOf(t, s, tn.merchant)
		check(ok == affordable && rows == affordable && sum == affordable*refund &&
			got.AmountRefunded == affordable*refund && got.AmountPaid == total && got.Status == models.StatusPaid &&
			l.audit["payment.created"] == 1+affordable && l.outbox["refund.created"] == affordable,
			"%d refunds succeeded, %d rows summing to %d; invoice refunded %d of %d paid, %s; %d refund events",
			ok, rows, sum, got.AmountRefunded, got.AmountPaid, got.Status, l.outbox["refund.created"])
	})
}

func TestConcurrentVoidAndPaymentHaveOneWinner(t *testing.T) {
	const total = 5000
	raceRounds(t, "void against a full payment", func(t *testing.T, s *models.Store, tn tenant, check check) {
		ctx := context.Background()
		inv := openInvoice(t, s, tn, "INV-1", total)
		errs := race(
			func() error {
				_, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, inv.ID, models.StatusVoid)
				return err
			},
			func() error {
				_, err := s.CreatePayment(ctx, tn.merchant, actor, payment(tn, inv.ID, models.KindPayment, total))
				return err
			},
		)
		tally(t, errs, isState)
		got := invoiceNow(t, s, tn, inv.ID)
		rows, sum := paymentsOf(t, s, tn, inv.ID, models.KindPayment)
		l := ledgerOf(t, s, tn.merchant)
		switch voided, paid := errs[0] == nil, errs[1] == nil; {
		case voided && !paid:
			check(got.Status == models.StatusVoid && got.AmountPaid == 0 && got.AmountDue == 0 && rows == 0 &&
				l.audit["invoice.status_changed"] == 1 && l.audit["payment.created"] == 0 &&
				l.outbox["invoice.voided"] == 1 && l.outbox["payment.created"] == 0,
				"the void won, yet the invoice is %s with %d paid, %d payment rows; ledger %v", got.Status, got.AmountPaid, rows, l)
		case paid && !voided:
			check(got.Status == models.StatusPaid && got.AmountPaid == total && got.AmountDue == 0 && rows == 1 && sum == total &&
				l.audit["invoice.status_changed"] == 0 && l.audit["payment.created"] == 1 &&
				l.outbox["invoice.voided"] == 0 && l.outbox["payment.created"] == 1,
				"the payment won, yet the invoice is %s with %d paid, %d payment rows; ledger %v", got.Status, got.AmountPaid, rows, l)
		default:
			check(false, "void %v, payment %v: exactly one must win", errs[0], errs[1])
		}
	})
}

func TestConcurrentMerchantUpdateKeepsThePortalCancellation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		update models.SubscriptionInput
		cancel models.Cancellation
	}{
		{"price change against a scheduled cancellation",
			models.SubscriptionInput{PlanName: ptr("Pro plus"), UnitAmount: ptr(int64(5900))},
			models.Cancellation{AtPeriodEnd: true, Reason: "too_expensive"}},
		{"status change against an immediate cancellation",
			models.SubscriptionInput{Status: ptr(models.SubPastDue)},
			models.Cancellation{Reason: "unused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raceRounds(t, tc.name, func(t *testing.T, s *models.Store, tn tenant, check check) {
				ctx := context.Background()
				sub := activeSubscription(t, s, tn)
				errs := race(
					func() error {
						_, err := s.UpdateSubscription(ctx, tn.merchant, actor, sub.ID, tc.update)
						return err
					},
					func() error {
						_, err := s.CancelSubscription(ctx, models.CustomerScope(tn.merchant, tn.customer), actor, sub.ID, tc.cancel)
						return err
					},
				)
				// The update may come second and find the subscription canceled: refused.
				updates := tally(t, errs[:1], isState)
				if errs[1] != nil {
					t.Fatalf("the cancellation failed: %v", errs[1])
				}
				got, err := s.GetSubscription(ctx, models.MerchantScope(tn.merchant), sub.ID)
				if err != nil {
					t.Fatal(err)
				}
				l := ledgerOf(t, s, tn.merchant)
				event := "subscription.canceled"
				canceled := got.Status == models.SubCanceled && got.EndedAt != nil
				if tc.cancel.AtPeriodEnd {
					event = "subscription.cancel_scheduled"
					canceled = got.CancelAtPeriodEnd && got.Status == models.SubActive
				}
				check(canceled && got.CanceledAt != nil && got.CancellationReason == tc.cancel.Reason &&
					(updates == 0 || tc.update.PlanName == nil || got.PlanName == *tc.update.PlanName) &&
					l.audit[event] == 1 && l.outbox[event] == 1 && l.audit["subscription.updated"] == updates,
					"the cancellation was lost or doubled: status %s, cancel_at_period_end %v, reason %q, plan %q; ledger %v",
					got.Status, got.CancelAtPeriodEnd, got.CancellationReason, got.PlanName, l)
			})
		})
	}
}

func TestConcurrentPortalCancelsHaveOneEffect(t *testing.T) {
	raceRounds(t, "two portal cancels", func(t *testing.T, s *models.Store, tn tenant, check check) {
		ctx := context.Background()
		sub := activeSubscription(t, s, tn)
		sc := models.CustomerScope(tn.merchant, tn.customer)
		ok := tally(t, race(times(2, func() error {
			_, err := s.CancelSubscription(ctx, sc, actor, sub.ID, models.Cancellation{AtPeriodEnd: true, Reason: "unused"})
			return err
		})...), isState)
		got, err := s.GetSubscription(ctx, sc, sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		l := ledgerOf(t, s, tn.merchant)
		check(ok == 1 && got.CancelAtPeriodEnd && l.audit["subscription.cancel_scheduled"] == 1 && l.outbox["subscription.cancel_scheduled"] == 1,
			"%d cancels succeeded; cancel_at_period_end %v; ledger %v", ok, got.CancelAtPeriodEnd, l)
	})
}

func TestConcurrentCreditNotesNeverCreditBeyondTheTotal(t *testing.T) {
	const total, credit, notes = 5000, 2000, 6
	const affordable = total / credit
	raceRounds(t, "credit notes beyond the total", func(t *testing.T, s *models.Store, tn tenant, check check) {
		ctx := context.Background()
		inv := openInvoice(t, s, tn, "INV-1", total)
		fns := make([]func() error, notes)
		for i := range fns {
			fns[i] = func() error {
				_, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, fmt.Sprintf("CN-%d", i), inv.ID, credit))
				return err
			}
		}
		ok := tally(t, race(fns...), isInvalid("total"))
		got := invoiceNow(t, s, tn, inv.ID)
		l := ledgerOf(t, s, tn.merchant)
		check(ok == affordable && got.AmountCredited == affordable*credit && got.AmountDue == total-affordable*credit &&
			l.outbox["invoice.created"] == 1 && l.outbox["credit_note.created"] == affordable,
			"%d notes issued; invoice credited %d, due %d", ok, got.AmountCredited, got.AmountDue)
	})
}

// TestConcurrentCustomerDeleteKeepsInvoices races deleting a customer against invoicing
// them: the invoice survives (and the delete is refused) or is refused for want of its
// customer; never is an invoice written and then cascaded away.
func TestConcurrentCustomerDeleteKeepsInvoices(t *testing.T) {
	raceRounds(t, "customer delete against a new invoice", func(t *testing.T, s *models.Store, tn tenant, check check) {
		ctx := context.Background()
		var created *models.Invoice
		errs := race(
			func() error { return s.DeleteCustomer(ctx, tn.merchant, actor, tn.customer) },
			func() (err error) {
				created, err = s.CreateInvoice(ctx, tn.merchant, actor, invoiceInput(tn.customer, "INV-1"))
				return err
			},
		)
		deleted, invoiced := errs[0] == nil, errs[1] == nil
		var kept error
		if invoiced {
			_, kept = s.GetInvoice(ctx, models.MerchantScope(tn.merchant), created.ID)
		}
		check(deleted != invoiced && kept == nil &&
			(deleted || errors.Is(errs[0], models.ErrCustomerHasBillingRecords)) && (invoiced || isInvalid("customer_id")(errs[1])),
			"delete: %v; invoice: %v; the invoice afterwards: %v", errs[0], errs[1], kept)
	})
}

// TestConcurrentCustomerUpdatesKeepBothChanges races the merchant's API changing one field
// against the customer's profile form changing another: both changes survive.
func TestConcurrentCustomerUpdatesKeepBothChanges(t *testing.T) {
	raceRounds(t, "API update against the profile form", func(t *testing.T, s *models.Store, tn tenant, check check) {
		ctx := context.Background()
		errs := race(
			func() error {
				_, err := s.UpdateCustomer(ctx, tn.merchant, actor, tn.customer, models.CustomerInput{Phone: ptr("+31 20 123 4567")})
				return err
			},
			func() error {
				_, err := s.UpdateCustomer(ctx, tn.merchant, actor, tn.customer, models.CustomerInput{Email: ptr("new@example.com")})
				return err
			},
		)
		got, err := s.GetCustomer(ctx, tn.merchant, tn.customer)
		if err != nil {
			t.Fatal(err)
		}
		check(errs[0] == nil && errs[1] == nil && got.Phone == "+31 20 123 4567" && got.Email == "new@example.com",
			"errors %v; phone %q, email %q: one change was lost", errs, got.Phone, got.Email)
	})
}

func invoiceNow(t *testing.T, s *models.Store, tn tenant, id string) *models.Invoice {
	t.Helper()
	inv, err := s.GetInvoice(context.Background(), models.MerchantScope(tn.merchant), id)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func activeSubscription(t *testing.T, s *models.Store, tn tenant) *models.Subscription {
	t.Helper()
	sub, err := s.CreateSubscription(context.Background(), tn.merchant, actor, subscriptionInput(tn.customer))
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
