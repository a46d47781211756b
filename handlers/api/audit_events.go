package api

import (
	"encoding/json"
	"regexp"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// auditAction is the form of every audit action: resource.verb.
var auditAction = regexp.MustCompile(`^[a-z_]{1,50}\.[a-z_]{1,50}$`)

func (h *Handler) ListAuditEvents(c echo.Context) error {
	page, err := listQuery(c, "customer_id", "action")
	if err != nil {
		return err
	}
	f := models.AuditFilter{CustomerID: c.QueryParam("customer_id"), Action: c.QueryParam("action")}
	if f.CustomerID != "" && !models.ValidCustomerID(f.CustomerID) {
		// Audit events outlive their customers, so an ID is checked for form only.
		return badParam("customer_id", "customer_id must be a customer ID like cus_01j….")
	}
	if f.Action != "" && !auditAction.MatchString(f.Action) {
		return badParam("action", "action must be an action like invoice.created.")
	}
	rows, info, err := h.store.ListAuditEvents(c.Request().Context(), merchantID(c), f, page)
	if err != nil {
		return err
	}
	return respondList(c, rows, info, presentAuditEvent)
}

type auditEventJSON struct {
	ID         string           `json:"id"`
	Object     string           `json:"object"`
	CustomerID string           `json:"customer_id"`
	ActorType  string           `json:"actor_type"`
	ActorID    string           `json:"actor_id"`
	Action     string           `json:"action"`
	Details    json.RawMessage  `json:"details"`
	IP         string           `json:"ip"`
	UserAgent  string           `json:"user_agent"`
	CreatedAt  models.Timestamp `json:"created_at"`
}

func presentAuditEvent(e *models.AuditEvent) auditEventJSON {
	details := json.RawMessage(e.Details)
	if !json.Valid(details) {
		details = json.RawMessage("{}")
	}
	return auditEventJSON{e.ID, "audit_event", e.CustomerID, string(e.ActorType), e.ActorID, e.Action, details, e.IP, e.UserAgent, models.Stamp(e.CreatedAt)}
}
