package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// PaymentProvider is a payment service that collects money for a merchant through the
// merchant's own account with it (Stripe today). The provider hosts the payment page, so
// no card number or bank login ever reaches Portico, and tells Portico the outcome in
// signed events. A second provider (Mollie, GoCardless) implements this interface in a
// package of its own and adds its credential format to providerFormats.
type PaymentProvider interface {
	// Name is the provider as merchants name it and Portico stores it: "stripe".
	Name() string
	// CheckoutOrigin is the origin of its hosted pages, where the portal's forms may lead
	// (the pages' Content-Security-Policy form-action).
	CheckoutOrigin() string
	// Checkout opens a hosted page (a payment of what an invoice owes, or the saving of a
	// new payment method) and returns its URL for the customer's browser.
	Checkout(ctx context.Context, account *ProviderAccount, req CheckoutRequest) (string, error)
	// ParseEvent verifies an event the provider sent (its signature, with the account's
	// signing secret; ErrBadSignature when it does not hold) and says what it means for
	// Portico. It may ask the provider for details the event only names.
	ParseEvent(ctx context.Context, account *ProviderAccount, payload []byte, header http.Header) (*ProviderEvent, error)
}

// ErrBadSignature refuses a provider event whose signature does not verify: forged,
// altered, signed with another secret, or too old.
var ErrBadSignature = errors.New("the event's signature does not verify")

// ActorProvider is the actor of changes a payment provider's events make.
const ActorProvider ActorType = "provider"

// ProviderActor is a provider as the audit log names it.
func ProviderActor(provider string) Actor { return Actor{Type: ActorProvider, ID: provider} }

// CheckoutMode is what a hosted page is for.
type CheckoutMode string

// The kinds of hosted page.
const (
	CheckoutPayment CheckoutMode = "payment" // pay what an invoice owes
	CheckoutSetup   CheckoutMode = "setup"   // save a card or bank account for later collection
)

// CheckoutRequest describes a hosted page to open. The IDs travel to the provider as
// metadata and come back in its events.
type CheckoutRequest struct {
	Mode          CheckoutMode
	MerchantID    string
	CustomerID    string
	CustomerEmail string // prefilled on the page; may be empty
	// ProviderCustomerID is the customer's record at the provider from an earlier setup,
	// so a new payment method joins the same record.
	ProviderCustomerID string
	InvoiceID          string // CheckoutPayment only, as are the three below
	Description        string // what the customer pays for, in their language
	Amount             int64  // minor units
	Currency           string // ISO 4217
	Locale             string // the page's language
	SuccessURL         string
	CancelURL          string
	// IdempotencyKey makes a repeated request (a double click, a retry) return the same page.
	IdempotencyKey string
}

// ProviderEventKind is what an event means for Portico.
type ProviderEventKind string

// The events Portico acts on; every other event is acknowledged and ignored.
const (
	EventIgnored           ProviderEventKind = ""
	EventPaymentSucceeded  ProviderEventKind = "payment_succeeded"
	EventPaymentProcessing ProviderEventKind = "payment_processing" // an asynchronous method (SEPA debit) is under way
	EventPaymentFailed     ProviderEventKind = "payment_failed"
	EventMethodSaved       ProviderEventKind = "method_saved"
)

// ProviderEvent is a verified provider event, in Portico's terms.
type ProviderEvent struct {
	ID         string // the provider's event ID
	Type       string // the provider's event type, for logs
	Kind       ProviderEventKind
	MerchantID string // from the metadata Portico attached
	CustomerID string
	InvoiceID  string
	// PaymentID is the provider's ID of the payment (Stripe: the payment intent): the same
	// payment in every event about it, so recording is idempotent by it.
	PaymentID string
	Amount    int64
	Currency  string // ISO 4217, upper case
	Method    string // one of PaymentMethods
	Saved     *SavedPaymentMethod
}

// SavedPaymentMethod is what a setup page saved at the provider, as much of it as may be
// shown: a card's brand, last four digits and expiry, or a bank account's country and last
// four digits and the SEPA mandate.
type SavedPaymentMethod struct {
	Method             string // MethodCard or MethodSEPADebit
	ProviderCustomerID string
	ProviderMethodID   string
	AccountHolder      string
	CardBrand          string
	CardLast4          string
	CardExpMonth       int
	CardExpYear        int
	IBANCountry        string
	IBANLast4          string
	MandateReference   string
}

// ProviderAccount is a merchant's account with a payment provider: the API key Portico
// uses and the secret the provider signs events with, both sealed with the data keys. The
// opened secrets live only in memory, and the account never prints them.
type ProviderAccount struct {
	MerchantID          string `gorm:"primaryKey"`
	Provider            string
	SecretKeySealed     []byte
	WebhookSecretSealed []byte
	KeyHint             string // the key's prefix and last four characters, to tell keys apart
	Livemode            bool
	CreatedAt           time.Time
	UpdatedAt           time.Time

	SecretKey     string `gorm:"-" json:"-"` // opened by OpenPaymentProvider
	WebhookSecret string `gorm:"-" json:"-"`
}

// TableName is where accounts are stored.
func (ProviderAccount) TableName() string { return "payment_provider_accounts" }

// String never shows the secrets, whatever prints the account.
func (a ProviderAccount) String() string {
	return fmt.Sprintf("%s account of %s (%s)", a.Provider, a.MerchantID, a.KeyHint)
}

// GoString is String, for %#v.
func (a ProviderAccount) GoString() string { return a.String() }

// LogValue is String, for slog.
func (a ProviderAccount) LogValue() slog.Value { return slog.StringValue(a.String()) }

// ProviderInput connects a merchant's provider account, or disconnects it (Remove).
type ProviderInput struct {
	Provider      string
	SecretKey     string
	WebhookSecret string
	Remove        bool
}

// providerFormat is what a provider's credentials look like.
type providerFormat struct {
	secretKey, webhookSecret func() *regexp.Regexp
	livePrefix               string
	keyHelp, webhookHelp     string
}

// providerFormats are the providers Portico speaks, by name.
var providerFormats = map[string]providerFormat{
	"stripe": {
		// A restricted key, not a secret key: Portico needs to create Checkout Sessions and
		// read SetupIntents and PaymentMethods, nothing else. A leaked sk_ key could move the
		// merchant's money; an rk_ key with those permissions cannot.
		secretKey:     lazyRegexp(`^rk_(live|test)_[0-9A-Za-z]{8,247}$`),
		webhookSecret: lazyRegexp(`^whsec_[0-9A-Za-z+/=]{8,249}$`),
		livePrefix:    "rk_live_",
		keyHelp: "must be a Stripe restricted key (rk_live_… or rk_test_…) with write access to Checkout Sessions and Customers " +
			"and read access to SetupIntents and PaymentMethods; a secret key (sk_…) can do far more than Portico needs",
		webhookHelp: "must be the signing secret (whsec_…) of the Stripe webhook endpoint that points at Portico",
	},
}

// ProviderNames are the payment providers a merchant can connect.
func ProviderNames() []string { return []string{"stripe"} }

func (in *ProviderInput) validate(v *validator) {
	if in.Remove {
		return
	}
	format, ok := providerFormats[in.Provider]
	if !ok {
		v.add("payment_provider", "invalid_choice", "must be one of "+strings.Join(ProviderNames(), ", "))
		return
	}
	in.SecretKey, in.WebhookSecret = strings.TrimSpace(in.SecretKey), strings.TrimSpace(in.WebhookSecret)
	// The messages never echo what was sent: it may be a live secret pasted into the wrong field.
	if !format.secretKey().MatchString(in.SecretKey) {
		v.add(in.Provider+".secret_key", "invalid_key", format.keyHelp)
	}
	if !format.webhookSecret().MatchString(in.WebhookSecret) {
		v.add(in.Provider+".webhook_secret", "invalid_secret", format.webhookHelp)
	}
}

// keyHint shows enough of a key to recognise it: "rk_live_…a1b2".
func keyHint(key string) string {
	prefix := key[:strings.LastIndexByte(key, '_')+1]
	return prefix + "…" + key[len(key)-4:]
}

// providerContext binds a sealed credential to its merchant and field.
func providerContext(merchantID, field string) []byte {
	return []byte("payment_provider_accounts\x00" + merchantID + "\x00" + field)
}

// ErrNoDurableDataKeys refuses to store a secret that must outlive the process while the
// data keys are missing or generated for this process only.
var ErrNoDurableDataKeys = errors.New("no data keys are configured (PORTICO_DATA_KEYS) to encrypt it with")

// durableKeys reports whether the Store can seal a secret that must survive a restart.
func (s *Store) durableKeys() bool { return s.dataKeys != nil && !s.dataKeys.Temporary() }

// setPaymentProvider connects or disconnects the merchant's provider account in the
// settings' transaction. The audit log records the provider and the key's hint only.
func (s *Store) setPaymentProvider(tx *gorm.DB, merchantID string, actor Actor, in ProviderInput) error {
	if in.Remove {
		res := tx.Where("merchant_id = ?", merchantID).Delete(&ProviderAccount{})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		return s.record(tx, merchantID, "", actor, "merchant.payment_provider_removed", map[string]string{})
	}
	if !s.durableKeys() {
		return &StateError{Message: in.Provider + " credentials cannot be stored: " + ErrNoDurableDataKeys.Error() +
			"; set it (openssl rand -base64 32) and restart, so the credentials can still be read after a restart"}
	}
	now := s.Now()
	account := ProviderAccount{
		MerchantID:          merchantID,
		Provider:            in.Provider,
		SecretKeySealed:     s.dataKeys.Seal([]byte(in.SecretKey), providerContext(merchantID, "secret_key")),
		WebhookSecretSealed: s.dataKeys.Seal([]byte(in.WebhookSecret), providerContext(merchantID, "webhook_secret")),
		KeyHint:             keyHint(in.SecretKey),
		Livemode:            strings.HasPrefix(in.SecretKey, providerFormats[in.Provider].livePrefix),
		CreatedAt:           now,
		UpdatedAt:           now,
	}
	err := tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "merchant_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"provider", "secret_key_sealed", "webhook_secret_sealed", "key_hint", "livemode", "updated_at"}),
	}).Create(&account).Error
	if err != nil {
		return err
	}
	return s.record(tx, merchantID, "", actor, "merchant.payment_provider_connected",
		map[string]any{"provider": account.Provider, "key_hint": account.KeyHint, "livemode": account.Livemode})
}

// GetPaymentProvider is the merchant's provider account with its secrets still sealed:
// whether and how the merchant is connected. ErrNotFound when it is not.
func (s *Store) GetPaymentProvider(ctx context.Context, merchantID string) (*ProviderAccount, error) {
	var a ProviderAccount
	if err := s.reader(ctx, merchantID).Take(&a).Error; err != nil {
		return nil, storeError("get payment provider", err)
	}
	return &a, nil
}

// OpenPaymentProvider is the merchant's provider account with its secrets opened, for a
// call to the provider or the check of an event's signature. ErrNotFound when the merchant
// has none; ErrUndecryptable when the data key that sealed them is gone.
func (s *Store) OpenPaymentProvider(ctx context.Context, merchantID string) (*ProviderAccount, error) {
	a, err := s.GetPaymentProvider(ctx, merchantID)
	if err != nil {
		return nil, err
	}
	if s.dataKeys == nil {
		return nil, ErrUndecryptable
	}
	key, err := s.dataKeys.Open(a.SecretKeySealed, providerContext(merchantID, "secret_key"))
	if err != nil {
		return nil, err
	}
	secret, err := s.dataKeys.Open(a.WebhookSecretSealed, providerContext(merchantID, "webhook_secret"))
	if err != nil {
		return nil, err
	}
	a.SecretKey, a.WebhookSecret = string(key), string(secret)
	return a, nil
}
