package portal

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/views"
)

// ListContacts shows the customer's contacts and the form to add one.
func (h *Handler) ListContacts(c echo.Context) error {
	return h.renderContacts(c, http.StatusOK, views.ContactForm{})
}

func (h *Handler) renderContacts(c echo.Context, status int, form views.ContactForm) error {
	a := portalAccess(c)
	q := models.ContactQuery{Sort: "name", Page: models.Page{Number: 1, PerPage: models.MaxPerPage}}
	contacts, _, err := h.store.ListContacts(c.Request().Context(), a.Merchant.ID, a.Customer.ID, q)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionAccount, "account.nav.contacts")
	return web.Render(c, status, views.ContactsPage(p, views.ContactsView{Contacts: contacts, Form: form}))
}

// contactForm reads a submitted contact form.
func contactForm(c echo.Context) (views.ContactForm, models.ContactInput) {
	f := views.ContactForm{
		ID: c.Param("id"), Name: formValue(c, "name"), Email: formValue(c, "email"),
		Phone: formValue(c, "phone"), Role: formValue(c, "role"),
	}
	return f, models.ContactInput{Name: &f.Name, Email: &f.Email, Phone: &f.Phone, Role: &f.Role}
}

// CreateContact adds a contact.
func (h *Handler) CreateContact(c echo.Context) error {
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
func (h *Handler) customerContact(c echo.Context) (*models.Contact, error) {
	a := portalAccess(c)
	return h.store.GetContact(c.Request().Context(), a.Merchant.ID, a.Customer.ID, c.Param("id"))
}

// EditContact shows the form to change a contact.
func (h *Handler) EditContact(c echo.Context) error {
	contact, err := h.customerContact(c)
	if err != nil {
		return err
	}
	form := views.ContactForm{ID: contact.ID, Name: contact.Name, Email: contact.Email, Phone: contact.Phone, Role: contact.Role}
	return h.renderContact(c, http.StatusOK, form)
}

func (h *Handler) renderContact(c echo.Context, status int, form views.ContactForm) error {
	return web.Render(c, status, views.ContactPage(portalPage(c, views.SectionAccount, "contacts.edit_title"), form))
}

// UpdateContact saves a changed contact.
func (h *Handler) UpdateContact(c echo.Context) error {
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

// ConfirmDeleteContact asks before a contact goes.
func (h *Handler) ConfirmDeleteContact(c echo.Context) error {
	contact, err := h.customerContact(c)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionAccount, "")
	p.Title = p.T.Tf("contacts.delete_title", map[string]any{"Name": contact.Name})
	return web.Render(c, http.StatusOK, views.DeleteContactPage(p, contact))
}

// DeleteContact deletes a contact. Deleting one already gone (a second submit) lands on
// the same list.
func (h *Handler) DeleteContact(c echo.Context) error {
	a := portalAccess(c)
	err := h.store.DeleteContact(c.Request().Context(), a.Merchant.ID, portalActor(c), a.Customer.ID, c.Param("id"))
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return redirectDone(c, "/portal/contacts", "contact_deleted")
}
