package models

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Entitlement is a feature a customer may use, with an optional limit and usage.
type Entitlement struct {
	ID             string `gorm:"primaryKey"`
	MerchantID     string
	CustomerID     string
	SubscriptionID *string
	FeatureKey     string
	Name           string
	Limit          *int64 `gorm:"column:usage_limit"`
	Value          string
	Usage          *int64
	ValidFrom      time.Time
	ValidTo        *time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Active reports whether the entitlement is valid at time at.
func (e *Entitlement) Active(at time.Time) bool {
	return !at.Before(e.ValidFrom) && (e.ValidTo == nil || at.Before(*e.ValidTo))
}

var featureKeyPattern = lazyRegexp(`^[a-z0-9][a-z0-9_.:-]{0,99}$`)

// EntitlementInput creates or partially updates an entitlement: nil fields stay.
type EntitlementInput struct {
	SubscriptionID *string
	FeatureKey     *string
	Name           *string
	Limit          *int64
	Value          *string
	Usage          *int64
	ValidFrom      *time.Time
	ValidTo        *time.Time
}

func (in EntitlementInput) validate(creating bool) error {
	var v validator
	if in.FeatureKey != nil || creating {
		if !featureKeyPattern().MatchString(deref(in.FeatureKey)) {
			v.add("feature_key", "invalid_key", "must be lowercase letters, digits and _ . : - (at most 100)")
		}
	}
	if in.Name != nil || creating {
		v.text("name", deref(in.Name), 200, true)
	}
	if in.Value != nil {
		v.text("value", *in.Value, 200, false)
	}
	if in.Limit != nil && *in.Limit < 0 {
		v.add("limit", "negative", "must be 0 or more")
	}
	if in.Usage != nil && *in.Usage < 0 {
		v.add("usage", "negative", "must be 0 or more")
	}
	if in.ValidFrom != nil && in.ValidTo != nil && !in.ValidTo.After(*in.ValidFrom) {
		v.add("valid_to", "before_start", "must be after valid_from")
	}
	return v.err()
}

func (in EntitlementInput) apply(e *Entitlement) {
	if in.SubscriptionID != nil {
		e.SubscriptionID = in.SubscriptionID
		if *in.SubscriptionID == "" {
			e.SubscriptionID = nil
		}
	}
	setIf(&e.FeatureKey, in.FeatureKey)
	setIf(&e.Name, in.Name)
	if in.Limit != nil {
		e.Limit = in.Limit
	}
	setIf(&e.Value, in.Value)
	if in.Usage != nil {
		e.Usage = in.Usage
	}
	if in.ValidFrom != nil {
		e.ValidFrom = in.ValidFrom.UTC()
	}
	if in.ValidTo != nil {
		e.ValidTo = utcPtr(in.ValidTo)
	}
}

// checkSubscription makes sure an entitlement's subscription is the same customer's.
func checkSubscription(tx *gorm.DB, e *Entitlement) error {
	if e.SubscriptionID == nil {
		return nil
	}
	if !validID("sub", *e.SubscriptionID) {
		return invalid("subscription_id", "not_found", "is not a subscription of this customer")
	}
	var n int64
	err := tx.Model(&Subscription{}).Where("merchant_id = ? AND customer_id = ? AND id = ?", e.MerchantID, e.CustomerID, *e.SubscriptionID).Count(&n).Error
	if err == nil && n == 0 {
		return invalid("subscription_id", "not_found", "is not a subscription of this customer")
	}
	return err
}

// CreateEntitlement grants the customer sc names a feature.
func (s *Store) CreateEntitlement(ctx context.Context, sc Scope, actor Actor, in EntitlementInput) (*Entitlement, error) {
	if err := in.validate(true); err != nil {
		return nil, err
	}
	e := &Entitlement{ID: newID("ent"), MerchantID: sc.MerchantID, ValidFrom: s.Now()}
	in.apply(e)
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		e.CustomerID = id
		if err := checkSubscription(tx, e); err != nil {
			return err
		}
		if err := tx.Create(e).Error; err != nil {
			return err
		}
		if err := s.record(tx, sc.MerchantID, id, actor, "entitlement.created", map[string]any{"entitlement_id": e.ID, "feature_key": e.FeatureKey}); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, "entitlement.created", e.Resource())
	})
	if err != nil {
		return nil, storeError("create entitlement", err)
	}
	return e, nil
}

// ListEntitlements returns all entitlements of the customer sc names, by feature key.
func (s *Store) ListEntitlements(ctx context.Context, sc Scope) ([]Entitlement, error) {
	type entitlementsKey struct{}
	return readCustomer(ctx, s, sc, entitlementsKey{}, slices.Clone, func(time.Time) ([]Entitlement, error) { return s.listEntitlements(ctx, sc) })
}

func (s *Store) listEntitlements(ctx context.Context, sc Scope) ([]Entitlement, error) {
	id, err := sc.customer(s.read(ctx))
	if err != nil {
		return nil, storeError("list entitlements", err)
	}
	var rows []Entitlement
	err = s.scoped(ctx, sc.Customer(id)).Order("feature_key, id").Find(&rows).Error
	return rows, storeError("list entitlements", err)
}

// UpdateEntitlement applies a partial update to one entitlement of the customer sc names.
func (s *Store) UpdateEntitlement(ctx context.Context, sc Scope, actor Actor, entitlementID string, in EntitlementInput) (*Entitlement, error) {
	if err := in.validate(false); err != nil {
		return nil, err
	}
	if !validID("ent", entitlementID) {
		return nil, ErrNotFound
	}
	var e Entitlement
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		if err := tx.Where("merchant_id = ? AND customer_id = ? AND id = ?", sc.MerchantID, id, entitlementID).Take(&e).Error; err != nil {
			return err
		}
		in.apply(&e)
		if e.ValidTo != nil && !e.ValidTo.After(e.ValidFrom) {
			return invalid("valid_to", "before_start", "must be after valid_from")
		}
		if err := checkSubscription(tx, &e); err != nil {
			return err
		}
		if err := tx.Save(&e).Error; err != nil {
			return err
		}
		if err := s.record(tx, sc.MerchantID, id, actor, "entitlement.updated", map[string]any{"entitlement_id": e.ID}); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, "entitlement.updated", e.Resource())
	})
	if err != nil {
		return nil, storeError("update entitlement", err)
	}
	return &e, nil
}

// DeleteEntitlement removes one entitlement of the customer sc names.
func (s *Store) DeleteEntitlement(ctx context.Context, sc Scope, actor Actor, entitlementID string) error {
	if !validID("ent", entitlementID) {
		return ErrNotFound
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		id, err := sc.customer(tx)
		if err != nil {
			return err
		}
		var e Entitlement
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("merchant_id = ? AND customer_id = ? AND id = ?", sc.MerchantID, id, entitlementID).Take(&e).Error; err != nil {
			return err
		}
		if err := tx.Delete(&e).Error; err != nil {
			return err
		}
		if err := s.record(tx, sc.MerchantID, id, actor, "entitlement.deleted", map[string]string{"entitlement_id": entitlementID}); err != nil {
			return err
		}
		return s.announce(tx, sc.MerchantID, "entitlement.deleted", e.Resource())
	})
	return storeError("delete entitlement", err)
}
