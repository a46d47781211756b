package handlers

import (
	"compress/gzip"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/portico/portico/models"
	"github.com/portico/portico/static"
	"golang.org/x/time/rate"
)

// bodyLimit caps every request body.
const bodyLimit = "1M"

// routeDeps is what the handlers are built from.
type routeDeps struct {
	opts    Options
	store   *models.Store
	pages   *pageBuilder
	assets  *static.Assets
	metrics *metrics
	cookies *sessionCookies
}

// registerRoutes is the map of Portico: every route and the middleware in front of it.
func registerRoutes(e *echo.Echo, d routeDeps) {
	health := &HealthHandler{store: d.store, log: d.opts.Logger}
	assets := &AssetHandler{assets: d.assets}
	portal := &PortalHandler{
		store: d.store, cookies: d.cookies, pages: d.pages, log: d.opts.Logger, now: d.opts.Now,
		crossOrigin: http.NewCrossOriginProtection(),
	}

	e.Use(
		middleware.Recover(),
		middleware.RequestID(),
		requestLogger(d.opts.Logger),
		d.metrics.middleware,
		securityHeaders(d.opts.BaseURL.Scheme == "https"),
		middleware.BodyLimit(bodyLimit),
		// Fastest compression: pages shrink about as much, for a fraction of the CPU.
		middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Level: gzip.BestSpeed}),
	)

	e.GET("/healthz", health.live)
	e.GET("/readyz", health.ready)
	e.GET("/metrics", d.metrics.handler())
	e.GET("/static/:file", assets.serve)
	e.GET("/brand/:file", serveBrand)

	// The portal's door: a minted link opens a session. Rate-limited per client IP, so
	// tokens cannot be guessed at speed (they have 256 bits; this keeps logs quiet too).
	e.GET("/p/:token", portal.openLink, refuseCrossSiteSubresources, linkRateLimit(d.opts.LinkRate))

	// The portal itself: every page needs a live session; every POST a CSRF token.
	p := e.Group("/portal", refuseCrossSiteSubresources, portal.requireSession, portal.verifyCSRF)
	p.GET("", portal.showOverview)
	p.GET("/invoices", portal.listInvoices)
	p.GET("/invoices/:id", portal.showInvoice)
	p.GET("/invoices/:id/pdf", portal.downloadInvoicePDF)
	p.GET("/payments", portal.listPayments)
	p.GET("/entitlements", portal.listEntitlements)
	p.GET("/subscriptions", portal.listSubscriptions)
	p.GET("/subscriptions/:id", portal.showSubscription)
	p.GET("/subscriptions/:id/cancel", portal.confirmCancel)
	p.POST("/subscriptions/:id/cancel", portal.cancelSubscription)
	p.POST("/subscriptions/:id/resume", portal.resumeSubscription)
	p.GET("/profile", portal.showProfile)
	p.POST("/profile", portal.updateProfile)
	p.GET("/contacts", portal.listContacts)
	p.POST("/contacts", portal.createContact)
	p.GET("/contacts/:id", portal.editContact)
	p.POST("/contacts/:id", portal.updateContact)
	p.GET("/contacts/:id/delete", portal.confirmDeleteContact)
	p.POST("/contacts/:id/delete", portal.deleteContact)
	p.GET("/payment-details", portal.showPaymentDetails)
	p.POST("/payment-details", portal.updatePaymentDetails)
	p.POST("/logout", portal.signOut)
}

// linkRateLimit allows perMinute link openings per client IP, in bursts of as many.
func linkRateLimit(perMinute int) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, 60/perMinute)))
			return echo.ErrTooManyRequests
		},
	})
}

// redactedPath is a request path fit for logs: portal link tokens are secrets.
func redactedPath(path string) string {
	if len(path) > len("/p/") && path[:3] == "/p/" {
		return "/p/[redacted]"
	}
	return path
}

// requestLogger logs one line per request, with the request ID and never a token.
func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogMethod:    true,
		LogURIPath:   true,
		LogLatency:   true,
		LogRemoteIP:  true,
		LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("method", v.Method),
				slog.String("path", redactedPath(v.URIPath)),
				slog.Int("status", v.Status),
				slog.Float64("ms", float64(v.Latency.Microseconds())/1000),
				slog.String("ip", v.RemoteIP),
				slog.String("request_id", v.RequestID),
			)
			return nil
		},
	})
}
