package web

import (
	"log/slog"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// RedactedPath is a request path fit for logs: portal link tokens are secrets.
func RedactedPath(path string) string {
	if len(path) > len("/p/") && path[:3] == "/p/" {
		return "/p/[redacted]"
	}
	return path
}

// RequestLogger logs one line per request, with the request ID and never a token.
func RequestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus:    true,
		LogMethod:    true,
		LogURIPath:   true,
		LogLatency:   true,
		LogRemoteIP:  true,
		LogRequestID: true,
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("method", v.Method),
				slog.String("path", RedactedPath(v.URIPath)),
				slog.Int("status", v.Status),
				slog.Float64("ms", float64(v.Latency.Microseconds())/1000),
				slog.String("ip", v.RemoteIP),
				slog.String("request_id", v.RequestID),
			)
			return nil
		},
	})
}
