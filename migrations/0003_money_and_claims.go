package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"golang.org/x/text/unicode/norm"
	"gorm.io/gorm"
)

// moneyAndClaims brings the schema to what issue 8 fixed:
//   - invoices.amount_credited: what issued credit notes took off an invoice. It is filled
//     in from the credit notes that exist (never beyond the invoice's total), and an open
//     or uncollectible invoice's amount due drops by it, as it always should have.
//   - idempotency records get a lease (claim_token, leased_until), the commit stamp of
//     their change (committed_at) and whether their response is encrypted (sealed).
//     Records from before are plaintext and unfinished ones may or may not have done their
//     work: they are taken as carried out, so a retry is answered, never run twice.
//   - external IDs are stored in NFC; one whose NFC form another customer of the merchant
//     already has is left as it is (the NFC one is the customer lookups find).
var moneyAndClaims = &gormigrate.Migration{
	ID: "0003_money_and_claims",
	Migrate: func(tx *gorm.DB) error {
		type invoice struct {
			AmountCredited int64 `gorm:"not null;default:0"`
		}
		type idempotencyRecord struct {
			Sealed      bool   `gorm:"not null;default:false"`
			ClaimToken  string `gorm:"not null;default:''"`
			LeasedUntil *time.Time
			CommittedAt *time.Time
		}
		m := tx.Migrator()
		if err := m.AddColumn(&invoice{}, "AmountCredited"); err != nil {
			return err
		}
		for _, column := range []string{"Sealed", "ClaimToken", "LeasedUntil", "CommittedAt"} {
			if err := m.AddColumn(&idempotencyRecord{}, column); err != nil {
				return err
			}
		}
		for _, stmt := range []string{
			`UPDATE invoices SET amount_credited = (
				SELECT CASE WHEN COALESCE(SUM(n.total), 0) > invoices.total THEN invoices.total ELSE COALESCE(SUM(n.total), 0) END
				FROM invoices n WHERE n.credited_invoice_id = invoices.id AND n.kind = 'credit_note' AND n.status = 'issued'
			) WHERE kind = 'invoice'`,
			`UPDATE invoices SET amount_due = CASE WHEN total - amount_paid - amount_credited > 0 THEN total - amount_paid - amount_credited ELSE 0 END
			WHERE kind = 'invoice' AND status IN ('open', 'uncollectible') AND amount_credited > 0`,
			`UPDATE idempotency_records SET leased_until = created_at,
				committed_at = CASE WHEN status = 0 THEN created_at ELSE NULL END`,
		} {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return normalizeExternalIDs(tx)
	},
}

// normalizeExternalIDs rewrites external IDs that are not in NFC.
func normalizeExternalIDs(tx *gorm.DB) error {
	type customer struct {
		ID         string
		MerchantID string
		ExternalID *string
	}
	var batch []customer
	db := tx.Session(&gorm.Session{NewDB: true}) // the batch query's conditions stay with it
	return tx.Table("customers").Select("id", "merchant_id", "external_id").Where("external_id IS NOT NULL").
		FindInBatches(&batch, 1000, func(*gorm.DB, int) error {
			for _, c := range batch {
				nfc := norm.NFC.String(*c.ExternalID)
				if nfc == *c.ExternalID {
					continue
				}
				var taken int64
				if err := db.Table("customers").Where("merchant_id = ? AND external_id = ?", c.MerchantID, nfc).Count(&taken).Error; err != nil {
					return err
				}
				if taken > 0 {
					continue
				}
				if err := db.Table("customers").Where("id = ?", c.ID).Update("external_id", nfc).Error; err != nil {
					return err
				}
			}
			return nil
		}).Error
}
