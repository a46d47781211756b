package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/views"
)

// TestRouteHelpersReachTheirRoutes: every URL the views build for a link, a form or a
// redirect reaches the route DESIGN.md promises, through the real router.
func TestRouteHelpersReachTheirRoutes(t *testing.T) {
	e := newApp(t, testdb.SQLite(t)).Server.Config.Handler.(*echo.Echo)
	for _, tc := range []struct {
		method, url, route string
	}{
		{http.MethodGet, views.EntryURL("token"), "/p/:token"},
		{http.MethodGet, views.OverviewURL(), "/portal"},
		{http.MethodGet, views.InvoicesURL("overdue", 2), "/portal/invoices"},
		{http.MethodGet, views.InvoiceURL("inv_1"), "/portal/invoices/:id"},
		{http.MethodGet, views.InvoicePDFURL("inv_1"), "/portal/invoices/:id/pdf"},
		{http.MethodGet, views.InvoiceArchiveURL(2026), "/portal/invoices/archive"},
		{http.MethodGet, views.PaymentsURL(2), "/portal/payments"},
		{http.MethodGet, views.EntitlementsURL(), "/portal/entitlements"},
		{http.MethodGet, views.SubscriptionsURL(1), "/portal/subscriptions"},
		{http.MethodGet, views.SubscriptionURL("sub_1"), "/portal/subscriptions/:id"},
		{http.MethodGet, views.CancelSubscriptionURL("sub_1"), "/portal/subscriptions/:id/cancel"},
		{http.MethodPost, views.CancelSubscriptionURL("sub_1"), "/portal/subscriptions/:id/cancel"},
		{http.MethodPost, views.ResumeSubscriptionURL("sub_1"), "/portal/subscriptions/:id/resume"},
		{http.MethodPost, views.ProfileURL(), "/portal/profile"},
		{http.MethodPost, views.ContactsURL(), "/portal/contacts"},
		{http.MethodPost, views.ContactURL("con_1"), "/portal/contacts/:id"},
		{http.MethodPost, views.DeleteContactURL("con_1"), "/portal/contacts/:id/delete"},
		{http.MethodPost, views.PaymentDetailsURL(), "/portal/payment-details"},
		{http.MethodPost, views.SignOutURL(), "/portal/logout"},
		{http.MethodPost, views.RenewURL(), "/renew"},
		{http.MethodGet, views.LoginURL("acme"), "/login/:slug"},
		{http.MethodPost, views.LoginURL("acme"), "/login/:slug"},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		c := e.NewContext(nil, nil)
		e.Router().Find(tc.method, u.EscapedPath(), c)
		if c.Path() != tc.route {
			t.Errorf("%s %s reaches %q, want %s", tc.method, tc.url, c.Path(), tc.route)
		}
	}
}
