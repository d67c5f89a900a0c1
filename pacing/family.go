package pacing

import "bytes"

// Family is the kind of client, told from its identification string.
type Family uint8

// The families tarssh tells apart.
const (
	Unknown Family = iota // not identified yet
	Silent                // sent nothing within the identification window
	Other                 // sent something we do not recognise
	OpenSSH
	GoSSH
	Paramiko
	Dropbear
	PuTTY
	NumFamilies
)

var familyNames = [NumFamilies]string{"unknown", "silent", "other", "openssh", "go", "paramiko", "dropbear", "putty"}

func (f Family) String() string {
	if f < NumFamilies {
		return familyNames[f]
	}
	return "invalid"
}

// Classify tells a client's family from its identification line (without
// its line end); nil means none was sent.
func Classify(ident []byte) Family {
	if ident == nil {
		return Silent
	}
	soft, ok := bytes.CutPrefix(ident, []byte("SSH-2.0-"))
	if !ok {
		if soft, ok = bytes.CutPrefix(ident, []byte("SSH-1.99-")); !ok {
			return Other
		}
	}
	for _, p := range prefixes {
		if bytes.HasPrefix(soft, []byte(p.prefix)) {
			return p.f
		}
	}
	return Other
}

var prefixes = [...]struct {
	prefix string
	f      Family
}{
	{"OpenSSH", OpenSSH},
	{"Go", GoSSH},
	{"paramiko", Paramiko},
	{"dropbear", Dropbear},
	{"PuTTY", PuTTY},
}
