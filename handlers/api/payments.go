package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type paymentRequest struct {
	CustomerID string     `json:"customer_id"`
	InvoiceID  *string    `json:"invoice_id"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status"`
	Amount     int64      `json:"amount"`
	Currency   string     `json:"currency"`
	Method     string     `json:"method"`
	Reference  string     `json:"reference"`
	PaidAt     *Timestamp `json:"paid_at"`
}

// CreatePayment records a payment or refund; one linked to an invoice updates the
// invoice's amounts and status in the same transaction.
func (h *Handler) CreatePayment(c echo.Context) error {
	req, err := bind[paymentRequest](c)
	if err != nil {
		return err
	}
	in := models.PaymentInput{
		CustomerRef: req.CustomerID, InvoiceID: req.InvoiceID, Kind: models.PaymentKind(req.Kind), Status: models.PaymentStatus(req.Status),
		Amount: req.Amount, Currency: req.Currency, Method: req.Method, Reference: req.Reference, PaidAt: req.PaidAt.at(),
	}
	if in.CustomerRef == "" {
		return invalidField("customer_id", "required", "is required")
	}
	p, err := h.store.CreatePayment(c.Request().Context(), merchantID(c), apiActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p.Resource())
}

func (h *Handler) GetPayment(c echo.Context) error {
	p, err := h.store.GetPayment(c.Request().Context(), models.MerchantScope(merchantID(c)), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p.Resource())
}

func (h *Handler) ListPayments(c echo.Context) error {
	page, err := listQuery(c, "customer_id", "invoice_id", "kind")
	if err != nil {
		return err
	}
	f := models.PaymentFilter{CustomerRef: c.QueryParam("customer_id"), InvoiceID: c.QueryParam("invoice_id")}
	if f.Kind, err = enumQuery(c, "kind", models.PaymentKinds); err != nil {
		return err
	}
	rows, info, err := h.store.ListPayments(c.Request().Context(), models.MerchantScope(merchantID(c)), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, (*models.Payment).Resource)
}
