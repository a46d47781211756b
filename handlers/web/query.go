package web

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// PositiveParam reads a query parameter that must be a whole number from 1 to max, as page
// numbers and page sizes are. An absent parameter is 0; ok is false for anything else. The
// API and the portal read their lists' parameters with it, so a page number means the same
// in both.
func PositiveParam(c echo.Context, name string, max int) (n int, ok bool) {
	raw := c.QueryParam(name)
	if raw == "" {
		return 0, true
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		return 0, false
	}
	return n, true
}
