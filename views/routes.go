package views

import (
	"net/url"
	"strconv"
	"strings"
)

// The portal's routes, as Echo patterns. handlers/routes.go registers each under
// PortalPrefix; the URL functions below fill them in, so no page, redirect or link spells a
// path. DESIGN.md promises these paths to documentation and tests: they do not move.
const (
	PortalPrefix = "/portal"

	OverviewRoute           = ""
	InvoicesRoute           = "/invoices"
	InvoiceRoute            = "/invoices/:id"
	InvoicePDFRoute         = "/invoices/:id/pdf"
	InvoiceArchiveRoute     = "/invoices/archive"
	PaymentsRoute           = "/payments"
	EntitlementsRoute       = "/entitlements"
	SubscriptionsRoute      = "/subscriptions"
	SubscriptionRoute       = "/subscriptions/:id"
	CancelSubscriptionRoute = "/subscriptions/:id/cancel"
	ResumeSubscriptionRoute = "/subscriptions/:id/resume"
	ProfileRoute            = "/profile"
	ContactsRoute           = "/contacts"
	ContactRoute            = "/contacts/:id"
	DeleteContactRoute      = "/contacts/:id/delete"
	PaymentDetailsRoute     = "/payment-details"
	SignOutRoute            = "/logout"

	PayInvoiceRoute         = "/invoices/:id/pay"
	TransferQRRoute         = "/invoices/:id/transfer-qr.png"
	PaymentMethodSetupRoute = "/payment-details/setup"
)

// ProviderHookRoute is where payment providers send their events about a merchant's
// payments (outside PortalPrefix and /v1: server to server, no session, no API key).
const ProviderHookRoute = "/hooks/:provider/:merchant_id"

// ProviderHookURL is the path a merchant gives its provider for events.
func ProviderHookURL(provider, merchantID string) string {
	return strings.NewReplacer(":provider", url.PathEscape(provider), ":merchant_id", url.PathEscape(merchantID)).Replace(ProviderHookRoute)
}

// EntryRoute is the portal's door, where a minted link points (outside PortalPrefix: the
// session starts there).
const EntryRoute = "/p/:token"

// The ways in by email, outside PortalPrefix: no session exists yet.
const (
	// RenewRoute takes the "email me a new link" form of an expired link's page.
	RenewRoute = "/renew"
	// LoginRoute is a merchant's sign-in by email.
	LoginRoute = "/login/:slug"
)

// RenewURL is where the "email me a new link" form posts.
func RenewURL() string { return RenewRoute }

// LoginURL is a merchant's sign-in page.
func LoginURL(slug string) string {
	return strings.Replace(LoginRoute, ":slug", url.PathEscape(slug), 1)
}

// EntryURL is the path of a portal link: its token at the portal's door.
func EntryURL(token string) string {
	return strings.Replace(EntryRoute, ":token", url.PathEscape(token), 1)
}

// portalURL is the path of a portal route, with id in place of its :id.
func portalURL(route, id string) string {
	if id == "" {
		return PortalPrefix + route
	}
	before, escapedID, after := portalURLParts(route, id)
	return PortalPrefix + before + escapedID + after
}

// portalURLParts is portalURL(route, id) after PortalPrefix, in the three parts around the
// escaped id, for what writes the URL out rather than building it.
func portalURLParts(route, id string) (before, escapedID, after string) {
	before, after, _ = strings.Cut(route, ":id")
	if !plainSegment(id) {
		id = url.PathEscape(id)
	}
	return before, id, after
}

// plainSegment reports whether s needs no escaping as a path segment: letters, digits, '-'
// and '_', as every ID Portico makes. The list writes 25 IDs a page, and this one pass
// costs less than PathEscape's.
func plainSegment(s string) bool {
	for i := 0; i < len(s); i++ {
		if !segmentBytes[s[i]] {
			return false
		}
	}
	return true
}

// segmentBytes are the bytes plainSegment lets through.
var segmentBytes = func() (set [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		set[c] = true
	}
	return set
}()

// OverviewURL is the portal's home page.
func OverviewURL() string { return portalURL(OverviewRoute, "") }

// InvoicesURL is one page of one tab of the invoice list.
func InvoicesURL(tab InvoiceFilter, page int) string {
	const path = PortalPrefix + InvoicesRoute
	switch {
	case tab == "":
		return withPage(path, page)
	case page <= 1:
		return path + "?status=" + url.QueryEscape(string(tab))
	}
	return path + "?page=" + strconv.Itoa(page) + "&status=" + url.QueryEscape(string(tab))
}

// InvoiceURL is the page of one invoice or credit note.
func InvoiceURL(id string) string { return portalURL(InvoiceRoute, id) }

// InvoicePDFURL is the PDF download of one invoice or credit note.
func InvoicePDFURL(id string) string { return portalURL(InvoicePDFRoute, id) }

// InvoiceArchiveURL is the zip of one year's invoices and credit notes.
func InvoiceArchiveURL(year int) string {
	return portalURL(InvoiceArchiveRoute, "") + "?year=" + strconv.Itoa(year)
}

// PaymentsURL is one page of the payment history.
func PaymentsURL(page int) string { return withPage(portalURL(PaymentsRoute, ""), page) }

// EntitlementsURL is the list of entitlements.
func EntitlementsURL() string { return portalURL(EntitlementsRoute, "") }

// SubscriptionsURL is one page of the subscription list.
func SubscriptionsURL(page int) string { return withPage(portalURL(SubscriptionsRoute, ""), page) }

// SubscriptionURL is the page of one subscription.
func SubscriptionURL(id string) string { return portalURL(SubscriptionRoute, id) }

// CancelSubscriptionURL is the confirmation step of a cancellation, and where it posts.
func CancelSubscriptionURL(id string) string { return portalURL(CancelSubscriptionRoute, id) }

// ResumeSubscriptionURL undoes a scheduled cancellation.
func ResumeSubscriptionURL(id string) string { return portalURL(ResumeSubscriptionRoute, id) }

// ProfileURL is the customer's profile form.
func ProfileURL() string { return portalURL(ProfileRoute, "") }

// ContactsURL is the list of contacts, where a new one is added.
func ContactsURL() string { return portalURL(ContactsRoute, "") }

// ContactURL edits one contact.
func ContactURL(id string) string { return portalURL(ContactRoute, id) }

// DeleteContactURL asks before one contact is deleted, and deletes it.
func DeleteContactURL(id string) string { return portalURL(DeleteContactRoute, id) }

// PaymentDetailsURL is the bank account form.
func PaymentDetailsURL() string { return portalURL(PaymentDetailsRoute, "") }

// PayInvoiceURL opens the merchant's provider's payment page for an invoice (a POST).
func PayInvoiceURL(id string) string { return portalURL(PayInvoiceRoute, id) }

// InvoicePaidReturnURL is where the provider sends the customer back after paying.
func InvoicePaidReturnURL(id string) string { return InvoiceURL(id) + "?checkout=done" }

// TransferQRURL is the EPC QR code of an invoice's bank transfer.
func TransferQRURL(id string) string { return portalURL(TransferQRRoute, id) }

// PaymentMethodSetupURL opens the provider's page to save a new card or bank account (a POST).
func PaymentMethodSetupURL() string { return portalURL(PaymentMethodSetupRoute, "") }

// PaymentMethodSavedReturnURL is where the provider sends the customer back after saving a
// new method: the payment details, which then say once that it is on its way.
func PaymentMethodSavedReturnURL() string { return PaymentDetailsURL() + "?setup=done" }

// SignOutURL ends the session.
func SignOutURL() string { return portalURL(SignOutRoute, "") }

// LandingURL is where a link minted with a landing section starts ("invoice:<id>", "payments",
// …; see models.Sections); anything else lands on the overview.
func LandingURL(section string) string {
	kind, id, _ := strings.Cut(section, ":")
	switch kind {
	case "invoice":
		return InvoiceURL(id)
	case "subscription":
		return SubscriptionURL(id)
	case "invoices":
		return InvoicesURL("", 1)
	case "subscriptions":
		return SubscriptionsURL(1)
	case "payments":
		return PaymentsURL(1)
	case "entitlements":
		return EntitlementsURL()
	case "profile":
		return ProfileURL()
	}
	return OverviewURL()
}

// withPage adds ?page= to a list's URL for every page but the first.
func withPage(path string, page int) string {
	if page <= 1 {
		return path
	}
	return path + "?page=" + strconv.Itoa(page)
}
