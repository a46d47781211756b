package handlers

import "strings"

// brandStylesheetPath is the URL of a merchant's colours. It names the colour itself, so the
// stylesheet needs no database lookup, can be cached for a year, and changes URL when the
// merchant changes colour.
func brandStylesheetPath(accent string) string {
	return "/brand/" + strings.ToLower(strings.TrimPrefix(accent, "#")) + ".css"
}
