package handlers

import (
	"runtime"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/portico/portico/views"
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

// A year's invoice archive keeps a core busy for as long as it streams (a PDF takes a few
// milliseconds; a year may hold thousands). Each session may ask for archivesPerMinute; at
// most archivesAtOnce are built at once, half the cores (at least one), so pages stay quick
// while archives stream; one more waits up to archiveWait for its turn, then gets a 503.
const (
	archivesPerMinute = 5
	archiveWait       = 2 * time.Second
)

var archivesAtOnce = max(1, runtime.GOMAXPROCS(0)/2)

// An invoice's PDF takes a core for about 6 ms and holds a few megabytes while it is made
// (fpdf parses the font and opens a zlib writer for each stream, for every document): 256
// downloads made all at once took the server to 187 MB. At most pdfsAtOnce are made at a
// time, the portal's and the API's alike: two per core, so one can read the database while
// the other renders, served as many a second as with no limit (one per core: 10 % fewer)
// in 108 MB. The rest wait up to pdfWait for their turn.
const pdfWait = 5 * time.Second

var pdfsAtOnce = 2 * runtime.GOMAXPROCS(0)

// hasOwnDeadline reports whether a request is exempt from the request deadline: probes need
// none, and the invoice archive streams for longer under a deadline of its own.
func hasOwnDeadline(c echo.Context) bool {
	return isHealthCheck(c) || c.Path() == views.PortalPrefix+views.InvoiceArchiveRoute
}

// never exempts no request.
func never(echo.Context) bool { return false }
