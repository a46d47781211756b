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

// money is an amount in the page's language: "€1,234.56", "1.234,56 €".
func money(p *Page, m Money) templ.Component { return str(p.T.Money(m.Minor, m.Currency)) }

// date is a date that never breaks across lines.
func date(p *Page, at time.Time) templ.Component { return dateText(p.T.Date(at)) }

// dateText is <span class="date">{text}</span>.
type dateText string

// Render writes the date, HTML-escaped.
func (d dateText) Render(_ context.Context, w io.Writer) error {
	return writeStrings(w, `<span class="date">`, templ.EscapeString(string(d)), `</span>`)
}

// period is a billing period, which may break at its dash only; nothing when pd is nil.
func period(p *Page, pd *Period) templ.Component {
	if pd == nil {
		return templ.NopComponent
	}
	return datePair{start: p.T.Date(pd.Start), end: p.T.Date(pd.End)}
}

// datePair is two dates with a dash between.
type datePair struct{ start, end string }

// Render writes the period, HTML-escaped.
func (pd datePair) Render(_ context.Context, w io.Writer) error {
	return writeStrings(w, `<span class="date">`, templ.EscapeString(pd.start), `</span> – <span class="date">`,
		templ.EscapeString(pd.end), `</span>`)
}

// writeStrings writes each of parts to w, stopping at the first error.
func writeStrings(w io.Writer, parts ...string) error {
	for _, s := range parts {
		if _, err := io.WriteString(w, s); err != nil {
			return err
		}
	}
	return nil
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

// status is a status badge: text and colour, so it never relies on colour alone. It is
// written here rather than in templ because templ renders a computed class through a CSS
// processor that allocates a map for every element, and lists show a badge on every row.
func status(p *Page, kind, value string) templ.Component {
	return badge{class: value, text: p.T.Tkey(kind, value)}
}

// badge is <span class="badge {class}">{text}</span>.
type badge struct{ class, text string }

// Render writes the badge, its class and text HTML-escaped.
func (b badge) Render(_ context.Context, w io.Writer) error {
	return writeStrings(w, `<span class="badge `, templ.EscapeString(b.class), `">`, templ.EscapeString(b.text), `</span>`)
}
