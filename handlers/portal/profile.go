package portal

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ShowProfile shows the customer's profile form.
func (h *Handler) ShowProfile(c echo.Context) error {
	a := portalAccess(c)
	customer, err := h.store.GetCustomer(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusOK, views.ProfileView{Customer: customer, Editable: a.Merchant.EditableFields})
}

func (h *Handler) renderProfile(c echo.Context, status int, v views.ProfileView) error {
	return web.Render(c, status, views.ProfilePage(portalPage(c, views.SectionAccount, "account.nav.profile"), v))
}

// UpdateProfile saves the fields the merchant lets the customer edit; others are ignored.
// Invalid input is shown again beside its error, and nothing is saved.
func (h *Handler) UpdateProfile(c echo.Context) error {
	a := portalAccess(c)
	ctx := c.Request().Context()
	shown, err := h.store.GetCustomer(ctx, a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	in := profileInput(c, shown, a.Merchant.EditableFields)
	_, err = h.store.UpdateCustomer(ctx, a.Merchant.ID, portalActor(c), a.Customer.ID, in)
	if err == nil {
		return redirectDone(c, "/portal/profile", "profile_saved")
	}
	errs, err := formErrors(err)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusUnprocessableEntity, views.ProfileView{Customer: shown, Editable: a.Merchant.EditableFields, Errors: errs})
}

// profileInput reads the editable fields of the profile form into a partial update, and
// into shown, so a rejected form shows what the customer typed.
func profileInput(c echo.Context, shown *models.Customer, editable []string) models.CustomerInput {
	var in models.CustomerInput
	for _, field := range editable {
		switch field {
		case "name":
			in.Name = formPointer(c, "name")
			shown.Name = *in.Name
		case "email":
			in.Email = formPointer(c, "email")
			shown.Email = *in.Email
		case "phone":
			in.Phone = formPointer(c, "phone")
			shown.Phone = *in.Phone
		case "tax_id":
			in.TaxID = formPointer(c, "tax_id")
			shown.TaxID = *in.TaxID
		case "locale":
			in.PreferredLocale = formPointer(c, "preferred_locale")
			shown.PreferredLocale = *in.PreferredLocale
		case "address":
			addr := models.Address{
				Line1: formValue(c, "address.line1"), Line2: formValue(c, "address.line2"),
				PostalCode: formValue(c, "address.postal_code"), City: formValue(c, "address.city"),
				State: formValue(c, "address.state"), Country: strings.ToUpper(formValue(c, "address.country")),
			}
			in.Address = &models.AddressInput{
				Line1: &addr.Line1, Line2: &addr.Line2, PostalCode: &addr.PostalCode,
				City: &addr.City, State: &addr.State, Country: &addr.Country,
			}
			shown.Address = addr
		}
	}
	return in
}
