package models

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// WebhookDelivery is one event on its way to one endpoint: its own attempts, schedule and
// outcome, so a failing endpoint never makes another receive an event twice.
type WebhookDelivery struct {
	ID         string `gorm:"primaryKey"`
	MerchantID string
	EndpointID string
	EventID    string
	JobState   `gorm:"embedded"`
	// LastStatusCode is the endpoint's answer to the last attempt; 0 when it gave none.
	LastStatusCode int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// EventType is the event's type, read with lists of deliveries.
	EventType string `gorm:"->"`
}

// MaxInFlightPerEndpoint is how many deliveries one endpoint has in flight at most, across
// every instance; an endpoint that is failing gets one.
const MaxInFlightPerEndpoint = 2

// webhookQueue is the queue of webhook deliveries: an endpoint is a lane, and only enabled
// endpoints' deliveries go out. A disabled endpoint's pending deliveries wait for it.
var webhookQueue = jobQueue{
	table:     "webhook_deliveries",
	lane:      "endpoint_id",
	gate:      "JOIN webhook_endpoints g ON g.id = j.endpoint_id AND g.enabled",
	laneLimit: "CASE WHEN g.failing_since IS NULL THEN 2 ELSE 1 END",
}

// webhookDelivererActor is who the audit log names for what the delivery worker changes.
var webhookDelivererActor = Actor{Type: ActorSystem, ID: "webhook_deliverer"}

// ClaimedDelivery is a delivery an instance holds, with the endpoint and event it needs to
// send it.
type ClaimedDelivery struct {
	WebhookDelivery
	Endpoint WebhookEndpoint
	Event    OutboxEvent
}

// ClaimWebhookDeliveries claims up to n due deliveries, fairly across merchants and at most
// MaxInFlightPerEndpoint per endpoint, for this instance to send. It spans merchants, like
// LoadPortalAccess: the delivery worker serves them all, and each delivery names its own.
func (s *Store) ClaimWebhookDeliveries(ctx context.Context, n int) ([]ClaimedDelivery, error) {
	claim, err := s.claimJobs(ctx, webhookQueue, n)
	if err != nil {
		return nil, storeError("claim webhook deliveries", err)
	}
	var rows []WebhookDelivery
	if err := s.read(ctx).Where("claimed_by = ?", claim).Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, storeError("load claimed webhook deliveries", err)
	}
	endpointIDs, eventIDs := make([]string, len(rows)), make([]string, len(rows))
	for i, d := range rows {
		endpointIDs[i], eventIDs[i] = d.EndpointID, d.EventID
	}
	var endpoints []WebhookEndpoint
	var events []OutboxEvent
	if err := s.read(ctx).Where("id IN ?", endpointIDs).Find(&endpoints).Error; err != nil {
		return nil, storeError("load endpoints of claimed deliveries", err)
	}
	if err := s.read(ctx).Where("id IN ?", eventIDs).Find(&events).Error; err != nil {
		return nil, storeError("load events of claimed deliveries", err)
	}
	endpointByID, eventByID := indexByID(endpoints, func(w *WebhookEndpoint) string { return w.ID }), indexByID(events, func(e *OutboxEvent) string { return e.ID })
	claimed := make([]ClaimedDelivery, 0, len(rows))
	for _, d := range rows {
		// An endpoint deleted since the claim took its deliveries with it.
		if w, e := endpointByID[d.EndpointID], eventByID[d.EventID]; w != nil && e != nil {
			claimed = append(claimed, ClaimedDelivery{WebhookDelivery: d, Endpoint: *w, Event: *e})
		}
	}
	return claimed, nil
}

func indexByID[T any](rows []T, id func(*T) string) map[string]*T {
	m := make(map[string]*T, len(rows))
	for i := range rows {
		m[id(&rows[i])] = &rows[i]
	}
	return m
}

// RecordWebhookAttempt records how an attempt at a claimed delivery went, and updates d to
// match: delivered, retried later, or failed for good. It keeps the endpoint's failure
// streak, and disables an endpoint that has failed for DisableFailingEndpointAfter without
// a success, telling the merchant's other endpoints; disabled reports that it did.
func (s *Store) RecordWebhookAttempt(ctx context.Context, d *ClaimedDelivery, result AttemptResult) (disabled bool, err error) {
	err = s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := s.finishAttempt(tx, "webhook_deliveries", d.ID, &d.JobState, result, map[string]any{"last_status_code": result.StatusCode}); err != nil {
			return err
		}
		d.LastStatusCode = result.StatusCode
		endpoint := func() *gorm.DB { return tx.Model(&WebhookEndpoint{}).Where("id = ?", d.EndpointID) }
		if result.Err == nil {
			return endpoint().Where("failing_since IS NOT NULL").Update("failing_since", nil).Error
		}
		now := s.Now()
		if err := endpoint().Where("failing_since IS NULL").Update("failing_since", now).Error; err != nil {
			return err
		}
		res := endpoint().Where("enabled AND failing_since <= ?", now.Add(-DisableFailingEndpointAfter)).
			Updates(map[string]any{"enabled": false, "disabled_reason": DisabledFailing, "updated_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		disabled = true
		return s.announceDisabled(tx, d.MerchantID, d.EndpointID)
	})
	return disabled, storeError("record webhook attempt", err)
}

// announceDisabled tells a merchant, through the audit log and its other endpoints, that
// Portico disabled one of its endpoints.
func (s *Store) announceDisabled(tx *gorm.DB, merchantID, endpointID string) error {
	var w WebhookEndpoint
	if err := tx.Take(&w, "id = ?", endpointID).Error; err != nil {
		return err
	}
	details := map[string]any{
		"id": w.ID, "url": w.URL, "enabled": false, "disabled_reason": w.DisabledReason, "failing_since": w.FailingSince,
	}
	if err := s.record(tx, merchantID, "", webhookDelivererActor, "webhook_endpoint.disabled", details); err != nil {
		return err
	}
	return s.announce(tx, merchantID, "webhook_endpoint.disabled", w.eventResource())
}

// DeliveryFilter narrows a list of deliveries; the zero value lists them all.
type DeliveryFilter struct {
	State JobStatus // empty: any
}

// ListWebhookDeliveries returns one page of an endpoint's deliveries, newest first.
func (s *Store) ListWebhookDeliveries(ctx context.Context, merchantID, endpointID string, filter DeliveryFilter, page Page) ([]WebhookDelivery, PageInfo, error) {
	if _, err := s.GetWebhookEndpoint(ctx, merchantID, endpointID); err != nil {
		return nil, PageInfo{}, err
	}
	q := s.read(ctx).Model(&WebhookDelivery{}).
		Where("webhook_deliveries.merchant_id = ? AND webhook_deliveries.endpoint_id = ?", merchantID, endpointID)
	if filter.State != "" {
		q = q.Where("webhook_deliveries.state = ?", filter.State)
	}
	q = q.Select("webhook_deliveries.*, e.type AS event_type").Joins("JOIN outbox_events e ON e.id = webhook_deliveries.event_id")
	rows, info, err := listPage[WebhookDelivery](q, page, "webhook_deliveries.created_at DESC, webhook_deliveries.id DESC")
	return rows, info, storeError("list webhook deliveries", err)
}

// RetryWebhookDelivery sends a delivery once more, whatever became of it: it is due at
// once, for one attempt. The endpoint must be enabled.
func (s *Store) RetryWebhookDelivery(ctx context.Context, merchantID string, actor Actor, id string) (*WebhookDelivery, error) {
	if !validID("whd", id) {
		return nil, ErrNotFound
	}
	var d WebhookDelivery
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Take(&d, "merchant_id = ? AND id = ?", merchantID, id).Error; err != nil {
			return err
		}
		var w WebhookEndpoint
		if err := tx.Select("enabled").Take(&w, "id = ?", d.EndpointID).Error; err != nil {
			return err
		}
		if !w.Enabled {
			return &StateError{Message: "The endpoint is disabled: enable it, then retry."}
		}
		if err := s.requeueJob(tx, "webhook_deliveries", d.ID, &d.JobState); err != nil {
			return err
		}
		return s.record(tx, merchantID, "", actor, "webhook_delivery.retried", map[string]string{"webhook_delivery_id": id, "event_id": d.EventID})
	})
	if err != nil {
		return nil, storeError("retry webhook delivery", err)
	}
	return &d, nil
}

// OldestPendingWebhookDelivery returns when the oldest delivery still pending on an
// enabled endpoint was created; ok is false when none is pending.
func (s *Store) OldestPendingWebhookDelivery(ctx context.Context) (oldest time.Time, ok bool, err error) {
	// ORDER BY … LIMIT 1 rather than min(): SQLite types a plain column as a time, an
	// aggregate as text.
	var times []time.Time
	err = s.read(ctx).Table("webhook_deliveries d").
		Joins("JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.enabled").
		Where("d.state = ?", JobPending).Order("d.created_at").Limit(1).Pluck("d.created_at", &times).Error
	if err != nil || len(times) == 0 {
		return time.Time{}, false, storeError("oldest pending webhook delivery", err)
	}
	return times[0].UTC(), true, nil
}
