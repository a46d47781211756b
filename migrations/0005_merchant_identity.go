package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// merchantIdentity gives a merchant what a seller shows on invoice pages and PDFs (a postal
// address and a VAT ID), a favicon of its own, and the choice to hide "Powered by Portico".
var merchantIdentity = &gormigrate.Migration{
	ID: "0005_merchant_identity",
	Migrate: func(tx *gorm.DB) error {
		type merchant struct {
			AddressLine1      string `gorm:"not null;default:''"`
			AddressLine2      string `gorm:"not null;default:''"`
			AddressPostalCode string `gorm:"not null;default:''"`
			AddressCity       string `gorm:"not null;default:''"`
			AddressState      string `gorm:"not null;default:''"`
			AddressCountry    string `gorm:"not null;default:''"`
			VATID             string `gorm:"column:vat_id;not null;default:''"`
			FaviconURL        string `gorm:"not null;default:''"`
			PoweredBy         bool   `gorm:"not null;default:true"`
		}
		m := tx.Migrator()
		for _, column := range []string{
			"AddressLine1", "AddressLine2", "AddressPostalCode", "AddressCity", "AddressState", "AddressCountry",
			"VATID", "FaviconURL", "PoweredBy",
		} {
			if err := m.AddColumn(&merchant{}, column); err != nil {
				return err
			}
		}
		return nil
	},
}
