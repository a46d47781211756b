package handlers

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/views"
)

var brandFile = regexp.MustCompile(`^[0-9a-f]{6}\.css$`)

// serveBrand answers /brand/<rrggbb>.css: a merchant's colours, with text colours that keep
// their contrast. A stylesheet, not inline styles, so the CSP stays strict.
func serveBrand(c echo.Context) error {
	file := c.Param("file")
	if !brandFile.MatchString(file) {
		return echo.ErrNotFound
	}
	css, err := views.BrandCSS(strings.TrimSuffix(file, ".css"))
	if err != nil {
		return echo.ErrNotFound
	}
	cacheForAYear(c)
	return c.Blob(http.StatusOK, "text/css; charset=utf-8", css)
}
