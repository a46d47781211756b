package handlers_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/portico/portico/internal/testdb"
)

// TestCompressionThroughTheRouter: pages, error pages and the API's JSON reach a client
// that accepts gzip compressed, with Vary, and decode to the same body a client without
// gzip gets; pages and error pages go out in one piece with their Content-Length, never
// chunked.
func TestCompressionThroughTheRouter(t *testing.T) {
	f := newBilling(t, testdb.SQLite(t), nil)
	v := f.signIn(t, "en")
	for _, tc := range []struct {
		name, path  string
		status      int
		whole       bool // sent with Content-Length, not chunked
		contentType string
	}{
		{"invoice list", "/portal/invoices", http.StatusOK, true, "text/html; charset=UTF-8"},
		{"error page", "/portal/invoices/inv_missing", http.StatusNotFound, true, "text/html; charset=UTF-8"},
		{"API document", "/v1/openapi.json", http.StatusOK, false, "application/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var bodies [2][]byte
			// identity, not none: Go's client would ask for gzip itself and decode it unseen.
			for i, accept := range []string{"gzip", "identity"} {
				v.header.Set("Accept-Encoding", accept)
				res := v.get(t, tc.path)
				sent, _ := io.ReadAll(res.Body)
				if res.StatusCode != tc.status || res.Header.Get("Content-Type") != tc.contentType || res.Header.Get("Vary") != "Accept-Encoding" {
					t.Fatalf("Accept-Encoding %q: %d %q, Vary %q", accept, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Vary"))
				}
				if tc.whole && (res.TransferEncoding != nil || res.Header.Get("Content-Length") != strconv.Itoa(len(sent))) {
					t.Errorf("Accept-Encoding %q: Transfer-Encoding %q, Content-Length %q for %d bytes; want one piece with its length",
						accept, res.TransferEncoding, res.Header.Get("Content-Length"), len(sent))
				}
				bodies[i] = sent
				if accept == "identity" {
					if res.Header.Get("Content-Encoding") != "" {
						t.Errorf("identity: Content-Encoding %q", res.Header.Get("Content-Encoding"))
					}
					continue
				}
				if res.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("with gzip: Content-Encoding %q", res.Header.Get("Content-Encoding"))
				}
				zr, err := gzip.NewReader(bytes.NewReader(sent))
				if err != nil {
					t.Fatal(err)
				}
				if bodies[i], err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if tc.contentType == "application/json" {
				if !json.Valid(bodies[0]) || !bytes.Equal(bodies[0], bodies[1]) {
					t.Errorf("the gzipped JSON decodes to something else than the plain one")
				}
				return
			}
			// A page carries a per-request CSRF token and request ID; its shape is the same.
			if d := len(bodies[0]) - len(bodies[1]); d < -64 || d > 64 || !bytes.Contains(bodies[0], []byte("</html>")) {
				t.Errorf("the gzipped page (%d bytes) and the plain one (%d bytes) differ", len(bodies[0]), len(bodies[1]))
			}
		})
	}
}
