package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ProviderPaymentOutcome is what recording a provider's payment event did.
type ProviderPaymentOutcome string

// The outcomes of RecordProviderPayment.
const (
	// OutcomeRecorded: a new payment, applied to its invoice when it succeeded.
	OutcomeRecorded ProviderPaymentOutcome = "recorded"
	// OutcomeUpdated: a pending payment succeeded or failed.
	OutcomeUpdated ProviderPaymentOutcome = "updated"
	// OutcomeUnchanged: the event says nothing new (a replay, or an event older than what
	// is recorded).
	OutcomeUnchanged ProviderPaymentOutcome = "unchanged"
	// OutcomeUnapplied: the money arrived but the invoice could no longer take it (paid
	// meanwhile, voided): a payment against no invoice, for the merchant to refund.
	OutcomeUnapplied ProviderPaymentOutcome = "unapplied"
	// OutcomeUnknownInvoice: the event names no invoice of this merchant's customer; nothing
	// changed.
	OutcomeUnknownInvoice ProviderPaymentOutcome = "unknown_invoice"
)

// paymentStatusOf is the payment status an event kind records.
var paymentStatusOf = map[ProviderEventKind]PaymentStatus{
	EventPaymentSucceeded:  PaymentSucceeded,
	EventPaymentProcessing: PaymentPending,
	EventPaymentFailed:     PaymentFailed,
}

// RecordProviderPayment records what a provider's event says about a payment of an
// invoice, through the path every payment takes (the invoice row locked, the audit event,
// the announcement with "source": "portal"). It is idempotent by the provider's payment
// ID and tolerant of order: a payment that succeeded stays succeeded whatever arrives
// after, a pending one moves on when its outcome arrives, and an outcome that arrives
// before the "processing" event is recorded directly.
func (s *Store) RecordProviderPayment(ctx context.Context, merchantID, provider string, ev *ProviderEvent) (ProviderPaymentOutcome, error) {
	status, ok := paymentStatusOf[ev.Kind]
	if !ok || ev.PaymentID == "" {
		return OutcomeUnchanged, nil
	}
	actor := ProviderActor(provider)
	var outcome ProviderPaymentOutcome
	record := func(tx *gorm.DB) error {
		var existing Payment
		err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
			Where("merchant_id = ? AND provider = ? AND provider_payment_id = ?", merchantID, provider, ev.PaymentID).
			Take(&existing).Error
		switch {
		case err == nil:
			outcome, err = s.advanceProviderPayment(tx, actor, &existing, status)
			return err
		case !errors.Is(err, gorm.ErrRecordNotFound):
			return err
		}
		outcome, err = s.createProviderPayment(tx, merchantID, provider, actor, ev, status)
		return err
	}
	err := s.writeTx(ctx, record)
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// Another event of the same payment inserted it first (PostgreSQL runs them side by
		// side; the unique index decides). It may have said less than this one — "processing"
		// where this says "succeeded" — so this event runs again, now against that row, under
		// its lock, and is never dropped.
		err = s.writeTx(ctx, record)
	}
	if err != nil {
		return "", storeError("record provider payment", err)
	}
	return outcome, nil
}

// createProviderPayment records a payment first heard of in this event. One the invoice
// can no longer take is kept against no invoice, so money received is never lost.
func (s *Store) createProviderPayment(tx *gorm.DB, merchantID, provider string, actor Actor, ev *ProviderEvent, status PaymentStatus) (ProviderPaymentOutcome, error) {
	if !validID("inv", ev.InvoiceID) || !validID("cus", ev.CustomerID) {
		return OutcomeUnknownInvoice, nil
	}
	var inv Invoice
	err := tx.Select("id", "number", "customer_id", "kind").
		Where("merchant_id = ? AND id = ? AND customer_id = ?", merchantID, ev.InvoiceID, ev.CustomerID).Take(&inv).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && inv.Kind != KindInvoice) {
		return OutcomeUnknownInvoice, nil
	} else if err != nil {
		return "", err
	}
	method := ev.Method
	if method == "" {
		method = "other"
	}
	p := &Payment{
		ID: newID("pay"), MerchantID: merchantID, CustomerID: inv.CustomerID, InvoiceID: &inv.ID,
		Kind: KindPayment, Status: status, Amount: ev.Amount, Currency: ev.Currency, Method: method,
		Reference: provider + " " + ev.PaymentID, Provider: provider, ProviderPaymentID: &ev.PaymentID, PaidAt: s.Now(),
	}
	in := PaymentInput{Kind: p.Kind, Status: p.Status, Amount: p.Amount, Currency: p.Currency, Method: p.Method, Reference: p.Reference}
	if err := in.validate(); err != nil {
		return "", err
	}
	outcome := OutcomeRecorded
	// The invoice's check runs under a savepoint: a refusal (paid meanwhile, voided, less due
	// than was paid) rolls back only the check, and the payment is kept unapplied.
	err = tx.Transaction(func(sp *gorm.DB) error { return s.createPayment(sp, actor, p) })
	var invalid *ValidationError
	var state *StateError
	if errors.As(err, &invalid) || errors.As(err, &state) {
		p.InvoiceID, outcome = nil, OutcomeUnapplied
		p.Reference = provider + " " + ev.PaymentID + " for invoice " + inv.Number
		err = s.createPayment(tx, actor, p)
	}
	return outcome, err
}

// advanceProviderPayment moves a recorded payment to the status a later event reports:
// pending to succeeded (applied to its invoice now) or failed. Anything else is a replay or
// arrives out of order, and changes nothing.
func (s *Store) advanceProviderPayment(tx *gorm.DB, actor Actor, p *Payment, status PaymentStatus) (ProviderPaymentOutcome, error) {
	if p.Status != PaymentPending || status == PaymentPending {
		return OutcomeUnchanged, nil
	}
	p.Status = status
	outcome := OutcomeUpdated
	if status == PaymentSucceeded && p.InvoiceID != nil {
		err := tx.Transaction(func(sp *gorm.DB) error { return s.applyToInvoice(sp, p) })
		var invalid *ValidationError
		var state *StateError
		if errors.As(err, &invalid) || errors.As(err, &state) {
			p.InvoiceID, outcome = nil, OutcomeUnapplied
		} else if err != nil {
			return "", err
		}
	}
	p.PaidAt = s.Now()
	err := tx.Model(&Payment{}).Where("merchant_id = ? AND id = ?", p.MerchantID, p.ID).
		Updates(map[string]any{"status": p.Status, "invoice_id": p.InvoiceID, "paid_at": p.PaidAt}).Error
	if err != nil {
		return "", err
	}
	return outcome, s.recordPayment(tx, actor, p, "payment.updated", "payment.updated")
}

// PendingProviderPayment reports whether a provider payment of the invoice is under way
// (an asynchronous method the provider has not settled yet): the invoice page says so
// instead of offering to pay again.
func PendingProviderPayment(payments []Payment) bool {
	for _, p := range payments {
		if p.Provider != "" && p.Status == PaymentPending && p.Kind == KindPayment {
			return true
		}
	}
	return false
}
