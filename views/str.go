package views

import (
	"context"
	"io"

	"github.com/a-h/templ"
)

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
	return badge{class: value, text: p.T.T(kind + "." + value)}
}

// badge is <span class="badge {class}">{text}</span>.
type badge struct{ class, text string }

// Render writes the badge, its class and text HTML-escaped.
func (b badge) Render(_ context.Context, w io.Writer) error {
	_, err := io.WriteString(w, `<span class="badge `+templ.EscapeString(b.class)+`">`+templ.EscapeString(b.text)+`</span>`)
	return err
}
