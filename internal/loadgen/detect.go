package loadgen

// lineWatch finds lines starting with "SSH-" in a byte stream, across reads,
// with one byte of state per connection: how much of "SSH-" the current
// line has matched so far, or notSSH once it cannot match.
type lineWatch uint8

const notSSH lineWatch = 0xff

// feed scans p and returns how many lines starting with "SSH-" it completed.
func (w *lineWatch) feed(p []byte) (n int) {
	const prefix = "SSH-"
	s := *w
	for _, b := range p {
		switch {
		case b == '\n':
			s = 0
		case s < lineWatch(len(prefix)) && b == prefix[s]:
			if s++; s == lineWatch(len(prefix)) {
				n++
				s = notSSH
			}
		default:
			s = notSSH
		}
	}
	*w = s
	return n
}
