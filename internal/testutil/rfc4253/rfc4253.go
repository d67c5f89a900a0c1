// Package rfc4253 checks, for tests, what a tarpit sends before the SSH
// banner against RFC 4253 §4.2 as clients read it: lines of 3 to 32 bytes
// ending in CRLF, printable ASCII, none starting with "SSH-", so that no
// client mistakes one for a server's identification or gives up on it.
package rfc4253

import (
	"bytes"
	"fmt"
)

// MaxLine is the longest line, CRLF included, that the classic pacer sends.
const MaxLine = 32

// Line checks one whole line, CRLF included.
func Line(l []byte) error {
	if len(l) < 3 || len(l) > MaxLine {
		return fmt.Errorf("line %q: %d bytes, want 3 to %d", l, len(l), MaxLine)
	}
	if !bytes.HasSuffix(l, []byte("\r\n")) {
		return fmt.Errorf("line %q does not end in CRLF", l)
	}
	return body(l, l[:len(l)-2])
}

// Stream checks a stream line by line. Unless whole, its last line may be
// unfinished: what came of it so far is checked.
func Stream(s []byte, whole bool) error {
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			if whole {
				return fmt.Errorf("stream ends in an unfinished line %q", s)
			}
			// Its CR may have come without its LF.
			part := bytes.TrimSuffix(s, []byte("\r"))
			if len(part) > MaxLine-2 {
				return fmt.Errorf("unfinished line %q is already too long", s)
			}
			return body(s, part)
		}
		if err := Line(s[:i+1]); err != nil {
			return err
		}
		s = s[i+1:]
	}
	return nil
}

// body checks a line's text, without its line end.
func body(line, text []byte) error {
	if bytes.HasPrefix(text, []byte("SSH-")) {
		return fmt.Errorf("line %q starts with SSH-", line)
	}
	for _, b := range text {
		if b < 0x20 || b > 0x7e {
			return fmt.Errorf("line %q holds byte %#x", line, b)
		}
	}
	return nil
}
