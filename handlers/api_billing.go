package handlers

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// Invoices (and credit notes), payments and subscriptions.

type invoiceLineRequest struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount"`
	TaxRate     int64  `json:"tax_rate"`
}

type invoiceRequest struct {
	CustomerID        string               `json:"customer_id"`
	Kind              string               `json:"kind"`
	Number            string               `json:"number"`
	CreditedInvoiceID *string              `json:"credited_invoice_id"`
	Status            string               `json:"status"`
	Currency          string               `json:"currency"`
	IssuedAt          *time.Time           `json:"issued_at"`
	DueAt             *time.Time           `json:"due_at"`
	PeriodStart       *time.Time           `json:"period_start"`
	PeriodEnd         *time.Time           `json:"period_end"`
	Memo              string               `json:"memo"`
	Lines             []invoiceLineRequest `json:"lines"`
	Total             *int64               `json:"total"` // optional: checked against the lines
}

func (h *APIHandler) createInvoice(c echo.Context) error {
	req, err := bind[invoiceRequest](c)
	if err != nil {
		return err
	}
	in := models.InvoiceInput{
		CustomerRef: req.CustomerID, Kind: models.InvoiceKind(req.Kind), Number: req.Number,
		CreditedInvoiceID: req.CreditedInvoiceID, Status: models.InvoiceStatus(req.Status), Currency: req.Currency,
		IssuedAt: req.IssuedAt, DueAt: req.DueAt, PeriodStart: req.PeriodStart, PeriodEnd: req.PeriodEnd,
		Memo: req.Memo, Total: req.Total,
	}
	for _, l := range req.Lines {
		in.Lines = append(in.Lines, models.InvoiceLineInput(l))
	}
	if in.CustomerRef == "" {
		return invalidField("customer_id", "required", "is required")
	}
	inv, err := h.store.CreateInvoice(c.Request().Context(), merchantID(c), apiActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, showInvoice(h.baseURL, h.now())(inv))
}

func (h *APIHandler) getInvoice(c echo.Context) error {
	inv, err := h.store.GetInvoice(c.Request().Context(), models.MerchantScope(merchantID(c)), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showInvoice(h.baseURL, h.now())(inv))
}

func (h *APIHandler) listInvoices(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	f := models.InvoiceFilter{
		CustomerRef: c.QueryParam("customer_id"), Status: models.InvoiceStatus(c.QueryParam("status")), Kind: models.InvoiceKind(c.QueryParam("kind")),
	}
	rows, info, err := h.store.ListInvoices(c.Request().Context(), models.MerchantScope(merchantID(c)), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, showInvoice(h.baseURL, h.now()))
}

// invoicePDF sends the invoice or credit note as its customer gets it, in the customer's
// language, else the merchant's.
func (h *APIHandler) invoicePDF(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := h.store.GetInvoice(ctx, models.MerchantScope(merchantID(c)), c.Param("id"))
	if err != nil {
		return err
	}
	m, err := h.store.GetMerchant(ctx, merchantID(c))
	if err != nil {
		return err
	}
	inCustomersLanguage := func(customer *models.Customer) *views.Translator {
		if models.IsLocale(customer.PreferredLocale) {
			return h.catalog.Translator(customer.PreferredLocale)
		}
		return h.catalog.Translator(m.DefaultLocale)
	}
	return sendInvoicePDF(c, h.store, m, inv, inCustomersLanguage, h.now())
}

type invoiceStatusRequest struct {
	Status string `json:"status"`
}

// updateInvoiceStatus moves an invoice along its allowed transitions (open → paid, void,
// uncollectible…); anything else is 409.
func (h *APIHandler) updateInvoiceStatus(c echo.Context) error {
	req, err := bind[invoiceStatusRequest](c)
	if err != nil {
		return err
	}
	inv, err := h.store.UpdateInvoiceStatus(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), models.InvoiceStatus(req.Status))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showInvoice(h.baseURL, h.now())(inv))
}

type paymentRequest struct {
	CustomerID string     `json:"customer_id"`
	InvoiceID  *string    `json:"invoice_id"`
	Kind       string     `json:"kind"`
	Status     string     `json:"status"`
	Amount     int64      `json:"amount"`
	Currency   string     `json:"currency"`
	Method     string     `json:"method"`
	Reference  string     `json:"reference"`
	PaidAt     *time.Time `json:"paid_at"`
}

// createPayment records a payment or refund; one linked to an invoice updates the
// invoice's amounts and status in the same transaction.
func (h *APIHandler) createPayment(c echo.Context) error {
	req, err := bind[paymentRequest](c)
	if err != nil {
		return err
	}
	in := models.PaymentInput{
		CustomerRef: req.CustomerID, InvoiceID: req.InvoiceID, Kind: models.PaymentKind(req.Kind), Status: models.PaymentStatus(req.Status),
		Amount: req.Amount, Currency: req.Currency, Method: req.Method, Reference: req.Reference, PaidAt: req.PaidAt,
	}
	if in.CustomerRef == "" {
		return invalidField("customer_id", "required", "is required")
	}
	p, err := h.store.CreatePayment(c.Request().Context(), merchantID(c), apiActor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, showPayment(p))
}

func (h *APIHandler) getPayment(c echo.Context) error {
	p, err := h.store.GetPayment(c.Request().Context(), models.MerchantScope(merchantID(c)), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showPayment(p))
}

func (h *APIHandler) listPayments(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	f := models.PaymentFilter{CustomerRef: c.QueryParam("customer_id"), InvoiceID: c.QueryParam("invoice_id"), Kind: models.PaymentKind(c.QueryParam("kind"))}
	rows, info, err := h.store.ListPayments(c.Request().Context(), models.MerchantScope(merchantID(c)), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, showPayment)
}

type subscriptionRequest struct {
	CustomerID         string     `json:"customer_id"` // on create only
	PlanName           *string    `json:"plan_name"`
	Status             *string    `json:"status"`
	Currency           *string    `json:"currency"`
	UnitAmount         *int64     `json:"unit_amount"`
	Interval           *string    `json:"interval"`
	IntervalCount      *int       `json:"interval_count"`
	CurrentPeriodStart *time.Time `json:"current_period_start"`
	CurrentPeriodEnd   *time.Time `json:"current_period_end"`
}

func (r subscriptionRequest) input() models.SubscriptionInput {
	return models.SubscriptionInput{
		CustomerRef: r.CustomerID, PlanName: r.PlanName, Status: (*models.SubscriptionStatus)(r.Status), Currency: r.Currency,
		UnitAmount: r.UnitAmount, Interval: r.Interval, IntervalCount: r.IntervalCount,
		CurrentPeriodStart: r.CurrentPeriodStart, CurrentPeriodEnd: r.CurrentPeriodEnd,
	}
}

func (h *APIHandler) createSubscription(c echo.Context) error {
	req, err := bind[subscriptionRequest](c)
	if err != nil {
		return err
	}
	if req.CustomerID == "" {
		return invalidField("customer_id", "required", "is required")
	}
	sub, err := h.store.CreateSubscription(c.Request().Context(), merchantID(c), apiActor(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, showSubscription(sub))
}

func (h *APIHandler) getSubscription(c echo.Context) error {
	sub, err := h.store.GetSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showSubscription(sub))
}

func (h *APIHandler) listSubscriptions(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	f := models.SubscriptionFilter{CustomerRef: c.QueryParam("customer_id"), Status: models.SubscriptionStatus(c.QueryParam("status"))}
	rows, info, err := h.store.ListSubscriptions(c.Request().Context(), models.MerchantScope(merchantID(c)), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, showSubscription)
}

func (h *APIHandler) updateSubscription(c echo.Context) error {
	req, err := bind[subscriptionRequest](c)
	if err != nil {
		return err
	}
	if req.CustomerID != "" {
		return invalidField("customer_id", "not_allowed", "cannot be changed")
	}
	sub, err := h.store.UpdateSubscription(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showSubscription(sub))
}

type cancelRequest struct {
	AtPeriodEnd bool   `json:"at_period_end"`
	Reason      string `json:"reason"`
	Comment     string `json:"comment"`
}

// cancelSubscription cancels now or at the period's end; a second cancel is 409.
func (h *APIHandler) cancelSubscription(c echo.Context) error {
	req, err := bind[cancelRequest](c)
	if err != nil {
		return err
	}
	sub, err := h.store.CancelSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), apiActor(c), c.Param("id"), models.Cancellation(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showSubscription(sub))
}

// resumeSubscription undoes a cancellation scheduled for the period's end.
func (h *APIHandler) resumeSubscription(c echo.Context) error {
	sub, err := h.store.ResumeSubscription(c.Request().Context(), models.MerchantScope(merchantID(c)), apiActor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showSubscription(sub))
}
