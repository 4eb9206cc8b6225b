package restaking

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestMulDiv(t *testing.T) {
	tests := []struct {
		name    string
		x, y, d uint64
		up      bool
		want    uint64
		ok      bool
	}{
		{"exact", 6, 7, 3, false, 14, true},
		{"floor", 10, 1, 3, false, 3, true},
		{"ceil", 10, 1, 3, true, 4, true},
		{"ceil exact", 9, 1, 3, true, 3, true},
		{"128-bit intermediate", WAD, WAD, WAD, false, WAD, true},
		{"zero divisor", 1, 1, 0, false, 0, false},
		{"quotient overflow", ^uint64(0), 2, 1, false, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := mulDiv(tc.x, tc.y, tc.d, tc.up)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("mulDiv(%d, %d, %d, %v) = %d, %v; want %d, %v", tc.x, tc.y, tc.d, tc.up, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestApportion(t *testing.T) {
	tests := []struct {
		name    string
		weights []uint64
		total   uint64
		want    []uint64
	}{
		{"even", []uint64{10, 10}, 10, []uint64{5, 5}},
		{"thirds", []uint64{1, 1, 1}, 2, []uint64{1, 1, 0}},
		// 3·2/4 = 1.5 and 1·2/4 = 0.5: equal remainders, the earlier wins.
		{"tie to earlier", []uint64{3, 1}, 2, []uint64{2, 0}},
		// 5·3/9 = 1.67, 4·3/9 = 1.33: the larger remainder gets the Gwei.
		{"largest remainder", []uint64{4, 5}, 3, []uint64{1, 2}},
		{"all", []uint64{7, 0, 2}, 9, []uint64{7, 0, 2}},
		{"none", []uint64{7, 2}, 0, []uint64{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := apportion(tc.weights, tc.total)
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("apportion(%v, %d) = %v, want %v", tc.weights, tc.total, got, tc.want)
				}
			}
		})
	}
}

// TestApportionProperties checks on random inputs that the parts add up to
// the total, none exceeds its weight, and each is within one of the exact
// pro-rata share (computed with math/big).
func TestApportionProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for range 2000 {
		n := 1 + r.IntN(8)
		w := make([]uint64, n)
		var sum uint64
		for i := range w {
			w[i] = r.Uint64N(1 << 40)
			sum += w[i]
		}
		var total uint64
		if sum > 0 {
			total = r.Uint64N(sum + 1)
		}
		got := apportion(w, total)
		var s uint64
		for i, g := range got {
			s += g
			if g > w[i] {
				t.Fatalf("part %d = %d > weight %d", i, g, w[i])
			}
			exact := new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).SetUint64(w[i]), new(big.Int).SetUint64(total)), new(big.Int).SetUint64(max(sum, 1)))
			diff := new(big.Rat).Sub(new(big.Rat).SetInt(new(big.Int).SetUint64(g)), exact)
			if diff.Abs(diff).Cmp(big.NewRat(1, 1)) >= 0 {
				t.Fatalf("part %d = %d, exact %s", i, g, exact.FloatString(3))
			}
		}
		if s != total {
			t.Fatalf("parts sum %d != total %d", s, total)
		}
	}
}

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
