package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// readyDeadline bounds the readiness probe: an instance whose writer is stuck for longer
// than this is not ready, whatever the probe would find later.
const readyDeadline = 2 * time.Second

// HealthHandler answers load balancers and orchestrators.
type HealthHandler struct {
	store *models.Store
	log   *slog.Logger
}

// live says the process is up.
func (h *HealthHandler) live(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// ready says whether the instance can serve now: the database answers a read and takes a
// write transaction (rolled back) within readyDeadline.
func (h *HealthHandler) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), readyDeadline)
	defer cancel()
	if err := h.store.Ready(ctx); err != nil {
		h.log.Error("readiness check failed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
