package models

import (
	"context"
	"errors"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"gorm.io/gorm"
)

// Trace records a span for every database call, a child of the request's span, through
// tp. Spans carry the SQL with its placeholders, never the values bound to them: those
// hold emails, IBANs and token hashes.
//
// GORM's calls are traced by callbacks of our own rather than gorm.io/plugin/opentelemetry:
// that plugin links the ClickHouse driver into the binary to name its dialect, which costs
// every start of Portico megabytes of memory for a database it never talks to.
func (db *DB) Trace(tp trace.TracerProvider) error {
	db.tracer = tp.Tracer("github.com/portico/portico/models")
	for _, g := range db.pools() {
		cb := g.Callback()
		for _, op := range []struct {
			name          string
			before, after registrar
		}{
			{"create", cb.Create().Before("gorm:create"), cb.Create().After("gorm:create")},
			{"query", cb.Query().Before("gorm:query"), cb.Query().After("gorm:query")},
			{"update", cb.Update().Before("gorm:update"), cb.Update().After("gorm:update")},
			{"delete", cb.Delete().Before("gorm:delete"), cb.Delete().After("gorm:delete")},
			{"row", cb.Row().Before("gorm:row"), cb.Row().After("gorm:row")},
			{"raw", cb.Raw().Before("gorm:raw"), cb.Raw().After("gorm:raw")},
		} {
			name := "gorm:" + op.name
			start := func(tx *gorm.DB) {
				tx.Statement.Context, _ = db.startSpan(context.WithValue(tx.Statement.Context, spanParentKey{}, tx.Statement.Context), name)
			}
			if err := op.before.Register("portico:trace_start", start); err != nil {
				return err
			}
			if err := op.after.Register("portico:trace_end", db.endGORMSpan); err != nil {
				return err
			}
		}
	}
	return nil
}

// spanParentKey holds, in a statement's context, the context before its span started, so
// the statement after it on the same session is not made a child of an ended span.
type spanParentKey struct{}

// startSpan starts the client span of one database call.
func (db *DB) startSpan(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return db.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(append(attrs, attribute.String("db.system", string(db.Dialect)))...))
}

// endGORMSpan ends the span startSpan began for a GORM statement.
func (db *DB) endGORMSpan(tx *gorm.DB) {
	span := trace.SpanFromContext(tx.Statement.Context)
	span.SetAttributes(attribute.String("db.statement", tx.Statement.SQL.String()), attribute.Int64("db.rows_affected", tx.RowsAffected))
	err := tx.Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = nil // an answer, not a failure
	}
	endSpan(span, err)
	if parent, ok := tx.Statement.Context.Value(spanParentKey{}).(context.Context); ok {
		tx.Statement.Context = parent
	}
}

// endSpan ends span, marked failed when err is not nil.
func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
