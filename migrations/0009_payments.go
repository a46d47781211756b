package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// payments lets customers pay from the portal (issue 12):
//   - invoices.payment_url: a hosted payment page of any provider, per invoice;
//   - the merchant's bank account for transfers and the format of the transfer reference;
//   - payment_provider_accounts: a merchant's provider credentials (Stripe today), sealed
//     with the data keys, one row per merchant;
//   - payments.provider and provider_payment_id, unique per merchant and provider, so an
//     event the provider sends twice is one payment;
//   - payment details: the IBAN sealed (iban_sealed) beside its masked form, what a provider
//     saved (its customer, payment method, SEPA mandate), and whether the merchant collects
//     open invoices from it by itself (auto_collect).
//
// IBANs already on file stay in the clear column until the Store seals them
// (models.Store.SealPaymentDetails, run by every command that migrates): sealing needs the
// data keys, which a migration does not have.
var payments = &gormigrate.Migration{
	ID: "0009_payments",
	Migrate: func(tx *gorm.DB) error {
		type invoice struct {
			PaymentURL string `gorm:"not null;default:''"`
		}
		type merchant struct {
			ID                string
			BankAccountHolder string `gorm:"not null;default:''"`
			BankIBAN          string `gorm:"column:bank_iban;not null;default:''"`
			BankBIC           string `gorm:"column:bank_bic;not null;default:''"`
			RemittanceFormat  string `gorm:"not null;default:''"`
		}
		type paymentProviderAccount struct {
			MerchantID          string    `gorm:"primaryKey"`
			Merchant            *merchant `gorm:"constraint:OnDelete:CASCADE"`
			Provider            string    `gorm:"not null"`
			SecretKeySealed     []byte    `gorm:"not null"`
			WebhookSecretSealed []byte    `gorm:"not null"`
			KeyHint             string    `gorm:"not null;default:''"`
			Livemode            bool      `gorm:"not null;default:false"`
			CreatedAt           time.Time `gorm:"not null"`
			UpdatedAt           time.Time `gorm:"not null"`
		}
		type payment struct {
			Provider          string  `gorm:"not null;default:'';uniqueIndex:idx_payments_provider_payment,priority:2"`
			ProviderPaymentID *string `gorm:"uniqueIndex:idx_payments_provider_payment,priority:3"`
			MerchantID        string  `gorm:"uniqueIndex:idx_payments_provider_payment,priority:1"`
		}
		type paymentDetails struct {
			IBANSealed              []byte `gorm:"column:iban_sealed"`
			IBANMasked              string `gorm:"column:iban_masked;not null;default:''"`
			Provider                string `gorm:"not null;default:''"`
			ProviderCustomerID      string `gorm:"not null;default:''"`
			ProviderPaymentMethodID string `gorm:"not null;default:''"`
			MandateReference        string `gorm:"not null;default:''"`
			AutoCollect             bool   `gorm:"not null;default:false"`
		}
		m := tx.Migrator()
		if err := m.AddColumn(&invoice{}, "PaymentURL"); err != nil {
			return err
		}
		for _, column := range []string{"BankAccountHolder", "BankIBAN", "BankBIC", "RemittanceFormat"} {
			if err := m.AddColumn(&merchant{}, column); err != nil {
				return err
			}
		}
		if err := m.CreateTable(&paymentProviderAccount{}); err != nil {
			return err
		}
		for _, column := range []string{"Provider", "ProviderPaymentID"} {
			if err := m.AddColumn(&payment{}, column); err != nil {
				return err
			}
		}
		if err := m.CreateIndex(&payment{}, "idx_payments_provider_payment"); err != nil {
			return err
		}
		for _, column := range []string{"IBANSealed", "IBANMasked", "Provider", "ProviderCustomerID", "ProviderPaymentMethodID", "MandateReference", "AutoCollect"} {
			if err := m.AddColumn(&paymentDetails{}, column); err != nil {
				return err
			}
		}
		return nil
	},
}
