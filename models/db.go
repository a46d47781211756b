package models

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"
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
	path    string // the SQLite file
	dsn     string // the SQLite connection string, without the pool's own options
	write   *gorm.DB
	read    *gorm.DB
	corrupt atomic.Pointer[error] // the first corruption SQLite reported, if any
	stmts   statements            // the hot reads, prepared (see prepared.go)
	writes  *stmtPool             // the write pool's statements (see stmtpool.go)
	group   *groupCommit          // SQLite's writes, committed together (see groupcommit.go)
	tracer  trace.Tracer          // traces the prepared reads; nil: untraced
}

// OpenDB opens the database a setting names: a postgres:// URL opens PostgreSQL, anything
// else (a path, sqlite://path or file:path) opens SQLite.
func OpenDB(setting string) (*DB, error) {
	if isPostgres(setting) {
		return openPostgres(setting)
	}
	return openSQLite(setting)
}

// gormConfig is the GORM configuration of one pool. Each pool needs its own: gorm.Open keeps
// the pointer and hangs the pool's callbacks and plugins on it. The pool that writes
// prepares its statements itself (usePreparedWrites).
func gormConfig(prepare bool) *gorm.Config {
	return &gorm.Config{
		PrepareStmt:            prepare,
		SkipDefaultTransaction: true,
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 logger.Discard,
	}
}

func isPostgres(setting string) bool {
	return strings.HasPrefix(setting, "postgres://") || strings.HasPrefix(setting, "postgresql://")
}

// SQLiteFile returns the file a database setting names, when it names a SQLite database.
func SQLiteFile(setting string) (string, bool) {
	if isPostgres(setting) {
		return "", false
	}
	return sqlitePath(setting), true
}

// DescribeDatabase names the database a setting points at, fit for a log line: host:port/name
// for PostgreSQL (never the user or password), the file for SQLite.
func DescribeDatabase(setting string) string {
	if !isPostgres(setting) {
		return sqlitePath(setting)
	}
	u, err := url.Parse(setting)
	if err != nil {
		return "PostgreSQL (unparsable URL)"
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(cmp.Or(u.Hostname(), "localhost"), "5432")
	}
	return host + u.Path
}

// DefaultConnectTimeout bounds connecting to PostgreSQL when the URL sets no connect_timeout:
// a server that accepts connections but never answers must not hang Portico silently.
const DefaultConnectTimeout = 10 * time.Second

// connectTimeout returns the URL with connect_timeout set (the default when absent) and the
// timeout it names.
func connectTimeout(dsn string) (string, time.Duration, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", 0, errors.New("the PostgreSQL URL does not parse")
	}
	q := u.Query()
	raw := q.Get("connect_timeout")
	if raw == "" {
		q.Set("connect_timeout", strconv.Itoa(int(DefaultConnectTimeout/time.Second)))
		u.RawQuery = q.Encode()
		return u.String(), DefaultConnectTimeout, nil
	}
	seconds, err := strconv.Atoi(raw)
	if err != nil || seconds < 1 {
		return "", 0, fmt.Errorf("connect_timeout=%q: must be a whole number of seconds, at least 1", raw)
	}
	return dsn, time.Duration(seconds) * time.Second, nil
}

// postgresConns is how many connections an instance holds to PostgreSQL at most.
const postgresConns = 20

func openPostgres(dsn string) (*DB, error) {
	where := DescribeDatabase(dsn)
	dsn, timeout, err := connectTimeout(dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	cfg := gormConfig(false)
	cfg.DisableAutomaticPing = true
	db, err := gorm.Open(postgres.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// As many kept as may be open: a connection closed because more were busy than could
	// idle is a new server process and a cold statement cache at the next busy moment, which
	// under steady load was one connection in every few hundred requests and cut throughput
	// by two thirds. Idle ones still go after five minutes.
	sqlDB.SetMaxOpenConns(postgresConns)
	sqlDB.SetMaxIdleConns(postgresConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	// The driver applies connect_timeout to each attempt (sslmode=prefer makes two); this
	// bounds the whole first connection by it.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("connect to PostgreSQL at %s: no answer within %s (set connect_timeout in the URL to change it): %w", where, timeout, err)
		}
		return nil, fmt.Errorf("connect to PostgreSQL at %s: %w", where, err)
	}
	pg := &DB{Dialect: Postgres, write: db, read: db, writes: usePreparedWrites(db, sqlDB, func(ctx context.Context) context.Context { return ctx })}
	if err := pg.watchCachedTables(); err != nil {
		return nil, err
	}
	return pg, nil
}

// sqlitePragmas are applied by the driver to every connection, busy_timeout first. FULL sync
// because billing data must survive a power cut; immediate transactions so a read-then-write
// transaction waits for the lock instead of failing (WAL skips the busy handler on upgrade).
// A page cache of 512 KiB per connection rather than SQLite's 2 MB: the operating system
// caches the file as well, the Store caches what every page reads, and the three connections'
// 6 MB of copies were a tenth of the server's memory under load.
const sqlitePragmas = "_busy_timeout=10000&_journal_mode=WAL&_foreign_keys=on&_synchronous=FULL&_cache_size=-512"

// sqlitePath is the file a SQLite setting names.
func sqlitePath(setting string) string {
	path := strings.TrimPrefix(strings.TrimPrefix(setting, "sqlite://"), "file:")
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	return path
}

func openSQLite(setting string) (*DB, error) {
	path := sqlitePath(setting)
	if path == "" {
		return nil, fmt.Errorf("open sqlite: empty path")
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + sqlitePragmas

	// A damaged file often fails here already, reading the schema: say so plainly.
	fail := func(err error) (*DB, error) {
		if isCorruption(err) {
			return nil, &CorruptionError{Path: path, Problems: []string{err.Error()}}
		}
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write, err := gorm.Open(sqlite.Open(base+"&_txlock=immediate"), gormConfig(false))
	if err != nil {
		return fail(err)
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
		wdb.Close()
		return fail(err)
	}

	read, err := gorm.Open(sqlite.Open(base+"&_query_only=1"), gormConfig(true))
	if err != nil {
		wdb.Close()
		return fail(err)
	}
	rdb, err := read.DB()
	if err != nil {
		return nil, err
	}
	readers := max(2, runtime.NumCPU())
	rdb.SetMaxOpenConns(readers)
	rdb.SetMaxIdleConns(readers)
	db := &DB{Dialect: SQLite, path: path, dsn: base, write: write, read: read, writes: usePreparedWrites(write, wdb, context.WithoutCancel)}
	if err := db.watchForCorruption(); err != nil {
		return nil, err
	}
	if err := db.watchCachedTables(); err != nil {
		return nil, err
	}
	db.group = newGroupCommit(write)
	return db, nil
}

// readContext is the context a read runs under. On SQLite it cannot be cancelled: the
// driver (mattn/go-sqlite3 v1.14.22) steps every row of a query under a cancellable
// context in a goroutine of its own with a channel, which cost a portal page more than its
// rendering, while a read of the local file finishes in well under a millisecond anyway.
// v1.14.53 steps rows without the goroutine but measured slower here still (SQLite
// 3.54), with or without this. PostgreSQL reads keep the request's cancellation: a
// stalled server must not hold a request past its deadline.
func (db *DB) readContext(ctx context.Context) context.Context {
	if db.Dialect == SQLite {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// transaction runs fn in a write transaction whose statements run under ctx: on SQLite
// together with the other writes waiting (see groupCommit), on PostgreSQL on its own.
func (db *DB) transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	if db.group != nil {
		return db.group.transaction(ctx, fn)
	}
	return db.write.WithContext(ctx).Transaction(fn)
}

// pools are the connection pools: the writer, and the readers when they are apart.
func (db *DB) pools() []*gorm.DB {
	if db.read == db.write {
		return []*gorm.DB{db.write}
	}
	return []*gorm.DB{db.write, db.read}
}

// usePreparedWrites makes g, the pool that writes, run its statements through a stmtPool
// over pool, those inside a transaction under inTx(ctx).
func usePreparedWrites(g *gorm.DB, pool *sql.DB, inTx func(context.Context) context.Context) *stmtPool {
	p := newStmtPool(pool, inTx)
	g.ConnPool = p
	g.Statement.ConnPool = p
	return p
}

// Writer is the pool that changes data; migrations run on it.
func (db *DB) Writer() *gorm.DB { return db.write }

// Close closes both pools and the statements prepared on them.
func (db *DB) Close() error {
	if db.group != nil {
		db.group.close()
	}
	db.closeStatements()
	db.writes.Close()
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
