// Package views renders Portico's HTML (templ components), invoice PDFs and translations.
// Components get exactly the data they render: a per-request Page and a view model.
package views

import "github.com/portico/portico/models"

// Page is what every page needs besides its own data: language, assets, branding, and the
// signed-in customer's navigation. Handlers build one per request.
type Page struct {
	T               *Translator
	Title           string
	Stylesheet      string // fingerprinted path of the site stylesheet
	Favicon         string
	BrandStylesheet string // the merchant's colours; empty for Portico's own
	Brand           Brand
	Nav             *Nav   // nil outside a portal session
	Flash           string // a message ID confirming what the last form did, or empty
}

// Brand is how a merchant shows itself.
type Brand struct {
	Name      string
	LogoURL   string
	ReturnURL string // "back to the merchant"; empty when the link named none
}

// Nav is the portal's navigation for a signed-in customer.
type Nav struct {
	Current   Section
	CSRFToken string
	Path      string // the current path, where the language switcher submits to
}

// Section is a part of the portal, named as in links' landing sections.
type Section string

// The portal's sections, in navigation order.
const (
	SectionOverview      Section = "overview"
	SectionInvoices      Section = "invoices"
	SectionPayments      Section = "payments"
	SectionSubscriptions Section = "subscriptions"
	SectionEntitlements  Section = "entitlements"
	SectionAccount       Section = "account"
)

// navItem is one entry of the portal navigation.
type navItem struct {
	Section Section
	Path    string
}

var navItems = []navItem{
	{SectionOverview, OverviewURL()},
	{SectionInvoices, InvoicesURL("", 1)},
	{SectionPayments, PaymentsURL(1)},
	{SectionSubscriptions, SubscriptionsURL(1)},
	{SectionEntitlements, EntitlementsURL()},
	{SectionAccount, ProfileURL()},
}

// accountItem is one part of the account section.
type accountItem struct {
	Name string // its catalog suffix: "account.nav.<name>"
	Path string
}

var accountItems = []accountItem{
	{"profile", ProfileURL()},
	{"contacts", ContactsURL()},
	{"payment-details", PaymentDetailsURL()},
}

// languageNames are the languages as their speakers write them, for the switcher.
var languageNames = map[string]string{"en": "English", "de": "Deutsch", "fr": "Français", "nl": "Nederlands", "es": "Español", "it": "Italiano"}

// languages lists the switcher's choices in the order the portal defines them.
func languages() []string { return models.Locales }

// Lang is the page's language code.
func (p *Page) Lang() string { return p.T.Lang() }
