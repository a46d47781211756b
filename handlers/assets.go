package handlers

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/static"
)

// AssetHandler serves the embedded stylesheet and images under their fingerprinted names.
type AssetHandler struct {
	assets *static.Assets
}

// serve answers a fingerprinted file with a year of caching (its name changes with its
// content), gzipped once at startup for the clients that accept it.
func (h *AssetHandler) serve(c echo.Context) error {
	asset, ok := h.assets.Fingerprinted(c.Param("file"))
	if !ok {
		return echo.ErrNotFound
	}
	cacheForAYear(c)
	header, body := c.Response().Header(), asset.Body
	if asset.Gzipped != nil {
		web.VaryOnEncoding(header)
		if web.AcceptsGzip(c.Request()) {
			header.Set(echo.HeaderContentEncoding, "gzip")
			body = asset.Gzipped
		}
	}
	header.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, asset.ContentType, body)
}

// cacheForAYear lets browsers and proxies keep a response whose URL changes with its content.
func cacheForAYear(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "public, max-age=31536000, immutable")
}
