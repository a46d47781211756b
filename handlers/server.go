// Package handlers is Portico's HTTP layer: the routes, the merchant API, the portal pages,
// their middleware, and the one error handler that turns errors into JSON or pages.
package handlers

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/static"
	"github.com/portico/portico/views"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configures the HTTP application.
type Options struct {
	BaseURL        *url.URL
	SessionKeys    [][]byte // the first signs new cookies; all are accepted
	TrustedProxies []netip.Prefix
	APIRate        float64 // requests per second per API key
	APIBurst       int
	LinkRate       int // link openings per minute per client IP
	Logger         *slog.Logger
	// Now is the portal's clock for session timeouts; tests move it. Default time.Now.
	Now func() time.Time
}

// New builds the application: an Echo instance with every route and middleware.
func New(store *models.Store, opts Options) (*echo.Echo, error) {
	assets, err := static.Load()
	if err != nil {
		return nil, fmt.Errorf("load static assets: %w", err)
	}
	catalog, err := views.LoadCatalog()
	if err != nil {
		return nil, err
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(opts.TrustedProxies)

	pages := &pageBuilder{assets: assets, catalog: catalog}
	e.HTTPErrorHandler = (&errorHandler{log: opts.Logger, pages: pages}).handle

	cookies, err := newSessionCookies(opts.SessionKeys, opts.BaseURL.Scheme == "https")
	if err != nil {
		return nil, fmt.Errorf("session keys: %w", err)
	}
	openAPI, err := openAPIAsJSON()
	if err != nil {
		return nil, err
	}
	metrics := newMetrics(prometheus.NewRegistry())
	registerRoutes(e, routeDeps{
		opts:    opts,
		openAPI: openAPI,
		store:   store,
		pages:   pages,
		assets:  assets,
		metrics: metrics,
		cookies: cookies,
	})
	return e, nil
}

// ipExtractor decides where a request's client IP comes from: the connection, unless the
// connection is from a configured proxy, whose X-Forwarded-For is then believed. Rate limits
// key on it, so it must not be spoofable with a header.
func ipExtractor(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		_, ipNet, err := net.ParseCIDR(p.Masked().String())
		if err == nil {
			opts = append(opts, echo.TrustIPRange(ipNet))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
