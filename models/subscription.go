package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// SubscriptionStatus is where a subscription is in its life.
type SubscriptionStatus string

// Subscription statuses.
const (
	SubTrialing SubscriptionStatus = "trialing"
	SubActive   SubscriptionStatus = "active"
	SubPastDue  SubscriptionStatus = "past_due"
	SubPaused   SubscriptionStatus = "paused"
	SubCanceled SubscriptionStatus = "canceled"
)

var subscriptionStatuses = []string{string(SubTrialing), string(SubActive), string(SubPastDue), string(SubPaused), string(SubCanceled)}

// Intervals a subscription can bill at.
var Intervals = []string{"day", "week", "month", "year"}

// CancellationReasons are the reasons a customer can pick when cancelling.
var CancellationReasons = []string{"too_expensive", "missing_features", "switched_service", "unused", "customer_service", "too_complex", "low_quality", "other"}

// Subscription is a customer's recurring plan.
type Subscription struct {
	ID                  string `gorm:"primaryKey"`
	MerchantID          string
	CustomerID          string
	PlanName            string
	Status              SubscriptionStatus
	Currency            string
	UnitAmount          int64 // price per interval, in minor units
	Interval            string
	IntervalCount       int
	CurrentPeriodStart  time.Time
	CurrentPeriodEnd    time.Time
	CancelAtPeriodEnd   bool
	CanceledAt          *time.Time
	EndedAt             *time.Time
	CancellationReason  string
	CancellationComment string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// NextBillingAt is when the customer is charged next, if ever.
func (s *Subscription) NextBillingAt() *time.Time {
	if s.Status == SubCanceled || s.Status == SubPaused || s.CancelAtPeriodEnd {
		return nil
	}
	t := s.CurrentPeriodEnd
	return &t
}

// CanResume reports whether a scheduled cancellation can still be undone at time at.
func (s *Subscription) CanResume(at time.Time) bool {
	return s.CancelAtPeriodEnd && s.Status != SubCanceled && at.Before(s.CurrentPeriodEnd)
}

// SubscriptionInput creates or partially updates a subscription: nil fields stay.
type SubscriptionInput struct {
	CustomerRef        string // on create only
	PlanName           *string
	Status             *SubscriptionStatus
	Currency           *string
	UnitAmount         *int64
	Interval           *string
	IntervalCount      *int
	CurrentPeriodStart *time.Time
	CurrentPeriodEnd   *time.Time
}

func (in SubscriptionInput) validate(creating bool) error {
	var v validator
	if in.PlanName != nil || creating {
		v.text("plan_name", deref(in.PlanName), 200, true)
	}
	if in.Status != nil {
		v.oneOf("status", string(*in.Status), subscriptionStatuses...)
	}
	if in.Currency != nil || creating {
		v.currency("currency", deref(in.Currency))
	}
	if in.UnitAmount != nil || creating {
		if a := deref(in.UnitAmount); a < 0 || a > maxLineAmount {
			v.add("unit_amount", "out_of_range", "must be between 0 and 1000000000000 minor units")
		}
	}
	if in.Interval != nil || creating {
		v.oneOf("interval", deref(in.Interval), Intervals...)
	}
	if in.IntervalCount != nil && (*in.IntervalCount < 1 || *in.IntervalCount > 365) {
		v.add("interval_count", "out_of_range", "must be between 1 and 365")
	}
	if creating && (in.CurrentPeriodStart == nil || in.CurrentPeriodEnd == nil) {
		v.add("current_period_end", "required", "current_period_start and current_period_end are required")
	}
	if in.CurrentPeriodStart != nil && in.CurrentPeriodEnd != nil && !in.CurrentPeriodEnd.After(*in.CurrentPeriodStart) {
		v.add("current_period_end", "before_start", "must be after current_period_start")
	}
	return v.err()
}

func (in SubscriptionInput) apply(sub *Subscription) {
	setIf(&sub.PlanName, in.PlanName)
	setIf(&sub.Status, in.Status)
	setIf(&sub.Currency, in.Currency)
	setIf(&sub.UnitAmount, in.UnitAmount)
	setIf(&sub.Interval, in.Interval)
	setIf(&sub.IntervalCount, in.IntervalCount)
	if in.CurrentPeriodStart != nil {
		sub.CurrentPeriodStart = in.CurrentPeriodStart.UTC()
	}
	if in.CurrentPeriodEnd != nil {
		sub.CurrentPeriodEnd = in.CurrentPeriodEnd.UTC()
	}
}

// CreateSubscription adds a subscription to a customer.
func (s *Store) CreateSubscription(ctx context.Context, merchantID string, actor Actor, in SubscriptionInput) (*Subscription, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	sub := &Subscription{ID: newID("sub"), MerchantID: merchantID, Status: SubActive, IntervalCount: 1}
	in.apply(sub)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := customerID(tx, merchantID, in.CustomerRef)
		if err != nil {
			return notFoundAs(err, "customer_id")
		}
		sub.CustomerID = id
		if sub.Status == SubCanceled {
			t := s.Now()
			sub.CanceledAt, sub.EndedAt = &t, &t
		}
		if err := tx.Create(sub).Error; err != nil {
			return err
		}
		return s.record(tx, merchantID, id, actor, "subscription.created", map[string]any{"subscription_id": sub.ID, "plan_name": sub.PlanName})
	})
	if err != nil {
		return nil, storeError("create subscription", err)
	}
	return sub, nil
}

// GetSubscription loads one subscription.
func (s *Store) GetSubscription(ctx context.Context, sc Scope, subscriptionID string) (*Subscription, error) {
	if !validID("sub", subscriptionID) {
		return nil, ErrNotFound
	}
	var sub Subscription
	if err := s.scoped(ctx, sc).Where("id = ?", subscriptionID).Take(&sub).Error; err != nil {
		return nil, storeError("get subscription", err)
	}
	return &sub, nil
}

// SubscriptionFilter narrows a subscription list; empty fields do not filter.
type SubscriptionFilter struct {
	CustomerRef string
	Status      SubscriptionStatus
}

// ListSubscriptions returns one page of subscriptions, newest first.
func (s *Store) ListSubscriptions(ctx context.Context, sc Scope, f SubscriptionFilter, page Page) ([]Subscription, PageInfo, error) {
	q, err := s.scopedToCustomer(ctx, sc, f.CustomerRef)
	if err != nil {
		return nil, PageInfo{}, err
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	rows, info, err := listPage[Subscription](q, page, "created_at DESC, id DESC")
	return rows, info, storeError("list subscriptions", err)
}

// UpdateSubscription applies a partial update from the merchant's billing system.
func (s *Store) UpdateSubscription(ctx context.Context, merchantID string, actor Actor, subscriptionID string, in SubscriptionInput) (*Subscription, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	if !validID("sub", subscriptionID) {
		return nil, ErrNotFound
	}
	var sub Subscription
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("merchant_id = ? AND id = ?", merchantID, subscriptionID).Take(&sub).Error; err != nil {
			return err
		}
		in.apply(&sub)
		if !sub.CurrentPeriodEnd.After(sub.CurrentPeriodStart) {
			return invalid("current_period_end", "before_start", "must be after current_period_start")
		}
		if err := tx.Save(&sub).Error; err != nil {
			return err
		}
		return s.record(tx, merchantID, sub.CustomerID, actor, "subscription.updated", map[string]any{"subscription_id": sub.ID})
	})
	if err != nil {
		return nil, storeError("update subscription", err)
	}
	return &sub, nil
}

// Cancellation is a request to cancel a subscription.
type Cancellation struct {
	AtPeriodEnd bool
	Reason      string // one of CancellationReasons, or empty
	Comment     string
}

func (c Cancellation) validate() error {
	var v validator
	if c.Reason != "" {
		v.oneOf("reason", c.Reason, CancellationReasons...)
	}
	v.multiline("comment", c.Comment, 1000)
	return v.err()
}

// CancelSubscription cancels now or schedules the cancellation for the period's end. It is
// a conditional update, so two concurrent requests (a double click, two tabs) have one
// effect: the second gets a StateError.
func (s *Store) CancelSubscription(ctx context.Context, sc Scope, actor Actor, subscriptionID string, c Cancellation) (*Subscription, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	t := s.Now()
	changes := map[string]any{
		"canceled_at": t, "cancellation_reason": c.Reason, "cancellation_comment": c.Comment, "updated_at": t,
	}
	event := "subscription.canceled"
	if c.AtPeriodEnd {
		changes["cancel_at_period_end"] = true
		event = "subscription.cancel_scheduled"
	} else {
		changes["status"], changes["ended_at"], changes["cancel_at_period_end"] = SubCanceled, t, false
	}
	return s.changeSubscription(ctx, sc, actor, subscriptionID, event, changes,
		"status <> ? AND cancel_at_period_end = ?", []any{SubCanceled, false},
		"the subscription is already canceled or scheduled to cancel")
}

// ResumeSubscription undoes a scheduled cancellation while the period has not ended.
func (s *Store) ResumeSubscription(ctx context.Context, sc Scope, actor Actor, subscriptionID string) (*Subscription, error) {
	t := s.Now()
	changes := map[string]any{
		"cancel_at_period_end": false, "canceled_at": nil, "cancellation_reason": "", "cancellation_comment": "", "updated_at": t,
	}
	return s.changeSubscription(ctx, sc, actor, subscriptionID, "subscription.resumed", changes,
		"status <> ? AND cancel_at_period_end = ? AND current_period_end > ?", []any{SubCanceled, true, t},
		"the subscription has no cancellation that can be undone")
}

// changeSubscription applies changes to a subscription if it is in the state cond
// describes, and records the event; otherwise it answers refusal as a StateError.
func (s *Store) changeSubscription(ctx context.Context, sc Scope, actor Actor, id, event string, changes map[string]any, cond string, args []any, refusal string) (*Subscription, error) {
	if !validID("sub", id) {
		return nil, ErrNotFound
	}
	var sub Subscription
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := sc.where(tx.Model(&Subscription{})).Where("id = ?", id).Where(cond, args...).Updates(changes)
		if res.Error != nil {
			return res.Error
		}
		if err := sc.where(tx).Where("id = ?", id).Take(&sub).Error; err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			return &StateError{Message: refusal}
		}
		details := map[string]any{"subscription_id": sub.ID, "reason": sub.CancellationReason, "cancel_at_period_end": sub.CancelAtPeriodEnd, "status": sub.Status}
		if err := s.record(tx, sc.MerchantID, sub.CustomerID, actor, event, details); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, event, details)
	})
	if err != nil {
		return nil, storeError("change subscription", err)
	}
	return &sub, nil
}
