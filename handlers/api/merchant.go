package api

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// GetMerchant shows the key's merchant: branding, seller details, bank account, payment
// provider (never its secrets) and portal policy.
func (h *Handler) GetMerchant(c echo.Context) error {
	m, err := h.store.GetMerchant(c.Request().Context(), merchantID(c))
	if err != nil {
		return err
	}
	return h.respondMerchant(c, m)
}

// respondMerchant answers with the merchant and how its payment provider is connected.
func (h *Handler) respondMerchant(c echo.Context, m *models.Merchant) error {
	v, err := h.store.MerchantResource(c.Request().Context(), m)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

type bankAccountRequest struct {
	AccountHolder string `json:"account_holder"`
	IBAN          string `json:"iban"`
	BIC           string `json:"bic"`
}

// stripeSetting is the "stripe" field of a merchant update: an object with the restricted
// key and signing secret connects (or replaces) the merchant's Stripe account, null
// disconnects it, and leaving it out changes nothing.
type stripeSetting struct {
	given, remove bool
	SecretKey     string
	WebhookSecret string
}

func (s *stripeSetting) UnmarshalJSON(b []byte) error {
	s.given = true
	if string(b) == "null" {
		s.remove = true
		return nil
	}
	var v struct {
		SecretKey     string `json:"secret_key"`
		WebhookSecret string `json:"webhook_secret"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			field := "stripe"
			if typeErr.Field != "" {
				field += "." + typeErr.Field
			}
			return typeError(field, typeErr.Type, typeErr.Value)
		}
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return unknownField("stripe." + strings.Trim(name, `"`))
		}
		return err
	}
	s.SecretKey, s.WebhookSecret = v.SecretKey, v.WebhookSecret
	return nil
}

// input is the setting as the store's provider input, or nil when it was left out.
func (s stripeSetting) input() *models.ProviderInput {
	if !s.given {
		return nil
	}
	return &models.ProviderInput{Provider: "stripe", SecretKey: s.SecretKey, WebhookSecret: s.WebhookSecret, Remove: s.remove}
}

type merchantRequest struct {
	Name             *string             `json:"name"`
	LogoURL          *string             `json:"logo_url"`
	AccentColor      *string             `json:"accent_color"`
	DefaultLocale    *string             `json:"default_locale"`
	CancellationMode *string             `json:"cancellation_mode"`
	EditableFields   *[]string           `json:"editable_fields"`
	SupportEmail     *string             `json:"support_email"`
	SupportURL       *string             `json:"support_url"`
	Address          *addressRequest     `json:"address"`
	VATID            *string             `json:"vat_id"`
	FaviconURL       *string             `json:"favicon_url"`
	PoweredBy        *bool               `json:"powered_by"`
	BankAccount      *bankAccountRequest `json:"bank_account"`
	RemittanceFormat *string             `json:"remittance_format"`
	Stripe           stripeSetting       `json:"stripe"`
	SEPACreditorID   *string             `json:"sepa_creditor_id"`

	RenewExpiredLinks          *bool `json:"renew_expired_links"`
	EmailLogin                 *bool `json:"email_login"`
	NotifyEmailChange          *bool `json:"notify_email_change"`
	NotifyPaymentDetailsChange *bool `json:"notify_payment_details_change"`
	NotifyCancellation         *bool `json:"notify_cancellation"`
}

// UpdateMerchant changes branding (name, logo, favicon, accent colour, "powered by"), the
// seller's address and VAT ID, the bank account for transfers and their reference, the
// SEPA creditor identifier, the Stripe account (write-only), and portal policy, in one
// transaction.
func (h *Handler) UpdateMerchant(c echo.Context) error {
	req, err := bind[merchantRequest](c)
	if err != nil {
		return err
	}
	settings := models.MerchantSettings{
		Name: req.Name, LogoURL: req.LogoURL, AccentColor: req.AccentColor, DefaultLocale: req.DefaultLocale,
		CancellationMode: (*models.CancellationMode)(req.CancellationMode), EditableFields: req.EditableFields,
		SupportEmail: req.SupportEmail, SupportURL: req.SupportURL, Address: req.Address.input(),
		VATID: req.VATID, FaviconURL: req.FaviconURL, PoweredBy: req.PoweredBy,
		RenewExpiredLinks: req.RenewExpiredLinks, EmailLogin: req.EmailLogin, NotifyEmailChange: req.NotifyEmailChange,
		NotifyPaymentDetailsChange: req.NotifyPaymentDetailsChange, NotifyCancellation: req.NotifyCancellation,
		RemittanceFormat: req.RemittanceFormat, PaymentProvider: req.Stripe.input(), SEPACreditorID: req.SEPACreditorID,
	}
	if b := req.BankAccount; b != nil {
		settings.BankAccount = &models.BankAccountInput{AccountHolder: b.AccountHolder, IBAN: b.IBAN, BIC: b.BIC}
	}
	m, err := h.store.UpdateMerchantSettings(c.Request().Context(), merchantID(c), apiActor(c), settings)
	if err != nil {
		return err
	}
	return h.respondMerchant(c, m)
}
