package portal

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// EnablePayments lets customers pay through the merchants' providers: base makes the
// absolute addresses providers send customers back to (never the request's Host), and
// providers are the payment providers Portico speaks, by name.
func (h *Handler) EnablePayments(base *url.URL, providers []models.PaymentProvider) {
	h.baseURL, h.providers = base, make(map[string]models.PaymentProvider, len(providers))
	for _, p := range providers {
		h.providers[p.Name()] = p
	}
}

// payability loads how the session's customer can pay. A page that then offers the
// provider's page lets its forms lead there (CSP form-action).
func (h *Handler) payability(c echo.Context) (models.Payability, error) {
	pb, err := h.store.Payability(c.Request().Context(), portalAccess(c).Scope())
	if err != nil {
		return pb, err
	}
	if p := h.providers[pb.Provider]; p != nil {
		web.AllowFormTarget(c, p.CheckoutOrigin())
	} else {
		pb.Provider = "" // connected to a provider this Portico does not speak: nothing to offer
	}
	return pb, nil
}

// withPayActions gives each open invoice of a list its Pay now, where it has one.
func (h *Handler) withPayActions(c echo.Context, invoices []models.Invoice, rows []views.InvoiceRow) ([]views.InvoiceRow, error) {
	if !slices.ContainsFunc(invoices, func(inv models.Invoice) bool { return inv.Status == models.StatusOpen }) {
		return rows, nil // nothing to pay on this page: no need to ask
	}
	pb, err := h.payability(c)
	if err != nil {
		return nil, err
	}
	for i := range invoices {
		rows[i].Pay = views.NewPayAction(invoices[i].ID, pb.For(&invoices[i], false))
	}
	return rows, nil
}

// PayInvoice opens the merchant's provider's payment page for what the invoice owes: 303
// to it. The page opens at the top level (the form's target), since payment pages refuse
// framing. An invoice with nothing to pay this way goes back to its page.
func (h *Handler) PayInvoice(c echo.Context) error {
	inv, err := h.customerInvoice(c)
	if err != nil {
		return err
	}
	ctx, a := c.Request().Context(), portalAccess(c)
	pb, err := h.payability(c)
	if err != nil {
		return err
	}
	payments, err := h.store.InvoicePayments(ctx, a.Scope(), inv)
	if err != nil {
		return err
	}
	options := pb.For(inv, models.PendingProviderPayment(payments))
	if options.PaymentURL != "" {
		return c.Redirect(http.StatusSeeOther, options.PaymentURL)
	}
	if options.Provider == "" {
		return c.Redirect(http.StatusSeeOther, views.InvoiceURL(inv.ID))
	}
	customer, err := h.store.GetCustomer(ctx, a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	page := web.PageOf(ctx)
	req := models.CheckoutRequest{
		Mode: models.CheckoutPayment, MerchantID: a.Merchant.ID, CustomerID: a.Customer.ID, CustomerEmail: customer.Email,
		InvoiceID: inv.ID, Amount: inv.AmountDue, Currency: inv.Currency, Locale: page.Lang(),
		Description: page.T.Tf("invoice.title.invoice", map[string]any{"Number": inv.Number}),
		SuccessURL:  h.absolute(views.InvoicePaidReturnURL(inv.ID)), CancelURL: h.absolute(views.InvoiceURL(inv.ID)),
	}
	return h.checkout(c, options.Provider, req)
}

// StartPaymentMethodSetup opens the merchant's provider's page for saving a new card or bank
// account; the provider's event stores it on the customer's payment details.
func (h *Handler) StartPaymentMethodSetup(c echo.Context) error {
	ctx, a := c.Request().Context(), portalAccess(c)
	pb, err := h.payability(c)
	if err != nil {
		return err
	}
	if pb.Provider == "" {
		return c.Redirect(http.StatusSeeOther, views.PaymentDetailsURL())
	}
	customer, err := h.store.GetCustomer(ctx, a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	req := models.CheckoutRequest{
		Mode: models.CheckoutSetup, MerchantID: a.Merchant.ID, CustomerID: a.Customer.ID, CustomerEmail: customer.Email,
		Locale:     web.PageOf(ctx).Lang(),
		SuccessURL: h.absolute(views.PaymentMethodSavedReturnURL()), CancelURL: h.absolute(views.PaymentDetailsURL()),
	}
	details, err := h.store.GetPaymentDetails(ctx, a.Scope())
	switch {
	case err == nil && details.Provider == pb.Provider:
		req.ProviderCustomerID = details.ProviderCustomerID
	case err != nil && !errors.Is(err, models.ErrNotFound):
		return err
	}
	return h.checkout(c, pb.Provider, req)
}

// checkout opens a hosted page with the merchant's provider account and sends the browser
// there. A repeated request (a double click, a retry) carries the same idempotency key, so
// the provider answers with the same page. When the provider cannot be reached the
// customer gets the error page and the log says why, never with the key.
func (h *Handler) checkout(c echo.Context, providerName string, req models.CheckoutRequest) error {
	ctx := c.Request().Context()
	account, err := h.store.OpenPaymentProvider(ctx, req.MerchantID)
	if err != nil {
		return err
	}
	req.IdempotencyKey = checkoutIdempotencyKey(req)
	url, err := h.providers[providerName].Checkout(ctx, account, req)
	if err != nil {
		h.log.Error("payment provider: cannot open the hosted page", "provider", providerName, "merchant_id", req.MerchantID,
			"mode", req.Mode, "invoice_id", req.InvoiceID, "err", err)
		return echo.NewHTTPError(http.StatusBadGateway, "the payment provider did not answer")
	}
	return c.Redirect(http.StatusSeeOther, url)
}

// checkoutIdempotencyKey is the same for the same page asked twice: the same invoice, amount
// and currency (or the same customer's setup), in the same language, back to the same place.
func checkoutIdempotencyKey(req models.CheckoutRequest) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s\x00%d\x00%s\x00%s\x00%s\x00%s\x00%s",
		req.Mode, req.MerchantID, req.CustomerID, req.InvoiceID, req.Amount, req.Currency, req.Locale, req.CustomerEmail,
		req.ProviderCustomerID, req.SuccessURL))
	return "portico-" + string(req.Mode) + "-" + req.InvoiceID + "-" + hex.EncodeToString(sum[:12])
}

// absolute is a portal path as an address on Portico's base URL.
func (h *Handler) absolute(path string) string { return h.baseURL.String() + path }

// TransferQR draws the EPC069-12 QR code of an invoice's bank transfer as a PNG: the amount
// due, the merchant's account and the reference. 404 where the invoice page shows no
// transfer details (not EUR, no merchant account, nothing due, collected by the merchant).
func (h *Handler) TransferQR(c echo.Context) error {
	inv, err := h.customerInvoice(c)
	if err != nil {
		return err
	}
	pb, err := h.store.Payability(c.Request().Context(), portalAccess(c).Scope())
	if err != nil {
		return err
	}
	if !pb.For(inv, false).Transfer {
		return echo.ErrNotFound
	}
	img, err := views.TransferQR(web.PageOf(c.Request().Context()).T, inv, pb)
	if errors.Is(err, models.ErrNoTransferCode) {
		return echo.ErrNotFound
	} else if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "image/png", img)
}
