package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// WebhookEndpoint is a merchant URL that receives events from the outbox.
type WebhookEndpoint struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	URL        string `gorm:"column:url"`
	Secret     string // signs deliveries; kept in clear because signing needs it
	Enabled    bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// OutboxEvent is an event written in the same transaction as the change it announces, so
// no change goes unannounced and no announcement describes a change that rolled back.
type OutboxEvent struct {
	ID            string `gorm:"primaryKey"`
	MerchantID    string
	Type          string
	Payload       string // JSON
	CreatedAt     time.Time
	DeliveredAt   *time.Time
	Attempts      int
	LastError     string
	NextAttemptAt *time.Time // nil: as soon as possible
}

// MaxDeliveryAttempts is how often an event is tried before it is left undelivered.
const MaxDeliveryAttempts = 12

// DueOutboxEvents returns up to limit undelivered events whose next attempt is due, oldest
// first. It spans merchants, like LoadPortalAccess: the delivery worker serves them all, and
// each event names its merchant.
func (s *Store) DueOutboxEvents(ctx context.Context, at time.Time, limit int) ([]OutboxEvent, error) {
	var rows []OutboxEvent
	err := s.db.read.WithContext(ctx).
		Where("delivered_at IS NULL AND attempts < ? AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", MaxDeliveryAttempts, at).
		Order("created_at, id").Limit(limit).Find(&rows).Error
	return rows, storeError("due outbox events", err)
}

// RecordDelivery marks an event delivered (deliveryErr nil), or counts the failed attempt
// and schedules the next one at retryAt.
func (s *Store) RecordDelivery(ctx context.Context, merchantID, eventID string, deliveryErr error, retryAt time.Time) error {
	changes := map[string]any{"attempts": gorm.Expr("attempts + 1"), "delivered_at": s.Now(), "last_error": ""}
	if deliveryErr != nil {
		changes["delivered_at"], changes["last_error"], changes["next_attempt_at"] = nil, truncate(deliveryErr.Error(), 1000), retryAt.UTC()
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&OutboxEvent{}).Where("merchant_id = ? AND id = ?", merchantID, eventID).Updates(changes).Error
	})
	return storeError("record delivery", err)
}

// CreateWebhookEndpoint registers a URL for a merchant's events and returns its signing
// secret.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, merchantID string, actor Actor, url string) (*WebhookEndpoint, error) {
	var v validator
	v.webURL("url", url)
	if url == "" {
		v.add("url", "required", "is required")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	w := &WebhookEndpoint{ID: newID("we"), MerchantID: merchantID, URL: url, Secret: "whsec_" + newSecret(), Enabled: true}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(w).Error; err != nil {
			return err
		}
		return s.record(tx, merchantID, "", actor, "webhook_endpoint.created", map[string]string{"webhook_endpoint_id": w.ID, "url": url})
	})
	if err != nil {
		return nil, storeError("create webhook endpoint", err)
	}
	return w, nil
}

// ListWebhookEndpoints returns a merchant's endpoints, oldest first.
func (s *Store) ListWebhookEndpoints(ctx context.Context, merchantID string) ([]WebhookEndpoint, error) {
	var rows []WebhookEndpoint
	err := s.reader(ctx, merchantID).Order("created_at, id").Find(&rows).Error
	return rows, storeError("list webhook endpoints", err)
}

// DeleteWebhookEndpoint removes an endpoint.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, merchantID string, actor Actor, id string) error {
	if !validID("we", id) {
		return ErrNotFound
	}
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		res := tx.Where("merchant_id = ? AND id = ?", merchantID, id).Delete(&WebhookEndpoint{})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		return s.record(tx, merchantID, "", actor, "webhook_endpoint.deleted", map[string]string{"webhook_endpoint_id": id})
	})
	return storeError("delete webhook endpoint", err)
}

// ListOutboxEvents returns one page of a merchant's events, newest first.
func (s *Store) ListOutboxEvents(ctx context.Context, merchantID string, page Page) ([]OutboxEvent, PageInfo, error) {
	rows, info, err := listPage[OutboxEvent](s.reader(ctx, merchantID), page, "created_at DESC, id DESC")
	return rows, info, storeError("list outbox events", err)
}
