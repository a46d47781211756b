package portal

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ShowProfile shows the customer's profile form.
func (h *Handler) ShowProfile(c echo.Context) error {
	saved, err := h.savedProfile(c)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusOK, saved, views.NewProfileForm(saved))
}

// savedProfile loads the session's customer as saved.
func (h *Handler) savedProfile(c echo.Context) (*models.Customer, error) {
	a := portalAccess(c)
	return h.store.GetCustomer(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
}

func (h *Handler) renderProfile(c echo.Context, status int, saved *models.Customer, form views.ProfileForm) error {
	m := &portalAccess(c).Merchant
	v := views.ProfileView{
		Form: form, MayEdit: m.MayEdit,
		Requires: func(field string) bool { return m.ProfileRequires(field, saved) },
	}
	return web.Render(c, status, views.ProfilePage(portalPage(c, views.SectionAccount, "account.nav.profile"), v))
}

// UpdateProfile saves the changes the merchant's policy lets the customer make; the others
// are ignored. Invalid input is shown again beside its error, and nothing is saved.
func (h *Handler) UpdateProfile(c echo.Context) error {
	a := portalAccess(c)
	var form views.ProfileForm
	if err := bindForm(c, &form); err != nil {
		return err
	}
	saved, err := h.savedProfile(c)
	if err != nil {
		return err
	}
	in, err := a.Merchant.EditableProfile(form.Input(), saved)
	if err == nil {
		_, err = h.store.UpdateCustomer(c.Request().Context(), a.Merchant.ID, portalActor(c), a.Customer.ID, in)
	}
	if err == nil {
		return h.done(c, views.ProfileURL(), views.FlashProfileSaved)
	}
	errs, err := views.ErrorsOf(err)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusUnprocessableEntity, saved, form.Refused(views.NewProfileForm(saved), a.Merchant.MayEdit, errs))
}
