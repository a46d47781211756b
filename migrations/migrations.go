// Package migrations is Portico's schema history: an append-only list of versioned steps,
// applied in order and recorded in the schema_migrations table. A step that has run is never
// edited; a change to the schema is a new step at the end of the list.
//
// Each step declares its own snapshot of the tables it touches, so the models can change
// without changing history. The same steps run on SQLite and PostgreSQL.
package migrations

import (
	"context"
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
	sealedWebhookSecrets,
	customerInvoiceOrder,
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

// Sealer encrypts a secret for storage, bound to where it is stored (context): the data
// keys, models.DataKeys. Steps that move a secret kept in the clear to its encrypted form
// seal it with the Sealer Up is given.
type Sealer interface {
	Seal(plaintext, context []byte) []byte
}

// An Option changes how Up migrates.
type Option func(*run)

// run is what the options set for one Up.
type run struct {
	keys Sealer
}

// SealWith gives Up the data keys that steps encrypting secrets at rest seal them with.
// Without them, such a step fails when it finds a secret to seal.
func SealWith(keys Sealer) Option {
	return func(r *run) { r.keys = keys }
}

type sealerKey struct{}

// sealerOf is the Sealer Up was given, or nil.
func sealerOf(tx *gorm.DB) Sealer {
	keys, _ := tx.Statement.Context.Value(sealerKey{}).(Sealer)
	return keys
}

// Up applies every step that has not run yet, all in one transaction: a failing step leaves
// the schema as it was. Running it again is a no-op.
func Up(db *gorm.DB, opts ...Option) error {
	var r run
	for _, opt := range opts {
		opt(&r)
	}
	if r.keys != nil {
		db = db.WithContext(context.WithValue(db.Statement.Context, sealerKey{}, r.keys))
	}
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
