package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// ShowProfile shows the customer's profile form.
func (h *Handler) ShowProfile(c echo.Context) error {
	a := portalAccess(c)
	customer, err := h.store.GetCustomer(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusOK, views.NewProfileForm(customer))
}

func (h *Handler) renderProfile(c echo.Context, status int, form views.ProfileForm) error {
	v := views.ProfileView{Form: form, MayEdit: portalAccess(c).Merchant.MayEdit}
	return web.Render(c, status, views.ProfilePage(portalPage(c, views.SectionAccount, "account.nav.profile"), v))
}

// UpdateProfile saves the changes the merchant's policy lets the customer make; the others
// are ignored. Invalid input is shown again beside its error, and nothing is saved.
func (h *Handler) UpdateProfile(c echo.Context) error {
	a := portalAccess(c)
	ctx := c.Request().Context()
	var form views.ProfileForm
	if err := bindForm(c, &form); err != nil {
		return err
	}
	_, err := h.store.UpdateCustomer(ctx, a.Merchant.ID, portalActor(c), a.Customer.ID, a.Merchant.EditableProfile(form.Input()))
	if err == nil {
		return redirectDone(c, views.ProfileURL(), "profile_saved")
	}
	errs, err := views.ErrorsOf(err)
	if err != nil {
		return err
	}
	saved, err := h.store.GetCustomer(ctx, a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusUnprocessableEntity, form.Refused(views.NewProfileForm(saved), a.Merchant.MayEdit, errs))
}
