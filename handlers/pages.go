package handlers

import (
	"context"
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/static"
	"github.com/portico/portico/views"
	"golang.org/x/text/language"
)

// pageBuilder makes the per-request views.Page every HTML page starts from.
type pageBuilder struct {
	assets  *static.Assets
	catalog *views.Catalog
}

// page returns a Page in lang without merchant branding.
func (b *pageBuilder) page(lang, title string) *views.Page {
	return &views.Page{
		T:          b.catalog.Translator(lang),
		Title:      title,
		Stylesheet: b.assets.Path("portico.css"),
		Favicon:    b.assets.Path("favicon.svg"),
	}
}

// merchantPage returns a Page branded for a merchant, in the language of the link or the
// customer, else the browser's, else the merchant's default.
func (b *pageBuilder) merchantPage(r *http.Request, m *models.Merchant, link *models.PortalLink, customerLocale string) *views.Page {
	p := b.page(chooseLanguage(r, m.DefaultLocale, link.Locale, customerLocale), "")
	p.Brand = views.Brand{Name: m.Name, LogoURL: m.LogoURL, ReturnURL: link.ReturnURL}
	if m.AccentColor != "" {
		p.BrandStylesheet = brandStylesheetPath(m.AccentColor)
	}
	return p
}

// portalPage returns the Page of a signed-in request: ?language= first, then the language
// chosen earlier in the session, then the link's, the customer's and the browser's.
func (b *pageBuilder) portalPage(r *http.Request, a *models.PortalAccess) *views.Page {
	p := b.page(chooseLanguage(r, a.Merchant.DefaultLocale, r.URL.Query().Get("language"), a.Session.Locale, a.Link.Locale, a.Customer.PreferredLocale), "")
	p.Brand = views.Brand{Name: a.Merchant.Name, LogoURL: a.Merchant.LogoURL, ReturnURL: a.Link.ReturnURL}
	if a.Merchant.AccentColor != "" {
		p.BrandStylesheet = brandStylesheetPath(a.Merchant.AccentColor)
	}
	p.Nav = &views.Nav{CSRFToken: a.Session.CSRFSecret, Path: r.URL.Path}
	return p
}

var languageMatcher = language.NewMatcher(func() []language.Tag {
	tags := make([]language.Tag, len(models.Locales))
	for i, l := range models.Locales {
		tags[i] = language.Make(l)
	}
	return tags
}())

// chooseLanguage returns the first candidate the portal speaks, else the best match for
// the browser's Accept-Language, else fallback (or the portal's default).
func chooseLanguage(r *http.Request, fallback string, candidates ...string) string {
	for _, c := range candidates {
		if models.IsLocale(c) {
			return c
		}
	}
	tags, _, _ := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	_, i, confidence := languageMatcher.Match(tags...)
	if confidence == language.No {
		if models.IsLocale(fallback) {
			return fallback
		}
		return models.Locales[0]
	}
	return models.Locales[i]
}

type pageKey struct{}

// withPage remembers the request's page so an error page can keep its language and
// branding.
func withPage(c echo.Context, p *views.Page) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), pageKey{}, p)))
}

func pageOf(ctx context.Context) *views.Page {
	p, _ := ctx.Value(pageKey{}).(*views.Page)
	return p
}

// render writes a component as the HTML response, straight into the connection.
func render(c echo.Context, status int, cmp templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return cmp.Render(c.Request().Context(), c.Response())
}
