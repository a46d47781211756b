package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
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

// SubscriptionStatuses are every status a subscription can have.
var SubscriptionStatuses = []SubscriptionStatus{SubTrialing, SubActive, SubPastDue, SubPaused, SubCanceled}

// subscriptionTransitions is the one state machine of subscriptions: the statuses each
// status may move to. A trial only starts a subscription, and canceled is final: a
// canceled subscription is never billed again, so it cannot come back to life.
var subscriptionTransitions = map[SubscriptionStatus][]SubscriptionStatus{
	SubTrialing: {SubActive, SubPastDue, SubPaused, SubCanceled},
	SubActive:   {SubPastDue, SubPaused, SubCanceled},
	SubPastDue:  {SubActive, SubPaused, SubCanceled},
	SubPaused:   {SubActive, SubPastDue, SubCanceled},
}

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
		v.oneOf("status", string(*in.Status), strs(SubscriptionStatuses)...)
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
	if creating && in.CurrentPeriodStart == nil {
		v.add("current_period_start", "required", "is required")
	}
	if creating && in.CurrentPeriodEnd == nil {
		v.add("current_period_end", "required", "is required")
	}
	if in.CurrentPeriodStart != nil && in.CurrentPeriodEnd != nil && !in.CurrentPeriodEnd.After(*in.CurrentPeriodStart) {
		v.add("current_period_end", "before_start", "must be after current_period_start")
	}
	return v.err()
}

// apply sets the fields the input names, except the status (see Subscription.moveTo), and
// returns their columns.
func (in SubscriptionInput) apply(sub *Subscription) []string {
	var columns changedColumns
	columns.set("plan_name", assign(&sub.PlanName, in.PlanName))
	columns.set("currency", assign(&sub.Currency, in.Currency))
	columns.set("unit_amount", assign(&sub.UnitAmount, in.UnitAmount))
	columns.set("interval", assign(&sub.Interval, in.Interval))
	columns.set("interval_count", assign(&sub.IntervalCount, in.IntervalCount))
	columns.set("current_period_start", assign(&sub.CurrentPeriodStart, utcPtr(in.CurrentPeriodStart)))
	columns.set("current_period_end", assign(&sub.CurrentPeriodEnd, utcPtr(in.CurrentPeriodEnd)))
	return columns
}

// moveTo changes the status along subscriptionTransitions and returns the columns it
// changed. Canceling ends the subscription at once: a scheduled cancellation is superseded.
// Asking for the status it already has changes nothing.
func (sub *Subscription) moveTo(to SubscriptionStatus, at time.Time) ([]string, error) {
	if to == sub.Status {
		return nil, nil
	}
	if !slices.Contains(subscriptionTransitions[sub.Status], to) {
		return nil, &StateError{Message: "a " + string(sub.Status) + " subscription cannot become " + string(to)}
	}
	sub.Status = to
	if to != SubCanceled {
		return []string{"status"}, nil
	}
	if sub.CanceledAt == nil {
		sub.CanceledAt = &at
	}
	sub.EndedAt, sub.CancelAtPeriodEnd = &at, false
	return []string{"status", "canceled_at", "ended_at", "cancel_at_period_end"}, nil
}

// CreateSubscription adds a subscription to a customer.
func (s *Store) CreateSubscription(ctx context.Context, merchantID string, actor Actor, in SubscriptionInput) (*Subscription, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	sub := &Subscription{ID: newID("sub"), MerchantID: merchantID, Status: SubActive, IntervalCount: 1}
	in.apply(sub)
	assign(&sub.Status, in.Status) // any status may start a subscription (an import of a canceled one, too)
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
			return referenceOr(err, "customer_id")
		}
		if err := s.record(tx, merchantID, id, actor, "subscription.created", map[string]any{"subscription_id": sub.ID, "plan_name": sub.PlanName}); err != nil {
			return err
		}
		return s.announce(tx, merchantID, "subscription.created", sub.Resource())
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
	q, err := s.filteredByCustomer(ctx, sc, f.CustomerRef)
	if err != nil {
		return nil, PageInfo{}, err
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	rows, info, err := listPage[Subscription](q, page, "created_at DESC, id DESC")
	return rows, info, storeError("list subscriptions", err)
}

// UpdateSubscription applies a partial update from the merchant's billing system. It
// writes only the columns the update names (and what a status change implies), on the
// row locked for the change, so it never undoes a cancellation the customer made at the
// same moment; and a canceled subscription stays canceled.
func (s *Store) UpdateSubscription(ctx context.Context, merchantID string, actor Actor, subscriptionID string, in SubscriptionInput) (*Subscription, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	return s.changeSubscription(ctx, MerchantScope(merchantID), actor, subscriptionID, subscriptionChange{
		action: "subscription.updated",
		apply: func(sub *Subscription, at time.Time) ([]string, error) {
			columns := in.apply(sub)
			if !sub.CurrentPeriodEnd.After(sub.CurrentPeriodStart) {
				return nil, invalid("current_period_end", "before_start", "must be after current_period_start")
			}
			if in.Status != nil {
				moved, err := sub.moveTo(*in.Status, at)
				if err != nil {
					return nil, err
				}
				columns = append(columns, moved...)
			}
			return columns, nil
		},
	})
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

// CancelSubscription cancels now or schedules the cancellation for the period's end. The
// row is locked for the change, so two concurrent requests (a double click, two tabs) have
// one effect: the second gets a StateError.
func (s *Store) CancelSubscription(ctx context.Context, sc Scope, actor Actor, subscriptionID string, c Cancellation) (*Subscription, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	action, notice := "subscription.canceled", EmailSubscriptionCanceled
	if c.AtPeriodEnd {
		action, notice = "subscription.cancel_scheduled", EmailCancellationScheduled
	}
	return s.changeSubscription(ctx, sc, actor, subscriptionID, subscriptionChange{
		action: action, notice: notice,
		apply: func(sub *Subscription, at time.Time) ([]string, error) {
			if sub.Status == SubCanceled || sub.CancelAtPeriodEnd {
				return nil, &StateError{Message: "the subscription is already canceled or scheduled to cancel"}
			}
			sub.CanceledAt, sub.CancellationReason, sub.CancellationComment = &at, c.Reason, c.Comment
			columns := []string{"canceled_at", "cancellation_reason", "cancellation_comment"}
			if c.AtPeriodEnd {
				sub.CancelAtPeriodEnd = true
				return append(columns, "cancel_at_period_end"), nil
			}
			moved, err := sub.moveTo(SubCanceled, at)
			return append(columns, moved...), err
		},
	})
}

// ResumeSubscription undoes a scheduled cancellation while the period has not ended.
func (s *Store) ResumeSubscription(ctx context.Context, sc Scope, actor Actor, subscriptionID string) (*Subscription, error) {
	return s.changeSubscription(ctx, sc, actor, subscriptionID, subscriptionChange{
		action: "subscription.resumed", notice: EmailCancellationUndone,
		apply: func(sub *Subscription, at time.Time) ([]string, error) {
			if !sub.CanResume(at) {
				return nil, &StateError{Message: "the subscription has no cancellation that can be undone"}
			}
			sub.CancelAtPeriodEnd, sub.CanceledAt, sub.CancellationReason, sub.CancellationComment = false, nil, "", ""
			return []string{"cancel_at_period_end", "canceled_at", "cancellation_reason", "cancellation_comment"}, nil
		},
	})
}

// subscriptionChange is one kind of change to a subscription.
type subscriptionChange struct {
	action string    // the audit log's action, and the webhook event's type
	notice EmailKind // the notice the customer gets when they made the change; empty: none
	// apply checks that the subscription's state allows the change (else a StateError),
	// makes it, and returns the columns it changed.
	apply func(sub *Subscription, at time.Time) ([]string, error)
}

// changeSubscription applies a change to a subscription sc may see, with its row locked
// until the change commits: a concurrent change waits, then applies to what this one
// wrote. Only the columns the change names are written.
func (s *Store) changeSubscription(ctx context.Context, sc Scope, actor Actor, id string, change subscriptionChange) (*Subscription, error) {
	if !validID("sub", id) {
		return nil, ErrNotFound
	}
	var sub Subscription
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := sc.where(tx.Clauses(clause.Locking{Strength: "UPDATE"})).Where("id = ?", id).Take(&sub).Error; err != nil {
			return err
		}
		at := s.Now()
		columns, err := change.apply(&sub, at)
		if err != nil {
			return err
		}
		if len(columns) > 0 {
			sub.UpdatedAt = at
			columns = append(columns, "updated_at")
			if err := sc.where(tx.Model(&sub)).Select(columns).Updates(&sub).Error; err != nil {
				return err
			}
		}
		details := map[string]any{
			"subscription_id": sub.ID, "changed": columns, "status": sub.Status, "cancel_at_period_end": sub.CancelAtPeriodEnd, "reason": sub.CancellationReason,
		}
		if err := s.record(tx, sc.MerchantID, sub.CustomerID, actor, change.action, details); err != nil {
			return err
		}
		if change.notice != "" {
			if err := s.notify(tx, actor, sc.MerchantID, sub.CustomerID, change.notice, "", subscriptionNotice(&sub, change.notice)); err != nil {
				return err
			}
		}
		return s.announce(tx, sc.MerchantID, change.action, sub.Resource())
	})
	if err != nil {
		return nil, storeError("change subscription", err)
	}
	return &sub, nil
}

// subscriptionNotice is what a notice about a cancellation says: the plan, and when it
// ends (the end of the period, or now); an undone cancellation ends nothing.
func subscriptionNotice(sub *Subscription, kind EmailKind) EmailDetails {
	d := EmailDetails{Plan: sub.PlanName}
	switch kind {
	case EmailCancellationScheduled:
		d.EffectiveAt = &sub.CurrentPeriodEnd
	case EmailSubscriptionCanceled:
		d.EffectiveAt = sub.EndedAt
	}
	return d
}
