package models

import (
	"strings"
	"testing"
)

// FuzzFrameAncestor: a source the allow-list accepts is exactly one CSP host source, so it
// can never end the frame-ancestors directive, start another, or widen it to everything.
func FuzzFrameAncestor(f *testing.F) {
	for _, seed := range []string{
		"https://shop.example", "*.acme.example", "http://localhost:3000", "shop.example:8443",
		"*", "'self'", "https://a.example/path", "*.co.uk", "https://shop.example;script-src", "HTTPS://SHOP.EXAMPLE",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if checkFrameAncestor(src) != "" {
			return
		}
		for _, r := range src {
			if r <= 0x20 || r >= 0x7f || strings.ContainsRune(`;,'"\`, r) {
				t.Fatalf("accepted %q with %q in it", src, r)
			}
		}
		rest := strings.ToLower(src)
		if scheme, host, ok := strings.Cut(rest, "://"); ok {
			if scheme != "https" && scheme != "http" {
				t.Fatalf("accepted %q: scheme %q", src, scheme)
			}
			rest = host
		}
		if strings.ContainsAny(rest, "/?#@") || strings.Contains(strings.TrimPrefix(rest, "*."), "*") {
			t.Fatalf("accepted %q: a path, query, credentials or a wildcard past the leftmost label", src)
		}
		if checkFrameAncestor(strings.ToLower(src)) != "" {
			t.Fatalf("accepted %q but not its lowercase form, which is what is stored", src)
		}
	})
}
