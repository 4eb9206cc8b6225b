package sim

import (
	"testing"
	"unsafe"
)

// TestBlockEntrySize keeps a block's skeleton, which a long stall keeps for
// every block, in the 128-byte size class.
func TestBlockEntrySize(t *testing.T) {
	if n := unsafe.Sizeof(blockEntry{}); n > 128 {
		t.Errorf("blockEntry is %d bytes, want at most 128", n)
	}
}
