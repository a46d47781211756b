// Package testdb gives tests a real, migrated database of their own: a SQLite file in the
// test's temporary directory, and, when PORTICO_TEST_POSTGRES names a PostgreSQL database,
// a fresh schema in it that is dropped when the test ends.
package testdb

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// PostgresEnv names the variable holding the PostgreSQL URL for tests.
const PostgresEnv = "PORTICO_TEST_POSTGRES"

// Engines runs fn once per database engine available: always SQLite, and PostgreSQL when
// PORTICO_TEST_POSTGRES is set. Each run gets a fresh, migrated database.
func Engines(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if os.Getenv(PostgresEnv) != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
	}
}

// SQLiteSetting returns a database setting for a new SQLite file in t's temporary directory.
func SQLiteSetting(t testing.TB) string {
	return filepath.Join(t.TempDir(), "portico.db")
}

// SQLite opens and migrates a new SQLite database.
func SQLite(t testing.TB) *models.DB {
	t.Helper()
	return Open(t, SQLiteSetting(t))
}

// PostgresSetting creates a fresh schema and returns a database setting that uses it. The
// schema is dropped when the test ends. The test is skipped when no PostgreSQL is configured.
func PostgresSetting(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresEnv + " is not set")
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresEnv, err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "portico_test_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		if sqlDB, err := admin.DB(); err == nil {
			sqlDB.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Postgres opens and migrates a fresh PostgreSQL schema.
func Postgres(t testing.TB) *models.DB {
	t.Helper()
	return Open(t, PostgresSetting(t))
}

// Open opens and migrates the database a setting names, closing it when the test ends.
func Open(t testing.TB, setting string) *models.DB {
	t.Helper()
	db, err := models.OpenDB(setting)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrations.Up(db.Writer()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// ReadOnly makes a closed SQLite file read-only until the test ends, as a wrong owner or a
// read-only mount would: chmod for an ordinary user, and for root, whom permissions do not
// stop, the immutable attribute (chattr +i). Without a way to do it the test is skipped, and
// fails under CI=true.
func ReadOnly(t testing.TB, path string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(path, 0o444); err != nil {
			t.Fatal(err)
		}
		return
	}
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chattr +i %s: %v %s", path, err, out)
		}
		t.Skipf("SKIPPED: cannot make %s read-only for root (chattr +i: %v %s)", path, err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
}

// Corrupt closes an open SQLite database, overwrites n pages in the middle of its file
// with random bytes, as a failing disk or a stray write would, and opens it again as it is
// (no checks, no migrations), closing it when the test ends.
func Corrupt(t testing.TB, db *models.DB, path string, n int) *models.DB {
	t.Helper()
	db.Close()
	CorruptFile(t, path, n)
	db, err := models.OpenDB(path)
	if err != nil {
		t.Fatalf("reopen the damaged file: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// CorruptFile overwrites n pages in the middle of a closed SQLite file with random bytes.
func CorruptFile(t testing.TB, path string, n int) {
	t.Helper()
	const pageSize = 4096
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	pages := int(info.Size() / pageSize)
	if pages < n+2 {
		t.Fatalf("%s has %d pages, too few to corrupt %d in the middle", path, pages, n)
	}
	garbage := make([]byte, n*pageSize)
	rand.Read(garbage)
	if _, err := f.WriteAt(garbage, int64(pages/2-n/2)*pageSize); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
}

// SilentServer is the address of a TCP server that accepts connections and never says a
// word, as a hung database server would. It stops when the test ends.
func SilentServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		var conns []net.Conn
		defer func() {
			for _, c := range conns {
				c.Close()
			}
		}()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, conn)
		}
	}()
	return ln.Addr().String()
}
