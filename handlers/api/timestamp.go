package api

import (
	"encoding/json"
	"reflect"
	"time"
)

// Timestamp is a time in a request: any RFC 3339 time; anything else is a type error that
// names the field. (Responses write times as models.Timestamp.)
type Timestamp struct{ time.Time }

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
