package models

import (
	"context"
	"database/sql"
	"slices"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// stmtPool is the write pool's gorm.ConnPool: it prepares each statement once on the pool
// and runs it inside a transaction through Tx.StmtContext, which reuses what the
// transaction's connection has prepared already. A statement first met inside a
// transaction runs unprepared there and is prepared on the pool when the transaction ends:
// on SQLite the transaction holds the pool's one connection.
//
// GORM's own PrepareStmt prepares a statement it first meets inside a transaction on that
// transaction, and caches it so: every later transaction finds a statement of a finished
// one and prepares it again (database/sql cannot move a statement between transactions).
// Every write runs in a transaction, so every write statement was parsed and planned
// anew, every time: 15 % of a mint's CPU.
type stmtPool struct {
	db *sql.DB
	// inTx is the context a statement inside a transaction runs under (see DB.readContext):
	// on SQLite, mattn/go-sqlite3 runs a statement under a cancellable context in a
	// goroutine of its own, a handoff between goroutines while the transaction holds the
	// only writer. A statement on the local file takes microseconds; the transaction still
	// waits for the writer under the request's deadline, and rolls back if it passes.
	inTx  func(context.Context) context.Context
	mu    sync.Mutex
	stmts sync.Map // query → *sql.Stmt
	n     int      // statements in stmts, under mu
}

// maxPoolStmts bounds the prepared statements: GORM writes a batch insert's SQL for its
// number of rows, so the texts are many; past the bound a statement runs unprepared.
const maxPoolStmts = 1000

func newStmtPool(db *sql.DB, inTx func(context.Context) context.Context) *stmtPool {
	return &stmtPool{db: db, inTx: inTx}
}

// stmt returns the prepared statement of query, or nil when the pool holds as many as it
// may and query is not among them.
func (p *stmtPool) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	if p.n >= maxPoolStmts {
		return nil, nil
	}
	st, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts.Store(query, st)
	p.n++
	return st, nil
}

// GetDBConn is the pool under it, for gorm.DB.DB.
func (p *stmtPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

// PrepareContext prepares query on the pool, uncached, as GORM asks for it.
func (p *stmtPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

// ExecContext runs a statement outside a transaction.
func (p *stmtPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.db.ExecContext(ctx, query, args...)
	}
	return st.ExecContext(ctx, args...)
}

// QueryContext runs a query outside a transaction.
func (p *stmtPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.db.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

// QueryRowContext runs a one-row query outside a transaction.
func (p *stmtPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := p.stmt(ctx, query)
	if err != nil || st == nil {
		return p.db.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// BeginTx starts a transaction whose statements are the pool's.
func (p *stmtPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &stmtTx{Tx: tx, pool: p}, nil
}

// Close closes the prepared statements.
func (p *stmtPool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stmts.Range(func(q, st any) bool {
		st.(*sql.Stmt).Close()
		p.stmts.Delete(q)
		return true
	})
	p.n = 0
}

// prepared returns the statement of query if the pool has prepared it.
func (p *stmtPool) prepared(query string) *sql.Stmt {
	if st, ok := p.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	return nil
}

// stmtTx is a transaction of a stmtPool.
type stmtTx struct {
	*sql.Tx
	pool   *stmtPool
	missed []string // queries the pool had not prepared, to prepare when the transaction ends
}

// stmt returns the pool's statement of query bound to the transaction, or nil (and notes
// the query) when the pool has not prepared it yet.
func (tx *stmtTx) stmt(ctx context.Context, query string) *sql.Stmt {
	st := tx.pool.prepared(query)
	if st == nil {
		tx.missed = append(tx.missed, query)
		return nil
	}
	return tx.StmtContext(ctx, st)
}

// ExecContext runs a statement in the transaction.
func (tx *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = tx.pool.inTx(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, query, args...)
}

// QueryContext runs a query in the transaction.
func (tx *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = tx.pool.inTx(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, query, args...)
}

// QueryRowContext runs a one-row query in the transaction.
func (tx *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = tx.pool.inTx(ctx)
	if st := tx.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, query, args...)
}

// Commit commits the transaction, then prepares what it missed.
func (tx *stmtTx) Commit() error {
	err := tx.Tx.Commit()
	tx.prepareMissed()
	return err
}

// Rollback rolls the transaction back, then prepares what it missed.
func (tx *stmtTx) Rollback() error {
	err := tx.Tx.Rollback()
	tx.prepareMissed()
	return err
}

// prepareMissed prepares, on the pool, the statements the transaction ran unprepared. One
// that fails to prepare runs unprepared again next time, and fails there as it would have.
func (tx *stmtTx) prepareMissed() {
	for _, q := range tx.missed {
		tx.pool.stmt(context.Background(), q)
	}
	tx.missed = nil
}

// GetDBConn is the pool under the transaction, for gorm.DB.DB.
func (tx *stmtTx) GetDBConn() (*sql.DB, error) { return tx.pool.db, nil }

// hotStmt is a statement of the write path that skips GORM's building and reflection: the
// rows every change writes (its audit event, its webhook event) and a minted link. It runs
// on the transaction's stmtPool, prepared, and is traced and watched for corruption as
// GORM's statements are.
type hotStmt struct {
	table      string // the table it writes or reads, for the caches
	query, pg  string // with ? placeholders; with PostgreSQL's $n
	cachedRows bool   // table holds rows the caches keep
}

func newHotStmt(table, query string) hotStmt {
	return hotStmt{table: table, query: query, pg: numberedPlaceholders(query), cachedRows: slices.Contains(cachedTables, table)}
}

// text is the statement's SQL for db's engine.
func (h hotStmt) text(db *DB) string {
	if db.Dialect == Postgres {
		return h.pg
	}
	return h.query
}

// start is the context h runs under in tx, traced as GORM's statements are, and what to
// call with its error when it is done: the span ends and SQLite's corruption is noted.
func (h hotStmt) start(db *DB, tx *gorm.DB) (context.Context, func(error)) {
	ctx := tx.Statement.Context
	var span trace.Span
	if db.tracer != nil {
		ctx, span = db.startSpan(ctx, "portico:hot", attribute.String("db.statement", h.query))
	}
	return ctx, func(err error) {
		if span != nil {
			endSpan(span, err)
		}
		db.noteCorruption(err)
	}
}

// exec runs the statement in tx.
func (h hotStmt) exec(db *DB, tx *gorm.DB, args ...any) (err error) {
	ctx, done := h.start(db, tx)
	defer func() { done(err) }()
	if ch := changesOf(tx); ch != nil && h.cachedRows {
		ch.cachedTables = true
	}
	_, err = tx.Statement.ConnPool.ExecContext(ctx, h.text(db), args...)
	return err
}

// strings runs the query in tx and returns the one string column of its rows.
func (h hotStmt) strings(db *DB, tx *gorm.DB, args ...any) (out []string, err error) {
	ctx, done := h.start(db, tx)
	defer func() { done(err) }()
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, h.text(db), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
