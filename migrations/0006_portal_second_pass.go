package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// portalSecondPass gives a portal session a one-time message for the next page (a flash)
// and the reason it ended, so a later visit can say what happened; and a merchant its SEPA
// creditor identifier, which the direct-debit mandate names.
var portalSecondPass = &gormigrate.Migration{
	ID: "0006_portal_second_pass",
	Migrate: func(tx *gorm.DB) error {
		type portalSession struct {
			Flash     string `gorm:"not null;default:''"`
			EndReason string `gorm:"not null;default:''"`
		}
		type merchant struct {
			SEPACreditorID string `gorm:"column:sepa_creditor_id;not null;default:''"`
		}
		m := tx.Migrator()
		for _, column := range []string{"Flash", "EndReason"} {
			if err := m.AddColumn(&portalSession{}, column); err != nil {
				return err
			}
		}
		return m.AddColumn(&merchant{}, "SEPACreditorID")
	},
}
