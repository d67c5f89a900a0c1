package systemd

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/tarssh/tarssh/logging"
)

// Identifier is the SYSLOG_IDENTIFIER of every journal entry.
const Identifier = "tarssh"

// maxValue bounds a field value in a journal entry, so that an entry always
// fits one datagram (journald's native protocol would otherwise need a
// memfd or a file in /dev/shm, which the sandbox forbids). Values are short
// by construction (an SSH identification is at most 255 bytes); this only
// guards against a future long one.
const maxValue = 2048

// MessageID returns the journal MESSAGE_ID of an event kind: 128 bits
// derived from the event's name, so every kind has one that never changes
// (journalctl MESSAGE_ID=... finds every disconnect of every version)
// without a table to keep in step with the code.
func MessageID(event string) string {
	sum := sha256.Sum256([]byte("tarssh event\x00" + event))
	return hex.EncodeToString(sum[:16])
}

// priority maps a level to syslog's numbering, which the journal uses.
func priority(l logging.Level) byte {
	switch l {
	case logging.Error:
		return '3'
	case logging.Warn:
		return '4'
	case logging.Info:
		return '6'
	}
	return '7'
}

// AppendEntry appends r to b as one journal native-protocol entry:
// MESSAGE (the console text), PRIORITY, SYSLOG_IDENTIFIER, MESSAGE_ID,
// TARSSH_EVENT and each of the record's fields as TARSSH_<KEY>.
func AppendEntry(b []byte, r logging.Record) []byte {
	b = appendField(b, "MESSAGE", r.Msg)
	b = append(b, "PRIORITY="...)
	b = append(b, priority(r.Level), '\n')
	b = appendField(b, "SYSLOG_IDENTIFIER", Identifier)
	b = appendField(b, "MESSAGE_ID", MessageID(r.Event))
	b = appendField(b, "TARSSH_EVENT", r.Event)
	for _, f := range r.Fields {
		b = appendField(b, "TARSSH_"+fieldKey(f.Key), f.Value)
	}
	return b
}

// appendField writes KEY=value, or, for a value with a newline, the
// protocol's binary form: KEY, newline, 64-bit little-endian length, value.
func appendField(b []byte, key, value string) []byte {
	if len(value) > maxValue {
		value = value[:maxValue]
	}
	b = append(b, key...)
	if strings.IndexByte(value, '\n') < 0 {
		b = append(b, '=')
		b = append(b, value...)
		return append(b, '\n')
	}
	b = append(b, '\n')
	b = binary.LittleEndian.AppendUint64(b, uint64(len(value)))
	b = append(b, value...)
	return append(b, '\n')
}

// fieldKey makes k a valid journal field name: upper-case letters, digits
// and underscores. Keys come from the code, so this only keeps a typo from
// making journald drop the whole entry.
func fieldKey(k string) string {
	ok := k != ""
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			ok = false
		}
	}
	if ok {
		return k
	}
	var s strings.Builder
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case 'a' <= c && c <= 'z':
			s.WriteByte(c - 'a' + 'A')
		case 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			s.WriteByte(c)
		default:
			s.WriteByte('_')
		}
	}
	if s.Len() == 0 {
		return "FIELD"
	}
	return s.String()
}
