package webhook

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/portico/portico/internal/testdb"
	"github.com/portico/portico/models"
	"golang.org/x/net/dns/dnsmessage"
)

// attackerDNS is a DNS server that answers for names an attacker controls, pointing them
// at internal addresses. It returns a resolver that asks only it.
func attackerDNS(t *testing.T, records map[string]netip.Addr) *net.Resolver {
	t.Helper()
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFrom(buf)
			if err != nil {
				return
			}
			var p dnsmessage.Parser
			h, err := p.Start(buf[:n])
			if err != nil {
				continue
			}
			q, err := p.Question()
			if err != nil {
				continue
			}
			b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
			b.StartQuestions()
			b.Question(q)
			b.StartAnswers()
			rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 0}
			addr, ok := records[strings.TrimSuffix(q.Name.String(), ".")]
			switch {
			case ok && q.Type == dnsmessage.TypeA && addr.Is4():
				b.AResource(rh, dnsmessage.AResource{A: addr.As4()})
			case ok && q.Type == dnsmessage.TypeAAAA && addr.Is6():
				b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: addr.As16()})
			}
			msg, err := b.Finish()
			if err == nil {
				conn.WriteTo(msg, from)
			}
		}
	}()
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", conn.LocalAddr().String())
	}}
}

// ssrfTargets are addresses of every IANA special-purpose range and every IPv6 form that
// carries an IPv4 address; names in attackerDNS resolve to them. None is public, so no test
// traffic leaves the machine.
var ssrfTargets = []string{
	"0.0.0.0", "10.0.0.1", "100.64.0.1", "127.0.0.1", "127.0.0.2", "169.254.169.254", "172.16.0.1",
	"192.0.0.1", "192.0.2.1", "192.168.1.1", "198.18.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255",
	"::1", "::ffff:127.0.0.1", "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::1",
	"2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1", "fec0::1", "fd00::1", "fe80::1", "ff02::1",
}

// A name that resolves to an internal address passes registration (it is a name) and is
// refused when the delivery dials it, after resolution: DNS rebinding gains nothing.
func TestDialRefusesEveryNonPublicAddress(t *testing.T) {
	records := map[string]netip.Addr{}
	for i, target := range ssrfTargets {
		records[hostFor(i)] = netip.MustParseAddr(target)
	}
	store := models.NewStore(testdb.SQLite(t))
	d := newDeliverer(store, nil, attackerDNS(t, records))
	for i, target := range ssrfTargets {
		for _, scheme := range []string{"https", "http"} {
			req, _ := http.NewRequest(http.MethodPost, scheme+"://"+hostFor(i)+":8443/hooks", bytes.NewReader([]byte("{}")))
			_, err := d.client.Do(req)
			if !errors.Is(err, models.ErrNonPublicAddress) {
				t.Errorf("%s (%s): %v, want it refused at dial time", hostFor(i), target, err)
			}
		}
	}
	// localhost resolves from /etc/hosts, not DNS: refused all the same.
	req, _ := http.NewRequest(http.MethodPost, "https://localhost/hooks", nil)
	if _, err := d.client.Do(req); !errors.Is(err, models.ErrNonPublicAddress) {
		t.Errorf("localhost: %v", err)
	}
}

// The refusal is what the merchant sees on the delivery.
func TestDeliveryToAnInternalNameFails(t *testing.T) {
	db := testdb.SQLite(t)
	f := newFixture(t, db)
	f.store = models.NewStore(db, models.WithClock(f.clock.Now), models.WithDataKeys(testKeys))
	f.d = newDeliverer(f.store, f.d.log, attackerDNS(t, map[string]netip.Addr{"metadata.attacker.test": netip.MustParseAddr("169.254.169.254")}))
	m, endpoints := f.merchant(t, "https://metadata.attacker.test/latest/meta-data")
	announce(t, f.store, m)
	f.deliverDue(t)
	d := f.deliveries(t, m, endpoints[0])
	if len(d) != 1 || d[0].State != models.JobPending || !strings.Contains(d[0].LastError, "not a public address: 169.254.169.254") || d[0].LastStatusCode != 0 {
		t.Errorf("delivery to a name for the metadata service: %+v", d)
	}
}

func hostFor(i int) string { return "t" + string(rune('a'+i)) + ".attacker.test" }
