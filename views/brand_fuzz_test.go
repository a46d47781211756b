package views

import (
	"fmt"
	"regexp"
	"testing"
)

var brandCSSShape = regexp.MustCompile(`^:root\{--accent:#([0-9a-f]{6});--on-accent:#([0-9a-f]{6});--accent-ink:#([0-9a-f]{6})\}\n$`)

// FuzzBrandCSS: whatever a merchant sends as its colour, the stylesheet is three hex colours
// and nothing else, and both text pairs keep WCAG AA contrast.
func FuzzBrandCSS(f *testing.F) {
	for _, seed := range []string{"#ffff00", "000000", "#0b5fff", "#FFF", "#12345g", "#123456;}body{", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, accent string) {
		css, err := BrandCSS(accent)
		if err != nil {
			return
		}
		m := brandCSSShape.FindSubmatch(css)
		if m == nil {
			t.Fatalf("BrandCSS(%q) = %q", accent, css)
		}
		var bg, on, ink int
		fmt.Sscanf(string(m[1]), "%x", &bg)
		fmt.Sscanf(string(m[2]), "%x", &on)
		fmt.Sscanf(string(m[3]), "%x", &ink)
		if contrast(bg, on) < minContrast || contrast(ink, pageBackground) < minContrast {
			t.Fatalf("BrandCSS(%q): text on the accent %.2f:1, accent ink on the page %.2f:1", accent, contrast(bg, on), contrast(ink, pageBackground))
		}
	})
}
