package migrations

import (
	"crypto/rand"
	"strings"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"github.com/oklog/ulid/v2"
	"gorm.io/gorm"
)

// webhookDeliveries gives every (event, endpoint) pair a delivery row of its own, with its
// own attempts, schedule, claim and outcome, so one endpoint's failures never resend an event
// to another. Endpoints learn secret rotation and failure streaks. Events still waiting under
// the old per-event scheme become deliveries to the endpoints that are enabled now; the
// event table keeps only what announces a change.
var webhookDeliveries = &gormigrate.Migration{
	ID: "0004_webhook_deliveries",
	Migrate: func(tx *gorm.DB) error {
		type webhookEndpoint struct {
			ID                      string
			PreviousSecret          string `gorm:"not null;default:''"`
			PreviousSecretExpiresAt *time.Time
			FailingSince            *time.Time
			DisabledReason          string `gorm:"not null;default:''"`
		}
		type merchant struct{ ID string }
		type outboxEvent struct {
			ID            string
			MerchantID    string
			CreatedAt     time.Time
			DeliveredAt   *time.Time `gorm:"index"`
			Attempts      int
			LastError     string
			NextAttemptAt *time.Time `gorm:"index:idx_outbox_events_due,priority:2"`
		}
		type webhookDelivery struct {
			ID             string           `gorm:"primaryKey"`
			MerchantID     string           `gorm:"not null;index"`
			Merchant       *merchant        `gorm:"constraint:OnDelete:CASCADE"`
			EndpointID     string           `gorm:"not null;uniqueIndex:idx_webhook_deliveries_pair,priority:2;index:idx_webhook_deliveries_endpoint,priority:1"`
			Endpoint       *webhookEndpoint `gorm:"constraint:OnDelete:CASCADE"`
			EventID        string           `gorm:"not null;uniqueIndex:idx_webhook_deliveries_pair,priority:1"`
			Event          *outboxEvent     `gorm:"constraint:OnDelete:CASCADE"`
			State          string           `gorm:"not null;index:idx_webhook_deliveries_due,priority:1"`
			Attempts       int              `gorm:"not null;default:0"`
			NextAttemptAt  time.Time        `gorm:"not null;index:idx_webhook_deliveries_due,priority:2"`
			GiveUpAt       time.Time        `gorm:"not null"`
			ClaimedBy      string           `gorm:"not null;default:'';index"`
			LastStatusCode int              `gorm:"not null;default:0"`
			LastError      string           `gorm:"not null;default:''"`
			FinishedAt     *time.Time
			CreatedAt      time.Time `gorm:"not null;index:idx_webhook_deliveries_endpoint,priority:2"`
			UpdatedAt      time.Time `gorm:"not null"`
		}
		m := tx.Migrator()
		for _, column := range []string{"PreviousSecret", "PreviousSecretExpiresAt", "FailingSince", "DisabledReason"} {
			if err := m.AddColumn(&webhookEndpoint{}, column); err != nil {
				return err
			}
		}

		// What the old worker had not delivered yet goes out under the new scheme.
		var waiting []struct {
			EventID, EndpointID, MerchantID string
			CreatedAt                       time.Time
		}
		err := tx.Table("outbox_events AS e").
			Select("e.id AS event_id, w.id AS endpoint_id, e.merchant_id, e.created_at").
			Joins("JOIN webhook_endpoints w ON w.merchant_id = e.merchant_id AND w.enabled").
			Where("e.delivered_at IS NULL AND e.attempts < 12").Scan(&waiting).Error
		if err != nil {
			return err
		}
		// The event table keeps only what announces a change. ALTER TABLE rather than the
		// SQLite migrator's copy-and-drop, which would cascade to rows that reference events.
		if err := m.DropIndex(&outboxEvent{}, "idx_outbox_events_due"); err != nil {
			return err
		}
		if err := m.DropIndex(&outboxEvent{}, "idx_outbox_events_delivered_at"); err != nil {
			return err
		}
		for _, column := range []string{"delivered_at", "attempts", "last_error", "next_attempt_at"} {
			if err := tx.Exec("ALTER TABLE outbox_events DROP COLUMN " + column).Error; err != nil {
				return err
			}
		}
		if err := m.CreateTable(&webhookDelivery{}); err != nil {
			return err
		}
		now := time.Now().UTC()
		for _, w := range waiting {
			d := webhookDelivery{
				ID:         "whd_" + strings.ToLower(ulid.MustNew(ulid.Timestamp(w.CreatedAt), rand.Reader).String()),
				MerchantID: w.MerchantID, EndpointID: w.EndpointID, EventID: w.EventID,
				State: "pending", NextAttemptAt: now, GiveUpAt: now.Add(72 * time.Hour),
				CreatedAt: w.CreatedAt, UpdatedAt: now,
			}
			if err := tx.Create(&d).Error; err != nil {
				return err
			}
		}
		return nil
	},
}
