package views

import (
	"context"
	"io"
	"time"

	"github.com/a-h/templ"
)

// The leaf components of every list row are written here rather than in templ, like str:
// a templ component is a closure with a buffer check and a context lookup around what it
// writes, and the invoice list renders a hundred of these per page.

// markup writes HTML to w and keeps the first error, so what writes many parts checks once.
type markup struct {
	w   io.Writer
	err error
}

// raw writes s as it is: constant markup only, never data.
func (m *markup) raw(s string) {
	if m.err == nil {
		_, m.err = io.WriteString(m.w, s)
	}
}

// text writes s HTML-escaped.
func (m *markup) text(s string) { m.raw(templ.EscapeString(s)) }

// portalURL writes portalURL(route, id), escaped for an attribute, without building it.
func (m *markup) portalURL(route, id string) {
	before, escapedID, after := portalURLParts(route, id)
	m.raw(PortalPrefix)
	m.text(before)
	m.text(escapedID)
	m.text(after)
}

// date writes a formatted date that never breaks across lines.
func (m *markup) date(formatted string) {
	m.raw(`<span class="date">`)
	m.text(formatted)
	m.raw(`</span>`)
}

// period writes a billing period, which may break at its dash only; nothing for none.
func (m *markup) period(p *Page, pd Period) {
	if !pd.IsZero() {
		m.date(p.T.Date(pd.Start))
		m.raw(` – `)
		m.date(p.T.Date(pd.End))
	}
}

// badge writes a status badge: text and colour, so it never relies on colour alone.
func (m *markup) badge(class, text string) {
	m.raw(`<span class="badge `)
	m.text(class)
	m.raw(`">`)
	m.text(text)
	m.raw(`</span>`)
}

// money is an amount in the page's language: "€1,234.56", "1.234,56 €".
func money(p *Page, m Money) templ.Component { return str(p.T.Money(m.Minor, m.Currency)) }

// date is a date that never breaks across lines.
func date(p *Page, at time.Time) templ.Component { return dateText(p.T.Date(at)) }

// dateText is a formatted date as a component.
type dateText string

// Render writes the date, HTML-escaped.
func (d dateText) Render(_ context.Context, w io.Writer) error {
	m := markup{w: w}
	m.date(string(d))
	return m.err
}

// period is a billing period; nothing for none.
func period(p *Page, pd Period) templ.Component { return periodOn{p, pd} }

// periodOn is a billing period as a component.
type periodOn struct {
	p  *Page
	pd Period
}

// Render writes the period, HTML-escaped.
func (pd periodOn) Render(_ context.Context, w io.Writer) error {
	m := markup{w: w}
	m.period(pd.p, pd.pd)
	return m.err
}

// str is escaped text for a page: @str(s) where { s } would do. templ's { s } formats
// every value with fmt.Sprint (two allocations for a string, even one already formatted);
// the invoice list alone interpolates some four hundred values per render, so the pages
// served most write theirs through str, which costs none.
type str string

// Render writes the text, HTML-escaped.
func (t str) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, templ.EscapeString(string(t)))
	return err
}

// status is a status badge. It is written here rather than in templ because templ renders a
// computed class through a CSS processor that allocates a map for every element, and lists
// show a badge on every row.
func status(p *Page, kind, value string) templ.Component {
	return badge{class: value, text: p.T.Tkey(kind, value)}
}

// badge is a status badge as a component.
type badge struct{ class, text string }

// Render writes the badge, its class and text HTML-escaped.
func (b badge) Render(_ context.Context, w io.Writer) error {
	m := markup{w: w}
	m.badge(b.class, b.text)
	return m.err
}
