package tarpit

import (
	"bytes"
	"strconv"
	"testing"
)

func TestInterner(t *testing.T) {
	in := newInterner()
	a := in.intern([]byte("SSH-2.0-a"))
	b := in.intern([]byte("SSH-2.0-b"))
	a2 := in.intern([]byte("SSH-2.0-a"))
	if a != a2 || a == b || a < identFirst || b < identFirst || in.refs[a] != 2 {
		t.Fatalf("ids a=%d b=%d a2=%d refs %v", a, b, a2, in.refs)
	}
	if in.lookup(a) != "SSH-2.0-a" || in.lookup(b) != "SSH-2.0-b" {
		t.Errorf("lookup: %q %q", in.lookup(a), in.lookup(b))
	}
	in.release(a)
	if in.lookup(a) != "SSH-2.0-a" {
		t.Error("released with a reference left")
	}
	in.release(a)
	if in.lookup(a) != "" || len(in.ids) != 1 {
		t.Errorf("not freed with its last reference: %q, %v", in.lookup(a), in.ids)
	}
	if c := in.intern([]byte("SSH-2.0-c")); c != a {
		t.Errorf("new string got id %d, want freed id %d", c, a)
	}
	// The reserved ids are never counted.
	for _, id := range []uint16{identPending, identNone, identOverflow} {
		in.release(id)
		if in.lookup(id) != "" {
			t.Errorf("lookup(%d) = %q", id, in.lookup(id))
		}
	}
}

// TestInternerOverflow fills the table: further strings share the overflow
// id until an entry frees.
func TestInternerOverflow(t *testing.T) {
	in := newInterner()
	var last uint16
	for i := identFirst; i < int(identOverflow); i++ {
		last = in.intern([]byte(strconv.Itoa(i)))
		if last != uint16(i) {
			t.Fatalf("entry %d got id %d", i, last)
		}
	}
	if id := in.intern([]byte("one too many")); id != identOverflow {
		t.Fatalf("full table gave id %d", id)
	}
	if in.lookup(identOverflow) != "" {
		t.Error("overflow id has a string")
	}
	in.release(identOverflow)
	if id := in.intern([]byte("100")); id != 100 || in.refs[100] != 2 {
		t.Errorf("existing string in a full table: id %d refs %d", id, in.refs[100])
	}
	in.release(last)
	if id := in.intern([]byte("fits now")); id != last {
		t.Errorf("after a release: id %d, want %d", id, last)
	}
}

func TestSanitize(t *testing.T) {
	long := bytes.Repeat([]byte("a"), 300)
	for _, tt := range []struct{ in, want string }{
		{"SSH-2.0-OpenSSH_9.2p1\r\n", "SSH-2.0-OpenSSH_9.2p1"},
		{"SSH-2.0-x\nmore\n", "SSH-2.0-x"},
		{"SSH-2.0-x", "SSH-2.0-x"},
		{"SSH-2.0-x\r", "SSH-2.0-x"},
		{"a\rb\r\n", "a?b"},
		{"\x00\x01\x7f\x80\xff\t", "??????"},
		{"\n", ""},
		{"", ""},
		{"é", "??"},
		{string(long) + "\r\n", string(long[:MaxIdent])},
	} {
		if got := sanitize([]byte(tt.in)); string(got) != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzSanitize checks that sanitize keeps at most MaxIdent printable bytes
// of the first line, replacing the rest byte for byte.
func FuzzSanitize(f *testing.F) {
	f.Add([]byte("SSH-2.0-OpenSSH_9.2p1\r\n"))
	f.Add([]byte("\x00\r\r\n\n"))
	f.Add(bytes.Repeat([]byte{0xff}, 400))
	f.Fuzz(func(t *testing.T, p []byte) {
		in := append([]byte(nil), p...)
		out := sanitize(p)
		if len(out) > MaxIdent {
			t.Fatalf("%d bytes", len(out))
		}
		line := in
		if i := bytes.IndexByte(in, '\n'); i >= 0 {
			line = in[:i]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(out) != min(len(line), MaxIdent) {
			t.Fatalf("sanitize(%q) = %q: not the first line", in, out)
		}
		for i, b := range out {
			want := line[i]
			if want < 0x20 || want > 0x7e {
				want = '?'
			}
			if b != want {
				t.Fatalf("sanitize(%q) = %q: byte %d is %q", in, out, i, b)
			}
		}
	})
}
