package models

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// The hot reads of a portal page (the session lookup, the customer's invoice list and its
// years, how the customer can pay, an invoice with its lines) skip GORM: they run as
// statements prepared once on the read pool and scanned by hand, which costs a fraction of
// GORM's query building and reflection. Everything else stays on GORM.

// column is one column a hand-scanned query reads, and the field of T its value goes to.
// A query's columns are one list of these, so the SELECT and the Scan cannot disagree.
type column[T any] struct {
	name string
	dest func(*T) any
}

// pick is the columns of cols with the given names, in that order; a name cols lacks panics
// at start, where a typo in a column list belongs.
func pick[T any](cols []column[T], names ...string) []column[T] {
	picked := make([]column[T], len(names))
	for i, name := range names {
		j := slices.IndexFunc(cols, func(c column[T]) bool { return c.name == name })
		if j < 0 {
			panic("models: no column " + name)
		}
		picked[i] = cols[j]
	}
	return picked
}

// selectList is the SELECT list of cols.
func selectList[T any](cols []column[T]) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
	}
	return b.String()
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// scanRow scans the row into v through cols.
func scanRow[T any](row scanner, cols []column[T], v *T) error {
	dest := make([]any, len(cols))
	for i, c := range cols {
		dest[i] = c.dest(v)
	}
	return row.Scan(dest...)
}

// queryOne runs query, which finds at most one row, and scans the row into a new T through
// cols. No row is gorm.ErrRecordNotFound, as GORM's Take has it, which storeError names
// ErrNotFound.
func queryOne[T any](ctx context.Context, db *DB, query string, args []any, cols []column[T]) (*T, error) {
	var v *T
	err := db.queryRows(ctx, query, args, func(row scanner) error {
		v = new(T)
		return scanRow(row, cols, v)
	})
	if err == nil && v == nil {
		err = gorm.ErrRecordNotFound
	}
	return v, err
}

// statements are the read pool's prepared statements by their SQL (written with ?
// placeholders), prepared on first use: a DB is opened before it is migrated.
type statements struct {
	mu     sync.Mutex
	byText sync.Map // string → *sql.Stmt
	closed bool
}

// prepared returns the statement for query, preparing it on the read pool the first time.
func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.byText.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	if st, ok := db.stmts.byText.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	if db.stmts.closed {
		return nil, sql.ErrConnDone
	}
	pool, err := db.read.DB()
	if err != nil {
		return nil, err
	}
	text := query
	if db.Dialect == Postgres {
		text = numberedPlaceholders(query)
	}
	st, err := pool.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	db.stmts.byText.Store(query, st)
	return st, nil
}

// closeStatements closes the prepared statements; none is prepared after.
func (db *DB) closeStatements() {
	db.stmts.mu.Lock()
	defer db.stmts.mu.Unlock()
	db.stmts.closed = true
	db.stmts.byText.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
}

// numberedPlaceholders turns ? placeholders into PostgreSQL's $1, $2, … The queries given
// to it hold no ? of their own.
func numberedPlaceholders(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r != '?' {
			b.WriteRune(r)
			continue
		}
		n++
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(n))
	}
	return b.String()
}

// queryRows runs a prepared read and calls each for every row it returns. Prepared reads
// are traced like GORM's and watched for corruption like them.
func (db *DB) queryRows(ctx context.Context, query string, args []any, each func(scanner) error) (err error) {
	if db.tracer != nil {
		var span trace.Span
		ctx, span = db.startSpan(ctx, "portico:prepared", attribute.String("db.statement", query))
		defer func() { endSpan(span, err) }()
	}
	defer func() { db.noteCorruption(err) }()
	st, err := db.prepared(ctx, query)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(db.readContext(ctx), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// jsonColumn scans a column GORM writes with its JSON serializer into the value it holds,
// as GORM reads it: NULL or empty leaves the value as it was.
type jsonColumn struct{ dst any }

// Scan decodes the column's JSON.
func (j jsonColumn) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("scan JSON from %T", src)
	}
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, j.dst)
}
