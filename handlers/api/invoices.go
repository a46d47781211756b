package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

type invoiceLineRequest struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount"`
	TaxRate     int64  `json:"tax_rate"`
}

// invoiceLines decodes lines one at a time and stops past models.MaxInvoiceLines, so a
// body of a million empty lines costs no more than one of 501.
type invoiceLines []invoiceLineRequest

func (l *invoiceLines) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return typeError("lines", reflect.TypeFor[[]invoiceLineRequest](), "")
	}
	for dec.More() {
		if len(*l) == models.MaxInvoiceLines {
			return invalidField("lines", "too_many", "has more than "+strconv.Itoa(models.MaxInvoiceLines)+" lines")
		}
		var line invoiceLineRequest
		if err := dec.Decode(&line); err != nil {
			return lineError(len(*l), err)
		}
		*l = append(*l, line)
	}
	return nil
}

// lineError names the line a decoding error is in, as the decoder names fields.
func lineError(i int, err error) error {
	prefix := "lines[" + strconv.Itoa(i) + "]"
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := prefix
		if typeErr.Field != "" {
			field += "." + typeErr.Field
		}
		return typeError(field, typeErr.Type, typeErr.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return unknownField(prefix + "." + strings.Trim(name, `"`))
	}
	return err
}

type invoiceRequest struct {
	CustomerID        string       `json:"customer_id"`
	Kind              string       `json:"kind"`
	Number            string       `json:"number"`
	CreditedInvoiceID *string      `json:"credited_invoice_id"`
	Status            string       `json:"status"`
	Currency          string       `json:"currency"`
	IssuedAt          *Timestamp   `json:"issued_at"`
	DueAt             *Timestamp   `json:"due_at"`
	PeriodStart       *Timestamp   `json:"period_start"`
	PeriodEnd         *Timestamp   `json:"period_end"`
	Memo              string       `json:"memo"`
	PaymentURL        string       `json:"payment_url"`
	Lines             invoiceLines `json:"lines"`
	Total             *int64       `json:"total"` // optional: checked against the lines
}

func (h *Handler) CreateInvoice(c echo.Context) error {
	req, err := bind[invoiceRequest](c)
	if err != nil {
		return err
	}
	in := models.InvoiceInput{
		CustomerRef: req.CustomerID, Kind: models.InvoiceKind(req.Kind), Number: req.Number,
		CreditedInvoiceID: req.CreditedInvoiceID, Status: models.InvoiceStatus(req.Status), Currency: req.Currency,
		IssuedAt: req.IssuedAt.at(), DueAt: req.DueAt.at(), PeriodStart: req.PeriodStart.at(), PeriodEnd: req.PeriodEnd.at(),
		Memo: req.Memo, PaymentURL: req.PaymentURL, Total: req.Total,
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
	return c.JSON(http.StatusCreated, presentInvoice(h.baseURL, h.store.Now())(inv))
}

func (h *Handler) GetInvoice(c echo.Context) error {
	inv, err := h.store.GetInvoice(c.Request().Context(), models.MerchantScope(merchantID(c)), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentInvoice(h.baseURL, h.store.Now())(inv))
}

func (h *Handler) ListInvoices(c echo.Context) error {
	page, err := listQuery(c, "customer_id", "status", "kind")
	if err != nil {
		return err
	}
	f := models.InvoiceFilter{CustomerRef: c.QueryParam("customer_id")}
	if f.Status, err = enumQuery(c, "status", models.InvoiceStatusFilters); err != nil {
		return err
	}
	if f.Kind, err = enumQuery(c, "kind", models.InvoiceKinds); err != nil {
		return err
	}
	rows, info, err := h.store.ListInvoices(c.Request().Context(), models.MerchantScope(merchantID(c)), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, presentInvoice(h.baseURL, h.store.Now()))
}

// InvoicePDF sends the invoice or credit note as its customer gets it, in the customer's
// language, else the merchant's.
func (h *Handler) InvoicePDF(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := h.store.GetInvoice(ctx, models.MerchantScope(merchantID(c)), param(c, "id"))
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
	return web.SendInvoicePDF(c, h.store, m, inv, inCustomersLanguage, h.store.Now())
}

type invoiceUpdateRequest struct {
	PaymentURL *string    `json:"payment_url"`
	Memo       *string    `json:"memo"`
	DueAt      *Timestamp `json:"due_at"`
}

// UpdateInvoice changes a draft or open invoice's payment page, memo or due date; fields
// left out stay. A paid, void or uncollectible invoice, or a credit note, is 409: its
// amounts and lines never change (void it and issue another).
func (h *Handler) UpdateInvoice(c echo.Context) error {
	req, err := bind[invoiceUpdateRequest](c)
	if err != nil {
		return err
	}
	in := models.InvoiceUpdate{PaymentURL: req.PaymentURL, Memo: req.Memo, DueAt: req.DueAt.at()}
	inv, err := h.store.UpdateInvoice(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentInvoice(h.baseURL, h.store.Now())(inv))
}

type invoiceStatusRequest struct {
	Status string `json:"status"`
}

// UpdateInvoiceStatus moves an invoice along its allowed transitions (open → paid, void,
// uncollectible…); a status that is not a target is 422, a transition the state machine
// does not allow is 409.
func (h *Handler) UpdateInvoiceStatus(c echo.Context) error {
	req, err := bind[invoiceStatusRequest](c)
	if err != nil {
		return err
	}
	inv, err := h.store.UpdateInvoiceStatus(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id"), models.InvoiceStatus(req.Status))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentInvoice(h.baseURL, h.store.Now())(inv))
}

type invoiceLineJSON struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount"`
	Amount      int64  `json:"amount"`
	TaxRate     int64  `json:"tax_rate"`
	TaxAmount   int64  `json:"tax_amount"`
}

type invoiceJSON struct {
	ID                string            `json:"id"`
	Object            string            `json:"object"`
	Kind              string            `json:"kind"`
	CustomerID        string            `json:"customer_id"`
	Number            string            `json:"number"`
	CreditedInvoiceID *string           `json:"credited_invoice_id"`
	Status            string            `json:"status"`
	Overdue           bool              `json:"overdue"`
	Currency          string            `json:"currency"`
	Subtotal          int64             `json:"subtotal"`
	Tax               int64             `json:"tax"`
	Total             int64             `json:"total"`
	AmountPaid        int64             `json:"amount_paid"`
	AmountRefunded    int64             `json:"amount_refunded"`
	AmountCredited    int64             `json:"amount_credited"`
	AmountDue         int64             `json:"amount_due"`
	IssuedAt          Timestamp         `json:"issued_at"`
	DueAt             *Timestamp        `json:"due_at"`
	PeriodStart       *Timestamp        `json:"period_start"`
	PeriodEnd         *Timestamp        `json:"period_end"`
	Memo              string            `json:"memo"`
	PaymentURL        string            `json:"payment_url"`
	Lines             []invoiceLineJSON `json:"lines,omitempty"`
	PDF               string            `json:"pdf"`
	CreatedAt         Timestamp         `json:"created_at"`
	UpdatedAt         Timestamp         `json:"updated_at"`
}

// presentInvoice returns a function showing invoices: pdf links need the base URL, overdue
// needs the time. Lists leave the lines out.
func presentInvoice(base *url.URL, now time.Time) func(*models.Invoice) invoiceJSON {
	return func(i *models.Invoice) invoiceJSON {
		v := invoiceJSON{
			ID: i.ID, Object: string(i.Kind), Kind: string(i.Kind), CustomerID: i.CustomerID, Number: i.Number,
			CreditedInvoiceID: i.CreditedInvoiceID, Status: string(i.Status), Overdue: i.Overdue(now),
			Currency: i.Currency, Subtotal: i.Subtotal, Tax: i.Tax, Total: i.Total, AmountPaid: i.AmountPaid,
			AmountRefunded: i.AmountRefunded, AmountCredited: i.AmountCredited, AmountDue: i.AmountDue,
			IssuedAt: stamp(i.IssuedAt), DueAt: stampOf(i.DueAt), PeriodStart: stampOf(i.PeriodStart), PeriodEnd: stampOf(i.PeriodEnd),
			Memo: i.Memo, PaymentURL: i.PaymentURL,
			PDF:       base.String() + "/v1/invoices/" + i.ID + "/pdf",
			CreatedAt: stamp(i.CreatedAt), UpdatedAt: stamp(i.UpdatedAt),
		}
		for _, l := range i.Lines {
			v.Lines = append(v.Lines, invoiceLineJSON{l.Description, l.Quantity, l.UnitAmount, l.Amount, l.TaxRate, l.TaxAmount})
		}
		return v
	}
}
