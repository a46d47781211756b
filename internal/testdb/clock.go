package testdb

import (
	"sync"
	"time"
)

// Clock is a Store clock for tests (models.WithClock(c.Now)): it starts at the wall
// clock's time and moves only when the test advances it, so a test skips a retry's backoff
// or a lease's lapse without sleeping.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a Clock set to now.
func NewClock() *Clock { return &Clock{t: time.Now()} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
