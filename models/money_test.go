package models_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

func TestInvoiceStateMachine(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		type move struct {
			to  models.InvoiceStatus
			err string // "": allowed; "state": 409; "invalid": 422
		}
		for i, tc := range []struct {
			from  models.InvoiceStatus
			moves []move
		}{
			{models.StatusDraft, []move{{models.StatusPaid, "state"}, {models.StatusUncollectible, "state"}, {models.StatusOpen, ""}}},
			{models.StatusOpen, []move{{models.StatusOpen, "state"}, {"issued", "invalid"}, {"", "invalid"}, {"bogus", "invalid"}, {models.StatusUncollectible, ""}, {models.StatusPaid, ""}}},
			{models.StatusOpen, []move{{models.StatusVoid, ""}, {models.StatusOpen, "state"}, {models.StatusPaid, "state"}}},
			{models.StatusPaid, []move{{models.StatusVoid, "state"}, {models.StatusOpen, "state"}, {models.StatusDraft, "invalid"}}},
		} {
			in := invoiceInput(tn.customer, fmt.Sprintf("SM-%d", i))
			in.Status = tc.from
			inv, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tc.moves {
				_, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, inv.ID, m.to)
				var invalid *models.ValidationError
				switch {
				case m.err == "" && err != nil, m.err == "state" && !isState(err), m.err == "invalid" && !errors.As(err, &invalid):
					t.Errorf("%s → %q: err = %v, want %s", tc.from, m.to, err, m.err)
				}
			}
		}
		// Opening a draft makes its total due; paying marks what was due as paid.
		in := invoiceInput(tn.customer, "SM-money")
		in.Status = models.StatusDraft
		inv, _ := s.CreateInvoice(ctx, tn.merchant, actor, in)
		if inv.AmountDue != 0 {
			t.Errorf("a draft is due %d", inv.AmountDue)
		}
		opened, _ := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, inv.ID, models.StatusOpen)
		paid, _ := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, inv.ID, models.StatusPaid)
		if opened.AmountDue != inv.Total || paid.AmountPaid != inv.Total || paid.AmountDue != 0 {
			t.Errorf("opened due %d, paid %d due %d; total %d", opened.AmountDue, paid.AmountPaid, paid.AmountDue, inv.Total)
		}
	})
}

func creditNote(tn tenant, number, invoiceID string, amount int64) models.InvoiceInput {
	return models.InvoiceInput{
		CustomerRef: tn.customer, Kind: models.KindCreditNote, Number: number, Currency: "EUR", CreditedInvoiceID: &invoiceID,
		Lines: []models.InvoiceLineInput{{Description: "Goodwill", Quantity: 1, UnitAmount: amount}},
	}
}

func TestCreditNotesReduceWhatIsDue(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		sc := models.MerchantScope(tn.merchant)
		portal := models.CustomerScope(tn.merchant, tn.customer)
		inv := openInvoice(t, s, tn, "INV-1", 1000)
		get := func() *models.Invoice {
			got, err := s.GetInvoice(ctx, sc, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
		balance := func() int64 {
			sum, err := s.SummarizeCustomer(ctx, portal)
			if err != nil {
				t.Fatal(err)
			}
			var due int64
			for _, b := range sum.Balances {
				due += b.AmountDue
			}
			return due
		}

		// 5,000.00 against 10.00: refused, nothing changes.
		_, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, "CN-big", inv.ID, 500000))
		if !isInvalid("total")(err) {
			t.Errorf("a credit note beyond the total: err = %v", err)
		}
		note, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, "CN-1", inv.ID, 300))
		if err != nil {
			t.Fatal(err)
		}
		if got := get(); got.AmountCredited != 300 || got.AmountDue != 700 || got.Status != models.StatusOpen || balance() != 700 {
			t.Errorf("after a 3.00 credit: credited %d, due %d, %s, balance %d", got.AmountCredited, got.AmountDue, got.Status, balance())
		}
		// Paying the rest settles it; a further credit is owed back, up to the total.
		if _, err := s.CreatePayment(ctx, tn.merchant, actor, payment(tn, inv.ID, models.KindPayment, 700)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, "CN-2", inv.ID, 701)); !isInvalid("total")(err) {
			t.Errorf("crediting beyond the total of a paid invoice: err = %v", err)
		}
		if _, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, "CN-3", inv.ID, 700)); err != nil {
			t.Errorf("crediting a paid invoice up to its total: %v", err)
		}
		if got := get(); got.Status != models.StatusPaid || got.AmountCredited != 1000 || got.AmountDue != 0 || balance() != 0 {
			t.Errorf("paid invoice after credits: %s credited %d due %d", got.Status, got.AmountCredited, got.AmountDue)
		}
		// 700 paid and 700 still credited cover the total: the first note can be voided.
		if _, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, note.ID, models.StatusVoid); err != nil {
			t.Errorf("voiding a note the paid invoice does not need: %v", err)
		}
		if got := get(); got.Status != models.StatusPaid || got.AmountCredited != 700 || got.AmountDue != 0 {
			t.Errorf("after voiding a spare note: %s credited %d due %d", got.Status, got.AmountCredited, got.AmountDue)
		}

		// A credit note that settles an open invoice marks it paid; voiding one gives the
		// amount back.
		other := openInvoice(t, s, tn, "INV-2", 1000)
		half, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, "CN-4", other.ID, 400))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, half.ID, models.StatusVoid); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetInvoice(ctx, sc, other.ID); got.AmountCredited != 0 || got.AmountDue != 1000 {
			t.Errorf("after voiding the note: credited %d, due %d", got.AmountCredited, got.AmountDue)
		}
		whole, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, "CN-5", other.ID, 1000))
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetInvoice(ctx, sc, other.ID); got.Status != models.StatusPaid || got.AmountPaid != 0 || got.AmountDue != 0 {
			t.Errorf("credited in full: %s, paid %d, due %d", got.Status, got.AmountPaid, got.AmountDue)
		}
		// That note is what settles the invoice: voiding it would make a paid invoice owe.
		if _, err := s.UpdateInvoiceStatus(ctx, tn.merchant, actor, whole.ID, models.StatusVoid); !isState(err) {
			t.Errorf("voiding the note a paid invoice needs: err = %v", err)
		}

		// Drafts and void invoices cannot be credited; nor can another currency.
		for _, status := range []models.InvoiceStatus{models.StatusDraft, models.StatusVoid} {
			in := invoiceInput(tn.customer, "INV-"+string(status))
			in.Status = status
			target, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateInvoice(ctx, tn.merchant, actor, creditNote(tn, "CN-"+string(status), target.ID, 1)); !isState(err) {
				t.Errorf("crediting a %s invoice: err = %v", status, err)
			}
		}
		usd := creditNote(tn, "CN-usd", inv.ID, 1)
		usd.Currency = "USD"
		if _, err := s.CreateInvoice(ctx, tn.merchant, actor, usd); !isInvalid("currency")(err) {
			t.Errorf("a credit note in another currency: err = %v", err)
		}
	})
}

func TestDraftsNeverReachTheCustomer(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		portal := models.CustomerScope(tn.merchant, tn.customer)
		in := invoiceInput(tn.customer, "DRAFT-1")
		in.Status = models.StatusDraft
		draft, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
		if err != nil {
			t.Fatal(err)
		}
		// No payment of any status may name a draft: the portal lists payments.
		for _, status := range []models.PaymentStatus{models.PaymentSucceeded, models.PaymentPending, models.PaymentFailed} {
			p := payment(tn, draft.ID, models.KindPayment, 100)
			p.Status = status
			if _, err := s.CreatePayment(ctx, tn.merchant, actor, p); !isState(err) {
				t.Errorf("a %s payment on a draft: err = %v", status, err)
			}
		}
		if _, err := s.GetInvoice(ctx, portal, draft.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the customer loads the draft: err = %v", err)
		}
		if _, err := s.GetInvoice(ctx, models.MerchantScope(tn.merchant), draft.ID); err != nil {
			t.Errorf("the merchant cannot load its draft: %v", err)
		}
		numbers, err := s.InvoiceNumbers(ctx, portal, []string{draft.ID})
		if err != nil || len(numbers) != 0 {
			t.Errorf("the customer learns the draft's number: %v, %v", numbers, err)
		}
		if _, _, err := s.ListPayments(ctx, portal, models.PaymentFilter{InvoiceID: draft.ID}, models.Page{}); err == nil {
			t.Error("the customer lists the payments of a draft")
		}
	})
}

func TestSubscriptionStateMachine(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		sub, err := s.CreateSubscription(ctx, tn.merchant, actor, subscriptionInput(tn.customer))
		if err != nil {
			t.Fatal(err)
		}
		status := func(st models.SubscriptionStatus) models.SubscriptionInput {
			return models.SubscriptionInput{Status: &st}
		}
		for _, step := range []struct {
			to models.SubscriptionStatus
			ok bool
		}{
			{models.SubTrialing, false}, {models.SubPaused, true}, {models.SubActive, true}, {models.SubActive, true},
			{models.SubPastDue, true}, {models.SubCanceled, true}, {models.SubActive, false}, {models.SubPaused, false},
		} {
			got, err := s.UpdateSubscription(ctx, tn.merchant, actor, sub.ID, status(step.to))
			if step.ok != (err == nil) || (!step.ok && !isState(err)) {
				t.Fatalf("→ %s: err = %v, want ok %v", step.to, err, step.ok)
			}
			if err == nil && step.to == models.SubCanceled && (got.CanceledAt == nil || got.EndedAt == nil) {
				t.Errorf("canceled without canceled_at or ended_at: %+v", got)
			}
		}
		// A canceled subscription keeps its cancellation whatever else is patched.
		got, err := s.UpdateSubscription(ctx, tn.merchant, actor, sub.ID, models.SubscriptionInput{PlanName: ptr("Renamed")})
		if err != nil || got.Status != models.SubCanceled || got.PlanName != "Renamed" || got.CanceledAt == nil {
			t.Errorf("patching a canceled subscription: %+v, %v", got, err)
		}
	})
}

func TestDeletingACustomerKeepsTheirBillingRecords(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		withPayment, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Paid once")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreatePayment(ctx, tn.merchant, actor, models.PaymentInput{CustomerRef: withPayment.ID, Amount: 100, Currency: "EUR", Method: "cash"}); err != nil {
			t.Fatal(err)
		}
		inv := openInvoice(t, s, tn, "INV-1", 100)
		for _, id := range []string{tn.customer, withPayment.ID} {
			err := s.DeleteCustomer(ctx, tn.merchant, actor, id)
			if !errors.Is(err, models.ErrCustomerHasBillingRecords) || !strings.Contains(err.Error(), "invoices or payments") {
				t.Errorf("deleting a customer with billing records: err = %v", err)
			}
		}
		if _, err := s.GetInvoice(ctx, models.MerchantScope(tn.merchant), inv.ID); err != nil {
			t.Errorf("the invoice is gone: %v", err)
		}
		bare, _ := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Never billed")})
		if err := s.DeleteCustomer(ctx, tn.merchant, actor, bare.ID); err != nil {
			t.Errorf("deleting a customer without billing records: %v", err)
		}
	})
}

func TestExternalIDsAreNFCAndLimitedAlike(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx, s := context.Background(), models.NewStore(db)
		tn := newTenant(t, s, "Acme")
		nfc, nfd := "zo\u00eb", "zoe\u0308"
		c, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Zoë"), ExternalID: &nfd})
		if err != nil {
			t.Fatal(err)
		}
		if *c.ExternalID != nfc {
			t.Errorf("stored external ID %q, want the NFC form %q", *c.ExternalID, nfc)
		}
		if _, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Twin"), ExternalID: &nfc}); err == nil {
			t.Error("NFC and NFD zoë became two customers")
		}
		for _, ref := range []string{nfc, nfd} {
			if got, err := s.GetCustomer(ctx, tn.merchant, models.ExternalRef+ref); err != nil || got.ID != c.ID {
				t.Errorf("lookup by %q: %v, %v", ref, got, err)
			}
		}
		// 128 characters, some of them two bytes long, on create and on lookup alike;
		// 129 on neither.
		long := strings.Repeat("é", models.MaxExternalIDLength)
		if _, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Long"), ExternalID: &long}); err != nil {
			t.Fatalf("128 characters: %v", err)
		}
		if _, err := s.GetCustomer(ctx, tn.merchant, models.ExternalRef+long); err != nil {
			t.Errorf("lookup of 128 characters: %v", err)
		}
		longer := long + "é"
		if _, err := s.CreateCustomer(ctx, tn.merchant, actor, models.CustomerInput{Name: ptr("Longer"), ExternalID: &longer}); !isInvalid("external_id")(err) {
			t.Errorf("129 characters created: %v", err)
		}
		if _, err := s.GetCustomer(ctx, tn.merchant, models.ExternalRef+longer); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("lookup of 129 characters: %v", err)
		}
		for _, bad := range []string{"\xff\xfe", "tab\there"} {
			if _, err := s.GetCustomer(ctx, tn.merchant, models.ExternalRef+bad); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("lookup of %q: %v", bad, err)
			}
		}
	})
}

func TestValidationStopsAtItsLimits(t *testing.T) {
	ctx, s := context.Background(), models.NewStore(testdb.SQLite(t))
	tn := newTenant(t, s, "Acme")
	in := invoiceInput(tn.customer, "BIG")
	in.Lines = make([]models.InvoiceLineInput, 100_000) // every line invalid
	_, err := s.CreateInvoice(ctx, tn.merchant, actor, in)
	var invalid *models.ValidationError
	if !errors.As(err, &invalid) || len(invalid.Fields) != 1 || invalid.Fields[0].Field != "lines" || invalid.Fields[0].Code != "too_many" {
		t.Errorf("100,000 lines: %v", err)
	}
	in.Lines = make([]models.InvoiceLineInput, models.MaxInvoiceLines) // allowed count, every line invalid
	_, err = s.CreateInvoice(ctx, tn.merchant, actor, in)
	if !errors.As(err, &invalid) || len(invalid.Fields) != models.MaxFieldErrors {
		t.Errorf("500 invalid lines: %d field errors, want %d", len(invalid.Fields), models.MaxFieldErrors)
	}
}
