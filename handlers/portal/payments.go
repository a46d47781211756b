package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ListPayments shows one page of the customer's payments and refunds.
func (h *Handler) ListPayments(c echo.Context) error {
	page, err := requestedPage(c)
	if err != nil {
		return err
	}
	ctx, scope := c.Request().Context(), portalAccess(c).Scope()
	payments, info, err := h.store.ListPayments(ctx, scope, models.PaymentFilter{}, page)
	if err != nil {
		return err
	}
	var invoiceIDs []string
	for _, pay := range payments {
		if pay.InvoiceID != nil {
			invoiceIDs = append(invoiceIDs, *pay.InvoiceID)
		}
	}
	numbers, err := h.store.InvoiceNumbers(ctx, scope, invoiceIDs)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionPayments, "portal.nav.payments")
	return web.Render(c, http.StatusOK, views.PaymentsPage(p, views.PaymentListView{
		Payments: views.NewPaymentRows(payments, numbers),
		Pager:    views.NewPager(info, len(payments), views.PaymentsURL),
	}))
}
