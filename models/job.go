package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// JobStatus is where a queued job stands.
type JobStatus string

// The states of a job. A job is pending until an attempt succeeds (delivered) or its retry
// window closes (failed); a merchant can send a finished job round again.
const (
	JobPending   JobStatus = "pending"
	JobDelivered JobStatus = "delivered"
	JobFailed    JobStatus = "failed"
)

// JobState is what the row of every queued job carries — a webhook delivery; next, an
// email — so one claim and one retry policy serve every kind of job. The job is written in
// the transaction of the change that caused it; any number of Portico instances then work
// the queue, each job by one instance at a time.
type JobState struct {
	State    JobStatus
	Attempts int
	// NextAttemptAt is when the job is due; while an instance holds it, when that claim
	// lapses (an instance that dies mid-attempt leaves the job to the others then).
	NextAttemptAt time.Time
	// GiveUpAt closes the retry window: no attempt is scheduled after it.
	GiveUpAt time.Time
	// ClaimedBy is the claim of the instance working the job; empty when none is.
	ClaimedBy  string
	LastError  string
	FinishedAt *time.Time
}

// Retry timings shared by every kind of job.
const (
	// RetryWindow is how long a job is retried before it fails for good.
	RetryWindow = 72 * time.Hour
	// firstRetryDelay is the wait after the first failed attempt; each later one doubles,
	// up to maxRetryDelay: 30 s, 1 min, 2 min … 4 h 16 min, then every 6 h.
	firstRetryDelay = 30 * time.Second
	maxRetryDelay   = 6 * time.Hour
	// claimLease is how long a claim holds a job. An attempt takes at most seconds; the
	// margin covers recording its outcome.
	claimLease = time.Minute
	// jobErrorMaxLen bounds the last error kept on a job.
	jobErrorMaxLen = 1000
)

// RetryDelay is the wait before the attempt that follows attempts failed ones.
func RetryDelay(attempts int) time.Duration {
	return min(firstRetryDelay<<min(max(attempts-1, 0), 20), maxRetryDelay)
}

// newJobState is a job that is due at once and retried for RetryWindow.
func newJobState(now time.Time) JobState {
	return JobState{State: JobPending, NextAttemptAt: now, GiveUpAt: now.Add(RetryWindow)}
}

// jobQueue is a table of jobs, as the claim sees it. Jobs share a lane (a webhook
// endpoint) when they go to the same receiver: a lane has at most a few jobs in flight, so
// one slow receiver cannot take every worker.
type jobQueue struct {
	table string
	lane  string // the column naming a job's lane
	// gate joins what decides which lanes may run now (as alias g); it may be empty.
	gate string
	// laneLimit is an SQL expression (over g) for how many jobs a lane may have in flight.
	laneLimit string
}

// claimAdvisoryLock serializes claims across instances sharing one PostgreSQL, so the
// in-flight count per lane that a claim reads is exact. SQLite has one writer anyway.
const claimAdvisoryLock = 7_440_221_010

// claimJobs claims up to n due jobs of q for one instance and returns the claim: the token
// the claimed rows now carry. Jobs are taken fairly: at most laneLimit in flight per lane,
// and merchants in turn — each merchant's oldest due job first, then each one's second —
// so a merchant with a backlog does not hold up another's single event.
func (s *Store) claimJobs(ctx context.Context, q jobQueue, n int) (string, error) {
	claim := newID("clm")
	now := s.Now()
	err := s.writeTx(ctx, func(tx *gorm.DB) error {
		if s.db.Dialect == Postgres {
			// A claim lost in a crash costs nothing (the job is claimed again), so its
			// commit need not wait for the disk.
			if err := tx.Exec("SET LOCAL synchronous_commit = off").Error; err != nil {
				return err
			}
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?)", claimAdvisoryLock).Error; err != nil {
				return err
			}
		}
		var ids []string
		err := tx.Raw(q.claimSQL(), map[string]any{"now": now, "n": n, "pending": JobPending}).Scan(&ids).Error
		if err != nil || len(ids) == 0 {
			return err
		}
		// The conditions again: a row another instance claimed in between is left alone.
		return tx.Table(q.table).Where("id IN ? AND state = ? AND next_attempt_at <= ?", ids, JobPending, now).
			Updates(map[string]any{
				"claimed_by": claim, "next_attempt_at": now.Add(claimLease),
				"attempts": gorm.Expr("attempts + 1"), "updated_at": now,
			}).Error
	})
	return claim, err
}

// claimSQL selects the ids of the jobs a claim takes, in the order it takes them.
func (q jobQueue) claimSQL() string {
	return strings.NewReplacer("{table}", q.table, "{lane}", q.lane, "{gate}", q.gate, "{lane_limit}", q.laneLimit).Replace(`
WITH busy AS (
	SELECT {lane} AS lane, count(*) AS n FROM {table}
	WHERE claimed_by > '' AND state = @pending AND next_attempt_at > @now
	GROUP BY {lane}
), due AS (
	SELECT j.id, j.merchant_id, j.next_attempt_at, {lane_limit} AS lane_limit,
		coalesce(b.n, 0) + row_number() OVER (PARTITION BY j.{lane} ORDER BY j.next_attempt_at, j.id) AS lane_slot
	FROM {table} j {gate}
	LEFT JOIN busy b ON b.lane = j.{lane}
	WHERE j.state = @pending AND j.next_attempt_at <= @now
), turns AS (
	SELECT id, next_attempt_at,
		row_number() OVER (PARTITION BY merchant_id ORDER BY lane_slot, next_attempt_at, id) AS turn
	FROM due WHERE lane_slot <= lane_limit
)
SELECT id FROM turns ORDER BY turn, next_attempt_at, id LIMIT @n`)
}

// AttemptResult is how one attempt at a job went.
type AttemptResult struct {
	Err        error // nil: the job is done
	StatusCode int   // the receiver's answer; 0 when there was none
}

// ErrClaimLapsed means a job's claim lapsed and another instance took it (or the job is
// gone): the outcome of this attempt is not recorded; the other instance's will be.
var ErrClaimLapsed = errors.New("the claim on this job lapsed")

// finishAttempt records the outcome of an attempt on job, a claimed row of table, in tx:
// done, retried later, or failed for good when the next try would fall after GiveUpAt.
// extra columns are set with the outcome. job is updated to match the row.
func (s *Store) finishAttempt(tx *gorm.DB, table, id string, job *JobState, result AttemptResult, extra map[string]any) error {
	now := s.Now()
	changes := map[string]any{"claimed_by": "", "updated_at": now, "last_error": ""}
	next := now.Add(RetryDelay(job.Attempts))
	switch {
	case result.Err == nil:
		job.State, job.FinishedAt, job.LastError = JobDelivered, &now, ""
		changes["state"], changes["finished_at"] = job.State, now
	case next.After(job.GiveUpAt):
		job.State, job.FinishedAt, job.LastError = JobFailed, &now, truncate(result.Err.Error(), jobErrorMaxLen)
		changes["state"], changes["finished_at"], changes["last_error"] = job.State, now, job.LastError
	default:
		job.NextAttemptAt, job.LastError = next, truncate(result.Err.Error(), jobErrorMaxLen)
		changes["next_attempt_at"], changes["last_error"] = next, job.LastError
	}
	for k, v := range extra {
		changes[k] = v
	}
	res := tx.Table(table).Where("id = ? AND claimed_by = ?", id, job.ClaimedBy).Updates(changes)
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrClaimLapsed
	}
	job.ClaimedBy = ""
	return res.Error
}

// requeueJob makes a finished or waiting job due at once for one more attempt; the retry
// window is that attempt alone. A job in flight is left to finish.
func (s *Store) requeueJob(tx *gorm.DB, table, id string, job *JobState) error {
	now := s.Now()
	if job.State == JobPending && job.ClaimedBy != "" && job.NextAttemptAt.After(now) {
		return &StateError{Message: "This job is being attempted right now; wait for the outcome."}
	}
	*job = JobState{State: JobPending, Attempts: job.Attempts, NextAttemptAt: now, GiveUpAt: now, LastError: job.LastError}
	return tx.Table(table).Where("id = ?", id).Updates(map[string]any{
		"state": job.State, "next_attempt_at": now, "give_up_at": now, "claimed_by": "", "finished_at": nil, "updated_at": now,
	}).Error
}
