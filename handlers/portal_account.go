package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// showProfile shows the customer's profile form.
func (h *PortalHandler) showProfile(c echo.Context) error {
	a := portalAccess(c)
	customer, err := h.store.GetCustomer(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
	if err != nil {
		return err
	}
	return h.renderProfile(c, http.StatusOK, views.ProfileView{Customer: customer, Editable: a.Merchant.EditableFields})
}

func (h *PortalHandler) renderProfile(c echo.Context, status int, v views.ProfileView) error {
	return render(c, status, views.ProfilePage(portalPage(c, views.SectionAccount, "account.nav.profile"), v))
}

// updateProfile saves the fields the merchant lets the customer edit; others are ignored.
// Invalid input is shown again beside its error, and nothing is saved.
func (h *PortalHandler) updateProfile(c echo.Context) error {
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

// listContacts shows the customer's contacts and the form to add one.
func (h *PortalHandler) listContacts(c echo.Context) error {
	return h.renderContacts(c, http.StatusOK, views.ContactForm{})
}

func (h *PortalHandler) renderContacts(c echo.Context, status int, form views.ContactForm) error {
	a := portalAccess(c)
	q := models.ContactQuery{Sort: "name", Page: models.Page{Number: 1, PerPage: models.MaxPerPage}}
	contacts, _, err := h.store.ListContacts(c.Request().Context(), a.Merchant.ID, a.Customer.ID, q)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionAccount, "account.nav.contacts")
	return render(c, status, views.ContactsPage(p, views.ContactsView{Contacts: contacts, Form: form}))
}

// contactForm reads a submitted contact form.
func contactForm(c echo.Context) (views.ContactForm, models.ContactInput) {
	f := views.ContactForm{
		ID: c.Param("id"), Name: formValue(c, "name"), Email: formValue(c, "email"),
		Phone: formValue(c, "phone"), Role: formValue(c, "role"),
	}
	return f, models.ContactInput{Name: &f.Name, Email: &f.Email, Phone: &f.Phone, Role: &f.Role}
}

// createContact adds a contact.
func (h *PortalHandler) createContact(c echo.Context) error {
	a := portalAccess(c)
	form, in := contactForm(c)
	_, err := h.store.CreateContact(c.Request().Context(), a.Merchant.ID, portalActor(c), a.Customer.ID, in)
	if err == nil {
		return redirectDone(c, "/portal/contacts", "contact_added")
	}
	if form.Errors, err = formErrors(err); err != nil {
		return err
	}
	return h.renderContacts(c, http.StatusUnprocessableEntity, form)
}

// customerContact loads a contact of the session's customer.
func (h *PortalHandler) customerContact(c echo.Context) (*models.Contact, error) {
	a := portalAccess(c)
	return h.store.GetContact(c.Request().Context(), a.Merchant.ID, a.Customer.ID, c.Param("id"))
}

// editContact shows the form to change a contact.
func (h *PortalHandler) editContact(c echo.Context) error {
	contact, err := h.customerContact(c)
	if err != nil {
		return err
	}
	form := views.ContactForm{ID: contact.ID, Name: contact.Name, Email: contact.Email, Phone: contact.Phone, Role: contact.Role}
	return h.renderContact(c, http.StatusOK, form)
}

func (h *PortalHandler) renderContact(c echo.Context, status int, form views.ContactForm) error {
	return render(c, status, views.ContactPage(portalPage(c, views.SectionAccount, "contacts.edit_title"), form))
}

// updateContact saves a changed contact.
func (h *PortalHandler) updateContact(c echo.Context) error {
	a := portalAccess(c)
	form, in := contactForm(c)
	_, err := h.store.UpdateContact(c.Request().Context(), a.Merchant.ID, portalActor(c), a.Customer.ID, form.ID, in)
	if err == nil {
		return redirectDone(c, "/portal/contacts", "contact_saved")
	}
	if form.Errors, err = formErrors(err); err != nil {
		return err
	}
	return h.renderContact(c, http.StatusUnprocessableEntity, form)
}

// confirmDeleteContact asks before a contact goes.
func (h *PortalHandler) confirmDeleteContact(c echo.Context) error {
	contact, err := h.customerContact(c)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionAccount, "")
	p.Title = p.T.Tf("contacts.delete_title", map[string]any{"Name": contact.Name})
	return render(c, http.StatusOK, views.DeleteContactPage(p, contact))
}

// deleteContact deletes a contact. Deleting one already gone (a second submit) lands on
// the same list.
func (h *PortalHandler) deleteContact(c echo.Context) error {
	a := portalAccess(c)
	err := h.store.DeleteContact(c.Request().Context(), a.Merchant.ID, portalActor(c), a.Customer.ID, c.Param("id"))
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return redirectDone(c, "/portal/contacts", "contact_deleted")
}

// showPaymentDetails shows what is on file and the form for a new bank account.
func (h *PortalHandler) showPaymentDetails(c echo.Context) error {
	return h.renderPaymentDetails(c, http.StatusOK, views.PaymentDetailsView{})
}

func (h *PortalHandler) renderPaymentDetails(c echo.Context, status int, v views.PaymentDetailsView) error {
	a := portalAccess(c)
	onFile, err := h.store.GetPaymentDetails(c.Request().Context(), a.Merchant.ID, a.Customer.ID)
	switch {
	case err == nil:
		v.OnFile = onFile
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	return render(c, status, views.PaymentDetailsPage(portalPage(c, views.SectionAccount, "account.nav.payment-details"), v))
}

// updatePaymentDetails stores a new bank account for SEPA direct debit; the IBAN must pass
// the ISO 13616 check and is shown masked from then on.
func (h *PortalHandler) updatePaymentDetails(c echo.Context) error {
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
