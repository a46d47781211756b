package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/static"
)

// AssetHandler serves the embedded stylesheet and images under their fingerprinted names.
type AssetHandler struct {
	assets *static.Assets
}

// serve answers a fingerprinted file with a year of caching: its name changes with its
// content.
func (h *AssetHandler) serve(c echo.Context) error {
	asset, ok := h.assets.Fingerprinted(c.Param("file"))
	if !ok {
		return echo.ErrNotFound
	}
	cacheForAYear(c)
	return c.Blob(http.StatusOK, asset.ContentType, asset.Body)
}

// cacheForAYear lets browsers and proxies keep a response whose URL changes with its content.
func cacheForAYear(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
}
