package migrations

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Events the old per-event worker had not delivered become deliveries to the endpoints
// enabled at the upgrade; delivered and abandoned ones do not.
func TestUpgradeTurnsWaitingEventsIntoDeliveries(t *testing.T) {
	db, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "old.db")+"?_foreign_keys=on"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := gormigrate.New(db, options, steps[:2]).Migrate(); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, stmt := range []string{
		`INSERT INTO merchants (id, slug, name, default_locale, cancellation_mode, editable_fields) VALUES ('mer_1', 'acme', 'Acme', 'en', 'period_end', '')`,
		`INSERT INTO webhook_endpoints (id, merchant_id, url, secret, enabled) VALUES ('we_on', 'mer_1', 'https://a.example', 's', true), ('we_off', 'mer_1', 'https://b.example', 's', false)`,
	} {
		if err := db.Exec(stmt).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range []struct {
		id        string
		delivered *time.Time
		attempts  int
	}{{"whe_waiting", nil, 3}, {"whe_done", &now, 1}, {"whe_abandoned", nil, 12}} {
		err := db.Exec(`INSERT INTO outbox_events (id, merchant_id, type, payload, created_at, delivered_at, attempts) VALUES (?, 'mer_1', 'customer.updated', '{}', ?, ?, ?)`,
			e.id, now, e.delivered, e.attempts).Error
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := Up(db, SealWith(testKeys{})); err != nil {
		t.Fatal(err)
	}
	var deliveries []struct{ EventID, EndpointID, State string }
	if err := db.Table("webhook_deliveries").Find(&deliveries).Error; err != nil {
		t.Fatal(err)
	}
	if len(deliveries) != 1 || deliveries[0].EventID != "whe_waiting" || deliveries[0].EndpointID != "we_on" || deliveries[0].State != "pending" {
		t.Errorf("deliveries after the upgrade: %+v", deliveries)
	}
	if db.Migrator().HasColumn("outbox_events", "attempts") {
		t.Error("outbox_events still has the old delivery columns")
	}
}

// testKeys seal by reversing: enough for steps that only need something sealed.
type testKeys struct{}

func (testKeys) Seal(plaintext, _ []byte) []byte { return []byte("sealed:" + string(plaintext)) }
