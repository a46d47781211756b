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
	openAPI []byte
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
	api := &APIHandler{store: d.store, catalog: d.pages.catalog, baseURL: d.opts.BaseURL, openAPI: d.openAPI, now: d.opts.Now}
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

	// The merchant API: JSON, an API key per request, limited per key, and safe retries of
	// POSTs with an Idempotency-Key. Its contract is public.
	e.GET("/v1/openapi.json", api.serveOpenAPI)
	v1 := e.Group("/v1", api.authenticate, apiRateLimit(d.opts.APIRate, d.opts.APIBurst), requireJSON, api.idempotent)
	v1.GET("/merchant", api.getMerchant)
	v1.PATCH("/merchant", api.updateMerchant)
	v1.POST("/customers", api.createCustomer)
	v1.GET("/customers", api.listCustomers)
	v1.GET("/customers/:id", api.getCustomer)
	v1.PATCH("/customers/:id", api.updateCustomer)
	v1.DELETE("/customers/:id", api.deleteCustomer)
	v1.GET("/customers/:id/contacts", api.listContacts)
	v1.POST("/customers/:id/contacts", api.createContact)
	v1.GET("/customers/:id/contacts/:contact_id", api.getContact)
	v1.PATCH("/customers/:id/contacts/:contact_id", api.updateContact)
	v1.DELETE("/customers/:id/contacts/:contact_id", api.deleteContact)
	v1.GET("/customers/:id/entitlements", api.listEntitlements)
	v1.POST("/customers/:id/entitlements", api.createEntitlement)
	v1.PATCH("/customers/:id/entitlements/:entitlement_id", api.updateEntitlement)
	v1.DELETE("/customers/:id/entitlements/:entitlement_id", api.deleteEntitlement)
	v1.GET("/customers/:id/payment_details", api.getPaymentDetails)
	v1.PUT("/customers/:id/payment_details", api.setPaymentDetails)
	v1.POST("/customers/:id/portal", api.mintPortalLink)
	v1.GET("/customers/:id/portal_links", api.listPortalLinks)
	v1.DELETE("/portal_links/:id", api.revokePortalLink)
	v1.POST("/invoices", api.createInvoice)
	v1.GET("/invoices", api.listInvoices)
	v1.GET("/invoices/:id", api.getInvoice)
	v1.GET("/invoices/:id/pdf", api.invoicePDF)
	v1.POST("/invoices/:id/status", api.updateInvoiceStatus)
	v1.POST("/payments", api.createPayment)
	v1.GET("/payments", api.listPayments)
	v1.GET("/payments/:id", api.getPayment)
	v1.POST("/subscriptions", api.createSubscription)
	v1.GET("/subscriptions", api.listSubscriptions)
	v1.GET("/subscriptions/:id", api.getSubscription)
	v1.PATCH("/subscriptions/:id", api.updateSubscription)
	v1.POST("/subscriptions/:id/cancel", api.cancelSubscription)
	v1.POST("/subscriptions/:id/resume", api.resumeSubscription)
	v1.POST("/webhook_endpoints", api.createWebhookEndpoint)
	v1.GET("/webhook_endpoints", api.listWebhookEndpoints)
	v1.DELETE("/webhook_endpoints/:id", api.deleteWebhookEndpoint)
	v1.GET("/audit_events", api.listAuditEvents)

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
