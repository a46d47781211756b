package models

import (
	"context"
	"errors"
	"strconv"
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
	// Provider and ProviderPaymentID name a payment a provider's event recorded (Stripe: the
	// payment intent); unique per merchant, so a replayed event is one payment.
	Provider          string
	ProviderPaymentID *string
	PaidAt            time.Time
	CreatedAt         time.Time
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
// refunded. The payment and the invoice change in one transaction, with the invoice row
// locked, so concurrent payments never take more than is due, nor refunds more than was
// paid.
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
		return s.createPayment(tx, actor, p)
	})
	if err != nil {
		return nil, storeError("create payment", err)
	}
	return p, nil
}

// createPayment records p (its customer resolved) inside tx: applied to its invoice, with
// its audit event and announcement. The API's payments and the providers' go this one way.
func (s *Store) createPayment(tx *gorm.DB, actor Actor, p *Payment) error {
	if p.InvoiceID != nil {
		if err := s.applyToInvoice(tx, p); err != nil {
			return err
		}
	}
	if err := tx.Create(p).Error; err != nil {
		return referenceOr(err, "customer_id")
	}
	return s.recordPayment(tx, actor, p, "payment.created", string(p.Kind)+".created")
}

// recordPayment writes the audit event and the announcement of a change to p. A payment a
// provider's event recorded says so (its resource's source is the portal).
func (s *Store) recordPayment(tx *gorm.DB, actor Actor, p *Payment, action, eventType string) error {
	details := map[string]any{"payment_id": p.ID, "kind": p.Kind, "amount": p.Amount, "currency": p.Currency, "invoice_id": p.InvoiceID}
	if p.Provider != "" {
		details["status"], details["source"], details["provider"] = p.Status, "portal", p.Provider
	}
	if err := s.record(tx, p.MerchantID, p.CustomerID, actor, action, details); err != nil {
		return err
	}
	return s.announce(tx, p.MerchantID, eventType, p.Resource())
}

// applyToInvoice checks a payment against its invoice, locked for the rest of the
// transaction, and moves the invoice's money.
func (s *Store) applyToInvoice(tx *gorm.DB, p *Payment) error {
	if !validID("inv", *p.InvoiceID) {
		return invalid("invoice_id", "not_found", "is not an invoice of this customer")
	}
	inv, err := lockInvoice(tx, p.MerchantID, *p.InvoiceID)
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && (inv.Kind != KindInvoice || inv.CustomerID != p.CustomerID)):
		return invalid("invoice_id", "not_found", "is not an invoice of this customer")
	case err != nil:
		return err
	case inv.Currency != p.Currency:
		return invalid("currency", "currency_mismatch", "must be the invoice's currency ("+inv.Currency+")")
	case inv.Status == StatusDraft:
		// A draft is the merchant's work in progress: nothing the customer sees may point
		// at it, a pending payment included.
		return &StateError{Message: "a draft invoice cannot take payments"}
	case p.Status != PaymentSucceeded:
		return nil // a pending or failed payment moves no money
	}
	before := *inv
	switch p.Kind {
	case KindPayment:
		if inv.Status != StatusOpen && inv.Status != StatusUncollectible {
			return &StateError{Message: "a " + string(inv.Status) + " invoice cannot take payments"}
		}
		if p.Amount > inv.AmountDue {
			return invalid("amount", "exceeds_amount_due", "is more than the invoice's amount due ("+strconv.FormatInt(inv.AmountDue, 10)+")")
		}
		inv.AmountPaid += p.Amount
		inv.AmountDue -= p.Amount
		if inv.AmountDue == 0 {
			if err := inv.moveTo(StatusPaid); err != nil {
				return err
			}
		}
	case KindRefund:
		if p.Amount > inv.AmountPaid-inv.AmountRefunded {
			return invalid("amount", "exceeds_amount_paid", "is more than was paid on the invoice and not yet refunded ("+strconv.FormatInt(inv.AmountPaid-inv.AmountRefunded, 10)+")")
		}
		inv.AmountRefunded += p.Amount
	}
	return s.saveInvoice(tx, inv, &before)
}

// referenceOr turns a foreign-key violation (the customer was deleted while the row was
// being written) into a validation error on field.
func referenceOr(err error, field string) error {
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return invalid(field, "not_found", "does not name an existing record")
	}
	return err
}

// PaymentFilter narrows a payment list; empty fields do not filter.
type PaymentFilter struct {
	CustomerRef string
	InvoiceID   string
	Kind        PaymentKind
}

// PaymentKinds are the kinds a payment list can be filtered by.
var PaymentKinds = []PaymentKind{KindPayment, KindRefund}

// ListPayments returns one page of payments, newest first. A customer never sees a
// payment that names a draft invoice. A filter that names an invoice sc cannot see is a
// FilterError.
func (s *Store) ListPayments(ctx context.Context, sc Scope, f PaymentFilter, page Page) ([]Payment, PageInfo, error) {
	q, err := s.filteredByCustomer(ctx, sc, f.CustomerRef)
	if err != nil {
		return nil, PageInfo{}, err
	}
	if f.InvoiceID != "" {
		if err := s.checkInvoiceFilter(ctx, sc, f.InvoiceID); err != nil {
			return nil, PageInfo{}, err
		}
		q = q.Where("invoice_id = ?", f.InvoiceID)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if sc.customerView() {
		drafts := s.db.read.Model(&Invoice{}).Select("id").Where("merchant_id = ? AND status = ?", sc.MerchantID, StatusDraft)
		q = q.Where("(invoice_id IS NULL OR invoice_id NOT IN (?))", drafts)
	}
	rows, info, err := listPage[Payment](q, page, "paid_at DESC, id DESC")
	return rows, info, storeError("list payments", err)
}

// InvoicePayments are the payments and refunds of an invoice loaded through sc, newest
// first (at most MaxPerPage): what its page lists, and what decides whether a payment is
// under way. Having loaded it proves sc may see it, which ListPayments's invoice filter
// checks with a query of its own; the scope still bounds the rows.
func (s *Store) InvoicePayments(ctx context.Context, sc Scope, inv *Invoice) ([]Payment, error) {
	if inv.MerchantID != sc.MerchantID || (sc.customerView() && !inv.VisibleToCustomer()) {
		return nil, ErrNotFound
	}
	var rows []Payment
	err := s.scoped(ctx, sc).Where("invoice_id = ?", inv.ID).Order("paid_at DESC, id DESC").Limit(MaxPerPage).Find(&rows).Error
	return rows, storeError("list invoice payments", err)
}

// checkInvoiceFilter makes sure a list filter names an invoice sc may see.
func (s *Store) checkInvoiceFilter(ctx context.Context, sc Scope, invoiceID string) error {
	unknown := &FilterError{Field: "invoice_id", Message: "names no invoice"}
	if !validID("inv", invoiceID) {
		return unknown
	}
	var n int64
	if err := sc.invoices(s.scoped(ctx, sc)).Model(&Invoice{}).Where("id = ?", invoiceID).Count(&n).Error; err != nil {
		return storeError("check invoice filter", err)
	}
	if n == 0 {
		return unknown
	}
	return nil
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
