package restaking

import (
	"testing"
)

// TestExportedWADMath checks the helpers agents and the engine use against
// hand-computed values, including rounding, saturation and exact ties.
func TestExportedWADMath(t *testing.T) {
	const max64 = ^uint64(0)
	cases := []struct {
		x, y, d, down, up uint64
	}{
		{10, 3, 4, 7, 8}, // 30/4 = 7.5
		{12, 3, 4, 9, 9}, // exact
		{max64, max64, max64, max64, max64},
		{max64, 2, 1, max64, max64}, // does not fit: saturates
		{5, 5, 0, max64, max64},     // division by zero saturates
		{1 << 40, 1 << 40, 1 << 50, 1 << 30, 1 << 30},
	}
	for _, c := range cases {
		if got := MulDivDown(c.x, c.y, c.d); got != c.down {
			t.Errorf("MulDivDown(%d, %d, %d) = %d, want %d", c.x, c.y, c.d, got, c.down)
		}
		if got := MulDivUp(c.x, c.y, c.d); got != c.up {
			t.Errorf("MulDivUp(%d, %d, %d) = %d, want %d", c.x, c.y, c.d, got, c.up)
		}
	}
	// 1/2 against thresholds around it; 2^63·3 vs 2^64-ish products need
	// 128 bits.
	for _, c := range []struct {
		a, b, num, den uint64
		atLeast, above bool
	}{
		{1, 2, 1, 2, true, false},
		{1, 2, 1, 3, true, true},
		{1, 3, 1, 2, false, false},
		{0, 0, 1, 2, true, false}, // b = 0: at least any fraction of nothing
		{5, 0, 1, 2, true, true},
		{1 << 63, 3 << 62, 2, 3, true, false}, // 2^63 / (3·2^62) = 2/3 exactly
	} {
		if got := FractionAtLeast(c.a, c.b, c.num, c.den); got != c.atLeast {
			t.Errorf("FractionAtLeast(%d/%d, %d/%d) = %v", c.a, c.b, c.num, c.den, got)
		}
		if got := FractionAbove(c.a, c.b, c.num, c.den); got != c.above {
			t.Errorf("FractionAbove(%d/%d, %d/%d) = %v", c.a, c.b, c.num, c.den, got)
		}
	}
}
