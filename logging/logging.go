// Package logging carries tarssh's log records from the engine to a sink
// without ever making the engine wait.
//
// A record is built once, as the same text tarssh 0.7.0 prints
// ("connect, peer: 192.0.2.1:4242, clients: 3"), plus the structured fields a
// journal wants. Records pass through a bounded queue to a single writer
// goroutine; when the queue is full they are dropped and counted, because a
// slow terminal or a stalled journald must never stall a tarpit that holds
// a hundred thousand sockets.
package logging

import (
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Level is a record's severity, ordered as the verbosity flag counts it.
type Level uint8

// The levels, from always shown to shown only at -vvv.
const (
	Error Level = iota
	Warn
	Info
	Debug
	Trace
)

var levelNames = [...]string{"ERROR", "WARN", "INFO", "DEBUG", "TRACE"}

func (l Level) String() string {
	if int(l) < len(levelNames) {
		return levelNames[l]
	}
	return "LEVEL" + strconv.Itoa(int(l))
}

// Field is one structured value of a record, named as its journal field
// without the TARSSH_ prefix (PEER_ADDR, CLIENTS, ...).
type Field struct {
	Key, Value string
}

// Record is one log event. Msg is the full console text after the header.
type Record struct {
	Time   time.Time
	Level  Level
	Event  string // the event kind: "connect", "disconnect", "info", ...
	Msg    string
	Fields []Field
}

// Builder assembles a Record in tarssh's "event, key: value, ..." shape.
type Builder struct {
	r   Record
	msg strings.Builder
}

// New starts a record of the given level and event kind.
func New(level Level, event string) *Builder {
	b := &Builder{r: Record{Level: level, Event: event}}
	b.msg.WriteString(event)
	return b
}

func (b *Builder) key(k string) {
	b.msg.WriteString(", ")
	b.msg.WriteString(k)
	b.msg.WriteString(": ")
}

// Str adds a bare value; field names the journal field ("" for none).
func (b *Builder) Str(k, v, field string) *Builder {
	b.key(k)
	b.msg.WriteString(v)
	if field != "" {
		b.r.Fields = append(b.r.Fields, Field{field, v})
	}
	return b
}

// Quote adds a value in double quotes, as tarssh prints errors.
func (b *Builder) Quote(k, v, field string) *Builder {
	b.key(k)
	b.msg.WriteString(strconv.Quote(v))
	if field != "" {
		b.r.Fields = append(b.r.Fields, Field{field, v})
	}
	return b
}

// Int adds an integer.
func (b *Builder) Int(k string, v int64, field string) *Builder {
	return b.Str(k, strconv.FormatInt(v, 10), field)
}

// Uint adds an unsigned integer.
func (b *Builder) Uint(k string, v uint64, field string) *Builder {
	return b.Str(k, strconv.FormatUint(v, 10), field)
}

// Bool adds a boolean.
func (b *Builder) Bool(k string, v bool) *Builder {
	return b.Str(k, strconv.FormatBool(v), "")
}

// Dur adds a duration printed as Rust's {:.2?} does ("19.80s"); the journal
// field, if any, holds plain seconds.
func (b *Builder) Dur(k string, d time.Duration, field string) *Builder {
	b.key(k)
	b.msg.WriteString(FormatDuration(d, 2))
	if field != "" {
		b.r.Fields = append(b.r.Fields, Field{field, strconv.FormatFloat(d.Seconds(), 'f', 3, 64)})
	}
	return b
}

// Setting adds a configured duration printed as Rust's {:?} does ("10s").
func (b *Builder) Setting(k string, d time.Duration) *Builder {
	return b.Str(k, FormatDuration(d, -1), "")
}

// Peer adds a socket address; the journal gets its address and port
// separately as <field>_ADDR and <field>_PORT.
func (b *Builder) Peer(k string, ap netip.AddrPort, field string) *Builder {
	b.key(k)
	b.msg.WriteString(FormatAddr(ap))
	if field != "" {
		b.r.Fields = append(b.r.Fields,
			Field{field + "_ADDR", ap.Addr().Unmap().String()},
			Field{field + "_PORT", strconv.Itoa(int(ap.Port()))})
	}
	return b
}

// Field adds a journal field that the console line does not show.
func (b *Builder) Field(key, value string) *Builder {
	b.r.Fields = append(b.r.Fields, Field{key, value})
	return b
}

// Record returns the finished record, stamped with the current time.
func (b *Builder) Record() Record {
	b.r.Msg = b.msg.String()
	b.r.Time = time.Now()
	return b.r
}

// FormatAddr prints a socket address as Rust's SocketAddr does, with
// IPv4-mapped IPv6 addresses shown as plain IPv4 so that one client prints
// the same whichever listener it came through.
func FormatAddr(ap netip.AddrPort) string {
	if !ap.IsValid() {
		return "unix"
	}
	return netip.AddrPortFrom(ap.Addr().Unmap().WithZone(ap.Addr().Zone()), ap.Port()).String()
}

// FormatDuration prints d as Rust's Debug for Duration: in the largest unit
// among s, ms, µs and ns that keeps the value at least 1, with prec decimals,
// or with as many as needed (up to 9) when prec is negative.
func FormatDuration(d time.Duration, prec int) string {
	if d < 0 {
		d = 0
	}
	unit, div := "ns", time.Duration(1)
	switch {
	case d >= time.Second:
		unit, div = "s", time.Second
	case d >= time.Millisecond:
		unit, div = "ms", time.Millisecond
	case d >= time.Microsecond:
		unit, div = "µs", time.Microsecond
	}
	v := float64(d) / float64(div)
	if prec < 0 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		return s + unit
	}
	return strconv.FormatFloat(v, 'f', prec, 64) + unit
}

// Sink receives records on the writer goroutine. It may block; the Logger
// shields the engine from that.
type Sink interface {
	Write(Record) error
}

// Logger filters records by level and hands them to a Sink through a bounded
// queue, dropping (and counting) what does not fit.
type Logger struct {
	max     Level
	queue   chan Record
	dropped atomic.Uint64
	written atomic.Uint64 // records the sink has taken, to see it make progress
	done    chan struct{}
}

// NewLogger starts a writer goroutine that feeds sink with records at or
// below max. depth bounds the queue.
func NewLogger(sink Sink, max Level, depth int) *Logger {
	l := &Logger{max: max, queue: make(chan Record, depth), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for r := range l.queue {
			if sink.Write(r) != nil {
				l.dropped.Add(1)
			}
			l.written.Add(1)
		}
	}()
	return l
}

// Enabled reports whether records of level would be written, so callers can
// skip building them.
func (l *Logger) Enabled(level Level) bool { return l != nil && level <= l.max }

// Log queues r without blocking; a full queue drops it and counts the loss.
func (l *Logger) Log(r Record) {
	if !l.Enabled(r.Level) {
		return
	}
	select {
	case l.queue <- r:
	default:
		l.dropped.Add(1)
	}
}

// Dropped returns how many records were lost so far. Like Enabled and Log
// it accepts a nil Logger (no logging), so an engine run without a log, as
// benchmarks do, can still take snapshots.
func (l *Logger) Dropped() uint64 {
	if l == nil {
		return 0
	}
	return l.dropped.Load()
}

// Close flushes queued records and stops the writer. Log must not be called
// afterwards. It waits as long as the sink makes progress, but gives up
// once the sink has taken nothing for closeStall: a stalled terminal or
// journal must not keep tarssh from exiting on SIGTERM.
func (l *Logger) Close() {
	close(l.queue)
	last := l.written.Load()
	tick, stop := closeTicker()
	defer stop()
	for {
		select {
		case <-l.done:
			return
		case <-tick:
			if n := l.written.Load(); n != last {
				last = n
				continue
			}
			return
		}
	}
}

// closeStall is how long Close waits for a sink that takes nothing.
const closeStall = time.Second

// closeTicker paces Close's looks at the sink's progress; tests drive it.
var closeTicker = func() (<-chan time.Time, func()) {
	t := time.NewTicker(closeStall)
	return t.C, t.Stop
}
