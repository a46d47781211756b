package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// email gives Portico its mail: a queue of messages (each a job like a webhook delivery,
// written in the transaction of what caused it), the merchant's switches for what goes out
// (renewing expired links, sign-in by email, the notices), the link a renewal came from,
// and an index to find customers by email address whatever its case.
var email = &gormigrate.Migration{
	ID: "0008_email",
	Migrate: func(tx *gorm.DB) error {
		type merchant struct {
			ID                         string
			RenewExpiredLinks          bool `gorm:"not null;default:true"`
			EmailLogin                 bool `gorm:"not null;default:false"`
			NotifyEmailChange          bool `gorm:"not null;default:true"`
			NotifyPaymentDetailsChange bool `gorm:"not null;default:true"`
			NotifyCancellation         bool `gorm:"not null;default:true"`
		}
		type customer struct{ ID string }
		type portalLink struct {
			ID          string
			RenewedFrom string `gorm:"not null;default:'';index"`
		}
		type email struct {
			ID            string    `gorm:"primaryKey"`
			MerchantID    string    `gorm:"not null;index:idx_emails_customer,priority:1"`
			Merchant      *merchant `gorm:"constraint:OnDelete:CASCADE"`
			CustomerID    string    `gorm:"not null;index:idx_emails_customer,priority:2"`
			Customer      *customer `gorm:"constraint:OnDelete:CASCADE"`
			Kind          string    `gorm:"not null"`
			Recipient     string    `gorm:"not null"`
			Locale        string    `gorm:"not null"`
			LinkID        string    `gorm:"not null;default:''"`
			LinkToken     []byte
			Details       string    `gorm:"not null;default:'{}'"`
			State         string    `gorm:"not null;index:idx_emails_due,priority:1"`
			Attempts      int       `gorm:"not null;default:0"`
			NextAttemptAt time.Time `gorm:"not null;index:idx_emails_due,priority:2"`
			GiveUpAt      time.Time `gorm:"not null"`
			ClaimedBy     string    `gorm:"not null;default:'';index"`
			LastError     string    `gorm:"not null;default:''"`
			FinishedAt    *time.Time
			CreatedAt     time.Time `gorm:"not null;index:idx_emails_customer,priority:3"`
			UpdatedAt     time.Time `gorm:"not null"`
		}
		m := tx.Migrator()
		for _, column := range []string{"RenewExpiredLinks", "EmailLogin", "NotifyEmailChange", "NotifyPaymentDetailsChange", "NotifyCancellation"} {
			if err := m.AddColumn(&merchant{}, column); err != nil {
				return err
			}
		}
		if err := m.AddColumn(&portalLink{}, "RenewedFrom"); err != nil {
			return err
		}
		if err := m.CreateIndex(&portalLink{}, "RenewedFrom"); err != nil {
			return err
		}
		if err := m.CreateTable(&email{}); err != nil {
			return err
		}
		// Sign-in by email finds a customer by address, case-insensitively.
		return tx.Exec("CREATE INDEX idx_customers_email_lower ON customers (merchant_id, lower(email))").Error
	},
}
