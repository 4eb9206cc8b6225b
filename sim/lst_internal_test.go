package sim

import (
	"context"
	"errors"
	"testing"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/scenarios"
)

// lstCouplingYAML: only the protocol's validators have execution
// credentials (the others keep 0x00, which the sweep never pays), so
// every Gwei the chain withdraws goes to the protocol's vault. Its
// slashed operator and its nervous holders make both skims and full
// exits happen within the run.
const lstCouplingYAML = `
name: lst-coupling
description: vault and oracle coupling
preset: minimal
seed: 3
epochs: 80
bls: "off"
validators:
  - name: others
    count: 70
    withdrawal_credentials: "0x00"
    validators_per_agent: 10
  - name: op-a
    count: 26
    validators_per_agent: 13
  - name: op-b
    count: 4
    validators_per_agent: 4
    behaviours:
      - kind: double-vote
        from_epoch: 4
        to_epoch: 5
config:
  min_validator_withdrawability_delay: 16
  shard_committee_period: 2
liquid_staking:
  protocols:
    - name: pool
      operators: [op-a, op-b]
      annual_increase_limit_bp: 1000000
      holders:
        - name: stay
          count: 10
        - name: leave
          count: 10
          agents: 2
          policy: withdraw
          trigger: slashing
`

// eventSink keeps a run's events.
type eventSink struct{ events []Event }

func (s *eventSink) Epoch(EpochRow) error { return nil }
func (s *eventSink) Event(ev Event) error { s.events = append(s.events, ev); return nil }

// TestLSTVaultAndOracleFollowTheChain steps a run epoch by epoch and checks,
// against the summary branch's state read directly: the vault has been
// credited exactly the chain's withdrawn ledger (Ledger.Withdrawn: every
// withdrawal of the run is the protocol's), and each oracle report's CL
// balance is the sum of the balances of the validators whose credentials
// are the protocol's (found by their credentials, not by the engine's
// lists).
func TestLSTVaultAndOracleFollowTheChain(t *testing.T) {
	sc, err := scenarios.Parse("lst-coupling.yaml", []byte(lstCouplingYAML), nil)
	if err != nil {
		t.Fatal(err)
	}
	sink := &eventSink{}
	e, err := New(sc, sink, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	e.Start()
	defer e.Stop()
	reports, withdrawn := 0, consensus.Gwei(0)
	for ep := uint64(0); ep < sc.Epochs; ep++ {
		seen := len(sink.events)
		if err := e.RunEpoch(context.Background()); err != nil {
			t.Fatal(err)
		}
		head := e.chain.blocks[e.views[e.mainView].store.Head()]
		bd, err := e.chain.atEpochStart(head, consensus.Epoch(ep+1))
		if err != nil {
			t.Fatal(err)
		}
		st := bd.st
		withdrawn = st.Ledger.Withdrawn
		if got := e.lst.protos[0].credited; got != withdrawn {
			t.Fatalf("epoch %d: vault credited %d Gwei, the chain withdrew %d", ep, got, withdrawn)
		}
		var sum consensus.Gwei
		for i, v := range st.Validators {
			if string(v.WithdrawalCredentials[12:15]) == "lst" {
				sum += st.Balances[i]
			}
		}
		for _, ev := range sink.events[seen:] {
			if d, ok := ev.Details.(OracleReportDetails); ok {
				reports++
				if consensus.Gwei(d.BeaconBalanceGwei) != sum || d.ReportEpoch != ep+1 {
					t.Fatalf("report at %d: CL balance %d, the protocol's validators hold %d", d.ReportEpoch, d.BeaconBalanceGwei, sum)
				}
			}
		}
	}
	if reports != int(sc.Epochs)/2 || withdrawn < 4*16*lstGwei {
		t.Fatalf("%d reports (want %d), %d Gwei withdrawn: the run should have full exits", reports, sc.Epochs/2, withdrawn)
	}
	// The invariants catch a vault credit the books did not record.
	p := e.lst.protos[0]
	p.credited++
	var ie *InvariantError
	if err := e.lst.check(p, 80, "main"); !errors.As(err, &ie) || !errors.Is(err, ErrLSTConservation) || ie.Check != CheckLSTConservation {
		t.Fatalf("tampered credit: %v", err)
	}
}

const lstGwei = consensus.Gwei(1_000_000_000)
