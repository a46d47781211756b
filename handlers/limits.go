package handlers

import (
	"runtime"
	"time"

	"github.com/labstack/echo/v4"
)

// The defaults of admission control. A portal page takes about half a millisecond of CPU,
// so 32 requests in flight per CPU keep every core busy (requests also wait on the
// database) while the last one admitted still finishes in tens of milliseconds; a request
// beyond waits at most admissionWait for a place.
var DefaultMaxInFlight = 32 * runtime.GOMAXPROCS(0)

// DefaultRequestTimeout is the default deadline of one request.
const DefaultRequestTimeout = 10 * time.Second

// admissionWait is how long a request beyond the cap waits for a place before its 503.
const admissionWait = 100 * time.Millisecond

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
