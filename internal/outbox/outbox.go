// Package outbox works Portico's queues of jobs: rows written in the transaction of the
// change that caused them (a webhook delivery per event and endpoint; next, an email),
// claimed by whichever instance is free, attempted, and retried until they succeed or
// their retry window closes. The Store decides which jobs are due and fair to take; the
// Runner keeps a fixed number of them in flight.
package outbox

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// A Queue is one kind of job.
type Queue interface {
	// Claim takes up to n due jobs for this instance; no other instance gets them while
	// this one works them.
	Claim(ctx context.Context, n int) ([]Job, error)
}

// A Job is one claimed job.
type Job interface {
	// Run attempts the job once and records the outcome. It must return within a bounded
	// time (a webhook attempt: 10 s): the Runner waits for it at shutdown.
	Run(ctx context.Context)
}

// Slots is how many jobs an instance has in flight at most, across its queues.
const Slots = 16

// pollInterval is how often an idle Runner looks for due jobs.
const pollInterval = 250 * time.Millisecond

// Runner works queues with at most Slots jobs in flight: whenever one finishes it claims
// more, and when none are due it looks again every pollInterval.
type Runner struct {
	queues []Queue
	log    *slog.Logger
	slots  int
	poll   time.Duration
}

// NewRunner returns a Runner of queues; it starts with Run.
func NewRunner(log *slog.Logger, queues ...Queue) *Runner {
	return &Runner{queues: queues, log: log, slots: Slots, poll: pollInterval}
}

// Run works the queues until ctx ends, then waits for the jobs in flight: they finish
// rather than being cut short, so a receiver never gets a job twice because of a restart.
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	finished := make(chan struct{}, r.slots)
	tick := time.NewTicker(r.poll)
	defer tick.Stop()
	inFlight, first := 0, 0
	for {
		// Each pass shares the free slots among the queues, starting one further along
		// each time; what one queue leaves, the next may take. No kind of job starves
		// another.
		for i := range r.queues {
			free := r.slots - inFlight
			if free == 0 || ctx.Err() != nil {
				break
			}
			queuesLeft := len(r.queues) - i
			q := r.queues[(first+i)%len(r.queues)]
			jobs, err := q.Claim(ctx, (free+queuesLeft-1)/queuesLeft)
			if err != nil {
				if ctx.Err() == nil {
					r.log.Error("claim jobs", "err", err)
				}
				continue
			}
			for _, job := range jobs {
				inFlight++
				wg.Go(func() {
					job.Run(context.WithoutCancel(ctx))
					finished <- struct{}{}
				})
			}
		}
		first++
		select {
		case <-ctx.Done():
			return
		case <-finished:
			inFlight--
		case <-tick.C:
		}
	}
}
