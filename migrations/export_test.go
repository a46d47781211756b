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

// StepBefore is the ID of the step that runs just before id, so a test of a step holds
// wherever the step stands in the list.
func StepBefore(id string) string {
	for i, step := range steps {
		if step.ID == id && i > 0 {
			return steps[i-1].ID
		}
	}
	panic("no step before " + id)
}
