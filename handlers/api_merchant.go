package handlers

import (
	_ "embed"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"sigs.k8s.io/yaml"
)

// The merchant's own settings, its webhook endpoints and its audit log, and the API's
// description.

func (h *APIHandler) getMerchant(c echo.Context) error {
	m, err := h.store.GetMerchant(c.Request().Context(), merchantID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, showMerchant(m))
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

// updateMerchant changes branding (name, https logo, accent colour) and portal policy.
func (h *APIHandler) updateMerchant(c echo.Context) error {
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
	return c.JSON(http.StatusOK, showMerchant(m))
}

type webhookEndpointRequest struct {
	URL string `json:"url"`
}

// createWebhookEndpoint answers with the signing secret, shown this once.
func (h *APIHandler) createWebhookEndpoint(c echo.Context) error {
	req, err := bind[webhookEndpointRequest](c)
	if err != nil {
		return err
	}
	w, err := h.store.CreateWebhookEndpoint(c.Request().Context(), merchantID(c), apiActor(c), req.URL)
	if err != nil {
		return err
	}
	v := showWebhookEndpoint(w)
	v.Secret = w.Secret
	return c.JSON(http.StatusCreated, v)
}

func (h *APIHandler) listWebhookEndpoints(c echo.Context) error {
	rows, err := h.store.ListWebhookEndpoints(c.Request().Context(), merchantID(c))
	if err != nil {
		return err
	}
	return respondAll(c, rows, showWebhookEndpoint)
}

func (h *APIHandler) deleteWebhookEndpoint(c echo.Context) error {
	if err := h.store.DeleteWebhookEndpoint(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *APIHandler) listAuditEvents(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	f := models.AuditFilter{CustomerID: c.QueryParam("customer_id"), Action: c.QueryParam("action")}
	rows, info, err := h.store.ListAuditEvents(c.Request().Context(), merchantID(c), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, showAuditEvent)
}

// openAPIDocument is the API's contract; the tests check every response against it.
//
//go:embed openapi.yaml
var openAPIDocument []byte

// openAPIAsJSON converts the contract to JSON, once, when the server is built.
func openAPIAsJSON() ([]byte, error) {
	doc, err := yaml.YAMLToJSON(openAPIDocument)
	if err != nil {
		return nil, fmt.Errorf("handlers/openapi.yaml: %w", err)
	}
	return doc, nil
}

// serveOpenAPI serves the contract, without authentication.
func (h *APIHandler) serveOpenAPI(c echo.Context) error {
	return c.JSONBlob(http.StatusOK, h.openAPI)
}
