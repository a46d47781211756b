package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"time"
)

// coldStart is the median time from exec to the first successful /healthz over n starts
// on SQLite: on a fresh file each time (so every migration runs first) when fresh, else
// on one file migrated once beforehand.
func coldStart(binary, dir string, n int, fresh bool) (time.Duration, error) {
	shared := filepath.Join(dir, "cold.db")
	if !fresh {
		if _, err := startUntilHealthy(binary, shared, dir); err != nil {
			return 0, err
		}
	}
	var took []time.Duration
	for i := range n {
		database := shared
		if fresh {
			database = filepath.Join(dir, fmt.Sprintf("cold-%d.db", i))
		}
		d, err := startUntilHealthy(binary, database, dir)
		if err != nil {
			return 0, err
		}
		took = append(took, d)
	}
	slices.Sort(took)
	return took[len(took)/2], nil
}

// startUntilHealthy starts Portico on database and measures until /healthz answers 200,
// polling every millisecond; then stops it.
func startUntilHealthy(binary, database, dir string) (time.Duration, error) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd, addr, err := porticoCommand(ctx, binary, database, dir)
	if err != nil {
		cancel()
		return 0, err
	}
	probe := request(http.MethodGet, addr, "/healthz", "")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		cancel()
		return 0, err
	}
	defer func() { cancel(); cmd.Wait() }()
	c := &conn{addr: addr}
	defer c.close()
	for time.Since(start) < 30*time.Second {
		if status, err := c.do(probe); err == nil && status == http.StatusOK {
			return time.Since(start), nil
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("portico on %s was not healthy after 30 s", database)
}
