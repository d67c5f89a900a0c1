// Package pacing decides what a trapped SSH client is sent and when.
//
// RFC 4253 §4.2 lets a server send lines before its version string, and
// clients must read them. Every client gives up eventually, each by rules of
// its own (a count of lines, a count of bytes, a timer per read); a pacer
// spends that budget as slowly as the rules allow. The engine asks the pacer
// on each visit for the next bytes and the wait until the next visit, and
// tells it how many bytes the kernel took.
//
// Two pacers are provided: Classic, tarssh 0.7.0's one line per interval
// to everyone, and Adaptive, which paces each client by the rules of the
// SSH implementation its identification names.
//
// A pacer keeps no state of its own per client: everything it needs lives in
// the four-byte State inside the engine's client record, which is what keeps
// a held client at tens of bytes of memory.
package pacing

import "time"

// State is a client's pacing state, stored in the engine's client record.
type State struct {
	Family Family // who the client is, from its identification
	Col    uint8  // bytes written in the current line (saturating); colCR: a CR awaits its LF
	Lines  uint16 // lines completed (saturating); Adaptive counts its polls here while Family is Unknown
}

// colCR marks a line whose CR was written but whose LF was not yet, so the
// next write must start with LF: a CR not followed by LF makes OpenSSH quit.
const colCR = 0xff

// Pacer chooses each client's output. Its methods run on the engine's loop
// and must not block or allocate.
type Pacer interface {
	// First is the wait from accept to a new client's first visit.
	First() time.Duration
	// Identify sets st for a client whose first line was ident; nil means
	// the client sent nothing within the identification window.
	Identify(st *State, ident []byte)
	// Next fills buf (at least MaxChunk bytes) with what to send now and
	// returns its length and the wait until the next visit.
	Next(st *State, buf []byte) (n int, wait time.Duration)
	// Wrote reports the prefix of Next's bytes that the kernel accepted.
	Wrote(st *State, p []byte)
}

// MaxChunk is the largest chunk a Pacer writes in one visit.
const MaxChunk = 64

// advance updates st for bytes written: the common bookkeeping of every pacer.
func advance(st *State, p []byte) {
	for _, b := range p {
		switch b {
		case '\n':
			st.Col = 0
			if st.Lines < 0xffff {
				st.Lines++
			}
		case '\r':
			st.Col = colCR
		default:
			if st.Col < colCR-1 {
				st.Col++
			}
		}
	}
}

// finishLine writes into buf what ends a partly written line, if any.
func finishLine(st *State, buf []byte) int {
	switch {
	case st.Col == colCR:
		buf[0] = '\n'
		return 1
	case st.Col > 0:
		buf[0], buf[1] = '\r', '\n'
		return 2
	}
	return 0
}
