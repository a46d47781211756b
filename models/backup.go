package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupUnsupported means the engine has its own backup tools: pg_dump for PostgreSQL.
var ErrBackupUnsupported = errors.New("portico backup copies SQLite files only; back up PostgreSQL with pg_dump")

// Backup writes a consistent copy of the live SQLite database to dest, which must not exist,
// while Portico keeps serving: VACUUM INTO reads one snapshot (a WAL read transaction, so
// writers go on) into a compact new file. The copy is written beside dest, flushed to disk,
// and only then renamed to dest, so dest is never a half-written file.
func (db *DB) Backup(ctx context.Context, dest string) error {
	if db.Dialect != SQLite {
		return ErrBackupUnsupported
	}
	if _, err := os.Lstat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file name", dest)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	partial := dest + ".partial"
	if err := os.Remove(partial); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	if err := db.vacuumInto(ctx, partial); err != nil {
		os.Remove(partial)
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(partial); err != nil {
		os.Remove(partial)
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(partial, dest); err != nil {
		os.Remove(partial)
		return fmt.Errorf("backup: %w", err)
	}
	return syncFile(filepath.Dir(dest))
}

// vacuumInto runs VACUUM INTO on a connection of its own: the read pool's connections are
// query_only, which forbids it, and the writer must stay free for requests.
func (db *DB) vacuumInto(ctx context.Context, dest string) error {
	conn, err := sql.Open("sqlite3", db.dsn)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetMaxOpenConns(1)
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", dest)
	return err
}

// syncFile flushes a file (or a directory's entries) to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
