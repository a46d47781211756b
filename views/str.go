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
