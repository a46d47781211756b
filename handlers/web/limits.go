package web

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"
)

// RateLimit allows perMinute requests per key (bursts of as many) and answers the rest with
// 429 and Retry-After, a page or JSON as the path asks. Requests exempt answers are not
// counted.
func RateLimit(perMinute int, key func(echo.Context) string, exempt func(echo.Context) bool) echo.MiddlewareFunc {
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Skipper: exempt,
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 3 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return key(c), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, 60/perMinute)))
			return echo.ErrTooManyRequests
		},
	})
}

// IsRead reports whether a request only reads (GET or HEAD).
func IsRead(c echo.Context) bool {
	m := c.Request().Method
	return m == http.MethodGet || m == http.MethodHead
}

// FailureLimiter counts failures (bad credentials, say) per key, such as a client IP, and
// blocks a key whose failures outrun the allowance, before it costs anything more. Success
// is free: only failures spend it.
type FailureLimiter struct {
	perMinute int
	mu        sync.Mutex
	keys      map[string]*rate.Limiter
	swept     time.Time
}

// NewFailureLimiter allows each key perMinute failures a minute, in bursts of as many.
func NewFailureLimiter(perMinute int) *FailureLimiter {
	return &FailureLimiter{perMinute: perMinute, keys: make(map[string]*rate.Limiter)}
}

// Blocked reports whether key has no failure left to spend, and how long until it has one.
func (l *FailureLimiter) Blocked(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.keys[key]
	if !ok {
		return false, 0
	}
	tokens := lim.TokensAt(time.Now())
	if tokens >= 1 {
		return false, 0
	}
	return true, time.Duration((1 - tokens) / float64(lim.Limit()) * float64(time.Second))
}

// Fail spends one of key's failures.
func (l *FailureLimiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.sweep(now)
	lim, ok := l.keys[key]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.keys[key] = lim
	}
	lim.AllowN(now, 1)
}

// sweep forgets, once a minute, the keys whose allowance has refilled: they are as good as
// new, so memory holds only the keys that failed lately.
func (l *FailureLimiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	for key, lim := range l.keys {
		if lim.TokensAt(now) >= float64(l.perMinute) {
			delete(l.keys, key)
		}
	}
}
