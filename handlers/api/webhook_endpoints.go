package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type createWebhookEndpointRequest struct {
	URL string `json:"url"`
}

type updateWebhookEndpointRequest struct {
	URL     *string `json:"url"`
	Enabled *bool   `json:"enabled"`
}

// CreateWebhookEndpoint answers with the signing secret, shown this once.
func (h *Handler) CreateWebhookEndpoint(c echo.Context) error {
	req, err := bind[createWebhookEndpointRequest](c)
	if err != nil {
		return err
	}
	w, err := h.store.CreateWebhookEndpoint(c.Request().Context(), merchantID(c), apiActor(c), req.URL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, presentWebhookEndpointWithSecret(w))
}

// ListWebhookEndpoints lists every endpoint (a merchant has at most 16).
func (h *Handler) ListWebhookEndpoints(c echo.Context) error {
	if _, err := listQuery(c); err != nil {
		return err
	}
	rows, err := h.store.ListWebhookEndpoints(c.Request().Context(), merchantID(c))
	if err != nil {
		return err
	}
	return respondAll(c, rows, (*models.WebhookEndpoint).Resource)
}

// GetWebhookEndpoint shows one endpoint, and whether Portico disabled it.
func (h *Handler) GetWebhookEndpoint(c echo.Context) error {
	w, err := h.store.GetWebhookEndpoint(c.Request().Context(), merchantID(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w.Resource())
}

// UpdateWebhookEndpoint changes the URL, or disables and re-enables the endpoint.
func (h *Handler) UpdateWebhookEndpoint(c echo.Context) error {
	req, err := bind[updateWebhookEndpointRequest](c)
	if err != nil {
		return err
	}
	w, err := h.store.UpdateWebhookEndpoint(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id"),
		models.WebhookEndpointInput{URL: req.URL, Enabled: req.Enabled})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, w.Resource())
}

// RotateWebhookSecret answers with the new secret, shown this once; the old one keeps
// signing for 24 hours.
func (h *Handler) RotateWebhookSecret(c echo.Context) error {
	w, err := h.store.RotateWebhookSecret(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, presentWebhookEndpointWithSecret(w))
}

// DeleteWebhookEndpoint removes an endpoint and its delivery history.
func (h *Handler) DeleteWebhookEndpoint(c echo.Context) error {
	if err := h.store.DeleteWebhookEndpoint(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// presentWebhookEndpointWithSecret shows an endpoint with the secret it was just given: the
// one time the secret is shown.
func presentWebhookEndpointWithSecret(w *models.WebhookEndpoint) models.WebhookEndpointResource {
	v := w.Resource()
	v.Secret = w.Secret
	return v
}
