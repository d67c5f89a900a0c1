package logging

import (
	"fmt"
	"io"
)

// Console writes records as tarssh 0.7.0 (env_logger) prints them:
//
//	[2021-01-12T10:20:30.123Z INFO  tarssh] connect, peer: 192.0.2.1:4242, clients: 1
//
// Each of the three header parts can be turned off; with all three off the
// brackets go too.
type Console struct {
	W          io.Writer
	Timestamps bool
	Level      bool
	Ident      bool
	buf        []byte
}

// Write formats r into one line and writes it with a single call, so that
// lines from concurrent processes sharing the terminal do not interleave.
func (c *Console) Write(r Record) error {
	b := c.buf[:0]
	if c.Timestamps || c.Level || c.Ident {
		b = append(b, '[')
		sep := false
		if c.Timestamps {
			b = r.Time.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
			sep = true
		}
		if c.Level {
			if sep {
				b = append(b, ' ')
			}
			b = fmt.Appendf(b, "%-5s", r.Level)
			sep = true
		}
		if c.Ident {
			if sep {
				b = append(b, ' ')
			}
			b = append(b, "tarssh"...)
		}
		b = append(b, "] "...)
	}
	b = append(b, r.Msg...)
	b = append(b, '\n')
	c.buf = b
	_, err := c.W.Write(b)
	return err
}
