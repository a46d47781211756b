package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ShowPaymentDetails shows what is on file and the form for a new bank account.
func (h *Handler) ShowPaymentDetails(c echo.Context) error {
	return h.renderPaymentDetails(c, http.StatusOK, views.PaymentDetailsForm{})
}

func (h *Handler) renderPaymentDetails(c echo.Context, status int, form views.PaymentDetailsForm) error {
	onFile, err := h.store.GetPaymentDetails(c.Request().Context(), portalAccess(c).Scope())
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	pb, err := h.payability(c)
	if err != nil {
		return err
	}
	v := views.PaymentDetailsView{OnFile: views.NewPaymentMethod(onFile), Form: form, Setup: pb.Provider != ""}
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
		return redirectDone(c, views.PaymentDetailsURL(), "payment_details_saved")
	}
	if form.Errors, err = views.ErrorsOf(err); err != nil {
		return err
	}
	return h.renderPaymentDetails(c, http.StatusUnprocessableEntity, form)
}
