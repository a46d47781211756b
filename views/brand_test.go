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

// brandVars is the brand stylesheet's shape: the colour, the button fill and its text, the
// ink on the page, and the ink in the dark scheme.
var brandVars = regexp.MustCompile(`^:root\{--brand:(#[0-9a-f]{6});--accent:(#[0-9a-f]{6});--on-accent:(#[0-9a-f]{6});--ink:(#[0-9a-f]{6})\}` +
	`@media\(prefers-color-scheme:dark\)\{:root\{--ink:(#[0-9a-f]{6})\}\}\n$`)

// The surfaces portico.css puts text on: the light scheme's page and cards, the dark one's.
var (
	lightSurfaces = []string{"#ffffff", "#f6f7f9"}
	darkSurfaces  = []string{"#16181d", "#23262d"}
)

func TestBrandCSSKeepsTextReadable(t *testing.T) {
	for _, colour := range []string{
		"#4338ca", "#ffffff", "#000000", "#ffff00", "#ffd400", "#777777", "#00ff00", "#ff0000", "#0000ff",
		"#f6f7f9", "#e11d48", "#22c55e", "#767676", "#808080", "ABCDEF", "#3b3f9e", "#16181d",
	} {
		css, err := BrandCSS(colour)
		if err != nil {
			t.Fatalf("%s: %v", colour, err)
		}
		m := brandVars.FindStringSubmatch(string(css))
		if m == nil {
			t.Fatalf("%s: stylesheet = %q", colour, css)
		}
		fill, onFill, ink, darkInk := m[2], m[3], m[4], m[5]
		if c := wcagContrast(fill, onFill); c < 4.5 {
			t.Errorf("%s: button text %s on %s has contrast %.2f", colour, onFill, fill, c)
		}
		for _, surface := range lightSurfaces {
			if c := wcagContrast(ink, surface); c < 4.5 {
				t.Errorf("%s: ink %s on %s has contrast %.2f", colour, ink, surface, c)
			}
		}
		for _, surface := range darkSurfaces {
			if c := wcagContrast(darkInk, surface); c < 4.5 {
				t.Errorf("%s: dark-scheme ink %s on %s has contrast %.2f", colour, darkInk, surface, c)
			}
		}
	}
}

func TestBrandCSSKeepsDarkAccentsAsTheyAre(t *testing.T) {
	css, _ := BrandCSS("#4338ca")
	if m := brandVars.FindStringSubmatch(string(css)); m == nil || m[1] != "#4338ca" || m[2] != "#4338ca" || m[3] != "#ffffff" || m[4] != "#4338ca" {
		t.Errorf("BrandCSS(#4338ca) = %q: want the colour itself for buttons and links", css)
	}
}

// TestBrandCSSDarkensLightAccentsIntoTheirOwnShade: a light yellow gets amber links and
// buttons — its own hue turned towards orange, as designed palettes darken yellow — not the
// olive that mixing it with black gives; a light blue stays blue.
func TestBrandCSSDarkensLightAccentsIntoTheirOwnShade(t *testing.T) {
	for _, tc := range []struct {
		colour         string
		minHue, maxHue float64
	}{
		{"#ffd400", 25, 45},   // amber, not olive (≈ 50–60° at low lightness)
		{"#ffff00", 25, 45},   // same
		{"#7dd3fc", 190, 205}, // a light sky blue stays sky blue
		{"#f9a8d4", 320, 335}, // a light pink stays pink
	} {
		css, _ := BrandCSS(tc.colour)
		m := brandVars.FindStringSubmatch(string(css))
		rgb, _ := parseHex(m[4])
		h, s, _ := toHSL(rgb)
		if h < tc.minHue || h > tc.maxHue || s < 0.5 || m[2] != m[4] || m[3] != "#ffffff" {
			t.Errorf("%s: ink %s has hue %.0f° and saturation %.2f, want %.0f–%.0f° and saturated, filling buttons with white text", tc.colour, m[4], h, s, tc.minHue, tc.maxHue)
		}
		if m[1] != tc.colour {
			t.Errorf("%s: --brand = %s, want the colour as chosen", tc.colour, m[1])
		}
	}
}

func TestBrandCSSRejectsWhatIsNotAColour(t *testing.T) {
	for _, bad := range []string{"", "#fff", "#gggggg", "red", "#12345678", "#-12345", "};body{"} {
		if _, err := BrandCSS(bad); err == nil {
			t.Errorf("BrandCSS(%q) succeeded", bad)
		}
	}
}

func TestHSLRoundTrips(t *testing.T) {
	for _, rgb := range []int{0x000000, 0xffffff, 0xffd400, 0x3b3f9e, 0x22c55e, 0xe11d48, 0x7f7f7f} {
		if got := fromHSL(toHSL(rgb)); got != rgb {
			t.Errorf("%06x → HSL → %06x", rgb, got)
		}
	}
}
