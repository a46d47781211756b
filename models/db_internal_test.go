package models

import (
	"testing"
	"time"
)

func TestConnectTimeout(t *testing.T) {
	cases := []struct {
		url, want string
		timeout   time.Duration
		bad       bool
	}{
		{url: "postgres://db/portico", want: "postgres://db/portico?connect_timeout=10", timeout: 10 * time.Second},
		{url: "postgres://db/portico?sslmode=disable", want: "postgres://db/portico?connect_timeout=10&sslmode=disable", timeout: 10 * time.Second},
		{url: "postgres://db/portico?connect_timeout=3", want: "postgres://db/portico?connect_timeout=3", timeout: 3 * time.Second},
		{url: "postgres://db/portico?connect_timeout=0", bad: true},
		{url: "postgres://db/portico?connect_timeout=soon", bad: true},
	}
	for _, tc := range cases {
		got, timeout, err := connectTimeout(tc.url)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: no error", tc.url)
			}
			continue
		}
		if err != nil || got != tc.want || timeout != tc.timeout {
			t.Errorf("%s → %q, %s, %v; want %q, %s", tc.url, got, timeout, err, tc.want, tc.timeout)
		}
	}
}
