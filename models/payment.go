package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// PaymentKind tells money in from money back.
type PaymentKind string

// The kinds of payment.
const (
	KindPayment PaymentKind = "payment"
	KindRefund  PaymentKind = "refund"
)

// PaymentStatus is the outcome of a payment.
type PaymentStatus string

// Payment statuses; only succeeded payments move money on an invoice.
const (
	PaymentSucceeded PaymentStatus = "succeeded"
	PaymentPending   PaymentStatus = "pending"
	PaymentFailed    PaymentStatus = "failed"
)

// Payment is money received from, or refunded to, a customer.
type Payment struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	CustomerID string
	InvoiceID  *string
	Kind       PaymentKind
	Status     PaymentStatus
	Amount     int64
	Currency   string
	Method     string // card, sepa_debit, bank_transfer, …
	Reference  string
	PaidAt     time.Time
	CreatedAt  time.Time
}

// PaymentMethods are the methods a payment can name.
var PaymentMethods = []string{"card", "sepa_debit", "bank_transfer", "paypal", "cash", "other"}

// PaymentInput records a payment or refund.
type PaymentInput struct {
	CustomerRef string
	InvoiceID   *string
	Kind        PaymentKind
	Status      PaymentStatus
	Amount      int64
	Currency    string
	Method      string
	Reference   string
	PaidAt      *time.Time
}

func (in *PaymentInput) normalize() {
	if in.Kind == "" {
		in.Kind = KindPayment
	}
	if in.Status == "" {
		in.Status = PaymentSucceeded
	}
}

func (in PaymentInput) validate() error {
	var v validator
	v.oneOf("kind", string(in.Kind), string(KindPayment), string(KindRefund))
	v.oneOf("status", string(in.Status), string(PaymentSucceeded), string(PaymentPending), string(PaymentFailed))
	if in.Amount <= 0 || in.Amount > maxLineAmount {
		v.add("amount", "out_of_range", "must be between 1 and 1000000000000 minor units")
	}
	v.currency("currency", in.Currency)
	v.oneOf("method", in.Method, PaymentMethods...)
	v.text("reference", in.Reference, 200, false)
	return v.err()
}

// CreatePayment records a payment or refund. A succeeded payment against an invoice settles
// what is due (marking it paid when nothing is left); a succeeded refund adds to what was
// refunded. The payment and the invoice change in one transaction.
func (s *Store) CreatePayment(ctx context.Context, merchantID string, actor Actor, in PaymentInput) (*Payment, error) {
	in.normalize()
	if err := in.validate(); err != nil {
		return nil, err
	}
	p := &Payment{
		ID: newID("pay"), MerchantID: merchantID, InvoiceID: in.InvoiceID, Kind: in.Kind,
		Status: in.Status, Amount: in.Amount, Currency: in.Currency, Method: in.Method,
		Reference: in.Reference, PaidAt: s.Now(),
	}
	if in.PaidAt != nil {
		p.PaidAt = in.PaidAt.UTC()
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := customerID(tx, merchantID, in.CustomerRef)
		if err != nil {
			return notFoundAs(err, "customer_id")
		}
		p.CustomerID = id
		if p.InvoiceID != nil {
			if err := applyToInvoice(tx, p); err != nil {
				return err
			}
		}
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		details := map[string]any{"payment_id": p.ID, "kind": p.Kind, "amount": p.Amount, "currency": p.Currency, "invoice_id": p.InvoiceID}
		if err := s.record(tx, merchantID, id, actor, "payment.created", details); err != nil {
			return err
		}
		return s.announce(tx, merchantID, "payment."+string(p.Kind)+"_created", details)
	})
	if err != nil {
		return nil, storeError("create payment", err)
	}
	return p, nil
}

// applyToInvoice checks a payment against its invoice and moves the invoice's money.
func applyToInvoice(tx *gorm.DB, p *Payment) error {
	if !validID("inv", *p.InvoiceID) {
		return invalid("invoice_id", "not_found", "is not an invoice of this customer")
	}
	var inv Invoice
	err := tx.Where("merchant_id = ? AND customer_id = ? AND id = ? AND kind = ?", p.MerchantID, p.CustomerID, *p.InvoiceID, KindInvoice).Take(&inv).Error
	if err != nil {
		return notFoundAs(err, "invoice_id")
	}
	if inv.Currency != p.Currency {
		return invalid("currency", "currency_mismatch", "must be the invoice's currency ("+inv.Currency+")")
	}
	if p.Status != PaymentSucceeded {
		return nil
	}
	switch p.Kind {
	case KindPayment:
		if inv.Status != StatusOpen && inv.Status != StatusUncollectible {
			return &StateError{Message: "a " + string(inv.Status) + " invoice cannot take payments"}
		}
		if p.Amount > inv.AmountDue {
			return invalid("amount", "exceeds_amount_due", "is more than the invoice's amount due")
		}
		inv.AmountPaid += p.Amount
		inv.AmountDue -= p.Amount
		if inv.AmountDue == 0 {
			inv.Status = StatusPaid
		}
	case KindRefund:
		if p.Amount > inv.AmountPaid-inv.AmountRefunded {
			return invalid("amount", "exceeds_amount_paid", "is more than was paid on the invoice and not yet refunded")
		}
		inv.AmountRefunded += p.Amount
	}
	return tx.Select("status", "amount_paid", "amount_due", "amount_refunded", "updated_at").Save(&inv).Error
}

// PaymentFilter narrows a payment list; empty fields do not filter.
type PaymentFilter struct {
	CustomerRef string
	InvoiceID   string
	Kind        PaymentKind
}

// ListPayments returns one page of payments, newest first.
func (s *Store) ListPayments(ctx context.Context, sc Scope, f PaymentFilter, page Page) ([]Payment, PageInfo, error) {
	q, err := s.scopedToCustomer(ctx, sc, f.CustomerRef)
	if err != nil {
		return nil, PageInfo{}, err
	}
	if f.InvoiceID != "" {
		q = q.Where("invoice_id = ?", f.InvoiceID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	rows, info, err := listPage[Payment](q, page, "paid_at DESC, id DESC")
	return rows, info, storeError("list payments", err)
}

// GetPayment loads one payment.
func (s *Store) GetPayment(ctx context.Context, sc Scope, paymentID string) (*Payment, error) {
	if !validID("pay", paymentID) {
		return nil, ErrNotFound
	}
	var p Payment
	if err := s.scoped(ctx, sc).Where("id = ?", paymentID).Take(&p).Error; err != nil {
		return nil, storeError("get payment", err)
	}
	return &p, nil
}
