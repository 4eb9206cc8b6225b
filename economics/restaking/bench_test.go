package restaking_test

import (
	"fmt"
	"testing"

	"github.com/stakesim/stakesim/economics/restaking"
)

// BenchmarkSlashAndAdvance measures a simulator-sized epoch: 50 operators
// with 100 delegators each, 20 operator sets; each iteration slashes one
// operator (1% of one set), advances one epoch and accrues rewards.
func BenchmarkSlashAndAdvance(b *testing.B) {
	l, err := restaking.New(restaking.Params{AllocationDelay: 1, DeallocationDelay: 10, WithdrawalDelay: 10})
	if err != nil {
		b.Fatal(err)
	}
	const nOps, nDel, nSets = 50, 100, 20
	for s := range nSets {
		if err := l.CreateOperatorSet(restaking.OperatorSetConfig{ID: fmt.Sprintf("avs%02d", s), ThresholdWAD: pct(50), RewardRateWAD: wad / 1_000_000}); err != nil {
			b.Fatal(err)
		}
	}
	for o := range nOps {
		op := fmt.Sprintf("op%02d", o)
		if err := l.RegisterOperator(restaking.OperatorConfig{ID: op, CommissionBps: 1000}); err != nil {
			b.Fatal(err)
		}
		if err := l.Deposit(op, 32*eth); err != nil {
			b.Fatal(err)
		}
		for d := range nDel {
			st := fmt.Sprintf("%s-s%03d", op, d)
			if err := l.RegisterStaker(st); err != nil {
				b.Fatal(err)
			}
			if err := l.Deposit(st, Gwei(d+1)*eth); err != nil {
				b.Fatal(err)
			}
			if err := l.DelegateTo(st, op); err != nil {
				b.Fatal(err)
			}
		}
		for s := range nSets {
			set := fmt.Sprintf("avs%02d", s)
			if err := l.RegisterForOperatorSet(op, set); err != nil {
				b.Fatal(err)
			}
			if err := l.ModifyAllocation(op, set, wad/nSets); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := l.Advance(1); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, err := l.Slash(fmt.Sprintf("op%02d", i%nOps), fmt.Sprintf("avs%02d", i%nSets), wad/100); err != nil {
			b.Fatal(err)
		}
		if _, err := l.Advance(l.Epoch() + 1); err != nil {
			b.Fatal(err)
		}
		if _, err := l.AccrueRewards(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "epochs/s")
}
