package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

func (h *Handler) GetMerchant(c echo.Context) error {
	m, err := h.store.GetMerchant(c.Request().Context(), merchantID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentMerchant(m))
}

type merchantRequest struct {
	Name             *string   `json:"name"`
	LogoURL          *string   `json:"logo_url"`
	AccentColor      *string   `json:"accent_color"`
	DefaultLocale    *string   `json:"default_locale"`
	CancellationMode *string   `json:"cancellation_mode"`
	EditableFields   *[]string `json:"editable_fields"`
	SupportEmail     *string   `json:"support_email"`
	SupportURL       *string   `json:"support_url"`
}

// UpdateMerchant changes branding (name, https logo, accent colour) and portal policy.
func (h *Handler) UpdateMerchant(c echo.Context) error {
	req, err := bind[merchantRequest](c)
	if err != nil {
		return err
	}
	settings := models.MerchantSettings{
		Name: req.Name, LogoURL: req.LogoURL, AccentColor: req.AccentColor, DefaultLocale: req.DefaultLocale,
		CancellationMode: (*models.CancellationMode)(req.CancellationMode), EditableFields: req.EditableFields,
		SupportEmail: req.SupportEmail, SupportURL: req.SupportURL,
	}
	m, err := h.store.UpdateMerchantSettings(c.Request().Context(), merchantID(c), apiActor(c), settings)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentMerchant(m))
}

type merchantJSON struct {
	ID               string   `json:"id"`
	Object           string   `json:"object"`
	Name             string   `json:"name"`
	Slug             string   `json:"slug"`
	LogoURL          string   `json:"logo_url"`
	AccentColor      string   `json:"accent_color"`
	DefaultLocale    string   `json:"default_locale"`
	CancellationMode string   `json:"cancellation_mode"`
	EditableFields   []string `json:"editable_fields"`
	SupportEmail     string   `json:"support_email"`
	SupportURL       string   `json:"support_url"`
}

func presentMerchant(m *models.Merchant) merchantJSON {
	fields := m.EditableFields
	if fields == nil {
		fields = []string{}
	}
	return merchantJSON{m.ID, "merchant", m.Name, m.Slug, m.LogoURL, m.AccentColor, m.DefaultLocale, string(m.CancellationMode), fields, m.SupportEmail, m.SupportURL}
}
