// Package stripe is Portico's models.PaymentProvider for Stripe, through the official SDK
// (github.com/stripe/stripe-go): Checkout Sessions for paying an invoice and for saving a
// payment method, and the verification and reading of Stripe's events. Each call uses the
// merchant's own restricted key; Portico holds no Stripe account of its own.
package stripe

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/portico/portico/models"
	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// Name is the provider's name as Portico stores it.
const Name = "stripe"

// The metadata keys Portico attaches to what it creates at Stripe; Stripe's events carry
// them back.
const (
	metaMerchant = "portico_merchant_id"
	metaCustomer = "portico_customer_id"
	metaInvoice  = "portico_invoice_id"
)

// requestTimeout bounds one call to Stripe, retries included by the SDK.
const requestTimeout = 20 * time.Second

// Provider talks to Stripe for every merchant, each call with the merchant's own key.
type Provider struct {
	backends *stripe.Backends
}

// New returns the Stripe provider. apiURL is Stripe's API address; empty for Stripe's own
// (https://api.stripe.com), a stripe-mock's in tests (PORTICO_STRIPE_API_URL).
func New(apiURL string) *Provider {
	cfg := &stripe.BackendConfig{
		HTTPClient: &http.Client{Timeout: requestTimeout},
		// The SDK's own log would go to stderr beside Portico's structured log; Portico logs
		// what fails itself, without keys.
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if apiURL != "" {
		cfg.URL = stripe.String(apiURL)
	}
	return &Provider{backends: stripe.NewBackendsWithConfig(cfg)}
}

var _ models.PaymentProvider = (*Provider)(nil)

// Name is "stripe".
func (p *Provider) Name() string { return Name }

// CheckoutOrigin is where Stripe hosts Checkout pages.
func (p *Provider) CheckoutOrigin() string { return "https://checkout.stripe.com" }

func (p *Provider) client(account *models.ProviderAccount) *stripe.Client {
	return stripe.NewClient(account.SecretKey, stripe.WithBackends(p.backends))
}

// Checkout creates a Checkout Session and returns its URL. A payment session asks for one
// line, the invoice's amount due; a setup session saves a card or a SEPA mandate to the
// customer's record at Stripe (made on the first setup).
func (p *Provider) Checkout(ctx context.Context, account *models.ProviderAccount, req models.CheckoutRequest) (string, error) {
	meta := map[string]string{metaMerchant: req.MerchantID, metaCustomer: req.CustomerID}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:       stripe.String(string(req.Mode)),
		SuccessURL: stripe.String(req.SuccessURL),
		CancelURL:  stripe.String(req.CancelURL),
		Locale:     stripe.String(checkoutLocale(req.Locale)),
		Metadata:   meta,
	}
	if req.ProviderCustomerID != "" {
		params.Customer = stripe.String(req.ProviderCustomerID)
	} else if req.CustomerEmail != "" {
		params.CustomerEmail = stripe.String(req.CustomerEmail)
	}
	switch req.Mode {
	case models.CheckoutPayment:
		meta[metaInvoice] = req.InvoiceID
		params.ClientReferenceID = stripe.String(req.InvoiceID)
		params.LineItems = []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(strings.ToLower(req.Currency)),
				UnitAmount:  stripe.Int64(req.Amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(req.Description)},
			},
		}}
		params.PaymentIntentData = &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			Description: stripe.String(req.Description), Metadata: meta,
		}
	case models.CheckoutSetup:
		// The methods Portico can show on file; the merchant collects with them later.
		params.PaymentMethodTypes = stripe.StringSlice([]string{"card", "sepa_debit"})
		params.SetupIntentData = &stripe.CheckoutSessionCreateSetupIntentDataParams{Metadata: meta}
		if req.ProviderCustomerID == "" {
			params.CustomerCreation = stripe.String("always")
		}
	}
	params.SetIdempotencyKey(req.IdempotencyKey)
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	session, err := p.client(account).V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return "", fmt.Errorf("stripe: create checkout session: %w", describe(err, account.SecretKey))
	}
	if session.URL == "" {
		return "", errors.New("stripe: create checkout session: the session has no URL")
	}
	return session.URL, nil
}

// checkoutLocale is the Checkout page's language: the portal's, which Stripe speaks.
func checkoutLocale(locale string) string {
	if locale == "" {
		return "auto"
	}
	return locale
}

// ParseEvent verifies an event with the merchant's signing secret and reads what it means.
// It acts on completed Checkout Sessions (paid, or unpaid while an asynchronous method
// settles), their asynchronous success or failure, and completed setup sessions, whose
// saved method it fetches. The event's API version may differ from the SDK's (it is the
// one the merchant's webhook endpoint was created with): only fields every version has are
// read, so a mismatch is no reason to drop a payment.
func (p *Provider) ParseEvent(ctx context.Context, account *models.ProviderAccount, payload []byte, header http.Header) (*models.ProviderEvent, error) {
	event, err := webhook.ConstructEventWithOptions(payload, header.Get("Stripe-Signature"), account.WebhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return nil, fmt.Errorf("%w: %v", models.ErrBadSignature, err)
	case err != nil:
		return nil, fmt.Errorf("stripe: read event: %w", err)
	}
	ev := &models.ProviderEvent{ID: event.ID, Type: string(event.Type)}
	var kind models.ProviderEventKind
	switch event.Type {
	case "checkout.session.completed":
		kind = models.EventPaymentSucceeded // or processing, or a saved method: see below
	case "checkout.session.async_payment_succeeded":
		kind = models.EventPaymentSucceeded
	case "checkout.session.async_payment_failed":
		kind = models.EventPaymentFailed
	default:
		return ev, nil
	}
	var session stripe.CheckoutSession
	if event.Data == nil || json.Unmarshal(event.Data.Raw, &session) != nil {
		return nil, errors.New("stripe: read event: its object is not a Checkout Session")
	}
	ev.MerchantID, ev.CustomerID = session.Metadata[metaMerchant], session.Metadata[metaCustomer]
	switch {
	case session.Mode == stripe.CheckoutSessionModeSetup && event.Type == "checkout.session.completed":
		if session.SetupIntent == nil {
			return ev, nil
		}
		saved, err := p.savedMethod(ctx, account, session.SetupIntent.ID)
		if err != nil {
			return nil, err
		}
		ev.Kind, ev.Saved = models.EventMethodSaved, saved
		return ev, nil
	case session.Mode != stripe.CheckoutSessionModePayment, session.PaymentIntent == nil:
		return ev, nil
	case event.Type == "checkout.session.completed" && session.PaymentStatus == stripe.CheckoutSessionPaymentStatusUnpaid:
		kind = models.EventPaymentProcessing
	case event.Type == "checkout.session.completed" && session.PaymentStatus != stripe.CheckoutSessionPaymentStatusPaid:
		return ev, nil // no_payment_required: nothing was paid
	}
	ev.Kind, ev.InvoiceID = kind, session.Metadata[metaInvoice]
	ev.PaymentID, ev.Amount, ev.Currency = session.PaymentIntent.ID, session.AmountTotal, strings.ToUpper(string(session.Currency))
	ev.Method = p.paymentMethod(ctx, account, session.PaymentIntent.ID)
	return ev, nil
}

// paymentMethod is the kind of method that paid (card, sepa_debit, …), as Portico names
// payment methods; "other" when Stripe does not say.
func (p *Provider) paymentMethod(ctx context.Context, account *models.ProviderAccount, paymentIntentID string) string {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	params := &stripe.PaymentIntentRetrieveParams{}
	params.AddExpand("payment_method")
	intent, err := p.client(account).V1PaymentIntents.Retrieve(ctx, paymentIntentID, params)
	if err != nil || intent.PaymentMethod == nil {
		return "other"
	}
	switch t := string(intent.PaymentMethod.Type); t {
	case "card", "sepa_debit", "paypal":
		return t
	case "customer_balance":
		return "bank_transfer"
	}
	return "other"
}

// savedMethod fetches what a setup session saved: the card's brand, last four digits and
// expiry, or the SEPA account's country and last four digits with its mandate.
func (p *Provider) savedMethod(ctx context.Context, account *models.ProviderAccount, setupIntentID string) (*models.SavedPaymentMethod, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	params := &stripe.SetupIntentRetrieveParams{}
	params.AddExpand("payment_method")
	intent, err := p.client(account).V1SetupIntents.Retrieve(ctx, setupIntentID, params)
	if err != nil {
		return nil, fmt.Errorf("stripe: retrieve setup intent: %w", describe(err, account.SecretKey))
	}
	pm := intent.PaymentMethod
	if pm == nil {
		return nil, errors.New("stripe: the setup intent has no payment method")
	}
	saved := &models.SavedPaymentMethod{ProviderMethodID: pm.ID}
	if pm.BillingDetails != nil {
		saved.AccountHolder = pm.BillingDetails.Name
	}
	if intent.Customer != nil {
		saved.ProviderCustomerID = intent.Customer.ID
	}
	switch {
	case pm.Type == stripe.PaymentMethodTypeCard && pm.Card != nil:
		saved.Method, saved.CardBrand, saved.CardLast4 = models.MethodCard, string(pm.Card.Brand), pm.Card.Last4
		saved.CardExpMonth, saved.CardExpYear = int(pm.Card.ExpMonth), int(pm.Card.ExpYear)
	case pm.Type == stripe.PaymentMethodTypeSEPADebit && pm.SEPADebit != nil:
		saved.Method, saved.IBANCountry, saved.IBANLast4 = models.MethodSEPADebit, pm.SEPADebit.Country, pm.SEPADebit.Last4
		if intent.Mandate != nil {
			saved.MandateReference = intent.Mandate.ID
		}
	default:
		return nil, fmt.Errorf("stripe: the saved payment method is a %s, which Portico does not show", pm.Type)
	}
	return saved, nil
}

// describe keeps what Stripe said about a failed call (its type, code, request ID and
// message) for the log, with the merchant's key cut out wherever the message repeats it.
func describe(err error, key string) error {
	var se *stripe.Error
	if !errors.As(err, &se) {
		return err
	}
	msg := se.Msg
	if se.HTTPStatusCode == http.StatusUnauthorized {
		msg = "the merchant's key was refused"
	}
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[key]")
	}
	return fmt.Errorf("%s (HTTP %d, code %q, request %s): %s", se.Type, se.HTTPStatusCode, se.Code, se.RequestID, msg)
}
