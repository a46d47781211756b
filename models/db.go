package models

import (
	"context"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database engine behind a DB.
type Dialect string

// The engines Portico runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database: one connection pool that writes and one that reads.
//
// SQLite allows one writer at a time; giving writes a single connection makes them queue in
// Go instead of failing with "database is locked", while readers (WAL) run beside it. On
// PostgreSQL both are the same pool.
type DB struct {
	Dialect Dialect
	write   *gorm.DB
	read    *gorm.DB
}

// OpenDB opens the database a setting names: a postgres:// URL opens PostgreSQL, anything
// else (a path, sqlite://path or file:path) opens SQLite.
func OpenDB(setting string) (*DB, error) {
	cfg := &gorm.Config{
		PrepareStmt:            true,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 logger.Discard,
	}
	if strings.HasPrefix(setting, "postgres://") || strings.HasPrefix(setting, "postgresql://") {
		return openPostgres(setting, cfg)
	}
	return openSQLite(setting, cfg)
}

func openPostgres(dsn string, cfg *gorm.Config) (*DB, error) {
	db, err := gorm.Open(postgres.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{Dialect: Postgres, write: db, read: db}, nil
}

// sqlitePragmas are applied by the driver to every connection, busy_timeout first. FULL sync
// because billing data must survive a power cut; immediate transactions so a read-then-write
// transaction waits for the lock instead of failing (WAL skips the busy handler on upgrade).
const sqlitePragmas = "_busy_timeout=10000&_journal_mode=WAL&_foreign_keys=on&_synchronous=FULL"

func openSQLite(setting string, cfg *gorm.Config) (*DB, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(setting, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	if path == "" {
		return nil, fmt.Errorf("open sqlite: empty path")
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas

	write, err := gorm.Open(sqlite.Open(base+"&_txlock=immediate"), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	wdb, err := write.DB()
	if err != nil {
		return nil, err
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	// Open the writer first so the file exists and is in WAL mode before readers attach.
	if err := wdb.Ping(); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}

	read, err := gorm.Open(sqlite.Open(base+"&_query_only=1"), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	rdb, err := read.DB()
	if err != nil {
		return nil, err
	}
	readers := max(2, runtime.NumCPU())
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	return &DB{Dialect: SQLite, write: write, read: read}, nil
}

// Writer is the pool that changes data; migrations run on it.
func (db *DB) Writer() *gorm.DB { return db.write }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.WithContext(ctx).Raw("SELECT 1").Scan(&one).Error; err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close closes both pools.
func (db *DB) Close() error {
	w, err := db.write.DB()
	if err != nil {
		return err
	}
	werr := w.Close()
	if db.read != db.write {
		r, err := db.read.DB()
		if err != nil {
			return err
		}
		if err := r.Close(); err != nil {
			return err
		}
	}
	return werr
}
