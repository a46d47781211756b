package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// initialSchema creates every table of the first release. Tables owned by a customer
// cascade on the customer's deletion; audit events keep the customer ID as plain data so
// the log outlives the customer.
var initialSchema = &gormigrate.Migration{
	ID: "0001_initial_schema",
	Migrate: func(tx *gorm.DB) error {
		type merchant struct {
			ID               string `gorm:"primaryKey"`
			Slug             string `gorm:"not null;uniqueIndex"`
			Name             string `gorm:"not null"`
			LogoURL          string `gorm:"not null;default:''"`
			AccentColor      string `gorm:"not null;default:''"`
			DefaultLocale    string `gorm:"not null"`
			CancellationMode string `gorm:"not null"`
			EditableFields   string `gorm:"not null"`
			SupportEmail     string `gorm:"not null;default:''"`
			SupportURL       string `gorm:"not null;default:''"`
			CreatedAt        time.Time
			UpdatedAt        time.Time
		}
		type apiKey struct {
			ID         string    `gorm:"primaryKey"`
			MerchantID string    `gorm:"not null;index"`
			Merchant   *merchant `gorm:"constraint:OnDelete:CASCADE"`
			Name       string    `gorm:"not null;default:''"`
			Prefix     string    `gorm:"not null;uniqueIndex"`
			SecretHash []byte    `gorm:"not null;uniqueIndex"`
			CreatedAt  time.Time
			LastUsedAt *time.Time
			RevokedAt  *time.Time
		}
		type customer struct {
			ID                string    `gorm:"primaryKey"`
			MerchantID        string    `gorm:"not null;uniqueIndex:idx_customers_external,priority:1;index:idx_customers_list,priority:1;index:idx_customers_email,priority:1"`
			Merchant          *merchant `gorm:"constraint:OnDelete:CASCADE"`
			ExternalID        *string   `gorm:"uniqueIndex:idx_customers_external,priority:2"`
			Name              string    `gorm:"not null"`
			Email             string    `gorm:"not null;default:'';index:idx_customers_email,priority:2"`
			Phone             string    `gorm:"not null;default:''"`
			AddressLine1      string    `gorm:"not null;default:''"`
			AddressLine2      string    `gorm:"not null;default:''"`
			AddressPostalCode string    `gorm:"not null;default:''"`
			AddressCity       string    `gorm:"not null;default:''"`
			AddressState      string    `gorm:"not null;default:''"`
			AddressCountry    string    `gorm:"not null;default:''"`
			TaxID             string    `gorm:"not null;default:''"`
			PreferredLocale   string    `gorm:"not null;default:''"`
			CreatedAt         time.Time `gorm:"index:idx_customers_list,priority:2"`
			UpdatedAt         time.Time
		}
		type contact struct {
			ID         string    `gorm:"primaryKey"`
			MerchantID string    `gorm:"not null;index:idx_contacts_customer,priority:1"`
			CustomerID string    `gorm:"not null;index:idx_contacts_customer,priority:2"`
			Customer   *customer `gorm:"constraint:OnDelete:CASCADE"`
			Name       string    `gorm:"not null"`
			Email      string    `gorm:"not null"`
			Phone      string    `gorm:"not null;default:''"`
			Role       string    `gorm:"not null;default:''"`
			CreatedAt  time.Time `gorm:"index:idx_contacts_customer,priority:3"`
			UpdatedAt  time.Time
		}
		type invoice struct {
			ID                string    `gorm:"primaryKey"`
			MerchantID        string    `gorm:"not null;uniqueIndex:idx_invoices_number,priority:1;index:idx_invoices_customer,priority:1;index:idx_invoices_list,priority:1"`
			CustomerID        string    `gorm:"not null;index:idx_invoices_customer,priority:2"`
			Customer          *customer `gorm:"constraint:OnDelete:CASCADE"`
			Kind              string    `gorm:"not null"`
			Number            string    `gorm:"not null;uniqueIndex:idx_invoices_number,priority:2"`
			CreditedInvoiceID *string
			CreditedInvoice   *invoice  `gorm:"constraint:OnDelete:SET NULL"`
			Status            string    `gorm:"not null"`
			Currency          string    `gorm:"not null"`
			Subtotal          int64     `gorm:"not null"`
			Tax               int64     `gorm:"not null"`
			Total             int64     `gorm:"not null"`
			AmountPaid        int64     `gorm:"not null"`
			AmountRefunded    int64     `gorm:"not null"`
			AmountDue         int64     `gorm:"not null"`
			IssuedAt          time.Time `gorm:"not null;index:idx_invoices_customer,priority:3;index:idx_invoices_list,priority:2"`
			DueAt             *time.Time
			PeriodStart       *time.Time
			PeriodEnd         *time.Time
			Memo              string `gorm:"not null;default:''"`
			CreatedAt         time.Time
			UpdatedAt         time.Time
		}
		type invoiceLine struct {
			ID          string   `gorm:"primaryKey"`
			InvoiceID   string   `gorm:"not null;index:idx_invoice_lines_invoice,priority:1"`
			Invoice     *invoice `gorm:"constraint:OnDelete:CASCADE"`
			Position    int      `gorm:"not null;index:idx_invoice_lines_invoice,priority:2"`
			Description string   `gorm:"not null"`
			Quantity    int64    `gorm:"not null"`
			UnitAmount  int64    `gorm:"not null"`
			Amount      int64    `gorm:"not null"`
			TaxRate     int64    `gorm:"not null"`
			TaxAmount   int64    `gorm:"not null"`
		}
		type payment struct {
			ID         string    `gorm:"primaryKey"`
			MerchantID string    `gorm:"not null;index:idx_payments_customer,priority:1;index:idx_payments_list,priority:1"`
			CustomerID string    `gorm:"not null;index:idx_payments_customer,priority:2"`
			Customer   *customer `gorm:"constraint:OnDelete:CASCADE"`
			InvoiceID  *string   `gorm:"index"`
			Invoice    *invoice  `gorm:"constraint:OnDelete:SET NULL"`
			Kind       string    `gorm:"not null"`
			Status     string    `gorm:"not null"`
			Amount     int64     `gorm:"not null"`
			Currency   string    `gorm:"not null"`
			Method     string    `gorm:"not null"`
			Reference  string    `gorm:"not null;default:''"`
			PaidAt     time.Time `gorm:"not null;index:idx_payments_customer,priority:3;index:idx_payments_list,priority:2"`
			CreatedAt  time.Time
		}
		type subscription struct {
			ID                  string    `gorm:"primaryKey"`
			MerchantID          string    `gorm:"not null;index:idx_subscriptions_customer,priority:1;index:idx_subscriptions_list,priority:1"`
			CustomerID          string    `gorm:"not null;index:idx_subscriptions_customer,priority:2"`
			Customer            *customer `gorm:"constraint:OnDelete:CASCADE"`
			PlanName            string    `gorm:"not null"`
			Status              string    `gorm:"not null"`
			Currency            string    `gorm:"not null"`
			UnitAmount          int64     `gorm:"not null"`
			Interval            string    `gorm:"not null"`
			IntervalCount       int       `gorm:"not null"`
			CurrentPeriodStart  time.Time `gorm:"not null"`
			CurrentPeriodEnd    time.Time `gorm:"not null"`
			CancelAtPeriodEnd   bool      `gorm:"not null;default:false"`
			CanceledAt          *time.Time
			EndedAt             *time.Time
			CancellationReason  string    `gorm:"not null;default:''"`
			CancellationComment string    `gorm:"not null;default:''"`
			CreatedAt           time.Time `gorm:"index:idx_subscriptions_customer,priority:3;index:idx_subscriptions_list,priority:2"`
			UpdatedAt           time.Time
		}
		type entitlement struct {
			ID             string        `gorm:"primaryKey"`
			MerchantID     string        `gorm:"not null;index:idx_entitlements_customer,priority:1"`
			CustomerID     string        `gorm:"not null;index:idx_entitlements_customer,priority:2"`
			Customer       *customer     `gorm:"constraint:OnDelete:CASCADE"`
			SubscriptionID *string       `gorm:"index"`
			Subscription   *subscription `gorm:"constraint:OnDelete:SET NULL"`
			FeatureKey     string        `gorm:"not null;index:idx_entitlements_customer,priority:3"`
			Name           string        `gorm:"not null"`
			UsageLimit     *int64
			Value          string `gorm:"not null;default:''"`
			Usage          *int64
			ValidFrom      time.Time `gorm:"not null"`
			ValidTo        *time.Time
			CreatedAt      time.Time
			UpdatedAt      time.Time
		}
		type paymentDetails struct {
			ID            string    `gorm:"primaryKey"`
			MerchantID    string    `gorm:"not null;uniqueIndex:idx_payment_details_customer,priority:1"`
			CustomerID    string    `gorm:"not null;uniqueIndex:idx_payment_details_customer,priority:2"`
			Customer      *customer `gorm:"constraint:OnDelete:CASCADE"`
			Method        string    `gorm:"not null"`
			AccountHolder string    `gorm:"not null;default:''"`
			IBAN          string    `gorm:"column:iban;not null;default:''"`
			CardBrand     string    `gorm:"not null;default:''"`
			CardLast4     string    `gorm:"column:card_last4;not null;default:''"`
			CardExpMonth  int       `gorm:"not null;default:0"`
			CardExpYear   int       `gorm:"not null;default:0"`
			CreatedAt     time.Time
			UpdatedAt     time.Time
		}
		type portalLink struct {
			ID             string    `gorm:"primaryKey"`
			MerchantID     string    `gorm:"not null;index:idx_portal_links_customer,priority:1"`
			CustomerID     string    `gorm:"not null;index:idx_portal_links_customer,priority:2"`
			Customer       *customer `gorm:"constraint:OnDelete:CASCADE"`
			TokenHash      []byte    `gorm:"not null;uniqueIndex"`
			CreatedAt      time.Time `gorm:"index:idx_portal_links_customer,priority:3"`
			ExpiresAt      time.Time `gorm:"not null"`
			IdleTimeout    int       `gorm:"not null;default:0"`
			FrameAncestors string    `gorm:"not null;default:''"`
			ReturnURL      string    `gorm:"not null;default:''"`
			Locale         string    `gorm:"not null;default:''"`
			Section        string    `gorm:"not null;default:''"`
			CreatedBy      string    `gorm:"not null;default:''"`
			RevokedAt      *time.Time
			FirstUsedAt    *time.Time
			LastUsedAt     *time.Time
		}
		type portalSession struct {
			ID         string      `gorm:"primaryKey"`
			MerchantID string      `gorm:"not null"`
			LinkID     string      `gorm:"not null;index"`
			Link       *portalLink `gorm:"constraint:OnDelete:CASCADE"`
			CustomerID string      `gorm:"not null;index"`
			Customer   *customer   `gorm:"constraint:OnDelete:CASCADE"`
			CSRFSecret string      `gorm:"column:csrf_secret;not null"`
			Locale     string      `gorm:"not null;default:''"`
			CreatedAt  time.Time   `gorm:"not null"`
			LastSeenAt time.Time   `gorm:"not null"`
			EndedAt    *time.Time
		}
		type idempotencyRecord struct {
			MerchantID   string    `gorm:"primaryKey"`
			Merchant     *merchant `gorm:"constraint:OnDelete:CASCADE"`
			Key          string    `gorm:"primaryKey"`
			RequestHash  []byte    `gorm:"not null"`
			Status       int       `gorm:"not null;default:0"`
			ResponseBody []byte
			CreatedAt    time.Time `gorm:"not null;index"`
		}
		type auditEvent struct {
			ID         string    `gorm:"primaryKey"`
			MerchantID string    `gorm:"not null;index:idx_audit_events_list,priority:1;index:idx_audit_events_customer,priority:1"`
			Merchant   *merchant `gorm:"constraint:OnDelete:CASCADE"`
			CustomerID string    `gorm:"not null;default:'';index:idx_audit_events_customer,priority:2"`
			ActorType  string    `gorm:"not null"`
			ActorID    string    `gorm:"not null"`
			Action     string    `gorm:"not null"`
			Details    string    `gorm:"not null"`
			IP         string    `gorm:"column:ip;not null;default:''"`
			UserAgent  string    `gorm:"not null;default:''"`
			CreatedAt  time.Time `gorm:"not null;index:idx_audit_events_list,priority:2;index:idx_audit_events_customer,priority:3"`
		}
		type webhookEndpoint struct {
			ID         string    `gorm:"primaryKey"`
			MerchantID string    `gorm:"not null;index"`
			Merchant   *merchant `gorm:"constraint:OnDelete:CASCADE"`
			URL        string    `gorm:"column:url;not null"`
			Secret     string    `gorm:"not null"`
			Enabled    bool      `gorm:"not null;default:true"`
			CreatedAt  time.Time
			UpdatedAt  time.Time
		}
		type outboxEvent struct {
			ID          string     `gorm:"primaryKey"`
			MerchantID  string     `gorm:"not null;index:idx_outbox_events_list,priority:1"`
			Merchant    *merchant  `gorm:"constraint:OnDelete:CASCADE"`
			Type        string     `gorm:"not null"`
			Payload     string     `gorm:"not null"`
			CreatedAt   time.Time  `gorm:"not null;index:idx_outbox_events_list,priority:2"`
			DeliveredAt *time.Time `gorm:"index"`
			Attempts    int        `gorm:"not null;default:0"`
			LastError   string     `gorm:"not null;default:''"`
		}
		// Parents before children, so every foreign key has its table.
		return tx.Migrator().CreateTable(
			&merchant{}, &apiKey{}, &customer{}, &contact{}, &invoice{}, &invoiceLine{},
			&payment{}, &subscription{}, &entitlement{}, &paymentDetails{}, &portalLink{},
			&portalSession{}, &idempotencyRecord{}, &auditEvent{}, &webhookEndpoint{}, &outboxEvent{},
		)
	},
}
