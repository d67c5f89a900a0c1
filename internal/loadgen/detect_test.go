package loadgen

import "testing"

func TestLineWatch(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   int
	}{
		{"none", []string{"hello\r\nworld\r\n"}, 0},
		{"banner", []string{"SSH-2.0-x\r\n"}, 1},
		{"second line", []string{"abc\r\nSSH-2.0\r\n"}, 1},
		{"split across reads", []string{"ab\r\nSS", "H", "-2.0\r\n"}, 1},
		{"not at line start", []string{"xSSH-2.0\r\n"}, 0},
		{"prefix only", []string{"SSH\r\nSSH_\r\n"}, 0},
		{"two", []string{"SSH-1\nSSH-2\n"}, 2},
		{"stream start mid-prefix", []string{"SS", "X\nSSH-"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w lineWatch
			got := 0
			for _, c := range tt.chunks {
				got += w.feed([]byte(c))
			}
			if got != tt.want {
				t.Errorf("feed(%q) = %d SSH- lines, want %d", tt.chunks, got, tt.want)
			}
		})
	}
}
