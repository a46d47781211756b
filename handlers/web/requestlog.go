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
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("method", v.Method),
				slog.String("path", RedactedPath(v.URIPath)),
				slog.Int("status", ResponseStatus(c, v.Error)),
				slog.Float64("ms", float64(v.Latency.Microseconds())/1000),
				slog.String("ip", v.RemoteIP),
				slog.String("request_id", v.RequestID),
			)
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
