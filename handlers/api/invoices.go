package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"

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
	return c.JSON(http.StatusCreated, h.presentInvoice()(inv))
}

func (h *Handler) GetInvoice(c echo.Context) error {
	inv, err := h.store.GetInvoice(c.Request().Context(), models.MerchantScope(merchantID(c)), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.presentInvoice()(inv))
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
	return respondList(c, rows, info, h.presentInvoice())
}

// InvoicePDF sends the invoice or credit note as its customer gets it, in the customer's
// language, else the merchant's.
func (h *Handler) InvoicePDF(c echo.Context) error {
	ctx := c.Request().Context()
	inv, err := h.store.GetInvoice(ctx, models.MerchantScope(merchantID(c)), param(c, "id"))
	if err != nil {
		return err
	}
	inCustomersLanguage := func(m *models.Merchant, customer *models.Customer) *views.Translator {
		if models.IsLocale(customer.PreferredLocale) {
			return h.catalog.Translator(customer.PreferredLocale)
		}
		return h.catalog.Translator(m.DefaultLocale)
	}
	return web.SendInvoicePDF(c, h.store, merchantID(c), inv, inCustomersLanguage, h.store.Now())
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
	return c.JSON(http.StatusOK, h.presentInvoice()(inv))
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
	return c.JSON(http.StatusOK, h.presentInvoice()(inv))
}

// presentInvoice shows invoices as they are now, with PDF links under the base URL.
func (h *Handler) presentInvoice() func(*models.Invoice) models.InvoiceResource {
	now, base := h.store.Now(), h.baseURL.String()
	return func(i *models.Invoice) models.InvoiceResource { return i.Resource(now, base) }
}
