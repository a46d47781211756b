package views

import (
	"html"
	"testing"
)

// FuzzAppendEscaped: whatever text a page shows, it is escaped exactly as html.EscapeString
// escapes it, after whatever the page holds already.
func FuzzAppendEscaped(f *testing.F) {
	for _, seed := range []string{"", "ACME-0024", `INV-<b>1</b> & "2"`, "O'Brien & Söhne", "€58.31", "<<>>&&''\"\"", "é\u00a0<"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendEscaped([]byte("<td>"), s)), "<td>"+html.EscapeString(s); got != want {
			t.Fatalf("appendEscaped(%q) = %q, want %q", s, got, want)
		}
	})
}
