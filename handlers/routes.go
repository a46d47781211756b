package handlers

import (
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/portico/portico/handlers/api"
	"github.com/portico/portico/handlers/hooks"
	"github.com/portico/portico/handlers/portal"
	"github.com/portico/portico/handlers/web"
	"github.com/portico/portico/views"
)

// bodyLimit caps every request body: 1 MiB, 1,048,576 bytes, as the API documents.
const bodyLimit = "1MiB"

// site is what the routes are built from: a handler per surface, and the shared parts.
type site struct {
	opts    Options
	api     *api.Handler
	portal  *portal.Handler
	hooks   *hooks.Handler
	health  *HealthHandler
	assets  *AssetHandler
	metrics *metrics
}

// registerRoutes is the map of Portico: every route and the middleware in front of it.
func registerRoutes(e *echo.Echo, s site) {
	e.Use(
		middleware.RequestID(),
		web.Tracing(s.opts.TracerProvider),
		web.RequestLogger(s.opts.Logger),
		s.metrics.middleware,
		// Inside the log and the metrics, so a panic is logged and counted as the 500 it becomes.
		middleware.Recover(),
		web.SecurityHeaders(s.opts.BaseURL.Scheme == "https"),
		web.HeaderLimit(HeaderLimit),
		// Overload degrades to quick refusals, never to an unbounded queue; health checks
		// always get through, so a busy instance is not mistaken for a dead one.
		web.Admission(s.opts.MaxInFlight, admissionWait, isHealthCheck),
		web.Deadline(s.opts.RequestTimeout, hasOwnDeadline),
		middleware.BodyLimit(bodyLimit),
		// Pages and static assets come compressed already; this gzips the rest (JSON).
		web.Compress,
	)

	// A single invoice's PDF, from the API or the portal: a few made at once (see pdfsAtOnce).
	pdfs := web.Admission(pdfsAtOnce, pdfWait, never)

	e.GET("/healthz", s.health.live)
	e.GET("/readyz", s.health.ready)
	e.GET("/robots.txt", web.Robots)
	e.GET("/static/:file", s.assets.serve)
	e.GET("/brand/:file", serveBrand)

	// The merchant API: JSON, an API key per request, limited per key, and safe retries of
	// POSTs with an Idempotency-Key. Its contract is public.
	e.GET("/v1/openapi.json", s.api.ServeOpenAPI)
	v1 := e.Group("/v1", s.api.Authenticate, api.RateLimit(s.opts.APIRate, s.opts.APIBurst), api.RequireJSON, s.api.Idempotent)
	v1.RouteNotFound("/*", api.NoRoute) // 405 with Allow for a wrong method, 404 for no such path
	v1.GET("/merchant", s.api.GetMerchant)
	v1.PATCH("/merchant", s.api.UpdateMerchant)
	v1.POST("/customers", s.api.CreateCustomer)
	v1.GET("/customers", s.api.ListCustomers)
	v1.GET("/customers/:id", s.api.GetCustomer)
	v1.PATCH("/customers/:id", s.api.UpdateCustomer)
	v1.DELETE("/customers/:id", s.api.DeleteCustomer)
	v1.GET("/customers/:id/contacts", s.api.ListContacts)
	v1.POST("/customers/:id/contacts", s.api.CreateContact)
	v1.GET("/customers/:id/contacts/:contact_id", s.api.GetContact)
	v1.PATCH("/customers/:id/contacts/:contact_id", s.api.UpdateContact)
	v1.DELETE("/customers/:id/contacts/:contact_id", s.api.DeleteContact)
	v1.GET("/customers/:id/entitlements", s.api.ListEntitlements)
	v1.POST("/customers/:id/entitlements", s.api.CreateEntitlement)
	v1.PATCH("/customers/:id/entitlements/:entitlement_id", s.api.UpdateEntitlement)
	v1.DELETE("/customers/:id/entitlements/:entitlement_id", s.api.DeleteEntitlement)
	v1.GET("/customers/:id/payment_details", s.api.GetPaymentDetails)
	v1.PUT("/customers/:id/payment_details", s.api.SetPaymentDetails)
	v1.POST("/customers/:id/portal", s.api.MintPortalLink)
	v1.GET("/customers/:id/portal_links", s.api.ListPortalLinks)
	v1.DELETE("/customers/:id/portal_links", s.api.RevokeCustomerPortalLinks)
	v1.GET("/customers/:id/emails", s.api.ListEmails)
	v1.DELETE("/portal_links/:id", s.api.RevokePortalLink)
	v1.POST("/invoices", s.api.CreateInvoice)
	v1.GET("/invoices", s.api.ListInvoices)
	v1.GET("/invoices/:id", s.api.GetInvoice)
	v1.GET("/invoices/:id/pdf", s.api.InvoicePDF, pdfs)
	v1.PATCH("/invoices/:id", s.api.UpdateInvoice)
	v1.POST("/invoices/:id/status", s.api.UpdateInvoiceStatus)
	v1.POST("/payments", s.api.CreatePayment)
	v1.GET("/payments", s.api.ListPayments)
	v1.GET("/payments/:id", s.api.GetPayment)
	v1.POST("/subscriptions", s.api.CreateSubscription)
	v1.GET("/subscriptions", s.api.ListSubscriptions)
	v1.GET("/subscriptions/:id", s.api.GetSubscription)
	v1.PATCH("/subscriptions/:id", s.api.UpdateSubscription)
	v1.POST("/subscriptions/:id/cancel", s.api.CancelSubscription)
	v1.POST("/subscriptions/:id/resume", s.api.ResumeSubscription)
	v1.POST("/webhook_endpoints", s.api.CreateWebhookEndpoint)
	v1.GET("/webhook_endpoints", s.api.ListWebhookEndpoints)
	v1.GET("/webhook_endpoints/:id", s.api.GetWebhookEndpoint)
	v1.PATCH("/webhook_endpoints/:id", s.api.UpdateWebhookEndpoint)
	v1.DELETE("/webhook_endpoints/:id", s.api.DeleteWebhookEndpoint)
	v1.POST("/webhook_endpoints/:id/rotate_secret", s.api.RotateWebhookSecret)
	v1.GET("/webhook_endpoints/:id/deliveries", s.api.ListWebhookDeliveries)
	v1.POST("/webhook_deliveries/:id/retry", s.api.RetryWebhookDelivery)
	v1.GET("/audit_events", s.api.ListAuditEvents)

	// The portal's door: a minted link opens a session. Rate-limited per client IP, so
	// tokens cannot be guessed at speed (they have 256 bits; this keeps logs quiet too).
	// A browser that still has a live session of another customer is asked first; its
	// answer is a same-origin POST to the same link, under the same limit.
	linkRate := portal.LinkRateLimit(s.opts.LinkRate)
	e.GET(views.EntryRoute, s.portal.OpenLink, portal.RefuseCrossSiteSubresources, linkRate)
	e.POST(views.EntryRoute, s.portal.ConfirmSwitch, portal.RefuseCrossSiteSubresources, linkRate)

	// The ways in by email, before any session: an expired link's "email me a new link",
	// and a merchant's sign-in page. With no session to hold a CSRF token, their POSTs rely
	// on the browser's word on where they come from (http.CrossOriginProtection).
	e.POST(views.RenewRoute, s.portal.RenewLink, portal.RefuseCrossSiteSubresources, s.portal.RefuseCrossOrigin)
	e.GET(views.LoginRoute, s.portal.ShowLogin, portal.RefuseCrossSiteSubresources)
	e.POST(views.LoginRoute, s.portal.RequestLogin, portal.RefuseCrossSiteSubresources, s.portal.RefuseCrossOrigin)

	// The portal itself: every page needs a live session; every POST a CSRF token and a
	// place within the session's allowance of form submissions. The patterns are named in
	// views, whose URL functions build every link to them.
	p := e.Group(views.PortalPrefix, portal.RefuseCrossSiteSubresources, s.portal.RequireSession,
		portal.LimitPosts(portalPostsPerMinute), s.portal.VerifyCSRF)
	p.GET(views.OverviewRoute, s.portal.ShowOverview)
	p.GET(views.InvoicesRoute, s.portal.ListInvoices)
	p.GET(views.InvoiceRoute, s.portal.ShowInvoice)
	p.GET(views.InvoicePDFRoute, s.portal.DownloadInvoicePDF, pdfs)
	// A year's PDFs in one ZIP file: minutes of CPU for a large year, so a few per session
	// and a few at once (see archivesAtOnce).
	p.GET(views.InvoiceArchiveRoute, s.portal.DownloadInvoiceArchive,
		portal.LimitArchives(archivesPerMinute), web.Admission(archivesAtOnce, archiveWait, never))
	p.GET(views.PaymentsRoute, s.portal.ListPayments)
	p.GET(views.EntitlementsRoute, s.portal.ListEntitlements)
	p.GET(views.SubscriptionsRoute, s.portal.ListSubscriptions)
	p.GET(views.SubscriptionRoute, s.portal.ShowSubscription)
	p.GET(views.CancelSubscriptionRoute, s.portal.ConfirmCancel)
	p.POST(views.CancelSubscriptionRoute, s.portal.CancelSubscription)
	p.POST(views.ResumeSubscriptionRoute, s.portal.ResumeSubscription)
	p.GET(views.ProfileRoute, s.portal.ShowProfile)
	p.POST(views.ProfileRoute, s.portal.UpdateProfile)
	p.GET(views.ContactsRoute, s.portal.ListContacts)
	p.POST(views.ContactsRoute, s.portal.CreateContact)
	p.GET(views.ContactRoute, s.portal.EditContact)
	p.POST(views.ContactRoute, s.portal.UpdateContact)
	p.GET(views.DeleteContactRoute, s.portal.ConfirmDeleteContact)
	p.POST(views.DeleteContactRoute, s.portal.DeleteContact)
	p.GET(views.PaymentDetailsRoute, s.portal.ShowPaymentDetails)
	p.POST(views.PaymentDetailsRoute, s.portal.UpdatePaymentDetails)
	p.POST(views.SignOutRoute, s.portal.SignOut)
	p.POST(views.PayInvoiceRoute, s.portal.PayInvoice)
	p.GET(views.TransferQRRoute, s.portal.TransferQR)
	p.POST(views.PaymentMethodSetupRoute, s.portal.StartPaymentMethodSetup)

	// Payment providers' events: server to server, so no session, CSRF token or API key;
	// each is verified with the merchant's signing secret, and read up to its own limit.
	e.POST(views.ProviderHookRoute, s.hooks.ReceiveEvent)
}
