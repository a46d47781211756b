package views

import (
	"fmt"
	"math"
	"regexp"
	"testing"
)

// wcagContrast computes the contrast ratio from scratch, independently of brand.go.
func wcagContrast(a, b string) float64 {
	lum := func(hex string) float64 {
		var r, g, bl int
		fmt.Sscanf(hex, "#%02x%02x%02x", &r, &g, &bl)
		ch := func(v int) float64 {
			c := float64(v) / 255
			if c <= 0.03928 {
				return c / 12.92
			}
			return math.Pow((c+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(r) + 0.7152*ch(g) + 0.0722*ch(bl)
	}
	x, y := lum(a), lum(b)
	if x < y {
		x, y = y, x
	}
	return (x + 0.05) / (y + 0.05)
}

var brandVars = regexp.MustCompile(`^:root\{--accent:(#[0-9a-f]{6});--on-accent:(#[0-9a-f]{6});--accent-ink:(#[0-9a-f]{6})\}\n$`)

func TestBrandCSSKeepsTextReadable(t *testing.T) {
	for _, accent := range []string{
		"#4338ca", "#ffffff", "#000000", "#ffff00", "#777777", "#00ff00", "#ff0000", "#0000ff",
		"#f6f7f9", "#e11d48", "#22c55e", "#767676", "#808080", "ABCDEF", "#3b3f9e",
	} {
		css, err := BrandCSS(accent)
		if err != nil {
			t.Fatalf("%s: %v", accent, err)
		}
		m := brandVars.FindStringSubmatch(string(css))
		if m == nil {
			t.Fatalf("%s: stylesheet = %q", accent, css)
		}
		bg, onAccent, ink := m[1], m[2], m[3]
		if c := wcagContrast(bg, onAccent); c < 4.5 {
			t.Errorf("%s: text %s on the accent has contrast %.2f", accent, onAccent, c)
		}
		for _, surface := range []string{"#ffffff", "#f6f7f9"} {
			if c := wcagContrast(ink, surface); c < 4.5 {
				t.Errorf("%s: ink %s on %s has contrast %.2f", accent, ink, surface, c)
			}
		}
	}
}

func TestBrandCSSKeepsDarkAccentsAsTheyAre(t *testing.T) {
	css, _ := BrandCSS("#4338ca")
	if want := ":root{--accent:#4338ca;--on-accent:#ffffff;--accent-ink:#4338ca}\n"; string(css) != want {
		t.Errorf("BrandCSS(#4338ca) = %q, want %q", css, want)
	}
}

func TestBrandCSSRejectsWhatIsNotAColour(t *testing.T) {
	for _, bad := range []string{"", "#fff", "#gggggg", "red", "#12345678", "#-12345", "};body{"} {
		if _, err := BrandCSS(bad); err == nil {
			t.Errorf("BrandCSS(%q) succeeded", bad)
		}
	}
}
