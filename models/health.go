package models

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/mattn/go-sqlite3"
	"gorm.io/gorm"
)

// ErrDatabaseCorrupt means SQLite has reported the database file damaged. From then on the
// DB refuses to write (more writes would spread the damage) and is never ready again: the
// file must be restored from a backup.
var ErrDatabaseCorrupt = errors.New("the database file is corrupt")

// Ready proves the database can serve now: a read on the read pool, and on the writer a
// transaction with an UPDATE that matches no row, rolled back. The UPDATE is what proves
// writes: SQLite quietly starts a read transaction for BEGIN IMMEDIATE on a file it could
// open only read-only, but refuses any write statement there, and PostgreSQL refuses it on a
// read-only standby. Nothing is written. ctx bounds it, including the wait for the writer.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.corruption(); err != nil {
		return err
	}
	var one int
	if err := db.read.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("read: %w", err)
	}
	err := db.write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("UPDATE merchants SET id = id WHERE 1 = 0").Error; err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// errRollback ends the readiness probe's transaction without committing it.
var errRollback = errors.New("rollback")

// Ready reports whether the Store's database can serve reads and writes now.
func (s *Store) Ready(ctx context.Context) error { return s.db.Ready(ctx) }

// QuickCheckMaxSize is the largest SQLite file QuickCheck examines at start-up: SQLite's
// quick_check reads every page, at a few hundred MB a second here, and a start must stay fast.
const QuickCheckMaxSize = 512 << 20

// QuickCheck runs SQLite's quick_check (every page and b-tree, not the indexes' contents)
// when the file is at most QuickCheckMaxSize, and returns an error naming the damage when it
// finds any. checked is false when the file is larger (or on PostgreSQL, which checks its own
// pages): `portico check` then is the way to examine it.
func (db *DB) QuickCheck(ctx context.Context) (checked bool, err error) {
	if db.Dialect != SQLite {
		return false, nil
	}
	if info, err := os.Stat(db.path); err != nil || info.Size() > QuickCheckMaxSize {
		return false, nil
	}
	problems, err := db.check(ctx, "quick_check")
	if err != nil {
		return true, err
	}
	if len(problems) > 0 {
		return true, &CorruptionError{Path: db.path, Problems: problems}
	}
	return true, nil
}

// IntegrityCheck runs SQLite's full integrity_check, which also compares every index with its
// table, and returns what it found wrong (nothing when the file is sound). It reads the whole
// file: minutes for a large one.
func (db *DB) IntegrityCheck(ctx context.Context) ([]string, error) {
	if db.Dialect != SQLite {
		return nil, errors.ErrUnsupported
	}
	return db.check(ctx, "integrity_check")
}

// check runs an integrity pragma and returns its findings, without SQLite's "ok".
func (db *DB) check(ctx context.Context, pragma string) ([]string, error) {
	var rows []string
	err := db.read.WithContext(ctx).Raw("PRAGMA " + pragma).Scan(&rows).Error
	if isCorruption(err) {
		return []string{err.Error()}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pragma, err)
	}
	if len(rows) == 1 && rows[0] == "ok" {
		return nil, nil
	}
	return rows, nil
}

// CorruptionError reports damage a check found in a SQLite file.
type CorruptionError struct {
	Path     string
	Problems []string
}

func (e *CorruptionError) Error() string {
	shown := e.Problems[:min(len(e.Problems), 3)]
	more := ""
	if n := len(e.Problems) - len(shown); n > 0 {
		more = fmt.Sprintf(" (and %d more)", n)
	}
	return fmt.Sprintf("the database file %s is corrupt: %s%s", e.Path, strings.Join(shown, "; "), more)
}

func (e *CorruptionError) Unwrap() error { return ErrDatabaseCorrupt }

// isCorruption reports whether SQLite said the file is damaged.
func isCorruption(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

// registrar is where a GORM callback is registered (gorm's type for it is unexported).
type registrar interface {
	Register(name string, fn func(*gorm.DB)) error
}

// corruption is the damage SQLite has reported since the DB was opened, if any.
func (db *DB) corruption() error {
	if err := db.corrupt.Load(); err != nil {
		return *err
	}
	return nil
}

// noteCorruption keeps err when it is the first corruption SQLite reported.
func (db *DB) noteCorruption(err error) {
	if isCorruption(err) {
		err := fmt.Errorf("%w: %v", ErrDatabaseCorrupt, err)
		db.corrupt.CompareAndSwap(nil, &err)
	}
}

// watchForCorruption makes the first corruption error of any statement stick: from then on
// every write is refused and Ready fails, so a load balancer takes the instance out instead
// of letting it write acknowledged data into a damaged file.
func (db *DB) watchForCorruption() error {
	note := func(tx *gorm.DB) { db.noteCorruption(tx.Error) }
	refuse := func(tx *gorm.DB) {
		if err := db.corruption(); err != nil {
			tx.AddError(err)
		}
	}
	for _, g := range db.pools() {
		cb := g.Callback()
		for _, hook := range []registrar{
			cb.Create().After("gorm:create"), cb.Query().After("gorm:query"), cb.Update().After("gorm:update"),
			cb.Delete().After("gorm:delete"), cb.Row().After("gorm:row"), cb.Raw().After("gorm:raw"),
		} {
			if err := hook.Register("portico:note_corruption", note); err != nil {
				return err
			}
		}
	}
	cb := db.write.Callback()
	for _, hook := range []registrar{
		cb.Create().Before("gorm:create"), cb.Update().Before("gorm:update"),
		cb.Delete().Before("gorm:delete"), cb.Raw().Before("gorm:raw"),
	} {
		if err := hook.Register("portico:refuse_when_corrupt", refuse); err != nil {
			return err
		}
	}
	return nil
}
