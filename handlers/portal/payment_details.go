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
	return h.renderPaymentDetails(c, http.StatusOK, views.PaymentDetailsView{})
}

func (h *Handler) renderPaymentDetails(c echo.Context, status int, v views.PaymentDetailsView) error {
	a := portalAccess(c)
	onFile, err := h.store.GetPaymentDetails(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
	switch {
	case err == nil:
		v.OnFile = onFile
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	return web.Render(c, status, views.PaymentDetailsPage(portalPage(c, views.SectionAccount, "account.nav.payment-details"), v))
}

// UpdatePaymentDetails stores a new bank account for SEPA direct debit; the IBAN must pass
// the ISO 13616 check and is shown masked from then on.
func (h *Handler) UpdatePaymentDetails(c echo.Context) error {
	a := portalAccess(c)
	v := views.PaymentDetailsView{AccountHolder: formValue(c, "account_holder"), IBAN: formValue(c, "iban")}
	in := models.PaymentDetailsInput{Method: models.MethodSEPADebit, AccountHolder: v.AccountHolder, IBAN: v.IBAN}
	_, err := h.store.SetPaymentDetails(c.Request().Context(), a.Merchant.ID, portalActor(c), a.Customer.ID, in)
	if err == nil {
		return redirectDone(c, "/portal/payment-details", "payment_details_saved")
	}
	if v.Errors, err = formErrors(err); err != nil {
		return err
	}
	return h.renderPaymentDetails(c, http.StatusUnprocessableEntity, v)
}
