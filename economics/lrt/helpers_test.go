package lrt

import (
	"errors"
	"testing"

	"github.com/stakesim/stakesim/economics/restaking"
)

const eth = GweiPerETH

// testDelay is the ledger's withdrawal (escrow) delay in the tests.
const testDelay Epoch = 10

var ops = []string{"op1", "op2", "op3"}

// newLedger is a ledger with three operators, each registered for the
// operator set "avs" and allocating half its magnitude to it at once
// (allocation delay 0), with a 10-epoch withdrawal delay.
func newLedger(t *testing.T) *restaking.Ledger {
	t.Helper()
	l, err := restaking.New(restaking.Params{WithdrawalDelay: testDelay, DeallocationDelay: testDelay})
	noErr(t, err)
	noErr(t, l.CreateOperatorSet(restaking.OperatorSetConfig{ID: "avs", ThresholdWAD: WAD / 2}))
	for _, op := range ops {
		noErr(t, l.RegisterOperator(restaking.OperatorConfig{ID: op}))
		noErr(t, l.RegisterForOperatorSet(op, "avs"))
		noErr(t, l.ModifyAllocation(op, "avs", WAD/2))
	}
	return l
}

// newNative is a native-restaking LRT over newLedger with params changed
// by tweak.
func newNative(t *testing.T, tweak func(*Params)) (*Protocol, *restaking.Ledger) {
	t.Helper()
	l := newLedger(t)
	p := DefaultParams(ops...)
	if tweak != nil {
		tweak(&p)
	}
	lrt, err := New("ezETH", p, l, nil, 0)
	noErr(t, err)
	return lrt, l
}

// fakeLST prices LST shares at num/den Gwei each.
type fakeLST struct{ num, den uint64 }

func (f *fakeLST) PooledEthByShares(s uint64) Gwei { return Gwei(mustMulDiv(s, f.num, f.den)) }
func (f *fakeLST) SharesByPooledEth(e Gwei) uint64 { return mustMulDiv(uint64(e), f.den, f.num) }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, p *Protocol, l *restaking.Ledger) {
	t.Helper()
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
	if err := l.CheckInvariants(); err != nil {
		t.Fatal(err)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func expectErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

// advance moves the ledger to e and syncs the protocol.
func advance(t *testing.T, p *Protocol, l *restaking.Ledger, e Epoch) SyncResult {
	t.Helper()
	must(l.Advance(e))
	res := must(p.Sync(e))
	check(t, p, l)
	return res
}

// rate1e27 is the protocol's rate as a decimal string in 1e27 units.
func rate1e27(p *Protocol) string { return p.Rate().String() }
