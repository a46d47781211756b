package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
)

type contactRequest struct {
	Name  *string `json:"name"`
	Email *string `json:"email"`
	Phone *string `json:"phone"`
	Role  *string `json:"role"`
}

func (r contactRequest) input() models.ContactInput {
	return models.ContactInput{Name: r.Name, Email: r.Email, Phone: r.Phone, Role: r.Role}
}

func (h *Handler) ListContacts(c echo.Context) error {
	page, err := listQuery(c, "sort", "order")
	if err != nil {
		return err
	}
	q := models.ContactQuery{Sort: c.QueryParam("sort"), Page: page}
	if q.Sort != "" && !slices.Contains(models.ContactSorts, q.Sort) {
		return &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_invalid", Param: "sort", Message: "sort must be one of " + strings.Join(models.ContactSorts, ", ") + "."}
	}
	switch order := c.QueryParam("order"); strings.ToUpper(order) {
	case "", "ASC":
	case "DESC":
		q.Descending = true
	default:
		return &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_invalid", Param: "order", Message: "order must be ASC or DESC."}
	}
	rows, info, err := h.store.ListContacts(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), q)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, (*models.Contact).Resource)
}

func (h *Handler) CreateContact(c echo.Context) error {
	req, err := bind[contactRequest](c)
	if err != nil {
		return err
	}
	contact, err := h.store.CreateContact(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, contact.Resource())
}

func (h *Handler) GetContact(c echo.Context) error {
	contact, err := h.store.GetContact(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), param(c, "contact_id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, contact.Resource())
}

func (h *Handler) UpdateContact(c echo.Context) error {
	req, err := bind[contactRequest](c)
	if err != nil {
		return err
	}
	contact, err := h.store.UpdateContact(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), param(c, "contact_id"), req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, contact.Resource())
}

func (h *Handler) DeleteContact(c echo.Context) error {
	if err := h.store.DeleteContact(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), apiActor(c), param(c, "contact_id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
