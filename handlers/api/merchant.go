package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// GetMerchant shows the key's merchant: branding, seller details and portal policy.
func (h *Handler) GetMerchant(c echo.Context) error {
	m, err := h.store.GetMerchant(c.Request().Context(), merchantID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.Resource())
}

type merchantRequest struct {
	Name             *string         `json:"name"`
	LogoURL          *string         `json:"logo_url"`
	AccentColor      *string         `json:"accent_color"`
	DefaultLocale    *string         `json:"default_locale"`
	CancellationMode *string         `json:"cancellation_mode"`
	EditableFields   *[]string       `json:"editable_fields"`
	SupportEmail     *string         `json:"support_email"`
	SupportURL       *string         `json:"support_url"`
	Address          *addressRequest `json:"address"`
	VATID            *string         `json:"vat_id"`
	FaviconURL       *string         `json:"favicon_url"`
	PoweredBy        *bool           `json:"powered_by"`
}

// UpdateMerchant changes branding (name, logo, favicon, accent colour, "powered by"), the
// seller's address and VAT ID, and portal policy.
func (h *Handler) UpdateMerchant(c echo.Context) error {
	req, err := bind[merchantRequest](c)
	if err != nil {
		return err
	}
	settings := models.MerchantSettings{
		Name: req.Name, LogoURL: req.LogoURL, AccentColor: req.AccentColor, DefaultLocale: req.DefaultLocale,
		CancellationMode: (*models.CancellationMode)(req.CancellationMode), EditableFields: req.EditableFields,
		SupportEmail: req.SupportEmail, SupportURL: req.SupportURL, Address: req.Address.input(),
		VATID: req.VATID, FaviconURL: req.FaviconURL, PoweredBy: req.PoweredBy,
	}
	m, err := h.store.UpdateMerchantSettings(c.Request().Context(), merchantID(c), apiActor(c), settings)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m.Resource())
}
