// Package views renders Portico's HTML (templ components), invoice PDFs and translations.
// Components get exactly the data they render: a per-request Page and a view model.
package views

import (
	"context"
	"io"
	"net/url"
	"strings"

	"github.com/portico/portico/models"
)

// Page is what every page needs besides its own data: language, assets, branding, and the
// signed-in customer's navigation. Handlers build one per request.
type Page struct {
	T               *Translator
	Title           string
	Stylesheet      string // fingerprinted path of the site stylesheet
	Favicon         string // Portico's, or the merchant's (an https URL)
	BrandStylesheet string // the merchant's colours; empty for Portico's own
	Brand           Brand
	// Framed: the page is shown inside the merchant's iframe, so links to the merchant's
	// site leave the frame (target="_top") instead of opening the site inside it.
	Framed bool
	Nav    *Nav  // nil outside a portal session
	Flash  Flash // what the last form did, shown once; empty for nothing
}

// Brand is how a merchant shows itself.
type Brand struct {
	Name      string
	LogoURL   string // an https image that shows the name; the name is then not repeated
	ReturnURL string // "back to the merchant"; empty when the link named none
	PoweredBy bool   // "Powered by Portico" under the page
}

// Nav is the portal's navigation for a signed-in customer.
type Nav struct {
	Current   Section
	CSRFToken string
	Customer  string     // whom the session acts for, named in the header
	Path      string     // the current path and query: the language menu links them in
	Query     url.Values // every language, so a filter or page survives the switch
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

// languageNames are the languages as their speakers write them, for the language menu.
var languageNames = map[string]string{
	"en": "English", "de": "Deutsch", "fr": "Français", "nl": "Nederlands", "es": "Español", "it": "Italiano",
}

// languages lists the menu's choices in the order the portal defines them.
func languages() []string { return models.Locales }

// Lang is the page's language code.
func (p *Page) Lang() string { return p.T.Lang() }

// languageLinks are the language menu's choices, each a link to the current page in that
// language. Every page has the menu, so it is written here rather than in templ, where
// each link's three attributes cost three formatting allocations.
type languageLinks struct{ p *Page }

// Render writes the links, every value HTML-escaped.
func (l languageLinks) Render(_ context.Context, w io.Writer) error {
	m := newMarkup(w)
	for _, lang := range languages() {
		m.raw(`<li><a href="`)
		m.text(l.p.Nav.Path)
		m.raw(`?`)
		m.text(l.p.languageQuery(lang))
		m.raw(`" lang="`)
		m.text(lang)
		m.raw(`" hreflang="`)
		m.text(lang)
		if lang == l.p.Lang() {
			m.raw(`" aria-current="true`)
		}
		m.raw(`">`)
		m.text(languageNames[lang])
		m.raw(`</a></li>`)
	}
	return m.close()
}

// languageQuery is the query of the current page in another language: its own, with
// language set, so a filter, a page number or a form's state survives the switch.
func (p *Page) languageQuery(lang string) string {
	if len(p.Nav.Query) == 0 {
		return "language=" + url.QueryEscape(lang)
	}
	q := url.Values{}
	for k, v := range p.Nav.Query {
		q[k] = v
	}
	q.Set("language", lang)
	return q.Encode()
}

// faviconType is the favicon's media type when it is known: Portico's is SVG; a merchant's
// may be anything a browser shows.
func (p *Page) faviconType() string {
	if strings.HasSuffix(p.Favicon, ".svg") && strings.HasPrefix(p.Favicon, "/") {
		return "image/svg+xml"
	}
	return ""
}
