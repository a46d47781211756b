package migrations_test

import (
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
	"gorm.io/gorm"
)

// olderSchema is a database migrated up to just before the step under test.
type olderSchema struct {
	t  *testing.T
	db *models.DB
	w  *gorm.DB // its writer
}

// insert writes a row as the older schema holds it.
func (o olderSchema) insert(table string, row map[string]any) {
	o.t.Helper()
	if err := o.w.Table(table).Create(row).Error; err != nil {
		o.t.Fatalf("insert into %s: %v", table, err)
	}
}

// beforeStep runs fn on a fresh database of each engine (PostgreSQL when configured),
// migrated up to the step before id, so a test can write rows as the older schema held
// them and then watch step id migrate them.
func beforeStep(t *testing.T, id string, fn func(o olderSchema)) {
	for _, engine := range []struct {
		name    string
		setting func(testing.TB) string
	}{{"sqlite", testdb.SQLiteSetting}, {"postgres", testdb.PostgresSetting}} {
		t.Run(engine.name, func(t *testing.T) {
			db, err := models.OpenDB(engine.setting(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if err := migrations.UpTo(db.Writer(), migrations.StepBefore(id)); err != nil {
				t.Fatal(err)
			}
			fn(olderSchema{t: t, db: db, w: db.Writer()})
		})
	}
}
