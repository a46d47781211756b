package views

import (
	"fmt"
	"testing"
)

// FuzzBrandCSS: whatever a merchant sends as its colour, the stylesheet is five hex colours
// and nothing else, and every text pair keeps WCAG AA contrast in both colour schemes.
func FuzzBrandCSS(f *testing.F) {
	for _, seed := range []string{"#ffff00", "000000", "#0b5fff", "#FFF", "#12345g", "#123456;}body{", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, colour string) {
		css, err := BrandCSS(colour)
		if err != nil {
			return
		}
		m := brandVars.FindStringSubmatch(string(css))
		if m == nil {
			t.Fatalf("BrandCSS(%q) = %q", colour, css)
		}
		var fill, on, ink, darkInk int
		fmt.Sscanf(m[2][1:], "%x", &fill)
		fmt.Sscanf(m[3][1:], "%x", &on)
		fmt.Sscanf(m[4][1:], "%x", &ink)
		fmt.Sscanf(m[5][1:], "%x", &darkInk)
		if contrast(fill, on) < minContrast || contrast(ink, pageBackground) < minContrast || contrast(darkInk, darkCard) < minContrast {
			t.Fatalf("BrandCSS(%q): button text %.2f:1, ink on the page %.2f:1, dark ink %.2f:1",
				colour, contrast(fill, on), contrast(ink, pageBackground), contrast(darkInk, darkCard))
		}
	})
}
