package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// UpTo applies the steps up to and including id, so a test can write rows as an older
// schema held them and then watch a later step migrate them.
func UpTo(db *gorm.DB, id string) error {
	return gormigrate.New(db, options, steps).MigrateTo(id)
}
