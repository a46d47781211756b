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

// pageBackground is the lightest surface the accent is written on as text (portico.css's
// --bg; cards are white, which only raises the contrast).
const pageBackground = 0xf6f7f9

// BrandCSS is the stylesheet of a merchant's accent colour ("#rrggbb"): the accent as a
// background, a text colour that reads on it, and the accent darkened as far as needed to
// read as text on the page. Whatever colour a merchant picks, every pair keeps ≥ 4.5:1.
func BrandCSS(accent string) ([]byte, error) {
	rgb, err := parseHex(accent)
	if err != nil {
		return nil, err
	}
	onAccent := 0x000000
	if contrast(rgb, 0xffffff) >= contrast(rgb, 0x000000) {
		onAccent = 0xffffff
	}
	ink := rgb
	for step := 1; contrast(ink, pageBackground) < minContrast; step++ {
		ink = darken(rgb, float64(step)/20)
	}
	return fmt.Appendf(nil, ":root{--accent:#%06x;--on-accent:#%06x;--accent-ink:#%06x}\n", rgb, onAccent, ink), nil
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

// darken mixes rgb with black by share (0…1).
func darken(rgb int, share float64) int {
	channel := func(shift int) int {
		return int(math.Round(float64(rgb>>shift&0xff) * (1 - share)))
	}
	return channel(16)<<16 | channel(8)<<8 | channel(0)
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
