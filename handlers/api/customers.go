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
	return c.JSON(http.StatusCreated, presentCustomer(cus))
}

func (h *Handler) GetCustomer(c echo.Context) error {
	cus, err := h.store.GetCustomer(c.Request().Context(), merchantID(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentCustomer(cus))
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
	return respondList(c, rows, info, presentCustomer)
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
	return c.JSON(http.StatusOK, presentCustomer(cus))
}

func (h *Handler) DeleteCustomer(c echo.Context) error {
	if err := h.store.DeleteCustomer(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type addressJSON struct {
	Line1      string `json:"line1"`
	Line2      string `json:"line2"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	State      string `json:"state"`
	Country    string `json:"country"`
}

type customerJSON struct {
	ID              string      `json:"id"`
	Object          string      `json:"object"`
	ExternalID      *string     `json:"external_id"`
	Name            string      `json:"name"`
	Email           string      `json:"email"`
	Phone           string      `json:"phone"`
	Address         addressJSON `json:"address"`
	TaxID           string      `json:"tax_id"`
	PreferredLocale string      `json:"preferred_locale"`
	CreatedAt       Timestamp   `json:"created_at"`
	UpdatedAt       Timestamp   `json:"updated_at"`
}

func presentCustomer(c *models.Customer) customerJSON {
	return customerJSON{
		ID: c.ID, Object: "customer", ExternalID: c.ExternalID, Name: c.Name, Email: c.Email, Phone: c.Phone,
		Address: presentAddress(c.Address),
		TaxID:   c.TaxID, PreferredLocale: c.PreferredLocale, CreatedAt: stamp(c.CreatedAt), UpdatedAt: stamp(c.UpdatedAt),
	}
}

func presentAddress(a models.Address) addressJSON {
	return addressJSON{a.Line1, a.Line2, a.PostalCode, a.City, a.State, a.Country}
}
