package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type paymentDetailsRequest struct {
	Method        string `json:"method"`
	AccountHolder string `json:"account_holder"`
	IBAN          string `json:"iban"`
	CardBrand     string `json:"card_brand"`
	CardLast4     string `json:"card_last4"`
	CardExpMonth  int    `json:"card_exp_month"`
	CardExpYear   int    `json:"card_exp_year"`
}

func (h *Handler) GetPaymentDetails(c echo.Context) error {
	d, err := h.store.GetPaymentDetails(c.Request().Context(), models.CustomerScope(merchantID(c), c.Param("id")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentPaymentDetails(d))
}

// SetPaymentDetails replaces what is on file: a SEPA account or a card's display details
// (brand, last 4, expiry; never a card number).
func (h *Handler) SetPaymentDetails(c echo.Context) error {
	req, err := bind[paymentDetailsRequest](c)
	if err != nil {
		return err
	}
	in := models.PaymentDetailsInput(req)
	d, err := h.store.SetPaymentDetails(c.Request().Context(), models.CustomerScope(merchantID(c), c.Param("id")), apiActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentPaymentDetails(d))
}

type paymentDetailsJSON struct {
	Object        string    `json:"object"`
	CustomerID    string    `json:"customer_id"`
	Method        string    `json:"method"`
	AccountHolder string    `json:"account_holder"`
	IBAN          string    `json:"iban"` // masked: the full number never leaves Portico again
	CardBrand     string    `json:"card_brand"`
	CardLast4     string    `json:"card_last4"`
	CardExpMonth  int       `json:"card_exp_month"`
	CardExpYear   int       `json:"card_exp_year"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func presentPaymentDetails(p *models.PaymentDetails) paymentDetailsJSON {
	return paymentDetailsJSON{"payment_details", p.CustomerID, p.Method, p.AccountHolder, p.MaskedIBAN(), p.CardBrand, p.CardLast4, p.CardExpMonth, p.CardExpYear, p.UpdatedAt}
}
