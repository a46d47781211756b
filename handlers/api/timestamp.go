package api

import (
	"encoding/json"
	"reflect"
	"time"
)

// timestampLayout is the one form every time in the API's responses takes: RFC 3339 in
// UTC with microseconds, the precision the database keeps, so the same instant is always
// the same string.
const timestampLayout = "2006-01-02T15:04:05.000000Z07:00"

// Timestamp is a time in a request or response. In a request it accepts any RFC 3339 time;
// anything else is a type error that names the field. In a response it is written in
// timestampLayout.
type Timestamp struct{ time.Time }

// MarshalJSON writes the time in timestampLayout, in UTC.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(timestampLayout) + `"`), nil
}

// UnmarshalJSON reads an RFC 3339 time. It reports anything else as a json.UnmarshalTypeError,
// which the decoder completes with the field's path, so the 400 names the field.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	var s string
	err := json.Unmarshal(b, &s)
	if err == nil {
		t.Time, err = time.Parse(time.RFC3339, s)
	}
	if err != nil {
		shown := []rune(string(b))
		if len(shown) > 40 {
			shown = append(shown[:40], '…')
		}
		return &json.UnmarshalTypeError{Value: string(shown), Type: reflect.TypeFor[time.Time]()}
	}
	return nil
}

// at is the time of an optional request timestamp.
func (t *Timestamp) at() *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}

// stamp is a response time.
func stamp(t time.Time) Timestamp { return Timestamp{t} }

// stampOf is an optional response time: null when nil.
func stampOf(t *time.Time) *Timestamp {
	if t == nil {
		return nil
	}
	return &Timestamp{*t}
}
