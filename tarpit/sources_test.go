package tarpit

import (
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tarssh/tarssh/pacing"
)

func TestSourceOf(t *testing.T) {
	for _, tt := range []struct {
		bits4, bits6 int
		a, b         string
		same         bool
	}{
		{0, 0, "192.0.2.1", "192.0.2.1", true},
		{0, 0, "192.0.2.1", "192.0.2.2", false},
		{24, 0, "192.0.2.1", "192.0.2.200", true},
		{24, 0, "192.0.2.1", "192.0.3.1", false},
		{1, 0, "10.0.0.1", "127.0.0.1", true},
		{0, 0, "2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true}, // one /64
		{0, 0, "2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{0, 48, "2001:db8:1:2::1", "2001:db8:1:3::1", true},
		{0, 128, "2001:db8::1", "2001:db8::2", false},
		{0, 96, "2001:db8::1:1", "2001:db8::1:2", true},
		// An IPv4 client through a dual-stack listener is an IPv4 source,
		// never the IPv6 network ::/64.
		{0, 0, "192.0.2.1", "::ffff:192.0.2.1", true},
		{0, 0, "192.0.2.1", "::1", false},
		{0, 0, "0.0.0.1", "::1", false},
	} {
		s := newSources(1, tt.bits4, tt.bits6)
		a, b := netip.MustParseAddr(tt.a).As16(), netip.MustParseAddr(tt.b).As16()
		sa, oka := s.sourceOf(&a, false)
		sb, okb := s.sourceOf(&b, false)
		if !oka || !okb || (sa == sb) != tt.same {
			t.Errorf("/%d, /%d: %s and %s: %+v %+v, want same %v", tt.bits4, tt.bits6, tt.a, tt.b, sa, sb, tt.same)
		}
	}
	s := newSources(1, 0, 0)
	var z [16]byte
	if _, ok := s.sourceOf(&z, true); ok {
		t.Error("a unix client has a source")
	}
}

// One source cannot take more than PerSourceMax slots; the rest are
// closed at once and counted, and others still get in (issue 9).
func TestPerSourceMax(t *testing.T) {
	te := newTestEngine(t, 10, pacing.NewClassic(100*time.Millisecond, 1), 0)
	te.src = newSources(3, 32, 64)
	from := func(fd int, addr string) {
		te.slots <- struct{}{}
		a := accepted{fd: fd, port: uint16(40000 + fd), addr: netip.MustParseAddr(addr).As16()}
		te.add(a, te.now())
	}
	for fd := 3; fd < 8; fd++ {
		from(fd, "192.0.2.1")
	}
	from(8, "2001:db8::1")
	from(9, "2001:db8::2")
	from(10, "2001:db8::3")
	from(11, "2001:db8::4") // the same /64: refused
	from(12, "2001:db8:0:1::4")
	from(13, "192.0.2.2")
	if !slices.Equal(te.fake.closed, []int{6, 7, 11}) || te.stats.Clients != 8 || te.stats.Refused != 3 || len(te.slots) != 8 {
		t.Fatalf("closed %v, %d clients, %d refused, %d slots", te.fake.closed, te.stats.Clients, te.stats.Refused, len(te.slots))
	}
	if s := te.snapshot(); s.Sources != 4 {
		t.Errorf("%d sources, want 4", s.Sources)
	}
	// A drop frees the source's share.
	te.drop(0, errClosed)
	from(14, "192.0.2.1")
	from(15, "192.0.2.1")
	if !slices.Equal(te.fake.closed, []int{6, 7, 11, 3, 15}) || te.stats.Refused != 4 {
		t.Errorf("after a drop: closed %v, %d refused", te.fake.closed, te.stats.Refused)
	}
	// Every client gone, no source is left counted.
	for i := range te.clients {
		if te.clients[i].fd >= 0 {
			te.drop(uint32(i), errClosed)
		}
	}
	if len(te.src.held) != 0 {
		t.Errorf("sources left counted: %v", te.src.held)
	}
	te.info(syscall.SIGHUP)
	lines := te.logLines()
	if !slices.ContainsFunc(lines, func(l string) bool {
		return strings.HasPrefix(l, "refuse, peer: 192.0.2.1:40015, source_clients: 3, per_source_refused: 4")
	}) {
		t.Errorf("no refuse line for fd 15: %q", lines)
	}
	if last := lines[len(lines)-1]; !strings.HasSuffix(last, ", sources: 0, per_source_refused: 4") {
		t.Errorf("info line %q lacks the sources and refusals", last)
	}
}
