package rfc4253

import "testing"

func TestStream(t *testing.T) {
	long := "abcdefghijklmnopqrstuvwxyz01234"
	for _, tt := range []struct {
		in    string
		whole bool
		ok    bool
	}{
		{"", true, true},
		{"a\r\nbc\r\n", true, true},
		{"x\r\n" + long[:30] + "\r\n", true, true},
		{"x\r\n" + long + "\r\n", true, false}, // 33 bytes
		{"\r\n", true, false},                  // 2 bytes
		{"ab\n", true, false},                  // no CR
		{"SSH-2.0-x\r\n", true, false},
		{"a\x00b\r\n", true, false},
		{"a\rb\r\n", true, false}, // a CR inside
		{"ab\r\nunfini", false, true},
		{"ab\r\nunfini", true, false},
		{"ab\r\nunfini\r", false, true}, // its LF still to come
		{"ab\r\n" + long, false, false},
		{"ab\r\nSSH-", false, false},
		{"ab\r\nx\ry", false, false},
	} {
		if err := Stream([]byte(tt.in), tt.whole); (err == nil) != tt.ok {
			t.Errorf("Stream(%q, %v) = %v, want ok %v", tt.in, tt.whole, err, tt.ok)
		}
	}
}
