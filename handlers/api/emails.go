package api

import (
	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// emailStatuses are the API's names of a message's job states, as a merchant thinks of
// mail: queued (waiting, or retrying), sent, failed (given up).
var emailStatuses = map[models.JobStatus]string{models.JobPending: "queued", models.JobDelivered: "sent", models.JobFailed: "failed"}

// ListEmails lists one page of the messages Portico sent (or is sending) a customer,
// newest first, with attempts and the last error; ?status= narrows it. A message's link is
// never shown.
func (h *Handler) ListEmails(c echo.Context) error {
	page, err := listQuery(c, "status")
	if err != nil {
		return err
	}
	status, err := enumQuery(c, "status", []string{"queued", "sent", "failed"})
	if err != nil {
		return err
	}
	var filter models.EmailFilter
	for state, name := range emailStatuses {
		if name == status {
			filter.State = state
		}
	}
	rows, info, err := h.store.ListEmails(c.Request().Context(), models.MerchantScope(merchantID(c)).Customer(param(c, "id")), filter, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, presentEmail)
}

type emailJSON struct {
	ID            string            `json:"id"`
	Object        string            `json:"object"`
	CustomerID    string            `json:"customer_id"`
	Kind          string            `json:"kind"`
	To            string            `json:"to"`
	Locale        string            `json:"locale"`
	LinkID        *string           `json:"link_id"`
	Status        string            `json:"status"`
	Attempts      int               `json:"attempts"`
	NextAttemptAt *models.Timestamp `json:"next_attempt_at"`
	LastError     *string           `json:"last_error"`
	SentAt        *models.Timestamp `json:"sent_at"`
	CreatedAt     models.Timestamp  `json:"created_at"`
}

func presentEmail(e *models.Email) emailJSON {
	v := emailJSON{
		ID: e.ID, Object: "email", CustomerID: e.CustomerID, Kind: string(e.Kind), To: e.Recipient, Locale: e.Locale,
		Status: emailStatuses[e.State], Attempts: e.Attempts, CreatedAt: models.Stamp(e.CreatedAt),
	}
	if e.LinkID != "" {
		v.LinkID = &e.LinkID
	}
	switch e.State {
	case models.JobPending:
		v.NextAttemptAt = models.StampOf(&e.NextAttemptAt)
	case models.JobDelivered:
		v.SentAt = models.StampOf(e.FinishedAt)
	}
	if e.LastError != "" {
		v.LastError = &e.LastError
	}
	return v
}

// sentEmailJSON is where a minted link was mailed, in the mint's answer.
type sentEmailJSON struct {
	ID     string `json:"id"`
	To     string `json:"to"`
	Status string `json:"status"`
}
