package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// ShowPaymentDetails shows what is on file and the form for a new bank account. Back from
// the provider's page with a new method, the customer is told once that it is on its way,
// and the address loses its mark, so a reload does not say it again.
func (h *Handler) ShowPaymentDetails(c echo.Context) error {
	if c.QueryParam("setup") == "done" {
		return h.done(c, views.PaymentDetailsURL(), views.FlashPaymentMethodSaving)
	}
	return h.renderPaymentDetails(c, http.StatusOK, views.PaymentDetailsForm{})
}

func (h *Handler) renderPaymentDetails(c echo.Context, status int, form views.PaymentDetailsForm) error {
	onFile, err := h.paymentDetails(c)
	if err != nil {
		return err
	}
	pb, err := h.payability(c)
	if err != nil {
		return err
	}
	m := &portalAccess(c).Merchant
	v := views.PaymentDetailsView{
		OnFile: views.NewPaymentMethod(onFile), Creditor: views.Creditor{Name: m.Name, ID: m.SEPACreditorID}, Form: form,
		Setup: pb.Provider != "",
	}
	return web.Render(c, status, views.PaymentDetailsPage(portalPage(c, views.SectionAccount, "account.nav.payment-details"), v))
}

// UpdatePaymentDetails stores a new bank account for SEPA direct debit; the IBAN must pass
// the ISO 13616 check and is shown masked from then on.
func (h *Handler) UpdatePaymentDetails(c echo.Context) error {
	var form views.PaymentDetailsForm
	if err := bindForm(c, &form); err != nil {
		return err
	}
	_, err := h.store.SetPaymentDetails(c.Request().Context(), portalAccess(c).Scope(), portalActor(c), form.Input())
	if err == nil {
		return h.done(c, views.PaymentDetailsURL(), views.FlashPaymentDetailsSaved)
	}
	if form.Errors, err = views.ErrorsOf(err); err != nil {
		return err
	}
	return h.renderPaymentDetails(c, http.StatusUnprocessableEntity, form)
}
