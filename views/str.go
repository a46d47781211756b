package views

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/a-h/templ"
)

// The leaf components of every list row are written here rather than in templ, like str:
// a templ component is a closure with a buffer check and a context lookup around what it
// writes, and the invoice list renders a hundred of these per page.

// markup builds HTML in memory and writes it to w in one Write: appending a part costs a
// fraction of writing it through templ's buffered writer, and the invoice list has some
// five hundred parts a page. A component takes one with newMarkup and ends with close.
type markup struct {
	w   io.Writer
	buf *[]byte // from markupBuffers, given back by close
	b   []byte
	err error
}

// markupBuffers hold what components build; the invoice list's rows take 10 KB.
var markupBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledMarkup keeps an unusually large build out of the pool.
const maxPooledMarkup = 64 << 10

func newMarkup(w io.Writer) markup {
	buf := markupBuffers.Get().(*[]byte)
	return markup{w: w, buf: buf, b: (*buf)[:0]}
}

// raw appends s as it is: constant markup only, never data.
func (m *markup) raw(s string) { m.b = append(m.b, s...) }

// text appends s HTML-escaped.
func (m *markup) text(s string) { m.b = appendEscaped(m.b, s) }

// flush writes what is built so far to w, keeping the first error.
func (m *markup) flush() {
	if m.err == nil && len(m.b) > 0 {
		_, m.err = m.w.Write(m.b)
	}
	m.b = m.b[:0]
}

// close flushes, gives the buffer back, and returns the first error.
func (m *markup) close() error {
	m.flush()
	if cap(m.b) <= maxPooledMarkup {
		*m.buf = m.b
		markupBuffers.Put(m.buf)
	}
	return m.err
}

// htmlEntities are what html.EscapeString writes for the bytes it escapes.
var htmlEntities = [256]string{'&': "&amp;", '\'': "&#39;", '<': "&lt;", '>': "&gt;", '"': "&#34;"}

// appendEscaped appends s escaped as html.EscapeString escapes it, in one pass and without
// building a string.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		if entity := htmlEntities[s[i]]; entity != "" {
			b = append(append(b, s[last:i]...), entity...)
			last = i + 1
		}
	}
	return append(b, s[last:]...)
}

// portalURL writes portalURL(route, id), escaped for an attribute, without building it.
func (m *markup) portalURL(route, id string) {
	before, escapedID, after := portalURLParts(route, id)
	m.raw(PortalPrefix)
	m.raw(before)
	m.text(escapedID)
	m.raw(after)
}

// period writes a billing period, which may break at its dash only; nothing for none.
func (m *markup) period(p *Page, pd Period) {
	if !pd.IsZero() {
		m.text(p.T.pageDate(pd.Start))
		m.raw(` – `)
		m.text(p.T.pageDate(pd.End))
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
func date(p *Page, at time.Time) templ.Component { return str(p.T.pageDate(at)) }

// period is a billing period; nothing for none.
func period(p *Page, pd Period) templ.Component { return periodOn{p, pd} }

// periodOn is a billing period as a component.
type periodOn struct {
	p  *Page
	pd Period
}

// Render writes the period, HTML-escaped.
func (pd periodOn) Render(_ context.Context, w io.Writer) error {
	m := newMarkup(w)
	m.period(pd.p, pd.pd)
	return m.close()
}

// str is escaped text for a page: @str(s) where { s } would do. templ's { s } formats
// every value with fmt.Sprint (two allocations for a string, even one already formatted);
// the invoice list alone interpolates some four hundred values per render, so the pages
// served most write theirs through str, which costs none.
type str string

// Render writes the text, HTML-escaped.
func (t str) Render(_ context.Context, w io.Writer) error {
	m := newMarkup(w)
	m.text(string(t))
	return m.close()
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
	m := newMarkup(w)
	m.badge(b.class, b.text)
	return m.close()
}
