package systemd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/tarssh/tarssh/logging"
)

// parseEntry decodes one journal native-protocol entry, as journald does,
// so tests can check what AppendEntry wrote field by field.
func parseEntry(b []byte) ([][2]string, error) {
	var out [][2]string
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return nil, errors.New("field without newline")
		}
		line := b[:nl]
		if k, v, ok := bytes.Cut(line, []byte("=")); ok {
			out = append(out, [2]string{string(k), string(v)})
			b = b[nl+1:]
			continue
		}
		b = b[nl+1:]
		if len(b) < 8 {
			return nil, errors.New("binary field without length")
		}
		n := binary.LittleEndian.Uint64(b)
		b = b[8:]
		if uint64(len(b)) < n+1 || b[n] != '\n' {
			return nil, errors.New("binary field with a bad length")
		}
		out = append(out, [2]string{string(line), string(b[:n])})
		b = b[n+1:]
	}
	return out, nil
}

func TestAppendEntry(t *testing.T) {
	tests := []struct {
		name string
		rec  logging.Record
		want [][2]string
	}{{
		name: "connect",
		rec: logging.New(logging.Info, "connect").
			Peer("peer", mustAddrPort("[::ffff:192.0.2.1]:4242"), "PEER").
			Int("clients", 3, "CLIENTS").Field("LOCAL_ADDR", "[::]:2222").Record(),
		want: [][2]string{
			{"MESSAGE", "connect, peer: 192.0.2.1:4242, clients: 3"},
			{"PRIORITY", "6"},
			{"SYSLOG_IDENTIFIER", "tarssh"},
			{"MESSAGE_ID", "8027639bdc702b35349c13ae841356b4"},
			{"TARSSH_EVENT", "connect"},
			{"TARSSH_PEER_ADDR", "192.0.2.1"},
			{"TARSSH_PEER_PORT", "4242"},
			{"TARSSH_CLIENTS", "3"},
			{"TARSSH_LOCAL_ADDR", "[::]:2222"},
		},
	}, {
		name: "error level, quoted error, newline in a value",
		rec: logging.New(logging.Error, "listen").
			Quote("error", "bad\nthing", "ERROR").Record(),
		want: [][2]string{
			{"MESSAGE", `listen, error: "bad\nthing"`},
			{"PRIORITY", "3"},
			{"SYSLOG_IDENTIFIER", "tarssh"},
			{"MESSAGE_ID", "ca7475a7fd755f63d263529f9bbc9767"},
			{"TARSSH_EVENT", "listen"},
			{"TARSSH_ERROR", "bad\nthing"},
		},
	}, {
		name: "warn, and a key the journal would refuse",
		rec:  logging.New(logging.Warn, "accept").Field("log-dropped x", "1").Field("", "2").Record(),
		want: [][2]string{
			{"MESSAGE", "accept"},
			{"PRIORITY", "4"},
			{"SYSLOG_IDENTIFIER", "tarssh"},
			{"MESSAGE_ID", MessageID("accept")},
			{"TARSSH_EVENT", "accept"},
			{"TARSSH_LOG_DROPPED_X", "1"},
			{"TARSSH_FIELD", "2"},
		},
	}, {
		name: "debug and trace are both 7",
		rec:  logging.Record{Level: logging.Trace, Event: "x", Msg: "x"},
		want: [][2]string{
			{"MESSAGE", "x"}, {"PRIORITY", "7"}, {"SYSLOG_IDENTIFIER", "tarssh"},
			{"MESSAGE_ID", MessageID("x")}, {"TARSSH_EVENT", "x"},
		},
	}, {
		name: "an over-long value is cut",
		rec:  logging.Record{Level: logging.Debug, Event: "y", Msg: strings.Repeat("a", maxValue+10)},
		want: [][2]string{
			{"MESSAGE", strings.Repeat("a", maxValue)}, {"PRIORITY", "7"}, {"SYSLOG_IDENTIFIER", "tarssh"},
			{"MESSAGE_ID", MessageID("y")}, {"TARSSH_EVENT", "y"},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseEntry(AppendEntry(nil, tt.rec))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d fields %q, want %q", len(got), got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("field %d: got %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// The IDs are an interface: journalctl MESSAGE_ID=... queries and the man
// page name them, so they must never change.
func TestMessageIDStable(t *testing.T) {
	for ev, want := range map[string]string{
		"connect":    "8027639bdc702b35349c13ae841356b4",
		"disconnect": "d7cfa394bccefa14caf13e00853adccc",
		"listen":     "ca7475a7fd755f63d263529f9bbc9767",
		"start":      "cd518950504e3e362c6506a475dd44f7",
		"shutdown":   "92ce4450ab3cf14298d16bc2c5f5248d",
	} {
		if got := MessageID(ev); got != want {
			t.Errorf("MessageID(%q) = %s, want %s", ev, got, want)
		}
	}
	if MessageID("connect") == MessageID("disconnect") {
		t.Error("two events share an ID")
	}
}

// FuzzAppendEntry: whatever the record holds, the entry parses back into
// exactly its fields, with valid keys, and stays within one datagram.
func FuzzAppendEntry(f *testing.F) {
	f.Add("connect", "connect, peer: 192.0.2.1:1", "PEER_ADDR", "192.0.2.1", uint8(2))
	f.Add("x", "a\nb", "ERROR", "line\nbreak\n", uint8(0))
	f.Add("", "", "", "", uint8(9))
	f.Add("e", "=", "k=v", "=\n=", uint8(4))
	f.Fuzz(func(t *testing.T, event, msg, key, value string, level uint8) {
		r := logging.Record{Level: logging.Level(level), Event: event, Msg: msg,
			Fields: []logging.Field{{Key: key, Value: value}}}
		b := AppendEntry(nil, r)
		if len(b) > 16*1024 {
			t.Fatalf("entry of %d bytes", len(b))
		}
		got, err := parseEntry(b)
		if err != nil {
			t.Fatalf("%v in %q", err, b)
		}
		if len(got) != 6 {
			t.Fatalf("got %d fields: %q", len(got), got)
		}
		cut := func(s string) string { return s[:min(len(s), maxValue)] }
		if got[0][1] != cut(msg) || got[4][1] != cut(event) || got[5][1] != cut(value) {
			t.Fatalf("values changed: %q", got)
		}
		for _, kv := range got {
			if kv[0] == "" || strings.Trim(kv[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
				t.Fatalf("invalid key %q", kv[0])
			}
		}
	})
}
