package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
)

func TestHelpListsEveryCommand(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		out, err := portico(t, arg)
		if err != nil {
			t.Fatalf("portico %s: %v", arg, err)
		}
		for _, c := range commands {
			if !regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(c.name) + ` +` + regexp.QuoteMeta(c.summary) + `$`).MatchString(out) {
				t.Errorf("portico %s does not list %q with its summary:\n%s", arg, c.name, out)
			}
		}
	}
	out, err := portico(t, "link", "-h")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Usage: portico link --merchant", "-customer", "-expires-in", "-frame-ancestors", "-database", "PORTICO_DATABASE"} {
		if !strings.Contains(out, want) {
			t.Errorf("portico link -h lacks %q:\n%s", want, out)
		}
	}
}

// shellWords splits a command line as sh would for the README's examples: words, "double"
// and 'single' quotes, and a trailing # comment.
func shellWords(line string) []string {
	var (
		words []string
		word  strings.Builder
		quote rune
		in    bool
	)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, in = r, true
		case r == '#' && !in:
			return words
		case r == ' ' || r == '\t':
			if in {
				words = append(words, word.String())
				word.Reset()
				in = false
			}
		default:
			word.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, word.String())
	}
	return words
}

// TestREADMECommandLineExamples runs every `portico …` line of the README's command-line
// section, as written, against the demo data `make run` loads (./portico.db). The server
// itself (serve) and healthcheck, which asks a running server, are run by TestServe
// instead. One placeholder is filled in: sk_AbCdEfGh stands for the prefix the apikey
// create line printed.
func TestREADMECommandLineExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	start := strings.Index(section, "\n## Command line\n")
	if start < 0 {
		t.Fatal("the README has no Command line section")
	}
	section = section[start+1:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	var lines []string
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "portico ") {
			lines = append(lines, line)
		}
	}
	if len(lines) < 8 {
		t.Fatalf("found %d example lines in the Command line section", len(lines))
	}

	t.Chdir(t.TempDir())
	if out, err := portico(t, "demo"); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	var prefix string
	ran := 0
	for _, line := range lines {
		args := shellWords(line)[1:]
		if len(args) > 0 && (args[0] == "serve" || args[0] == "healthcheck") {
			continue
		}
		for i, a := range args {
			if a == "sk_AbCdEfGh" && prefix != "" {
				args[i] = prefix
			}
		}
		out, err := portico(t, args...)
		if err != nil {
			t.Errorf("%s\n→ %v\n%s", line, err, out)
			continue
		}
		ran++
		if m := regexp.MustCompile(`API key (sk_\S{8}) `).FindStringSubmatch(out); m != nil {
			prefix = m[1]
		}
	}
	if ran < 8 {
		t.Errorf("ran %d examples", ran)
	}
}

func TestStartRefusesACorruptFile(t *testing.T) {
	database := filepath.Join(t.TempDir(), "portico.db")
	if out, err := portico(t, "demo", "--database", database); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	if out, err := portico(t, "check", "--database", database); err != nil || !strings.Contains(out, "integrity_check: ok") || !strings.Contains(out, "reads and writes: ok") {
		t.Fatalf("check of a sound file: %v\n%s", err, out)
	}
	testdb.CorruptFile(t, database, 20)
	for _, cmd := range []string{"serve", "migrate", "check"} {
		out, err := portico(t, cmd, "--database", database, "--addr", "127.0.0.1:0", "--metrics-addr", "off")
		if err == nil || !strings.Contains(err.Error(), "is corrupt") || !strings.Contains(err.Error(), "restore the latest backup") {
			t.Errorf("portico %s on a corrupt file: %v\n%s", cmd, err, out)
		}
	}
	if _, err := portico(t, "check", "--database", filepath.Join(t.TempDir(), "missing.db")); err == nil || !strings.Contains(err.Error(), "no database to check") {
		t.Errorf("check of a missing file: %v", err)
	}
}

func TestStartRefusesAReadOnlyFile(t *testing.T) {
	database := filepath.Join(t.TempDir(), "portico.db")
	if out, err := portico(t, "migrate", "--database", database); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	testdb.ReadOnly(t, database)
	_, err := portico(t, "serve", "--database", database, "--addr", "127.0.0.1:0", "--metrics-addr", "off")
	if err == nil || !strings.Contains(err.Error(), "the database cannot serve") || !strings.Contains(err.Error(), "readonly") {
		t.Errorf("serve on a read-only file: %v", err)
	}
}

func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	database := filepath.Join(dir, "portico.db")
	if out, err := portico(t, "demo", "--database", database); err != nil {
		t.Fatalf("demo: %v\n%s", err, out)
	}
	dest := filepath.Join(dir, "copy.db")
	out, err := portico(t, "backup", dest, "--database", database)
	if err != nil || !strings.Contains(out, "backup written to "+dest) {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	if out, err := portico(t, "check", "--database", dest); err != nil || !strings.Contains(out, "integrity_check: ok") {
		t.Errorf("check of the copy: %v\n%s", err, out)
	}
	db, err := models.OpenDB(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := models.NewStore(db).FindMerchant(context.Background(), demoSlug); err != nil {
		t.Errorf("the copy lacks the demo merchant: %v", err)
	}
	if _, err := portico(t, "backup", dest, "--database", database); err == nil {
		t.Error("a backup overwrote an existing file")
	}

	t.Run("postgres", func(t *testing.T) {
		pg := testdb.PostgresSetting(t)
		if _, err := portico(t, "migrate", "--database", pg); err != nil {
			t.Fatal(err)
		}
		if _, err := portico(t, "backup", filepath.Join(dir, "pg.db"), "--database", pg); err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Errorf("backup on PostgreSQL: %v, want advice to use pg_dump", err)
		}
	})
}

// TestPostgresThatNeverAnswers: a server that accepts and says nothing gets a log line
// naming where Portico connects (without the password) and a clear error after
// connect_timeout, not a silent hang.
func TestPostgresThatNeverAnswers(t *testing.T) {
	addr := testdb.SilentServer(t)
	setting := "postgres://portico:s3cret@" + addr + "/billing?connect_timeout=1"
	var out, errOut bytes.Buffer
	start := time.Now()
	err := run(context.Background(), []string{"migrate", "--database", setting}, func(string) string { return "" }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "no answer within 1s") || time.Since(start) > 3*time.Second {
		t.Fatalf("after %s: %v", time.Since(start), err)
	}
	logs := errOut.String()
	if !strings.Contains(logs, "database="+addr+"/billing") || strings.Contains(logs+err.Error(), "s3cret") {
		t.Errorf("the log does not name the server, or shows the password:\n%s", logs)
	}
}

// freeAddr is a loopback address nothing listens on (for a moment).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServe runs the server as an operator would: metrics on their own listener only,
// spans exported to an OTLP/HTTP collector with trace IDs in the log, health checks, and
// what net/http itself answers to requests it cannot parse.
func TestServe(t *testing.T) {
	var exports atomic.Int64
	var exported atomic.Value
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/v1/traces" && r.Header.Get("Content-Type") == "application/x-protobuf" {
			exports.Add(1)
			exported.Store(string(body))
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	getenv := func(k string) string {
		if strings.HasPrefix(k, "OTEL_") {
			return os.Getenv(k)
		}
		return ""
	}

	addr, metricsAddr := freeAddr(t), freeAddr(t)
	var out, logs lockedBuffer
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", addr, "--metrics-addr", metricsAddr,
			"--database", filepath.Join(t.TempDir(), "portico.db")}, getenv, &out, &logs)
	}()
	key := regexp.MustCompile(`API key: +(sk_\S+)`)
	for deadline := time.Now().Add(20 * time.Second); key.FindStringSubmatch(out.String()) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server printed no API key:\n%s\n%s", out.String(), logs.String())
		}
	}
	secret := key.FindStringSubmatch(out.String())[1]

	get := func(url string, header ...string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res, string(body)
	}
	if res, _ := get("http://"+addr+"/v1/customers", "Authorization", "Bearer "+secret); res.StatusCode != http.StatusOK {
		t.Errorf("/v1/customers: %d", res.StatusCode)
	}
	if res, _ := get("http://" + addr + "/metrics"); res.StatusCode != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", res.StatusCode)
	}
	res, body := get("http://" + metricsAddr + "/metrics")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `portico_http_requests_total{method="GET",route="/v1/customers",status="200"} 1`) {
		t.Errorf("metrics listener: %d\n%.1500s", res.StatusCode, body)
	}
	if out, err := portico(t, "healthcheck", "--addr", addr); err != nil || !strings.Contains(out, "ready") {
		t.Errorf("healthcheck: %v\n%s", err, out)
	}
	if _, err := portico(t, "healthcheck", "--addr", freeAddr(t)); err == nil {
		t.Error("healthcheck of an address nobody serves succeeded")
	}

	// What net/http answers by itself, before any handler runs: a fixed text that echoes
	// nothing of the request, and no way to add headers to it.
	for _, tc := range []struct{ name, request, status, body string }{
		{"header past net/http's limit", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("<script>", 40<<10) + "\r\n\r\n", "431", "431 Request Header Fields Too Large"},
		{"malformed request line", "<script>alert(1)</script>\r\n\r\n", "400", "400 Bad Request"},
	} {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, tc.request)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		body, _ := io.ReadAll(res.Body)
		conn.Close()
		if !strings.HasPrefix(res.Status, tc.status) || string(body) != tc.body || res.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("%s: %s %q %q", tc.name, res.Status, res.Header.Get("Content-Type"), body)
		}
	}

	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop")
	}
	// Spans still buffered went out at shutdown.
	if exports.Load() == 0 {
		t.Fatal("no spans were exported")
	}
	if spans, _ := exported.Load().(string); !strings.Contains(spans, "GET /v1/customers") || !strings.Contains(spans, "portico") {
		t.Errorf("the export lacks the request's span or the service name")
	}
	traced := regexp.MustCompile(`msg=request method=GET path=/v1/customers status=200 .* trace_id=[0-9a-f]{32}`)
	if !traced.MatchString(logs.String()) {
		t.Errorf("the request log line has no trace ID:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "tracing: exporting spans") || !strings.Contains(logs.String(), "metrics are served") {
		t.Errorf("the start-up log does not say where spans and metrics go:\n%s", logs.String())
	}
}

// TestMetricsListenerClashIsNotFatal: an address already taken costs the metrics, not the
// service.
func TestMetricsListenerClashIsNotFatal(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := freeAddr(t)
	var logs lockedBuffer
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--metrics-addr", taken.Addr().String(),
			"--database", filepath.Join(t.TempDir(), "portico.db")}, func(string) string { return "" }, io.Discard, &logs)
	}()
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(logs.String(), "portico is listening"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start:\n%s", logs.String())
		}
	}
	if res, err := http.Get("http://" + addr + "/readyz"); err != nil {
		t.Error(err)
	} else if res.Body.Close(); res.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %d", res.StatusCode)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "metrics listener: not serving /metrics") {
		t.Errorf("the clash was not logged:\n%s", logs.String())
	}
}
