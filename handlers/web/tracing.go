package web

import (
	"context"
	"net/url"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/contrib/instrumentation/github.com/labstack/echo/otelecho"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

type realURLKey struct{}

// Tracing starts an OpenTelemetry span for every request, named by its route pattern and
// continuing the caller's trace (W3C traceparent). With a nil provider it does nothing, so
// tracing that is off costs nothing.
//
// The instrumentation records the request's path as an attribute; a portal link's token must
// not reach a trace backend any more than a log, so it is shown the redacted path while the
// handlers keep the real one.
func Tracing(tp trace.TracerProvider) echo.MiddlewareFunc {
	if tp == nil {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	traced := otelecho.Middleware("portico",
		otelecho.WithTracerProvider(tp),
		otelecho.WithPropagators(propagation.TraceContext{}),
	)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		inner := traced(func(c echo.Context) error {
			if real, ok := c.Request().Context().Value(realURLKey{}).(*url.URL); ok {
				c.Request().URL = real
			}
			return next(c)
		})
		return func(c echo.Context) error {
			r := c.Request()
			redacted := RedactedPath(r.URL.Path)
			if redacted == r.URL.Path {
				return inner(c)
			}
			shown := *r.URL
			shown.Path, shown.RawPath = redacted, ""
			seen := r.WithContext(context.WithValue(r.Context(), realURLKey{}, r.URL))
			seen.URL = &shown
			c.SetRequest(seen)
			defer c.SetRequest(r)
			return inner(c)
		}
	}
}

// TraceID is the ID of the trace a request belongs to, empty when it is not traced.
func TraceID(ctx context.Context) string {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		return sc.TraceID().String()
	}
	return ""
}
