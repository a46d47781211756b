package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The run measures a copy of the binary: the same bytes, executable, in the run's directory.
func TestInstallCopy(t *testing.T) {
	dir := t.TempDir()
	binary := filepath.Join(dir, "built")
	if err := os.WriteFile(binary, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	runDir := t.TempDir()
	path, err := installCopy(binary, runDir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "\x7fELF not really" || filepath.Dir(path) != runDir {
		t.Fatalf("copy at %s: %q, %v", path, got, err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm()&0o100 == 0 {
		t.Fatalf("copy not executable: %v, %v", info.Mode(), err)
	}
	if _, err := installCopy(filepath.Join(dir, "missing"), t.TempDir()); err == nil {
		t.Error("copying a missing binary succeeded")
	}
}
