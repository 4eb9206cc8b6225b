package fixed

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

const wad = 1_000_000_000_000_000_000

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
		{"128-bit intermediate", wad, wad, wad, false, wad, true},
		{"zero divisor", 1, 1, 0, false, 0, false},
		{"quotient overflow", ^uint64(0), 2, 1, false, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := MulDiv(tc.x, tc.y, tc.d, tc.up)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("MulDiv(%d, %d, %d, %v) = %d, %v; want %d, %v", tc.x, tc.y, tc.d, tc.up, got, ok, tc.want, tc.ok)
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
			got, ok := Apportion(tc.weights, tc.total)
			if !ok {
				t.Fatalf("Apportion(%v, %d) refused", tc.weights, tc.total)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("Apportion(%v, %d) = %v, want %v", tc.weights, tc.total, got, tc.want)
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
		got, ok := Apportion(w, total)
		if !ok {
			t.Fatalf("Apportion(%v, %d) refused", w, total)
		}
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

// Apportion refuses what cannot be split: a total above the weights' sum,
// weights whose sum overflows, and anything but 0 over all-zero weights.
func TestApportionRefuses(t *testing.T) {
	for _, tc := range []struct {
		weights []uint64
		total   uint64
	}{{[]uint64{1, 2}, 4}, {[]uint64{^uint64(0), 1}, 1}, {[]uint64{0, 0}, 1}} {
		if _, ok := Apportion(tc.weights, tc.total); ok {
			t.Errorf("Apportion(%v, %d) accepted", tc.weights, tc.total)
		}
	}
	if got, ok := Apportion([]uint64{0, 0}, 0); !ok || got[0] != 0 || got[1] != 0 {
		t.Errorf("Apportion of 0 over zero weights = %v, %v", got, ok)
	}
}
