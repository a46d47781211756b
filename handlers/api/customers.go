package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type addressRequest struct {
	Line1      *string `json:"line1"`
	Line2      *string `json:"line2"`
	PostalCode *string `json:"postal_code"`
	City       *string `json:"city"`
	State      *string `json:"state"`
	Country    *string `json:"country"`
}

type customerRequest struct {
	ExternalID      *string         `json:"external_id"`
	Name            *string         `json:"name"`
	Email           *string         `json:"email"`
	Phone           *string         `json:"phone"`
	Address         *addressRequest `json:"address"`
	TaxID           *string         `json:"tax_id"`
	PreferredLocale *string         `json:"preferred_locale"`
}

func (r customerRequest) input() models.CustomerInput {
	return models.CustomerInput{
		ExternalID: r.ExternalID, Name: r.Name, Email: r.Email, Phone: r.Phone, Address: r.Address.input(),
		TaxID: r.TaxID, PreferredLocale: r.PreferredLocale,
	}
}

// input is the partial address update a request asks for; nil when it names no address.
func (a *addressRequest) input() *models.AddressInput {
	if a == nil {
		return nil
	}
	return &models.AddressInput{Line1: a.Line1, Line2: a.Line2, PostalCode: a.PostalCode, City: a.City, State: a.State, Country: a.Country}
}

func (h *Handler) CreateCustomer(c echo.Context) error {
	req, err := bind[customerRequest](c)
	if err != nil {
		return err
	}
	cus, err := h.store.CreateCustomer(c.Request().Context(), merchantID(c), apiActor(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, cus.Resource())
}

func (h *Handler) GetCustomer(c echo.Context) error {
	cus, err := h.store.GetCustomer(c.Request().Context(), merchantID(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cus.Resource())
}

func (h *Handler) ListCustomers(c echo.Context) error {
	page, err := listQuery(c, "email")
	if err != nil {
		return err
	}
	email := c.QueryParam("email")
	if email != "" && !models.ValidEmail(email) {
		return badParam("email", "email must be an email address like name@example.com.")
	}
	rows, info, err := h.store.ListCustomers(c.Request().Context(), merchantID(c), email, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, (*models.Customer).Resource)
}

func (h *Handler) UpdateCustomer(c echo.Context) error {
	req, err := bind[customerRequest](c)
	if err != nil {
		return err
	}
	cus, err := h.store.UpdateCustomer(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cus.Resource())
}

func (h *Handler) DeleteCustomer(c echo.Context) error {
	if err := h.store.DeleteCustomer(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
