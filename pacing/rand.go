package pacing

import "math/bits"

// Rand is a small, fast, non-cryptographic generator (wyrand). The lines a
// tarpit sends need to look like noise, not to resist prediction.
type Rand uint64

// Uint64 returns the next pseudo-random value.
func (r *Rand) Uint64() uint64 {
	*r += 0xa0761d6478bd642f
	hi, lo := bits.Mul64(uint64(*r), uint64(*r)^0xe7037ed1a0b428db)
	return hi ^ lo
}

// Intn returns a value in [0, n) for small n.
func (r *Rand) Intn(n int) int {
	return int((r.Uint64() >> 32) * uint64(n) >> 32)
}

// Printable fills p with printable ASCII (0x20-0x7e): never NUL, CR or LF.
func (r *Rand) Printable(p []byte) {
	var v uint64
	for i := range p {
		if i%4 == 0 {
			v = r.Uint64()
		}
		p[i] = ' ' + byte((v&0xffff)*95>>16)
		v >>= 16
	}
}

// Line fills buf with one line as RFC 4253 §4.2 allows before the version
// string: 1 to 30 printable characters and CRLF (3 to 32 bytes in all),
// never starting with "SSH-". It returns the line's length.
func (r *Rand) Line(buf []byte) int {
	n := 1 + r.Intn(30)
	r.Printable(buf[:n])
	if n >= 4 && string(buf[:4]) == "SSH-" {
		buf[0] = 'X'
	}
	buf[n], buf[n+1] = '\r', '\n'
	return n + 2
}
