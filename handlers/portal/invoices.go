package portal

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// invoiceFilter is what a tab of the invoice list asks the store for.
func invoiceFilter(tab views.InvoiceFilter) models.InvoiceFilter {
	var f models.InvoiceFilter
	switch tab {
	case "":
	case "credit_notes":
		f.Kind = models.KindCreditNote
	default:
		f.Status = models.InvoiceStatus(tab)
	}
	return f
}

// ListInvoices shows one page of one tab of the customer's invoices and credit notes.
func (h *Handler) ListInvoices(c echo.Context) error {
	tab := views.InvoiceFilter(c.QueryParam("status"))
	if !slices.Contains(views.InvoiceFilters, tab) {
		return echo.NewHTTPError(http.StatusBadRequest, "unknown invoice status")
	}
	page, err := requestedPage(c)
	if err != nil {
		return err
	}
	ctx, sc := c.Request().Context(), portalAccess(c).Scope()
	invoices, info, err := h.store.ListCustomerInvoices(ctx, sc, invoiceFilter(tab), page)
	if err != nil {
		return err
	}
	years, err := h.store.InvoiceYears(ctx, sc)
	if err != nil {
		return err
	}
	rows, err := h.withPayActions(c, invoices, views.NewInvoiceRows(invoices, h.store.Now()))
	if err != nil {
		return err
	}
	defer views.RecycleInvoiceRows(rows) // Render has written the page when it returns
	p := portalPage(c, views.SectionInvoices, "portal.nav.invoices")
	return web.Render(c, http.StatusOK, views.InvoicesPage(p, views.InvoiceListView{
		Invoices: rows,
		Filter:   tab,
		Pager:    views.NewPager(info, len(invoices), func(n int) string { return views.InvoicesURL(tab, n) }),
		Archive:  views.ArchiveChoice{Years: years},
	}))
}

// customerInvoice loads an invoice or credit note the session's customer may see.
func (h *Handler) customerInvoice(c echo.Context) (*models.Invoice, error) {
	return h.store.GetCustomerInvoice(c.Request().Context(), portalAccess(c).Scope(), c.Param("id"))
}

// ShowInvoice shows one invoice or credit note with its lines, payments and credit notes.
func (h *Handler) ShowInvoice(c echo.Context) error {
	inv, err := h.customerInvoice(c)
	if err != nil {
		return err
	}
	a := portalAccess(c)
	ctx, scope, now := c.Request().Context(), a.Scope(), h.store.Now()
	customer, err := h.store.GetCustomer(ctx, a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	all := models.Page{Number: 1, PerPage: models.MaxPerPage}
	v := views.NewInvoiceView(inv, &a.Merchant, customer, now)
	switch inv.Kind {
	case models.KindInvoice:
		payments, err := h.store.InvoicePayments(ctx, scope, inv)
		if err != nil {
			return err
		}
		notes, _, err := h.store.ListCustomerInvoices(ctx, scope, models.InvoiceFilter{Kind: models.KindCreditNote, CreditedInvoiceID: inv.ID}, all)
		if err != nil {
			return err
		}
		v.Payments, v.CreditNotes = views.NewPaymentRows(payments, nil), views.NewInvoiceRows(notes, now)
		pb, err := h.payability(c)
		if err != nil {
			return err
		}
		v.Pay = views.NewPayView(inv, pb, models.PendingProviderPayment(payments), c.QueryParam("checkout") == "done")
	case models.KindCreditNote:
		credited, err := web.CreditedInvoice(ctx, h.store, scope, inv)
		if err != nil {
			return err
		}
		if credited != nil {
			row := views.NewInvoiceRow(credited, now)
			v.Credited = &row
		}
	}
	p := portalPage(c, views.SectionInvoices, "")
	p.Title = inv.Number
	return web.Render(c, http.StatusOK, views.InvoicePage(p, v))
}

// DownloadInvoicePDF sends an invoice or credit note as a PDF, in the page's language.
func (h *Handler) DownloadInvoicePDF(c echo.Context) error {
	inv, err := h.customerInvoice(c)
	if err != nil {
		return err
	}
	page := web.PageOf(c.Request().Context())
	inPageLanguage := func(*models.Merchant, *models.Customer) *views.Translator { return page.T }
	return web.SendInvoicePDF(c, h.store, portalAccess(c).Merchant.ID, inv, inPageLanguage, h.store.Now())
}
