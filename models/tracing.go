package models

import (
	"go.opentelemetry.io/otel/trace"
	"gorm.io/plugin/opentelemetry/tracing"
)

// Trace records a span for every database call, a child of the request's span, through
// tp. Spans carry the SQL with its placeholders, never the values bound to them: those
// hold emails, IBANs and token hashes.
func (db *DB) Trace(tp trace.TracerProvider) error {
	db.tracer = tp.Tracer("github.com/portico/portico/models")
	for _, g := range db.pools() {
		if err := g.Use(tracing.NewPlugin(tracing.WithTracerProvider(tp), tracing.WithoutQueryVariables(), tracing.WithoutMetrics())); err != nil {
			return err
		}
	}
	return nil
}
