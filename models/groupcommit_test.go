package models

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// openGroupedSQLite opens a SQLite database with a table of notes to write.
func openGroupedSQLite(t *testing.T) *DB {
	t.Helper()
	db, err := OpenDB(filepath.Join(t.TempDir(), "grouped.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.write.Exec("CREATE TABLE notes (id TEXT PRIMARY KEY)").Error; err != nil {
		t.Fatal(err)
	}
	return db
}

func insertNote(id string) func(tx *gorm.DB) error {
	return func(tx *gorm.DB) error { return tx.Exec("INSERT INTO notes (id) VALUES (?)", id).Error }
}

func notes(t *testing.T, db *DB) map[string]bool {
	t.Helper()
	var ids []string
	if err := db.read.Raw("SELECT id FROM notes").Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, id := range ids {
		found[id] = true
	}
	return found
}

// Writes that wait together commit together, and each still succeeds or fails on its own:
// one that fails or panics leaves nothing behind and gets its own error, the others commit.
func TestGroupedWritesSucceedAndFailEachOnTheirOwn(t *testing.T) {
	db := openGroupedSQLite(t)
	// Hold the writer with one write while the group queues up behind it.
	release := make(chan struct{})
	releaseWriter := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseWriter) // before the database closes, even when the test fails early
	holding := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- db.transaction(context.Background(), func(tx *gorm.DB) error {
			close(holding)
			<-release
			return insertNote("first")(tx)
		})
	}()
	<-holding

	errFailed := errors.New("refused")
	var seenByReader []string
	writes := []struct {
		name string
		fn   func(tx *gorm.DB) error
	}{
		{"ok-1", insertNote("ok-1")},
		{"failed", func(tx *gorm.DB) error {
			if err := insertNote("failed")(tx); err != nil {
				return err
			}
			return errFailed
		}},
		{"panicked", func(tx *gorm.DB) error {
			if err := insertNote("panicked")(tx); err != nil {
				return err
			}
			panic("a bug")
		}},
		{"ok-2", insertNote("ok-2")},
		{"duplicate", insertNote("ok-2")},
		{"ok-3", func(tx *gorm.DB) error {
			// A nested transaction inside the write's savepoint keeps working.
			return tx.Transaction(func(tx *gorm.DB) error { return insertNote("ok-3")(tx) })
		}},
		{"probe", func(tx *gorm.DB) error {
			// Runs last in the group: the others' rows are not committed yet.
			return db.read.Raw("SELECT id FROM notes ORDER BY id").Scan(&seenByReader).Error
		}},
	}
	var mu sync.Mutex
	results := map[string]error{}
	var wg sync.WaitGroup
	for i, w := range writes {
		wg.Go(func() {
			err := db.transaction(context.Background(), w.fn)
			mu.Lock()
			results[w.name] = err
			mu.Unlock()
		})
		// Queue them in this order: a channel hands its waiting senders over first come, first served.
		waitForQueued(t, i+1)
	}
	releaseWriter()
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatalf("the first write: %v", err)
	}

	if fmt.Sprint(seenByReader) != "[first]" {
		t.Errorf("while the group ran, another connection saw %v: the writes did not commit together", seenByReader)
	}
	if !errors.Is(results["failed"], errFailed) {
		t.Errorf("the failing write returned %v, want its own error", results["failed"])
	}
	if err := results["panicked"]; err == nil || !strings.Contains(err.Error(), "panicked: a bug") {
		t.Errorf("the panicking write returned %v, want the panic as its error", err)
	}
	if err := results["duplicate"]; !errors.Is(err, gorm.ErrDuplicatedKey) {
		t.Errorf("the second write of a row returned %v, want the constraint's error", err)
	}
	for _, name := range []string{"ok-1", "ok-2", "ok-3", "probe"} {
		if results[name] != nil {
			t.Errorf("%s: %v", name, results[name])
		}
	}
	want := map[string]bool{"first": true, "ok-1": true, "ok-2": true, "ok-3": true}
	if got := notes(t, db); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows written: %v, want %v", got, want)
	}
}

// waitForQueued waits until n writers are blocked handing their writes to the writer.
func waitForQueued(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		queued := 0
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "[select") && strings.Contains(g, "(*groupCommit).transaction") {
				queued++
			}
		}
		if queued >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d writes queued", queued, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Many writers at once, most of them grouped: every write is committed, none lost or doubled.
func TestGroupCommitUnderConcurrentWriters(t *testing.T) {
	db := openGroupedSQLite(t)
	const writers = 200
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := range writers {
		wg.Go(func() { errs <- db.transaction(context.Background(), insertNote(fmt.Sprint(i))) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(notes(t, db)); got != writers {
		t.Fatalf("%d rows, want %d", got, writers)
	}
}

// A write whose request has given up is not started, nor one whose deadline passes while
// the write connection is held elsewhere; after Close, writes are refused.
func TestGroupCommitCancelledAndClosed(t *testing.T) {
	db := openGroupedSQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.transaction(ctx, insertNote("cancelled")); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled write returned %v", err)
	}
	if got := notes(t, db); got["cancelled"] {
		t.Error("a cancelled write was written")
	}

	// Something else holds the write connection: a write waits for it until its deadline,
	// and is not written when the connection frees later.
	held, release := make(chan struct{}), make(chan struct{})
	go db.write.Transaction(func(tx *gorm.DB) error {
		close(held)
		<-release
		return nil
	})
	<-held
	ctx, cancel = context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := db.transaction(ctx, insertNote("timed out")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a write behind a held connection returned %v", err)
	}
	close(release)
	if err := db.transaction(context.Background(), insertNote("after")); err != nil {
		t.Fatal(err)
	}
	if got := notes(t, db); got["timed out"] || !got["after"] {
		t.Errorf("rows written: %v, want only the write after the connection was freed", got)
	}

	db.group.close()
	if err := db.transaction(context.Background(), insertNote("late")); !errors.Is(err, errWriterClosed) {
		t.Errorf("a write after close returned %v", err)
	}
}
