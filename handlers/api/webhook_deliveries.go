package api

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// ListWebhookDeliveries lists one page of an endpoint's deliveries, newest first, with
// their attempts and the endpoint's last answer; ?state= narrows it.
func (h *Handler) ListWebhookDeliveries(c echo.Context) error {
	page, err := listQuery(c, "state")
	if err != nil {
		return err
	}
	var filter models.DeliveryFilter
	if filter.State, err = enumQuery(c, "state", []models.JobStatus{models.JobPending, models.JobDelivered, models.JobFailed}); err != nil {
		return err
	}
	rows, info, err := h.store.ListWebhookDeliveries(c.Request().Context(), merchantID(c), param(c, "id"), filter, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, presentWebhookDelivery)
}

// RetryWebhookDelivery sends a delivery once more, now, whatever became of it.
func (h *Handler) RetryWebhookDelivery(c echo.Context) error {
	d, err := h.store.RetryWebhookDelivery(c.Request().Context(), merchantID(c), apiActor(c), param(c, "id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, presentWebhookDelivery(d))
}

type webhookDeliveryJSON struct {
	ID             string            `json:"id"`
	Object         string            `json:"object"`
	EndpointID     string            `json:"endpoint_id"`
	EventID        string            `json:"event_id"`
	EventType      string            `json:"event_type,omitempty"`
	State          string            `json:"state"`
	Attempts       int               `json:"attempts"`
	NextAttemptAt  *models.Timestamp `json:"next_attempt_at"`
	LastStatusCode *int              `json:"last_status_code"`
	LastError      *string           `json:"last_error"`
	FinishedAt     *models.Timestamp `json:"finished_at"`
	CreatedAt      models.Timestamp  `json:"created_at"`
}

func presentWebhookDelivery(d *models.WebhookDelivery) webhookDeliveryJSON {
	v := webhookDeliveryJSON{
		ID: d.ID, Object: "webhook_delivery", EndpointID: d.EndpointID, EventID: d.EventID, EventType: d.EventType,
		State: string(d.State), Attempts: d.Attempts, FinishedAt: models.StampOf(d.FinishedAt), CreatedAt: models.Stamp(d.CreatedAt),
	}
	if d.State == models.JobPending {
		v.NextAttemptAt = models.StampOf(&d.NextAttemptAt)
	}
	if d.LastStatusCode != 0 {
		v.LastStatusCode = &d.LastStatusCode
	}
	if d.LastError != "" {
		v.LastError = &d.LastError
	}
	return v
}
