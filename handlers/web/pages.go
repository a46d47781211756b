// Package web is what the merchant API and the customer portal share: the error handler,
// page building and rendering, security headers, the request log, and the invoice PDF answer.
package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/portico/portico/models"
	"github.com/portico/portico/static"
	"github.com/portico/portico/views"
	"golang.org/x/text/language"
)

// Pages makes the per-request views.Page every HTML page starts from.
type Pages struct {
	assets  *static.Assets
	catalog *views.Catalog
}

// NewPages returns a page builder over the embedded assets and the translation catalog.
func NewPages(assets *static.Assets, catalog *views.Catalog) *Pages {
	return &Pages{assets: assets, catalog: catalog}
}

// Page returns a Page in lang without merchant branding.
func (b *Pages) Page(lang, title string) *views.Page {
	return &views.Page{
		T:          b.catalog.Translator(lang),
		Title:      title,
		Stylesheet: b.assets.Path("portico.css"),
		Favicon:    b.assets.Path("favicon.svg"),
		Brand:      views.Brand{PoweredBy: true},
	}
}

// MerchantPage returns a Page branded for a merchant, as a session from link shows it (its
// way back to the merchant, framed or not; nil for a page no link leads to), in the
// language ChooseLanguage picks from the candidates, with the merchant's default last.
func (b *Pages) MerchantPage(r *http.Request, m *models.Merchant, link *models.PortalLink, candidates ...string) *views.Page {
	p := b.Page(ChooseLanguage(r, m.DefaultLocale, candidates...), "")
	p.Brand = views.Brand{Name: m.Name, LogoURL: m.LogoURL, PoweredBy: m.PoweredBy}
	if link != nil {
		p.Brand.ReturnURL, p.Framed = link.ReturnURL, link.Framable()
	}
	if m.FaviconURL != "" {
		p.Favicon = m.FaviconURL
	}
	if m.AccentColor != "" {
		p.BrandStylesheet = BrandStylesheetPath(m.AccentColor)
	}
	return p
}

// BrandStylesheetPath is the URL of a merchant's colours. It names the colour itself, so the
// stylesheet needs no database lookup, can be cached for a year, and changes URL when the
// merchant changes colour.
func BrandStylesheetPath(accent string) string {
	return "/brand/" + strings.ToLower(strings.TrimPrefix(accent, "#")) + ".css"
}

var languageMatcher = language.NewMatcher(func() []language.Tag {
	tags := make([]language.Tag, len(models.Locales))
	for i, l := range models.Locales {
		tags[i] = language.Make(l)
	}
	return tags
}())

// ChooseLanguage is the one place a page's language is decided: ?language= when the portal
// speaks it, else the first of the candidates (the visitor's remembered choices, most
// specific first) it speaks, else the best match for the browser's Accept-Language, else
// fallback (or the portal's default).
func ChooseLanguage(r *http.Request, fallback string, candidates ...string) string {
	if lang := r.URL.Query().Get("language"); models.IsLocale(lang) {
		return lang
	}
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

// WithPage remembers the request's page so an error page can keep its language and
// branding.
func WithPage(c echo.Context, p *views.Page) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), pageKey{}, p)))
}

// PageOf is the page WithPage remembered, or nil.
func PageOf(ctx context.Context) *views.Page {
	p, _ := ctx.Value(pageKey{}).(*views.Page)
	return p
}

// robotsTxt asks every crawler to stay out: a portal page is one customer's account, and
// its address a link's landing place, never something to index.
const robotsTxt = "User-agent: *\nDisallow: /\n"

// Robots answers /robots.txt.
func Robots(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.String(http.StatusOK, robotsTxt)
}

// Render writes a component as the HTML response: rendered whole into a pooled buffer
// first, so a failed render becomes an error page rather than half a page, then gzipped
// once when the client accepts it and the page is worth it, and written in one go with its
// Content-Length.
func Render(c echo.Context, status int, cmp templ.Component) error {
	page := getBuffer()
	defer putBuffer(page)
	if err := cmp.Render(c.Request().Context(), page); err != nil {
		return err
	}
	body := page.Bytes()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	VaryOnEncoding(h)
	if len(body) >= minCompressSize && AcceptsGzip(c.Request()) {
		compressed := getBuffer()
		defer putBuffer(compressed)
		gzipInto(compressed, body)
		body = compressed.Bytes()
		h.Set(echo.HeaderContentEncoding, "gzip")
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(body)
	return err
}
