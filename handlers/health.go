package handlers

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
)

// HealthHandler answers load balancers and orchestrators.
type HealthHandler struct {
	store *models.Store
	log   *slog.Logger
}

// live says the process is up.
func (h *HealthHandler) live(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// ready says whether the process can serve: the database answers.
func (h *HealthHandler) ready(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := h.store.Ping(ctx); err != nil {
		h.log.Error("readiness check failed", "err", err)
		return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": "database"})
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}
