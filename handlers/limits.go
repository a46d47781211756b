package handlers

import (
	"time"

	"github.com/labstack/echo/v4"
)

// The defaults of admission control, sized for this 2-core class of machine: 256 requests
// in flight keep both cores and the database busy (a portal page takes about 0.2 ms of CPU),
// and a queue longer than that only adds latency.
const (
	DefaultMaxInFlight    = 256
	DefaultRequestTimeout = 10 * time.Second
)

// HeaderLimit is the largest request header Portico reads, answered with 431 beyond.
// ServerMaxHeaderBytes is net/http's own hard limit, set above ours: net/http answers past
// it with a bare plain-text 431 before any handler runs (no security headers, no request
// ID; its body is fixed text that echoes nothing of the request), so keeping ours lower
// means nearly every oversized header gets Portico's full answer instead.
const (
	HeaderLimit          = 64 << 10
	ServerMaxHeaderBytes = 2 * HeaderLimit
)

// portalPostsPerMinute is each portal session's allowance of form submissions: far above
// what a person clicks, low enough that a script cannot fill the database through a session.
const portalPostsPerMinute = 30

// isHealthCheck reports whether a request is a load balancer's or orchestrator's probe.
func isHealthCheck(c echo.Context) bool {
	p := c.Request().URL.Path
	return p == "/healthz" || p == "/readyz"
}
