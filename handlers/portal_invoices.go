package handlers

import (
	"bytes"
	"mime"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"
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

// listInvoices shows one page of one tab of the customer's invoices and credit notes.
func (h *PortalHandler) listInvoices(c echo.Context) error {
	tab := views.InvoiceFilter(c.QueryParam("status"))
	if !slices.Contains(views.InvoiceFilters, tab) {
		return echo.NewHTTPError(http.StatusBadRequest, "unknown invoice status")
	}
	page, err := portalListPage(c)
	if err != nil {
		return err
	}
	invoices, info, err := h.store.ListCustomerInvoices(c.Request().Context(), portalAccess(c).Scope(), invoiceFilter(tab), page)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionInvoices, "portal.nav.invoices")
	return render(c, http.StatusOK, views.InvoicesPage(p, views.InvoiceListView{Invoices: invoices, Filter: tab, Page: info, Now: h.now()}))
}

// customerInvoice loads an invoice or credit note the session's customer may see.
func (h *PortalHandler) customerInvoice(c echo.Context) (*models.Invoice, error) {
	inv, err := h.store.GetInvoice(c.Request().Context(), portalAccess(c).Scope(), c.Param("id"))
	if err != nil {
		return nil, err
	}
	if !inv.VisibleToCustomer() {
		return nil, models.ErrNotFound
	}
	return inv, nil
}

// showInvoice shows one invoice or credit note with its lines, payments and credit notes.
func (h *PortalHandler) showInvoice(c echo.Context) error {
	inv, err := h.customerInvoice(c)
	if err != nil {
		return err
	}
	ctx, scope := c.Request().Context(), portalAccess(c).Scope()
	all := models.Page{Number: 1, PerPage: models.MaxPerPage}
	v := views.InvoiceView{Invoice: inv, Now: h.now()}
	switch inv.Kind {
	case models.KindInvoice:
		if v.Payments, _, err = h.store.ListPayments(ctx, scope, models.PaymentFilter{InvoiceID: inv.ID}, all); err != nil {
			return err
		}
		notes := models.InvoiceFilter{Kind: models.KindCreditNote, CreditedInvoiceID: inv.ID}
		if v.CreditNotes, _, err = h.store.ListCustomerInvoices(ctx, scope, notes, all); err != nil {
			return err
		}
	case models.KindCreditNote:
		if v.Credited, err = h.creditedInvoice(c, inv); err != nil {
			return err
		}
	}
	p := portalPage(c, views.SectionInvoices, "")
	p.Title = inv.Number
	return render(c, http.StatusOK, views.InvoicePage(p, v))
}

// creditedInvoice is the invoice a credit note credits, or nil.
func (h *PortalHandler) creditedInvoice(c echo.Context, note *models.Invoice) (*models.Invoice, error) {
	if note.Kind != models.KindCreditNote || note.CreditedInvoiceID == nil {
		return nil, nil
	}
	return h.store.GetInvoice(c.Request().Context(), portalAccess(c).Scope(), *note.CreditedInvoiceID)
}

// downloadInvoicePDF sends an invoice or credit note as a PDF, in the page's language.
func (h *PortalHandler) downloadInvoicePDF(c echo.Context) error {
	inv, err := h.customerInvoice(c)
	if err != nil {
		return err
	}
	a := portalAccess(c)
	customer, err := h.store.GetCustomer(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	credited, err := h.creditedInvoice(c, inv)
	if err != nil {
		return err
	}
	doc := views.InvoiceDocument{MerchantName: a.Merchant.Name, Customer: customer, Invoice: inv, Credited: credited, Now: h.now()}
	var pdf bytes.Buffer
	if err := views.WriteInvoicePDF(&pdf, pageOf(c.Request().Context()).T, doc); err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": inv.Number + ".pdf"}))
	return c.Blob(http.StatusOK, "application/pdf", pdf.Bytes())
}
