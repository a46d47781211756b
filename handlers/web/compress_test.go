package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"
	"github.com/portico/portico/handlers/web"
)

var (
	bigJSON   = `{"data":"` + strings.Repeat("invoice ", 400) + `"}`
	smallJSON = `{"ok":true}`
	bigHTML   = "<!doctype html><p>" + strings.Repeat("Rechnung ", 400) + "</p>"
)

// served is what a client saw: status, headers, and the body as sent and as decoded.
type served struct {
	status  int
	header  http.Header
	sent    []byte
	decoded string
}

func serve(t *testing.T, e *echo.Echo, method, path, acceptEncoding string) served {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	s := served{status: rec.Code, header: rec.Header(), sent: rec.Body.Bytes(), decoded: rec.Body.String()}
	if s.header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(s.sent))
		if err != nil {
			t.Fatalf("%s %s: Content-Encoding gzip, but %v", method, path, err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		s.decoded = string(body)
	}
	return s
}

func newCompressingEcho() *echo.Echo {
	e := echo.New()
	e.Use(web.Compress)
	e.GET("/big.json", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, []byte(bigJSON)) })
	e.HEAD("/big.json", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, []byte(bigJSON)) })
	e.GET("/small.json", func(c echo.Context) error { return c.JSONBlob(http.StatusOK, []byte(smallJSON)) })
	e.GET("/encoded", func(c echo.Context) error {
		c.Response().Header().Set("Content-Encoding", "br")
		return c.Blob(http.StatusOK, "text/css", []byte(bigJSON))
	})
	e.GET("/image.png", func(c echo.Context) error { return c.Blob(http.StatusOK, "image/png", []byte(bigJSON)) })
	e.GET("/not-modified", func(c echo.Context) error { return c.NoContent(http.StatusNotModified) })
	e.GET("/streamed", func(c echo.Context) error {
		c.Response().Header().Set("Content-Type", "text/plain")
		c.Response().Write([]byte("first "))
		c.Response().Flush()
		_, err := c.Response().Write([]byte("second"))
		return err
	})
	e.GET("/failed", func(c echo.Context) error { return echo.NewHTTPError(http.StatusTeapot, strings.Repeat("x", 2000)) })
	e.GET("/page", func(c echo.Context) error {
		return web.Render(c, http.StatusOK, templ.Raw(bigHTML))
	})
	e.GET("/small-page", func(c echo.Context) error {
		return web.Render(c, http.StatusNotFound, templ.Raw("<p>gone</p>"))
	})
	e.GET("/broken-page", func(c echo.Context) error {
		return web.Render(c, http.StatusOK, templ.ComponentFunc(func(_ context.Context, w io.Writer) error {
			w.Write([]byte(bigHTML))
			return errors.New("the template failed halfway")
		}))
	})
	return e
}

func TestCompression(t *testing.T) {
	e := newCompressingEcho()
	for _, tc := range []struct {
		name, method, path, accept string
		status                     int
		encoding                   string // the Content-Encoding wanted
		body                       string // decoded
	}{
		{"large JSON", http.MethodGet, "/big.json", "gzip, deflate, br", http.StatusOK, "gzip", bigJSON},
		{"large JSON, gzip refused", http.MethodGet, "/big.json", "gzip;q=0, br", http.StatusOK, "", bigJSON},
		{"large JSON, gzip by wildcard", http.MethodGet, "/big.json", "*;q=0.5", http.StatusOK, "gzip", bigJSON},
		{"large JSON, no Accept-Encoding", http.MethodGet, "/big.json", "", http.StatusOK, "", bigJSON},
		{"HEAD", http.MethodHead, "/big.json", "gzip", http.StatusOK, "", bigJSON},
		{"small JSON", http.MethodGet, "/small.json", "gzip", http.StatusOK, "", smallJSON},
		{"encoded already", http.MethodGet, "/encoded", "gzip", http.StatusOK, "br", bigJSON},
		{"an image", http.MethodGet, "/image.png", "gzip", http.StatusOK, "", bigJSON},
		{"304", http.MethodGet, "/not-modified", "gzip", http.StatusNotModified, "", ""},
		{"flushed midway", http.MethodGet, "/streamed", "gzip", http.StatusOK, "gzip", "first second"},
		{"error answered after the middleware", http.MethodGet, "/failed", "gzip", http.StatusTeapot, "", `{"message":"` + strings.Repeat("x", 2000) + `"}` + "\n"},
		{"page", http.MethodGet, "/page", "gzip", http.StatusOK, "gzip", bigHTML},
		{"page, no Accept-Encoding", http.MethodGet, "/page", "", http.StatusOK, "", bigHTML},
		{"small page", http.MethodGet, "/small-page", "gzip", http.StatusNotFound, "", "<p>gone</p>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, e, tc.method, tc.path, tc.accept)
			if s.status != tc.status || s.header.Get("Content-Encoding") != tc.encoding {
				t.Fatalf("%d, Content-Encoding %q; want %d, %q", s.status, s.header.Get("Content-Encoding"), tc.status, tc.encoding)
			}
			if tc.method == http.MethodGet && s.decoded != tc.body {
				t.Errorf("decoded body = %.80q…, want %.80q…", s.decoded, tc.body)
			}
			if vary := s.header.Values("Vary"); len(vary) != 1 || vary[0] != "Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept-Encoding once", vary)
			}
			if cl := s.header.Get("Content-Length"); cl != "" && cl != strconv.Itoa(len(s.sent)) && tc.method == http.MethodGet {
				t.Errorf("Content-Length %s, but %d bytes were sent", cl, len(s.sent))
			}
		})
	}
}

// TestRenderWritesOnceWithLength: a page goes out in one write with the Content-Length of
// what is sent, compressed or not, and a page that fails to render is not sent at all, so
// the error handler can still answer.
func TestRenderWritesOnceWithLength(t *testing.T) {
	e := newCompressingEcho()
	for _, accept := range []string{"gzip", ""} {
		s := serve(t, e, http.MethodGet, "/page", accept)
		if s.header.Get("Content-Length") != strconv.Itoa(len(s.sent)) || s.header.Get("Content-Type") != "text/html; charset=UTF-8" {
			t.Errorf("page (Accept-Encoding %q): Content-Length %q for %d bytes, Content-Type %q",
				accept, s.header.Get("Content-Length"), len(s.sent), s.header.Get("Content-Type"))
		}
	}
	s := serve(t, e, http.MethodGet, "/broken-page", "gzip")
	if s.status != http.StatusInternalServerError || strings.Contains(s.decoded, "Rechnung") {
		t.Errorf("a failed render: %d %.80q, want a 500 without the half page", s.status, s.decoded)
	}
}
