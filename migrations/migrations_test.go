package migrations_test

import (
	"slices"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
)

var tables = []string{
	"merchants", "api_keys", "customers", "contacts", "invoices", "invoice_lines", "payments",
	"subscriptions", "entitlements", "payment_details", "portal_links", "portal_sessions",
	"idempotency_records", "audit_events", "webhook_endpoints", "outbox_events", "webhook_deliveries",
}

func TestUpFromEmptyToLatestTwice(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		// testdb has migrated once already; a second run must be a no-op.
		if err := migrations.Up(db.Writer()); err != nil {
			t.Fatalf("second run: %v", err)
		}
		applied, err := migrations.Applied(db.Writer())
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) == 0 || applied[len(applied)-1] != migrations.Latest() {
			t.Fatalf("applied = %v, want ending with %s", applied, migrations.Latest())
		}
		if n := len(slices.Compact(slices.Clone(applied))); n != len(applied) {
			t.Fatalf("a migration was recorded twice: %v", applied)
		}
		for _, table := range tables {
			if !db.Writer().Migrator().HasTable(table) {
				t.Errorf("table %s is missing", table)
			}
		}
	})
}

func TestUniqueIndexesExist(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		m := db.Writer().Migrator()
		for _, idx := range []struct{ table, name string }{
			{"customers", "idx_customers_external"},
			{"invoices", "idx_invoices_number"},
			{"portal_links", "idx_portal_links_token_hash"},
			{"api_keys", "idx_api_keys_secret_hash"},
			{"payment_details", "idx_payment_details_customer"},
		} {
			if !m.HasIndex(idx.table, idx.name) {
				t.Errorf("index %s on %s is missing", idx.name, idx.table)
			}
		}
	})
}
