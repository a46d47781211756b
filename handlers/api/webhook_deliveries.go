package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
)

// ListWebhookDeliveries lists one page of an endpoint's deliveries, newest first, with
// their attempts and the endpoint's last answer; ?state= narrows it.
func (h *Handler) ListWebhookDeliveries(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	var filter models.DeliveryFilter
	switch state := models.JobStatus(c.QueryParam("state")); state {
	case "", models.JobPending, models.JobDelivered, models.JobFailed:
		filter.State = state
	default:
		return &web.APIError{Status: http.StatusBadRequest, Type: web.TypeInvalidRequest, Code: "parameter_invalid", Param: "state",
			Message: "state must be pending, delivered or failed."}
	}
	rows, info, err := h.store.ListWebhookDeliveries(c.Request().Context(), merchantID(c), c.Param("id"), filter, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, presentWebhookDelivery)
}

// RetryWebhookDelivery sends a delivery once more, now, whatever became of it.
func (h *Handler) RetryWebhookDelivery(c echo.Context) error {
	d, err := h.store.RetryWebhookDelivery(c.Request().Context(), merchantID(c), apiActor(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, presentWebhookDelivery(d))
}

type webhookDeliveryJSON struct {
	ID             string     `json:"id"`
	Object         string     `json:"object"`
	EndpointID     string     `json:"endpoint_id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type,omitempty"`
	State          string     `json:"state"`
	Attempts       int        `json:"attempts"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      *string    `json:"last_error"`
	FinishedAt     *time.Time `json:"finished_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

func presentWebhookDelivery(d *models.WebhookDelivery) webhookDeliveryJSON {
	v := webhookDeliveryJSON{
		ID: d.ID, Object: "webhook_delivery", EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType,
		State: string(d.State), Attempts: d.Attempts, FinishedAt: d.FinishedAt, CreatedAt: d.CreatedAt,
	}
	if d.State == models.JobPending {
		v.NextAttemptAt = &d.NextAttemptAt
	}
	if d.LastStatusCode != 0 {
		v.LastStatusCode = &d.LastStatusCode
	}
	if d.LastError != "" {
		v.LastError = &d.LastError
	}
	return v
}
