package pacing

import (
	"bytes"
	"testing"
	"time"
)

// checkStream checks a pre-banner byte stream against RFC 4253 §4.2 as the
// clients read it: whole CRLF lines of 3 to 32 bytes, none starting with
// "SSH-", no NUL, no CR but before LF. A last line may be unfinished.
func checkStream(t *testing.T, s []byte) {
	t.Helper()
	if i := bytes.IndexByte(s, 0); i >= 0 {
		t.Fatalf("NUL at %d in %q", i, s)
	}
	for len(s) > 0 {
		line := s
		end := bytes.IndexByte(s, '\n')
		if end >= 0 {
			line, s = s[:end+1], s[end+1:]
		} else {
			s = nil
		}
		if bytes.HasPrefix(line, []byte("SSH-")) {
			t.Fatalf("line %q starts with SSH-", line)
		}
		body := line
		if end >= 0 {
			if len(line) < 3 || len(line) > 32 {
				t.Fatalf("line %q is %d bytes, want 3 to 32", line, len(line))
			}
			if line[len(line)-2] != '\r' {
				t.Fatalf("line %q does not end in CRLF", line)
			}
			body = line[:len(line)-2]
		} else {
			body = bytes.TrimSuffix(line, []byte("\r")) // its LF is still to come
			if len(line) > 31 {
				t.Fatalf("unfinished line %q is already too long", line)
			}
		}
		for _, b := range body {
			if b < 0x20 || b > 0x7e {
				t.Fatalf("line %q has byte %#x", line, b)
			}
		}
	}
}

func FuzzRandLine(f *testing.F) {
	f.Add(uint64(0))
	f.Add(uint64(1))
	f.Add(^uint64(0))
	f.Fuzz(func(t *testing.T, seed uint64) {
		r := Rand(seed)
		var stream []byte
		for range 50 {
			buf := make([]byte, MaxChunk)
			n := r.Line(buf)
			if n < 3 || n > 32 || buf[n-2] != '\r' || buf[n-1] != '\n' {
				t.Fatalf("Line = %q", buf[:n])
			}
			stream = append(stream, buf[:n]...)
		}
		checkStream(t, stream)
	})
}

// FuzzClassic drives Classic.Next and Wrote through arbitrary partial
// writes (as a full socket buffer makes them) and checks the stream the
// client receives stays valid.
func FuzzClassic(f *testing.F) {
	f.Add(uint64(1), []byte{0xff, 0xff, 0xff})
	f.Add(uint64(2), []byte{1, 0, 2, 0, 1, 1, 1, 1, 3, 31, 30, 29})
	f.Add(uint64(3), []byte{0, 0, 0, 5, 0, 1})
	f.Fuzz(func(t *testing.T, seed uint64, writes []byte) {
		c := NewClassic(time.Second, seed)
		var st State
		var stream []byte
		lines := 0
		for _, w := range writes {
			buf := make([]byte, MaxChunk)
			n, wait := c.Next(&st, buf)
			if n < 1 || n > MaxChunk || wait != time.Second {
				t.Fatalf("Next = %d, %v", n, wait)
			}
			k := int(w) % (n + 1) // 0: the write would block
			stream = append(stream, buf[:k]...)
			c.Wrote(&st, buf[:k])
			lines += bytes.Count(buf[:k], []byte("\n"))
		}
		checkStream(t, stream)
		if int(st.Lines) != min(lines, 0xffff) {
			t.Errorf("State.Lines = %d, stream has %d lines", st.Lines, lines)
		}
	})
}

func TestRandLineLengths(t *testing.T) {
	r := Rand(42)
	seen := map[int]int{}
	chars := map[byte]bool{}
	buf := make([]byte, MaxChunk)
	for range 20000 {
		n := r.Line(buf)
		seen[n]++
		for _, b := range buf[:n-2] {
			chars[b] = true
		}
	}
	for n := 3; n <= 32; n++ {
		if seen[n] < 20000/30/2 {
			t.Errorf("lines of %d bytes: %d of 20000, want about %d", n, seen[n], 20000/30)
		}
	}
	if len(seen) != 30 {
		t.Errorf("line lengths seen: %v", seen)
	}
	if len(chars) != 95 {
		t.Errorf("%d distinct characters, want all 95 printable", len(chars))
	}
}

func TestRandIntn(t *testing.T) {
	r := Rand(7)
	for _, n := range []int{1, 2, 30, 95, 1 << 20} {
		for range 1000 {
			if v := r.Intn(n); v < 0 || v >= n {
				t.Fatalf("Intn(%d) = %d", n, v)
			}
		}
	}
}

func TestClassicFirstAndIdentify(t *testing.T) {
	c := NewClassic(7*time.Second, 1)
	if c.First() != 7*time.Second {
		t.Errorf("First() = %v", c.First())
	}
	var st State
	c.Identify(&st, []byte("SSH-2.0-OpenSSH_9.2p1"))
	if st.Family != OpenSSH {
		t.Errorf("Identify: family %v", st.Family)
	}
	c.Identify(&st, nil)
	if st.Family != Silent {
		t.Errorf("Identify(nil): family %v", st.Family)
	}
}

func TestFamilyString(t *testing.T) {
	seen := map[string]bool{}
	for f := Unknown; f < NumFamilies; f++ {
		s := f.String()
		if s == "" || s == "invalid" || seen[s] {
			t.Errorf("Family(%d).String() = %q", f, s)
		}
		seen[s] = true
	}
	if NumFamilies.String() != "invalid" {
		t.Errorf("NumFamilies.String() = %q", NumFamilies.String())
	}
}

func TestAdvanceSaturates(t *testing.T) {
	st := State{Lines: 0xfffe}
	advance(&st, []byte("ab\r\ncd\r\nef"))
	if st.Lines != 0xffff || st.Col != 2 {
		t.Errorf("after saturation: %+v", st)
	}
	advance(&st, bytes.Repeat([]byte("x"), 300))
	if st.Col != colCR-1 {
		t.Errorf("Col = %d, want saturated at %d", st.Col, colCR-1)
	}
	advance(&st, []byte("\r"))
	buf := make([]byte, MaxChunk)
	if n := finishLine(&st, buf); n != 1 || buf[0] != '\n' {
		t.Errorf("after a lone CR: finishLine = %q", buf[:n])
	}
}
