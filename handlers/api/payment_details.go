package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type paymentDetailsRequest struct {
	Method        string  `json:"method"`
	AccountHolder *string `json:"account_holder"`
	IBAN          *string `json:"iban"`
	CardBrand     *string `json:"card_brand"`
	CardLast4     *string `json:"card_last4"`
	CardExpMonth  *int    `json:"card_exp_month"`
	CardExpYear   *int    `json:"card_exp_year"`
	// Collection says who pays open invoices: "automatic" (the merchant collects from this
	// method on the due date; the portal says so instead of offering Pay) or "manual" (the
	// customer pays). Left out, it stays as it was.
	Collection *string `json:"collection"`
}

// input refuses the fields of the other method rather than dropping them unseen.
func (r paymentDetailsRequest) input() (models.PaymentDetailsInput, error) {
	fields := []struct {
		name   string
		given  bool
		method string
	}{
		{"account_holder", r.AccountHolder != nil, models.MethodSEPADebit}, {"iban", r.IBAN != nil, models.MethodSEPADebit},
		{"card_brand", r.CardBrand != nil, models.MethodCard}, {"card_last4", r.CardLast4 != nil, models.MethodCard},
		{"card_exp_month", r.CardExpMonth != nil, models.MethodCard}, {"card_exp_year", r.CardExpYear != nil, models.MethodCard},
	}
	for _, f := range fields {
		if f.given && (r.Method == models.MethodSEPADebit || r.Method == models.MethodCard) && r.Method != f.method {
			return models.PaymentDetailsInput{}, invalidField(f.name, "not_allowed", "is only for method "+f.method)
		}
	}
	in := models.PaymentDetailsInput{
		Method: r.Method, AccountHolder: deref(r.AccountHolder), IBAN: deref(r.IBAN), CardBrand: deref(r.CardBrand),
		CardLast4: deref(r.CardLast4), CardExpMonth: deref(r.CardExpMonth), CardExpYear: deref(r.CardExpYear),
	}
	if r.Collection != nil {
		if *r.Collection != models.CollectionAutomatic && *r.Collection != models.CollectionManual {
			return in, invalidField("collection", "invalid_choice", "must be one of automatic, manual")
		}
		auto := *r.Collection == models.CollectionAutomatic
		in.AutoCollect = &auto
	}
	return in, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (h *Handler) GetPaymentDetails(c echo.Context) error {
	d, err := h.store.GetPaymentDetails(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d.Resource())
}

// SetPaymentDetails replaces what is on file: a SEPA account or a card's display details
// (brand, last 4, expiry; never a card number).
func (h *Handler) SetPaymentDetails(c echo.Context) error {
	req, err := bind[paymentDetailsRequest](c)
	if err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	d, err := h.store.SetPaymentDetails(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d.Resource())
}
