package views

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// minContrast is WCAG 2.2 AA's contrast for normal text.
const minContrast = 4.5

// The surfaces the merchant's colour is written on as text (portico.css): the page
// background and the cards, in the light scheme and in the dark one. The lighter of the two
// light ones and the lighter of the two dark ones are the harder to reach.
const (
	pageBackground = 0xf6f7f9 // --bg; cards are white, which only raises the contrast
	darkCard       = 0x23262d // --card in the dark scheme; --bg is darker still
)

// BrandCSS is the stylesheet of a merchant's colour ("#rrggbb"). The colour itself marks
// the header (--brand); buttons fill with it (--accent) and links, focus rings and the
// current section are written in it (--ink). A colour too light for white text or
// for text on the page is replaced there by a darker shade of itself (see shade), so a
// yellow brand gets amber links, not olive ones; the dark scheme gets a lighter shade
// instead. Whatever colour a merchant picks, every text pair keeps ≥ 4.5:1.
func BrandCSS(colour string) ([]byte, error) {
	rgb, err := parseHex(colour)
	if err != nil {
		return nil, err
	}
	accent := rgb
	if contrast(rgb, pageBackground) < minContrast {
		accent = shade(rgb, func(c int) bool { return contrast(c, pageBackground) >= minContrast })
	}
	onAccent := 0x000000
	if contrast(accent, 0xffffff) >= contrast(accent, 0x000000) {
		onAccent = 0xffffff
	}
	darkInk := rgb
	if contrast(rgb, darkCard) < minContrast {
		darkInk = tint(rgb, func(c int) bool { return contrast(c, darkCard) >= minContrast })
	}
	return fmt.Appendf(nil, ":root{--brand:#%06x;--accent:#%06x;--on-accent:#%06x;--ink:#%06x}"+
		"@media(prefers-color-scheme:dark){:root{--ink:#%06x}}\n", rgb, accent, onAccent, accent, darkInk), nil
}

// parseHex reads "#rrggbb" or "rrggbb".
func parseHex(s string) (int, error) {
	s = strings.TrimPrefix(s, "#")
	if len(s) != 6 {
		return 0, errors.New("colour must be #rrggbb")
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return 0, errors.New("colour must be #rrggbb")
	}
	return int(v), nil
}

// shade is the lightest darker version of rgb that passes ok: its lightness lowered step by
// step with hue and saturation kept, except that yellows turn towards amber as they darken,
// the way designed palettes darken them. Mixing a yellow with black, or darkening it at its
// own hue, gives olive, which reads as dirty rather than as the brand.
func shade(rgb int, ok func(int) bool) int {
	h, s, l := toHSL(rgb)
	if h >= 40 && h <= 70 {
		h = 32 + (h-40)/3
	}
	for step := l; step > 0; step -= 0.01 {
		if c := fromHSL(h, s, step); ok(c) {
			return c
		}
	}
	return 0x000000
}

// tint is the darkest lighter version of rgb that passes ok, for text on dark surfaces.
func tint(rgb int, ok func(int) bool) int {
	h, s, l := toHSL(rgb)
	for step := l; step < 1; step += 0.01 {
		if c := fromHSL(h, s, step); ok(c) {
			return c
		}
	}
	return 0xffffff
}

// toHSL converts an sRGB colour to hue (degrees), saturation and lightness (0…1).
func toHSL(rgb int) (h, s, l float64) {
	r, g, b := float64(rgb>>16&0xff)/255, float64(rgb>>8&0xff)/255, float64(rgb&0xff)/255
	hi, lo := max(r, g, b), min(r, g, b)
	l = (hi + lo) / 2
	d := hi - lo
	if d == 0 {
		return 0, 0, l
	}
	s = d / (1 - math.Abs(2*l-1))
	switch hi {
	case r:
		h = math.Mod((g-b)/d, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	h *= 60
	if h < 0 {
		h += 360
	}
	return h, s, l
}

// fromHSL converts hue (degrees), saturation and lightness (0…1) to an sRGB colour.
func fromHSL(h, s, l float64) int {
	c := (1 - math.Abs(2*l-1)) * s
	x := c * (1 - math.Abs(math.Mod(h/60, 2)-1))
	var r, g, b float64
	switch {
	case h < 60:
		r, g = c, x
	case h < 120:
		r, g = x, c
	case h < 180:
		g, b = c, x
	case h < 240:
		g, b = x, c
	case h < 300:
		r, b = x, c
	default:
		r, b = c, x
	}
	m := l - c/2
	channel := func(v float64) int { return int(math.Round(math.Min(1, math.Max(0, v+m)) * 255)) }
	return channel(r)<<16 | channel(g)<<8 | channel(b)
}

// contrast is the WCAG contrast ratio of two colours, from 1 to 21.
func contrast(a, b int) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// luminance is WCAG's relative luminance of an sRGB colour.
func luminance(rgb int) float64 {
	linear := func(shift int) float64 {
		c := float64(rgb>>shift&0xff) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*linear(16) + 0.7152*linear(8) + 0.0722*linear(0)
}
