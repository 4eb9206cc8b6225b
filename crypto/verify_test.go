package crypto

import (
	"fmt"
	"runtime"
	"testing"
)

// committeeCheck returns a valid check: members signing msg, aggregated.
func committeeCheck(k *Keyring, msg [32]byte, members []uint64) AggregateCheck {
	return AggregateCheck{
		Indices:   members,
		Message:   msg,
		Signature: AggregateSignatures(sigsOf(k, msg, members...)),
	}
}

// corrupt returns a bad variant of a valid check; kind picks the defect.
func corrupt(k *Keyring, c AggregateCheck, kind int) AggregateCheck {
	bad := c
	bad.Indices = append([]uint64(nil), c.Indices...)
	switch kind % 6 {
	case 0: // signed a different message
		other := c.Message
		other[0] ^= 1
		bad.Signature = AggregateSignatures(sigsOf(k, other, c.Indices...))
	case 1: // a signer's signature missing from the aggregate
		bad.Signature = AggregateSignatures(sigsOf(k, c.Message, c.Indices[1:]...))
	case 2: // an extra index that did not sign
		bad.Indices = append(bad.Indices, (c.Indices[0]+1)%uint64(k.Len()))
	case 3: // no signature at all
		bad.Signature = Signature{}
	case 4: // an index outside the keyring
		bad.Indices[0] = uint64(k.Len()) + 5
	case 5: // a participant listed twice
		bad.Indices = append(bad.Indices, c.Indices[0])
	}
	return bad
}

func TestVerifyAggregatesMatchesPerCheck(t *testing.T) {
	k := NewKeyring(11, 96, 0)
	const nChecks = 40
	valid := make([]AggregateCheck, nChecks)
	for i := range valid {
		members := make([]uint64, 1+i%8)
		for j := range members {
			members[j] = uint64((i*7 + j*13) % 96)
		}
		// Some checks share a message, as attestations of one slot do.
		valid[i] = committeeCheck(k, msgOf(fmt.Sprint("data", i%5)), members)
	}

	tests := []struct {
		name string
		bad  []int
	}{
		{"all valid", nil},
		{"one bad at start", []int{0}},
		{"one bad in middle", []int{19}},
		{"one bad at end", []int{39}},
		{"three bad spread", []int{0, 20, 39}},
		{"three bad adjacent", []int{11, 12, 13}},
		{"three bad in one worker range", []int{1, 2, 5}},
	}
	for _, tc := range tests {
		for kind := range 6 {
			t.Run(fmt.Sprintf("%s/defect %d", tc.name, kind), func(t *testing.T) {
				checks := append([]AggregateCheck(nil), valid...)
				want := make([]bool, nChecks)
				for i := range want {
					want[i] = true
				}
				for n, pos := range tc.bad {
					checks[pos] = corrupt(k, valid[pos], kind+n)
					want[pos] = false
				}
				got := k.VerifyAggregates(checks)
				for i := range checks {
					// An out-of-range index maps to a nil key, which
					// FastAggregateVerify rejects.
					pks := publics(k, checks[i].Indices...)
					per := FastAggregateVerify(pks, checks[i].Message, checks[i].Signature)
					if got[i] != per || got[i] != want[i] {
						t.Errorf("check %d: batch %v, per-check %v, want %v", i, got[i], per, want[i])
					}
				}
			})
			if tc.bad == nil {
				break // defects do not apply
			}
		}
	}
}

// TestVerifyAggregatesUsesRandomCombination swaps the signatures of two
// signers of the same message. The plain sum of the two signatures equals
// the plain sum of what the two checks claim, so a batch without random
// multipliers would accept both; the random linear combination must not.
func TestVerifyAggregatesUsesRandomCombination(t *testing.T) {
	k := NewKeyring(3, 4, 0)
	msg := msgOf("swap")
	checks := []AggregateCheck{
		{Indices: []uint64{0}, Message: msg, Signature: Sign(k.Secret(1), msg)},
		{Indices: []uint64{1}, Message: msg, Signature: Sign(k.Secret(0), msg)},
		committeeCheck(k, msg, []uint64{2, 3}),
	}
	got := k.VerifyAggregates(checks)
	if want := []bool{false, false, true}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("VerifyAggregates = %v, want %v", got, want)
	}
}

func TestVerifyAggregatesEdgeCases(t *testing.T) {
	k := NewKeyring(3, 4, 0)
	msg := msgOf("edge")
	good := committeeCheck(k, msg, []uint64{0, 1})
	if got := k.VerifyAggregates(nil); len(got) != 0 {
		t.Errorf("no checks: got %v", got)
	}
	tests := []struct {
		name   string
		checks []AggregateCheck
		want   []bool
	}{
		{"single valid", []AggregateCheck{good}, []bool{true}},
		{"single invalid", []AggregateCheck{corrupt(k, good, 0)}, []bool{false}},
		{"empty indices", []AggregateCheck{{Message: msg, Signature: good.Signature}}, []bool{false}},
		{"only unusable", []AggregateCheck{corrupt(k, good, 3), corrupt(k, good, 4)}, []bool{false, false}},
		{"unusable beside valid", []AggregateCheck{corrupt(k, good, 4), good}, []bool{false, true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := k.VerifyAggregates(tc.checks); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestVerifyAggregatesIndependentOfGOMAXPROCS(t *testing.T) {
	k := NewKeyring(8, 32, 0)
	var checks []AggregateCheck
	for i := range 12 {
		c := committeeCheck(k, msgOf(fmt.Sprint(i)), []uint64{uint64(i), uint64(i + 10)})
		if i%5 == 2 {
			c = corrupt(k, c, i)
		}
		checks = append(checks, c)
	}
	prev := runtime.GOMAXPROCS(1)
	one := k.VerifyAggregates(checks)
	runtime.GOMAXPROCS(4)
	four := k.VerifyAggregates(checks)
	runtime.GOMAXPROCS(prev)
	if fmt.Sprint(one) != fmt.Sprint(four) {
		t.Errorf("GOMAXPROCS 1: %v, 4: %v", one, four)
	}
}

func TestBatchScalarsDeterministic(t *testing.T) {
	k := NewKeyring(8, 4, 0)
	checks := []AggregateCheck{
		committeeCheck(k, msgOf("a"), []uint64{0, 1}),
		committeeCheck(k, msgOf("b"), []uint64{2}),
	}
	a, b := k.batchScalars(checks), k.batchScalars(checks)
	for i := range a {
		if !a[i].Equals(&b[i]) {
			t.Fatalf("scalar %d differs between identical calls", i)
		}
	}
	checks[1].Message[0] ^= 1
	c := k.batchScalars(checks)
	if a[0].Equals(&c[0]) {
		t.Error("changing a message did not change the scalars")
	}
	other := NewKeyring(9, 4, 0)
	checks[1].Message[0] ^= 1
	if d := other.batchScalars(checks); a[0].Equals(&d[0]) {
		t.Error("changing the keyring seed did not change the scalars")
	}
}
