// Package handlers is Portico's HTTP layer: routes.go maps every route to its handler. The
// merchant API lives in handlers/api, the customer portal in handlers/portal, and what both
// share (the error handler, rendering, security headers, the request log) in handlers/web.
package handlers

import (
	"cmp"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/api"
	"github.com/portico/portico/handlers/hooks"
	"github.com/portico/portico/handlers/portal"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/models"
	"github.com/portico/portico/static"
	"github.com/portico/portico/views"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
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

	// Metrics is where the HTTP metrics are registered; the caller serves it on a listener
	// of its own (MetricsHandler). Nil: a registry nobody reads.
	Metrics *prometheus.Registry
	// MaxInFlight caps the requests served at once (0: DefaultMaxInFlight); RequestTimeout
	// is each request's deadline (0: DefaultRequestTimeout).
	MaxInFlight    int
	RequestTimeout time.Duration
	// TracerProvider receives a span per request; nil turns tracing off.
	TracerProvider trace.TracerProvider
	// PaymentProviders are the payment providers merchants can connect (Stripe); their
	// customers pay through them in the portal, and their events arrive under /hooks.
	PaymentProviders []models.PaymentProvider
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
	if opts.Metrics == nil {
		opts.Metrics = prometheus.NewRegistry()
	}
	opts.MaxInFlight = cmp.Or(opts.MaxInFlight, DefaultMaxInFlight)
	opts.RequestTimeout = cmp.Or(opts.RequestTimeout, DefaultRequestTimeout)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = ipExtractor(opts.TrustedProxies)

	pages := web.NewPages(assets, catalog)
	e.HTTPErrorHandler = (&web.ErrorHandler{Log: opts.Logger, Pages: pages}).Handle

	apiHandler := api.New(store, catalog, opts.BaseURL)
	portalHandler, err := portal.New(store, pages, opts.SessionKeys, opts.BaseURL.Scheme == "https", opts.Logger)
	if err != nil {
		return nil, err
	}
	portalHandler.EnablePayments(opts.BaseURL, opts.PaymentProviders)
	registerRoutes(e, site{
		opts:    opts,
		api:     apiHandler,
		portal:  portalHandler,
		hooks:   hooks.New(store, opts.PaymentProviders, opts.Logger),
		health:  &HealthHandler{store: store, log: opts.Logger},
		assets:  &AssetHandler{assets: assets},
		metrics: newMetrics(opts.Metrics),
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
