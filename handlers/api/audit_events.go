package api

import (
	"encoding/json"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

func (h *Handler) ListAuditEvents(c echo.Context) error {
	page, err := listPage(c)
	if err != nil {
		return err
	}
	f := models.AuditFilter{CustomerID: c.QueryParam("customer_id"), Action: c.QueryParam("action")}
	rows, info, err := h.store.ListAuditEvents(c.Request().Context(), merchantID(c), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, presentAuditEvent)
}

type auditEventJSON struct {
	ID         string          `json:"id"`
	Object     string          `json:"object"`
	CustomerID string          `json:"customer_id"`
	ActorType  string          `json:"actor_type"`
	ActorID    string          `json:"actor_id"`
	Action     string          `json:"action"`
	Details    json.RawMessage `json:"details"`
	IP         string          `json:"ip"`
	UserAgent  string          `json:"user_agent"`
	CreatedAt  time.Time       `json:"created_at"`
}

func presentAuditEvent(e *models.AuditEvent) auditEventJSON {
	details := json.RawMessage(e.Details)
	if !json.Valid(details) {
		details = json.RawMessage("{}")
	}
	return auditEventJSON{e.ID, "audit_event", e.CustomerID, string(e.ActorType), e.ActorID, e.Action, details, e.IP, e.UserAgent, e.CreatedAt}
}
