package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"

	"gorm.io/gorm"
)

// groupCommit runs SQLite's write transactions. SQLite has one writer, and with
// synchronous=FULL every commit waits for an fsync of the WAL: one write after another,
// minting a link took as long as its fsync however many cores waited. So one goroutine
// takes every write that is waiting when the last commit ends and runs them in one
// transaction, each in a savepoint of its own, and one commit (one fsync) makes them all
// durable. Alone, a write runs at once in a transaction of its own, as before.
//
// Each write still succeeds or fails on its own: one that returns an error (or panics) is
// rolled back to its savepoint and the others go on. Only a failing commit, or an error
// that took SQLite's whole transaction with it (a full disk), fails every write of the
// group; none of them is then written.
type groupCommit struct {
	db *gorm.DB // the write pool
	// pending is unbuffered: a write is handed over only when the writer takes it, so a
	// write waiting for its turn still gives up at its request's deadline, and none is
	// left behind when the writer stops.
	pending chan *queuedWrite
	stop    chan struct{}
	stopped sync.WaitGroup
	once    sync.Once
}

// maxGroup bounds the writes one commit carries, and so how long a write queued behind
// the group can wait for it.
const maxGroup = 64

// queuedWrite is one write transaction waiting for the writer, and where its result goes.
type queuedWrite struct {
	ctx  context.Context // carries the write's txChanges, its span, its deadline
	fn   func(tx *gorm.DB) error
	err  error
	done chan struct{}
}

var errWriterClosed = errors.New("the database is closed")

func newGroupCommit(db *gorm.DB) *groupCommit {
	g := &groupCommit{db: db, pending: make(chan *queuedWrite), stop: make(chan struct{})}
	g.stopped.Add(1)
	go g.run()
	return g
}

// transaction runs fn in a write transaction, with the transaction's statements under ctx,
// and returns once it has committed or failed.
func (g *groupCommit) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	w := &queuedWrite{ctx: ctx, fn: fn, done: make(chan struct{})}
	select {
	case g.pending <- w:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.stop:
		return errWriterClosed
	}
	<-w.done
	return w.err
}

// close lets the write in progress finish, then refuses more.
func (g *groupCommit) close() {
	g.once.Do(func() { close(g.stop) })
	g.stopped.Wait()
}

func (g *groupCommit) run() {
	defer g.stopped.Done()
	group := make([]*queuedWrite, 0, maxGroup)
	for {
		select {
		case w := <-g.pending:
			group = append(group[:0], w)
		case <-g.stop:
			return
		}
	more:
		for len(group) < maxGroup {
			select {
			case w := <-g.pending:
				group = append(group, w)
			default:
				break more
			}
		}
		g.commit(group)
		for _, w := range group {
			close(w.done)
		}
	}
}

// commit runs group in one transaction and sets each write's error.
func (g *groupCommit) commit(group []*queuedWrite) {
	tx, live, done := g.begin(group)
	if tx == nil {
		return
	}
	defer done()
	if len(live) == 1 {
		w := live[0]
		if w.err = runWrite(tx.WithContext(w.ctx), w.fn); w.err != nil {
			tx.Rollback()
		} else {
			w.err = tx.Commit().Error
		}
		return
	}
	raw, ok := tx.Statement.ConnPool.(*stmtTx)
	if !ok {
		tx.Rollback()
		failAll(live, fmt.Errorf("group commit: the write pool's transaction is a %T", tx.Statement.ConnPool))
		return
	}
	for _, w := range live {
		if w.err = w.ctx.Err(); w.err != nil {
			continue // gave up while the writes before it ran
		}
		if err := inSavepoint(raw.Tx, w, func() error { return runWrite(tx.WithContext(w.ctx), w.fn) }); err != nil {
			// SQLite ended the whole transaction: nothing of the group is written.
			tx.Rollback()
			failAll(live, err)
			return
		}
	}
	if err := tx.Commit().Error; err != nil {
		failAll(live, err)
	}
}

// begin starts the group's transaction and returns it with the writes still to run, and
// what to call once it has ended. Something else may hold the write connection (a backup,
// the health check): the writer waits for it as long as the group's first write still
// wants to. A write whose request gives up first fails with its request's error, as it
// did waiting for the connection itself, and the next one waits on. A nil transaction
// means no write is left.
func (g *groupCommit) begin(group []*queuedWrite) (*gorm.DB, []*queuedWrite, context.CancelFunc) {
	for i, w := range group {
		if w.err = w.ctx.Err(); w.err != nil {
			continue
		}
		// The transaction outlives the wait: it must not end when this write's request does.
		ctx, cancel := context.WithCancel(context.Background())
		stop := context.AfterFunc(w.ctx, cancel)
		tx := g.db.WithContext(ctx).Begin()
		if !stop() {
			if tx.Error == nil {
				tx.Rollback()
			}
			cancel()
			w.err = w.ctx.Err()
			continue
		}
		if tx.Error != nil {
			cancel()
			failAll(group[i:], tx.Error)
			return nil, nil, nil
		}
		return tx, group[i:], cancel
	}
	return nil, nil, nil
}

// inSavepoint runs write in a savepoint of tx and sets w.err to its error, rolling back to
// the savepoint when it fails. It returns an error only when the transaction itself is
// gone.
func inSavepoint(tx *sql.Tx, w *queuedWrite, write func() error) error {
	if _, err := tx.Exec("SAVEPOINT grouped_write"); err != nil {
		return err
	}
	if w.err = write(); w.err != nil {
		if _, err := tx.Exec("ROLLBACK TO SAVEPOINT grouped_write"); err != nil {
			return errors.Join(w.err, err)
		}
	}
	_, err := tx.Exec("RELEASE SAVEPOINT grouped_write")
	return err
}

// runWrite runs one write's function, its panic turned into its error: it runs on the
// writer's goroutine, where a panic would end the process instead of the request.
func runWrite(tx *gorm.DB, fn func(tx *gorm.DB) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write transaction panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return fn(tx)
}

// failAll fails every write of a group that did not commit. A write that failed on its
// own keeps its error.
func failAll(group []*queuedWrite, err error) {
	for _, w := range group {
		if w.err == nil {
			w.err = err
		}
	}
}
