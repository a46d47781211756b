package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
)

// CodeOverloaded is the API error code of a request refused because Portico is serving as
// many as it may at once.
const CodeOverloaded = "overloaded"

// retryAfterOverload is what a refused client is told to wait: long enough for the requests
// in flight to finish, short enough that a person hardly notices.
const retryAfterOverload = time.Second

// Admission caps the requests served at once at limit. A request beyond it waits up to
// wait for a place, then is refused with 503 and Retry-After (JSON under /v1, a page
// elsewhere) instead of joining a queue that grows without bound: past capacity every queued
// request only makes every other one later, while a quick refusal lets clients and load
// balancers go elsewhere or come back. The short wait absorbs bursts, and keeps clients that
// retry at once from spending the CPU on refusals. Requests exempt answers (health checks)
// are always served.
func Admission(limit int, wait time.Duration, exempt func(echo.Context) bool) echo.MiddlewareFunc {
	slots := make(chan struct{}, limit)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if exempt(c) {
				return next(c)
			}
			select {
			case slots <- struct{}{}:
			default:
				if err := waitForSlot(c.Request().Context(), slots, wait); err != nil {
					return unavailable(c, CodeOverloaded, "Portico is serving as many requests as it can; retry after the seconds in Retry-After.")
				}
			}
			defer func() { <-slots }()
			return next(c)
		}
	}
}

// waitForSlot takes a place in slots within wait, or fails.
func waitForSlot(ctx context.Context, slots chan struct{}, wait time.Duration) error {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case slots <- struct{}{}:
		return nil
	case <-timer.C:
		return errFull
	case <-ctx.Done():
		return ctx.Err()
	}
}

var errFull = errors.New("no place within the wait")

// Deadline gives each request timeout to finish: the database calls it makes stop when it
// passes, and the client gets 503 with Retry-After instead of waiting on. The deadline bounds
// the work, not the answer: an error is answered (by the error handler, after this returns)
// under the request's context without the deadline, so even the 503 page renders.
func Deadline(timeout time.Duration, exempt func(echo.Context) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if exempt(c) {
				return next(c)
			}
			ctx, cancel := context.WithTimeout(c.Request().Context(), timeout)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			err := next(c)
			if err == nil {
				return nil
			}
			// The error is answered after this returns: keep what the handlers put in the
			// context (the page, the span), drop the deadline.
			c.SetRequest(c.Request().WithContext(context.WithoutCancel(c.Request().Context())))
			if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
				return unavailable(c, "timeout", "The request took longer than Portico allows; retry after the seconds in Retry-After.")
			}
			return err
		}
	}
}

// unavailable is a 503 that says when to come back.
func unavailable(c echo.Context, code, message string) error {
	c.Response().Header().Set("Retry-After", strconv.Itoa(int(retryAfterOverload/time.Second)))
	return &APIError{Status: http.StatusServiceUnavailable, Type: TypeAPI, Code: code, Message: message}
}

// HeaderLimit answers 431 Request Header Fields Too Large, through the error handler and so
// with every security header, to a request whose request line and header exceed limit bytes
// (counted as they travel, near enough).
func HeaderLimit(limit int) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			size := len(r.Method) + len(r.RequestURI) + len(r.Proto) + len(r.Host) + 12
			for name, values := range r.Header {
				for _, v := range values {
					size += len(name) + len(v) + 4
				}
			}
			if size > limit {
				return echo.NewHTTPError(http.StatusRequestHeaderFieldsTooLarge)
			}
			return next(c)
		}
	}
}
