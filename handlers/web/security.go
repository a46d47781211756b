package web

import (
	"context"

	"github.com/labstack/echo/v4"
)

// policy is the Content-Security-Policy of every response: nothing runs, styles and images
// come from Portico (images also from https, for merchant logos), forms post back to
// Portico (and on to a payment provider's page, where a page offers one), and framing is
// the session's allow-list or nothing.
func policy(formTargets, frameAncestors string) string {
	return "default-src 'none'; style-src 'self'; img-src 'self' https: data:; form-action 'self'" + formTargets +
		"; base-uri 'none'; object-src 'none'; frame-ancestors " + frameAncestors
}

// unframedPolicy is the policy of nearly every response, built once.
var unframedPolicy = policy("", "'none'")

type frameAncestorsKey struct{}

type formTargetsKey struct{}

// AllowFormTarget lets the page's forms lead to origin too: a form that posts to Portico
// and is redirected to a payment provider's page, which browsers check against form-action.
func AllowFormTarget(c echo.Context, origin string) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), formTargetsKey{}, " "+origin)))
}

// AllowFraming lets the response to this request be framed by the given CSP host sources
// (space-separated). Only the portal calls it, for links minted with an allow-list.
func AllowFraming(c echo.Context, sources string) {
	r := c.Request()
	c.SetRequest(r.WithContext(context.WithValue(r.Context(), frameAncestorsKey{}, sources)))
}

func framingAllowedBy(ctx context.Context) string {
	s, _ := ctx.Value(frameAncestorsKey{}).(string)
	return s
}

// The values of the security headers, made once: net/http keeps a header's values as a
// slice, and Set makes a new one per call, a dozen allocations a response. Every response
// shares these; nothing changes a header's values in place (Add appends, which copies a
// full slice), so sharing is safe.
var (
	nosniff        = []string{"nosniff"}
	noReferrer     = []string{"no-referrer"}
	noIndex        = []string{"noindex, nofollow"}
	hsts           = []string{"max-age=31536000; includeSubDomains"}
	noStore        = []string{"no-store"}
	unframedCSP    = []string{unframedPolicy}
	deny           = []string{"DENY"}
	sameOriginOnly = []string{"same-origin"}
)

// SecurityHeaders sets the headers every response carries. They are written just before the
// response is, because whether a page may be framed is known only after the portal session
// has been loaded. The names are written as net/http keeps them (canonical), so they are
// assigned without Set's canonicalising.
func SecurityHeaders(https bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			res.Before(func() {
				h := res.Header()
				h["X-Content-Type-Options"] = nosniff
				h["Referrer-Policy"] = noReferrer
				// Portal pages belong to one customer each, and a link's address to whoever
				// holds it: nothing here is for a search index (robots.txt says so too, but
				// only this keeps a page out that a crawler reached by a link).
				h["X-Robots-Tag"] = noIndex
				if https {
					h["Strict-Transport-Security"] = hsts
				}
				if h.Get("Cache-Control") == "" {
					h["Cache-Control"] = noStore
				}
				formTargets, _ := c.Request().Context().Value(formTargetsKey{}).(string)
				if sources := framingAllowedBy(c.Request().Context()); sources != "" {
					// X-Frame-Options would override the allow-list in browsers that
					// know it, so a framable response never carries it.
					h.Set("Content-Security-Policy", policy(formTargets, sources))
					h.Del("X-Frame-Options")
				} else {
					csp := unframedCSP
					if formTargets != "" {
						csp = []string{policy(formTargets, "'none'")}
					}
					h["Content-Security-Policy"] = csp
					h["X-Frame-Options"] = deny
					h["Cross-Origin-Opener-Policy"] = sameOriginOnly
				}
			})
			return next(c)
		}
	}
}
