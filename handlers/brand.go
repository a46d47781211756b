package handlers

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/views"
)

// brandStylesheetPath is the URL of a merchant's colours. It names the colour itself, so the
// stylesheet needs no database lookup, can be cached for a year, and changes URL when the
// merchant changes colour.
func brandStylesheetPath(accent string) string {
	return "/brand/" + strings.ToLower(strings.TrimPrefix(accent, "#")) + ".css"
}

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
