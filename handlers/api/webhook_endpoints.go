package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

type webhookEndpointRequest struct {
	URL string `json:"url"`
}

// CreateWebhookEndpoint answers with the signing secret, shown this once.
func (h *Handler) CreateWebhookEndpoint(c echo.Context) error {
	req, err := bind[webhookEndpointRequest](c)
	if err != nil {
		return err
	}
	w, err := h.store.CreateWebhookEndpoint(c.Request().Context(), merchantID(c), apiActor(c), req.URL)
	if err != nil {
		return err
	}
	v := presentWebhookEndpoint(w)
	v.Secret = w.Secret
	return c.JSON(http.StatusCreated, v)
}

func (h *Handler) ListWebhookEndpoints(c echo.Context) error {
	if _, err := listQuery(c); err != nil {
		return err
	}
	rows, err := h.store.ListWebhookEndpoints(c.Request().Context(), merchantID(c))
	if err != nil {
		return err
	}
	return respondAll(c, rows, presentWebhookEndpoint)
}

func (h *Handler) DeleteWebhookEndpoint(c echo.Context) error {
	if err := h.store.DeleteWebhookEndpoint(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type webhookEndpointJSON struct {
	ID        string    `json:"id"`
	Object    string    `json:"object"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret,omitempty"` // only when created
	Enabled   bool      `json:"enabled"`
	CreatedAt Timestamp `json:"created_at"`
}

func presentWebhookEndpoint(w *models.WebhookEndpoint) webhookEndpointJSON {
	return webhookEndpointJSON{ID: w.ID, Object: "webhook_endpoint", URL: w.URL, Enabled: w.Enabled, CreatedAt: stamp(w.CreatedAt)}
}
