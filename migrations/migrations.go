// Package migrations is Portico's schema history: an append-only list of versioned steps,
// applied in order and recorded in the schema_migrations table. A step that has run is never
// edited; a change to the schema is a new step at the end of the list.
//
// Each step declares its own snapshot of the tables it touches, so the models can change
// without changing history. The same steps run on SQLite and PostgreSQL.
package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// steps is the schema history, oldest first.
var steps = []*gormigrate.Migration{
	initialSchema,
	outboxDelivery,
	moneyAndClaims,
	webhookDeliveries,
	merchantIdentity,
	portalSecondPass,
	email,
	payments,
}

var options = &gormigrate.Options{
	TableName:    "schema_migrations",
	IDColumnName: "id",
	IDColumnSize: 255,
	// The caller's transaction wraps the whole run (see Up).
	UseTransaction: false,
}

// advisoryLockID serializes migrations of several instances sharing one PostgreSQL.
const advisoryLockID = 7_440_221_001

// Up applies every step that has not run yet, all in one transaction: a failing step leaves
// the schema as it was. Running it again is a no-op.
func Up(db *gorm.DB) error {
	err := db.Transaction(func(tx *gorm.DB) error {
		if tx.Dialector.Name() == "postgres" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", advisoryLockID).Error; err != nil {
				return err
			}
		}
		return gormigrate.New(tx, options, steps).Migrate()
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Latest is the ID of the newest step.
func Latest() string { return steps[len(steps)-1].ID }

// Applied lists the IDs of the steps that have run, in order.
func Applied(db *gorm.DB) ([]string, error) {
	if !db.Migrator().HasTable(options.TableName) {
		return nil, nil
	}
	var ids []string
	err := db.Table(options.TableName).Order(options.IDColumnName).Pluck(options.IDColumnName, &ids).Error
	return ids, err
}
