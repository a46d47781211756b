package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/portico/portico/migrations"
	"github.com/portico/portico/models"
)

// backupCommand writes a consistent copy of the live SQLite database; Portico may keep
// serving meanwhile.
func backupCommand(ctx context.Context, e *env) error {
	if len(e.args) != 1 {
		return errors.New("usage: portico backup FILE")
	}
	dest := e.args[0]
	start := time.Now()
	err := e.db.Backup(ctx, dest)
	if errors.Is(err, models.ErrBackupUnsupported) {
		return fmt.Errorf("%w, for example:\n  pg_dump --format=custom --file=portico.dump \"$PORTICO_DATABASE\"", err)
	} else if err != nil {
		return err
	}
	info, err := os.Stat(dest)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "backup written to %s (%d bytes in %s)\n", dest, info.Size(), time.Since(start).Round(time.Millisecond))
	return nil
}

// checkCommand examines the database: every page and index of a SQLite file, then whether it
// can be read and written now and whether its schema is current.
func checkCommand(ctx context.Context, e *env) error {
	if e.db.Dialect == models.SQLite {
		problems, err := e.db.IntegrityCheck(ctx)
		if err != nil {
			return err
		}
		for _, p := range problems {
			fmt.Fprintln(e.stdout, p)
		}
		if len(problems) > 0 {
			return refuseDamage(&models.CorruptionError{Path: models.DescribeDatabase(e.cfg.Database), Problems: problems})
		}
		fmt.Fprintln(e.stdout, "integrity_check: ok")
	} else {
		fmt.Fprintln(e.stdout, "PostgreSQL checks its own pages; for an index check run pg_amcheck")
	}
	applied, err := migrations.Applied(e.db.Writer())
	if err != nil {
		return err
	}
	if len(applied) == 0 || applied[len(applied)-1] != migrations.Latest() {
		fmt.Fprintf(e.stdout, "schema: behind (%d migrations applied, latest is %s); portico migrate or serve applies them\n", len(applied), migrations.Latest())
		return nil
	}
	fmt.Fprintf(e.stdout, "schema: current (%s)\n", migrations.Latest())
	if err := e.db.Ready(ctx); err != nil {
		return fmt.Errorf("the database cannot serve: %w", err)
	}
	fmt.Fprintln(e.stdout, "reads and writes: ok")
	return nil
}

// healthcheck asks a running Portico's /readyz on the configured address, for container
// engines that have no HTTP client in the image.
func healthcheckCommand(ctx context.Context, e *env) error {
	host, port, err := net.SplitHostPort(e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("addr %q: %w", e.cfg.Addr, err)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, port) + "/readyz"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s answered %s", url, res.Status)
	}
	fmt.Fprintln(e.stdout, "ready")
	return nil
}
