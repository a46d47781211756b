package web

import (
	"log/slog"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// RedactedPath is a request path fit for logs and traces: portal link tokens are secrets.
// Whatever follows a "p" segment (in any case, after any number of slashes: /p/, //p/,
// /P/) is cut, and so is any segment shaped like a token or an API key, wherever it stands.
func RedactedPath(path string) string {
	segments := strings.Split(path, "/")
	for i, seg := range segments {
		switch {
		case strings.EqualFold(seg, "p") && i+1 < len(segments) && strings.Join(segments[i+1:], "") != "":
			return strings.Join(segments[:i+1], "/") + "/[redacted]"
		case tokenShaped(seg):
			segments[i] = "[redacted]"
		}
	}
	return strings.Join(segments, "/")
}

// tokenShaped reports whether a path segment looks like a secret: 40 or more characters of
// the base64url alphabet (link tokens and API key secrets have 43; Portico's IDs have 30).
func tokenShaped(seg string) bool {
	if len(seg) < 40 {
		return false
	}
	for _, r := range seg {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// RequestLogger logs one line per request, with the request ID and never a token. It hands
// a returned error to the error handler itself (HandleError), so the line carries the status
// the client got, not the 200 a response starts with.
func RequestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError:  true,
		LogStatus:    true,
		LogError:     true,
		LogMethod:    true,
		LogURIPath:   true,
		LogLatency:   true,
		LogRemoteIP:  true,
		LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			if !log.Enabled(c.Request().Context(), slog.LevelInfo) {
				return nil // a quieter level than requests' own: no line to build
			}
			attrs := []slog.Attr{
				slog.String("method", v.Method),
				slog.String("path", RedactedPath(v.URIPath)),
				slog.Int("status", ResponseStatus(c, v.Error)),
				slog.Float64("ms", float64(v.Latency.Microseconds())/1000),
				slog.String("ip", v.RemoteIP),
				slog.String("request_id", v.RequestID),
			}
			if id := TraceID(c.Request().Context()); id != "" {
				attrs = append(attrs, slog.String("trace_id", id))
			}
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request", attrs...)
			return nil
		},
	})
}

// ResponseStatus is the status of a request's response: what was sent, or, when nothing
// was sent yet, what err will become.
func ResponseStatus(c echo.Context, err error) int {
	if res := c.Response(); res.Committed || err == nil {
		return res.Status
	}
	return Describe(err).Status
}
