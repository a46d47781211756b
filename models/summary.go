package models

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Balance is what a customer owes in one currency.
type Balance struct {
	Currency  string
	AmountDue int64
}

// CustomerSummary is the customer's account at a glance: the portal's overview.
type CustomerSummary struct {
	Balances      []Balance
	NextInvoice   *Invoice // the unpaid invoice due first, overdue or not; nil when nothing is due
	Subscriptions []Subscription
}

// liveSubscriptionStatuses are the statuses a customer is (or will be) billed in.
var liveSubscriptionStatuses = []SubscriptionStatus{SubTrialing, SubActive, SubPastDue}

// unpaidStatuses are the statuses of invoices the customer still owes: open (overdue or
// not) and uncollectible, which the merchant has written off in its books but the
// customer can still pay, and which the invoice list shows with its amount due.
var unpaidStatuses = []InvoiceStatus{StatusOpen, StatusUncollectible}

// SummarizeCustomer loads the overview of one customer in three indexed queries. The
// balance and the next invoice count what the invoice list shows as due: open and
// uncollectible invoices. The next invoice is the one due first, so an overdue invoice comes
// before one that is not due yet, as the invoice to pay next in Stripe's and Chargebee's portals.
func (s *Store) SummarizeCustomer(ctx context.Context, sc Scope) (*CustomerSummary, error) {
	type summaryKey struct{}
	return readCustomer(ctx, s, sc, summaryKey{}, (*CustomerSummary).clone, func(time.Time) (*CustomerSummary, error) { return s.summarizeCustomer(ctx, sc) })
}

// clone is a copy of sum that shares nothing with it.
func (sum *CustomerSummary) clone() *CustomerSummary {
	c := *sum
	c.Balances, c.Subscriptions = slices.Clone(sum.Balances), slices.Clone(sum.Subscriptions)
	if sum.NextInvoice != nil {
		next := *sum.NextInvoice
		c.NextInvoice = &next
	}
	return &c
}

func (s *Store) summarizeCustomer(ctx context.Context, sc Scope) (*CustomerSummary, error) {
	var sum CustomerSummary
	q := s.scoped(ctx, sc)
	open := q.Session(&gorm.Session{}).Model(&Invoice{}).
		Where("kind = ? AND status IN ? AND amount_due > 0", KindInvoice, unpaidStatuses)
	err := open.Session(&gorm.Session{}).Select("currency, SUM(amount_due) AS amount_due").
		Group("currency").Order("currency").Scan(&sum.Balances).Error
	if err != nil {
		return nil, storeError("summarize balances", err)
	}
	var next Invoice
	err = open.Select("id", "number", "currency", "amount_due", "due_at", "status", "kind", "payment_url").
		Order("due_at IS NULL, due_at, issued_at, id").Take(&next).Error
	switch {
	case err == nil:
		sum.NextInvoice = &next
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return nil, storeError("find next invoice", err)
	}
	err = q.Session(&gorm.Session{}).Where("status IN ?", liveSubscriptionStatuses).
		Order("current_period_end, id").Find(&sum.Subscriptions).Error
	if err != nil {
		return nil, storeError("list live subscriptions", err)
	}
	return &sum, nil
}

// InvoiceNumbers maps invoice IDs to their numbers, for lists that name related invoices.
func (s *Store) InvoiceNumbers(ctx context.Context, sc Scope, ids []string) (map[string]string, error) {
	numbers := make(map[string]string, len(ids))
	if len(ids) == 0 {
		return numbers, nil
	}
	var rows []Invoice
	if err := sc.invoices(s.scoped(ctx, sc)).Select("id", "number").Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, storeError("invoice numbers", err)
	}
	for _, r := range rows {
		numbers[r.ID] = r.Number
	}
	return numbers, nil
}
