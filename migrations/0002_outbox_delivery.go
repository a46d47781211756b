package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// outboxDelivery lets the webhook worker schedule retries: an event's next attempt, indexed
// with its delivery so the worker finds due events without scanning delivered ones.
var outboxDelivery = &gormigrate.Migration{
	ID: "0002_outbox_delivery",
	Migrate: func(tx *gorm.DB) error {
		type outboxEvent struct {
			DeliveredAt   *time.Time `gorm:"index:idx_outbox_events_due,priority:1"`
			NextAttemptAt *time.Time `gorm:"index:idx_outbox_events_due,priority:2"`
		}
		m := tx.Migrator()
		if err := m.AddColumn(&outboxEvent{}, "NextAttemptAt"); err != nil {
			return err
		}
		return m.CreateIndex(&outboxEvent{}, "idx_outbox_events_due")
	},
}
