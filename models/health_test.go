package models_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"gorm.io/gorm"
)

// fill gives a merchant n customers with long names, so the file has pages to spare.
func fill(t *testing.T, s *models.Store, n int) string {
	t.Helper()
	ctx := context.Background()
	m, err := s.CreateMerchant(ctx, "Filler", "")
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("%03d %s", i, strings.Repeat("Müller-Łukasiewicz ", 9))
		if _, err := s.CreateCustomer(ctx, m.ID, actor, models.CustomerInput{Name: &name, ExternalID: ptr(fmt.Sprint(i))}); err != nil {
			t.Fatal(err)
		}
	}
	return m.ID
}

func TestReadyProvesReadsAndWrites(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		if err := db.Ready(ctx); err != nil {
			t.Fatalf("a fresh database is not ready: %v", err)
		}
		// The probe writes nothing: the writer is free afterwards and no row appeared.
		s := models.NewStore(db)
		if _, err := s.CreateMerchant(ctx, "After the probe", ""); err != nil {
			t.Fatalf("write after the probe: %v", err)
		}

		// A writer held by a long transaction makes the probe time out instead of hang.
		held := make(chan struct{})
		release := make(chan struct{})
		go db.Writer().Transaction(func(tx *gorm.DB) error {
			tx.Exec("UPDATE merchants SET name = name")
			close(held)
			<-release
			return nil
		})
		<-held
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		err := db.Ready(short)
		close(release)
		if db.Dialect == models.SQLite && err == nil {
			t.Error("ready while the only writer connection is held")
		}
	})
}

func TestReadyFailsOnAReadOnlyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "portico.db")
	db := testdb.Open(t, path)
	fill(t, models.NewStore(db), 3)
	db.Close()
	testdb.ReadOnly(t, path)

	db, err := models.OpenDB(path)
	if err != nil {
		t.Fatalf("open a read-only file: %v", err) // reads still work, so it opens
	}
	defer db.Close()
	err = db.Ready(context.Background())
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("Ready on a read-only file = %v, want a write error", err)
	}
}

func TestCorruptFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portico.db")
	db := testdb.Open(t, path)
	merchant := fill(t, models.NewStore(db), 400)
	if checked, err := db.QuickCheck(ctx); !checked || err != nil {
		t.Fatalf("quick check of a sound file: checked %v, %v", checked, err)
	}
	if problems, err := db.IntegrityCheck(ctx); len(problems) > 0 || err != nil {
		t.Fatalf("integrity check of a sound file: %v %v", problems, err)
	}
	db = testdb.Corrupt(t, db, path, 20)
	checked, err := db.QuickCheck(ctx)
	var corrupt *models.CorruptionError
	if !checked || !errors.As(err, &corrupt) || !errors.Is(err, models.ErrDatabaseCorrupt) || !strings.Contains(err.Error(), path) {
		t.Fatalf("quick check of a corrupt file: checked %v, %v", checked, err)
	}
	if problems, err := db.IntegrityCheck(ctx); len(problems) == 0 || err != nil {
		t.Fatalf("integrity check of a corrupt file: %v %v", problems, err)
	}

	// Serving on it anyway: the first read that meets the damage makes it stick, so the
	// instance stops being ready and stops writing into the damaged file.
	s := models.NewStore(db)
	if err := db.Ready(ctx); err != nil {
		t.Fatalf("ready before anything met the damage: %v", err)
	}
	readAll := func() error {
		for page := 1; ; page++ {
			_, info, err := s.ListCustomers(ctx, merchant, "", models.Page{Number: page, PerPage: models.MaxPerPage})
			if err != nil || !info.HasMore() {
				return err
			}
		}
	}
	if err := readAll(); err == nil {
		t.Fatal("reading every customer of a corrupt file succeeded")
	}
	if err := db.Ready(ctx); !errors.Is(err, models.ErrDatabaseCorrupt) {
		t.Errorf("ready after a read met the damage: %v", err)
	}
	if _, err := s.CreateMerchant(ctx, "Into the damage", ""); !errors.Is(err, models.ErrDatabaseCorrupt) {
		t.Errorf("write after the damage was seen: %v, want ErrDatabaseCorrupt", err)
	}
}

func TestBackupUnderConcurrentWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := testdb.Open(t, filepath.Join(dir, "portico.db"))
	s := models.NewStore(db)
	m, err := s.CreateMerchant(ctx, "Busy", "")
	if err != nil {
		t.Fatal(err)
	}

	var acknowledged atomic.Int64
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for w := range 4 {
		writers.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.CreateCustomer(ctx, m.ID, actor, models.CustomerInput{Name: ptr("Writer"), ExternalID: ptr(fmt.Sprintf("%d-%d", w, i))}); err != nil {
					t.Error(err)
					return
				}
				acknowledged.Add(1)
			}
		})
	}
	for acknowledged.Load() < 50 {
		time.Sleep(5 * time.Millisecond)
	}
	before := acknowledged.Load()
	dest := filepath.Join(dir, "backup.db")
	err = db.Backup(ctx, dest)
	after := acknowledged.Load()
	close(stop)
	writers.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if after == before {
		t.Log("no write was acknowledged during the backup; the copy is still checked")
	}

	copied, err := models.OpenDB(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer copied.Close()
	if problems, err := copied.IntegrityCheck(ctx); len(problems) > 0 || err != nil {
		t.Fatalf("integrity check of the copy: %v %v", problems, err)
	}
	_, info, err := models.NewStore(copied).ListCustomers(ctx, m.ID, "", models.Page{})
	if err != nil {
		t.Fatal(err)
	}
	// Everything acknowledged before the backup began is in it; nothing that was not yet
	// written when it ended is.
	if info.Total < before || info.Total > after+4 {
		t.Errorf("the copy holds %d customers; %d were acknowledged before the backup and %d by its end", info.Total, before, after)
	}

	if err := db.Backup(ctx, dest); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if _, err := os.Stat(dest + ".partial"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a partial file was left behind: %v", err)
	}
}

func TestBackupRefusesPostgres(t *testing.T) {
	db := testdb.Postgres(t)
	if err := db.Backup(context.Background(), filepath.Join(t.TempDir(), "x.db")); !errors.Is(err, models.ErrBackupUnsupported) {
		t.Errorf("backup on PostgreSQL: %v", err)
	}
}

// TestPostgresConnectTimeout points Portico at a server that accepts connections and never
// says a word: opening must give up after connect_timeout with a clear error, not hang.
func TestPostgresConnectTimeout(t *testing.T) {
	addr := testdb.SilentServer(t)
	setting := "postgres://portico:s3cret@" + addr + "/billing?connect_timeout=1"
	start := time.Now()
	_, err := models.OpenDB(setting)
	took := time.Since(start)
	if err == nil {
		t.Fatal("opened a database that never answered")
	}
	want := "connect to PostgreSQL at " + addr + "/billing: no answer within 1s"
	if !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error = %q, want it to contain %q and no password", err, want)
	}
	if took > 3*time.Second {
		t.Errorf("gave up after %s, want about 1s", took)
	}
	if got := models.DescribeDatabase(setting); got != addr+"/billing" {
		t.Errorf("DescribeDatabase = %q", got)
	}
	if got := models.DescribeDatabase("postgres://u:p@db.internal/portico"); got != "db.internal:5432/portico" {
		t.Errorf("DescribeDatabase without a port = %q", got)
	}
}

// TestPostgresKeepsItsBusyConnections: connections opened when every one was busy stay for
// the next busy moment instead of being closed on their way back to the pool, each a new
// server process and a cold statement cache when it is opened again.
func TestPostgresKeepsItsBusyConnections(t *testing.T) {
	db := testdb.Postgres(t)
	pool, err := db.Writer().DB()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 3 {
		conns := make([]*sql.Conn, pool.Stats().MaxOpenConnections)
		for i := range conns {
			c, err := pool.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		for _, c := range conns {
			c.Close()
		}
	}
	if s := pool.Stats(); s.MaxIdleClosed != 0 || s.OpenConnections != s.MaxOpenConnections {
		t.Errorf("after three bursts as wide as the pool: %d connections closed for want of idle room, %d of %d open",
			s.MaxIdleClosed, s.OpenConnections, s.MaxOpenConnections)
	}
}
