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
	q := models.ContactQuery{Sort: "name", Page: models.Page{Number: 1, PerPage: models.MaxPerPage}}
	contacts, _, err := h.store.ListContacts(c.Request().Context(), portalAccess(c).Scope(), q)
	if err != nil {
		return err
	}
	p := portalPage(c, views.SectionAccount, "account.nav.contacts")
	return web.Render(c, status, views.ContactsPage(p, views.NewContactsView(contacts, form)))
}

// CreateContact adds a contact.
func (h *Handler) CreateContact(c echo.Context) error {
	var form views.ContactForm
	if err := bindForm(c, &form); err != nil {
		return err
	}
	_, err := h.store.CreateContact(c.Request().Context(), portalAccess(c).Scope(), portalActor(c), form.Input())
	if err == nil {
		return h.done(c, views.ContactsURL(), views.FlashContactAdded)
	}
	if form.Errors, err = views.ErrorsOf(err); err != nil {
		return err
	}
	return h.renderContacts(c, http.StatusUnprocessableEntity, form)
}

// customerContact loads a contact of the session's customer.
func (h *Handler) customerContact(c echo.Context) (*models.Contact, error) {
	return h.store.GetContact(c.Request().Context(), portalAccess(c).Scope(), c.Param("id"))
}

// EditContact shows the form to change a contact.
func (h *Handler) EditContact(c echo.Context) error {
	contact, err := h.customerContact(c)
	if err != nil {
		return err
	}
	return h.renderContact(c, http.StatusOK, views.NewContactForm(contact))
}

func (h *Handler) renderContact(c echo.Context, status int, form views.ContactForm) error {
	return web.Render(c, status, views.ContactPage(portalPage(c, views.SectionAccount, "contacts.edit_title"), form))
}

// UpdateContact saves a changed contact.
func (h *Handler) UpdateContact(c echo.Context) error {
	form := views.ContactForm{ID: c.Param("id")}
	if err := bindForm(c, &form); err != nil {
		return err
	}
	_, err := h.store.UpdateContact(c.Request().Context(), portalAccess(c).Scope(), portalActor(c), form.ID, form.Input())
	if err == nil {
		return h.done(c, views.ContactsURL(), views.FlashContactSaved)
	}
	if form.Errors, err = views.ErrorsOf(err); err != nil {
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
	return web.Render(c, http.StatusOK, views.DeleteContactPage(p, views.NewContactRow(contact)))
}

// DeleteContact deletes a contact. Deleting one already gone (a second submit) lands on
// the same list.
func (h *Handler) DeleteContact(c echo.Context) error {
	err := h.store.DeleteContact(c.Request().Context(), portalAccess(c).Scope(), portalActor(c), c.Param("id"))
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	return h.done(c, views.ContactsURL(), views.FlashContactDeleted)
}
