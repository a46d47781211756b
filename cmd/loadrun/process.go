package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// server is a process under measurement: what it costs is read from /proc, so the load
// generator's own CPU never counts as the server's.
type server struct {
	addr string // host:port
	cmd  *exec.Cmd
	stop func()
}

// userHZ is the unit of /proc/<pid>/stat's CPU times: fixed at 100 by Linux's ABI.
const userHZ = 100

// cpu is the CPU time the process has used, user and system, all threads.
func (s *server) cpu() (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parseCPU(stat)
}

// parseCPU reads utime and stime, the 14th and 15th fields of /proc/<pid>/stat, counted
// after the command name, which is in parentheses and may hold spaces.
func parseCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("unreadable /proc stat")
	}
	fields := strings.Fields(string(stat[i+1:])) // fields[0] is the 3rd field, the state
	if len(fields) < 13 {
		return 0, errors.New("unreadable /proc stat")
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// resetPeakRSS starts a new peak-memory window (Linux: 5 into clear_refs resets VmHWM).
func (s *server) resetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// peakRSS is the most memory the process has held resident since the last reset (VmHWM).
func (s *server) peakRSS() (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	return parsePeakRSS(status)
}

func parsePeakRSS(status []byte) (int64, error) {
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// loadAverage is the machine's 1, 5 and 15 minute load averages.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// serveHelloArg makes loadrun the baseline server instead: a bare Echo answering "Hello,
// World!", a process of its own so its CPU is measured like Portico's.
const serveHelloArg = "-serve-hello"

func serveHello() error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.String(http.StatusOK, "Hello, World!") })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr())
	return http.Serve(ln, e)
}

// startHello runs loadrun itself again as the baseline server and waits for its address.
func startHello() (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, serveHelloArg)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() { cmd.Process.Kill(); cmd.Wait() }
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		stop()
		return nil, fmt.Errorf("the hello server printed no address: %w", err)
	}
	return &server{addr: strings.TrimSpace(addr), cmd: cmd, stop: stop}, nil
}

// portico is a running Portico and what its --demo printed.
type portico struct {
	*server
	base   string // http://host:port
	apiKey string
	link   string // the demo customer's portal link
}

var (
	apiKeyLine = regexp.MustCompile(`API key: +(sk_\S+)`)
	linkLine   = regexp.MustCompile(`Portal link: +(\S+)`)
)

// freeAddr is a loopback address nothing listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// porticoCommand is Portico serving database on a free loopback port, with request logs
// off (warn level) so a run measures serving, not logging, the API's and links' rate
// limits lifted for the load, no metrics listener and mail written into dir. env adds to
// or overrides that environment.
func porticoCommand(ctx context.Context, binary, database, dir string, env ...string) (*exec.Cmd, string, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.CommandContext(ctx, binary, "serve", "--database", database, "--addr", addr, "--base-url", "http://"+addr, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "PORTICO_API_RATE=1000000", "PORTICO_API_BURST=1000000", "PORTICO_LINK_RATE=1000000",
		"PORTICO_METRICS_ADDR=off", "PORTICO_MAIL_DIR="+dir, "PORTICO_SESSION_KEYS="+randomKey(), "PORTICO_DATA_KEYS="+randomKey())
	cmd.Env = append(cmd.Env, env...)
	return cmd, addr, nil
}

// randomKey is a fresh secret for PORTICO_SESSION_KEYS or PORTICO_DATA_KEYS.
func randomKey() string {
	key := make([]byte, 32)
	rand.Read(key)
	return base64.StdEncoding.EncodeToString(key)
}

// installCopy copies binary into dir and returns the copy, which the run then measures, as
// a deployment runs a binary a package or an image put on disk. One straight from Go's
// linker, which writes its output through a memory map, sits in the page cache in large
// folios that the kernel maps whole into every process that runs it: 33 MB of the file
// resident in an idle server, against 26 MB for a copy of the same bytes, or for the
// linker's own file once the page cache has let it go (`echo 1 > /proc/sys/vm/drop_caches`).
func installCopy(binary, dir string) (string, error) {
	src, err := os.Open(binary)
	if err != nil {
		return "", err
	}
	defer src.Close()
	path := filepath.Join(dir, "portico")
	dst, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o755)
	if err != nil {
		return "", err
	}
	_, err = io.Copy(dst, src)
	if err := errors.Join(err, dst.Close()); err != nil {
		return "", fmt.Errorf("copy %s to run it: %w", binary, err)
	}
	return path, nil
}

// startPortico runs the binary with --demo and waits for its demo API key and link.
func startPortico(binary, database, dir string, env ...string) (*portico, error) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd, addr, err := porticoCommand(ctx, binary, database, dir, env...)
	if err != nil {
		cancel()
		return nil, err
	}
	cmd.Args = append(cmd.Args, "--demo")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		cancel()
		return nil, err
	}
	p := &portico{server: &server{addr: addr, cmd: cmd, stop: func() { cancel(); cmd.Wait() }}, base: "http://" + addr}
	lines := bufio.NewScanner(out)
	for lines.Scan() && (p.apiKey == "" || p.link == "") {
		if m := apiKeyLine.FindStringSubmatch(lines.Text()); m != nil {
			p.apiKey = m[1]
		}
		if m := linkLine.FindStringSubmatch(lines.Text()); m != nil {
			p.link = m[1]
		}
	}
	go io.Copy(io.Discard, out)
	if p.apiKey == "" || p.link == "" {
		p.stop()
		return nil, errors.New("portico printed no demo API key and link")
	}
	return p, nil
}

// createDatabase makes a fresh database on the PostgreSQL server at serverURL for one run
// and returns its URL and a function that drops it.
func createDatabase(serverURL string) (string, func() error, error) {
	admin, err := gorm.Open(postgres.Open(serverURL), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return "", nil, err
	}
	sqlDB, err := admin.DB()
	if err != nil {
		return "", nil, err
	}
	suffix := make([]byte, 6)
	rand.Read(suffix)
	name := "portico_bench_" + hex.EncodeToString(suffix)
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		sqlDB.Close()
		return "", nil, err
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		sqlDB.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() error {
		defer sqlDB.Close()
		return admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error
	}
	return u.String(), drop, nil
}
