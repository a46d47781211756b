package models

import (
	"path/filepath"
	"testing"
	"time"

	"gorm.io/gorm"
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

// Every SQLite connection, the writer's and the readers', syncs in full and keeps a page
// cache of 512 KiB.
func TestSQLiteConnectionSettings(t *testing.T) {
	db, err := openSQLite(filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for name, conn := range map[string]*gorm.DB{"writer": db.write, "reader": db.read} {
		for pragma, want := range map[string]int{"synchronous": 2, "cache_size": -512} {
			var got int
			if err := conn.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: PRAGMA %s = %d, want %d", name, pragma, got, want)
			}
		}
	}
}
