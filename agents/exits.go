package agents

import (
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

// Consensus-layer waves of a staking operator: voluntary exits signed with
// the validators' signing keys (phase0 SignedVoluntaryExit, EIP-7044
// domain) and BLS-to-execution changes signed with their withdrawal keys
// (Capella). Like its execution-layer requests, the operator decides from
// its view's head state: it signs an operation only when the head would
// accept it (consensus.CheckVoluntaryExit, CheckBLSToExecutionChange), at
// most one block's worth of each per slot, and signs it again if it has
// not taken effect after RetryEpochs (lost, or dropped by a pool).

// consensusWave runs one voluntary_exit or bls_change wave at this slot.
func (o *Operator) consensusWave(cfg *consensus.Config, st *consensus.State, v *SlotView, w *waveState, a *Actions) {
	if v.Epoch < w.Epoch {
		return
	}
	if !w.started {
		w.started = true
		w.todo = o.waveTargets(st, w)
	}
	for _, i := range w.todo {
		if w.done[i] {
			continue
		}
		if o.consensusDone(st, w.Kind, i) {
			w.done[i] = true
			continue
		}
		if last, ok := w.sent[i]; !due(cfg, v.Slot, last, ok) {
			continue
		}
		switch {
		case w.Kind == WaveVoluntaryExit && o.exitBudget > 0:
			if se, ok := o.signExit(cfg, st, v.Epoch, i); ok {
				a.VoluntaryExits = append(a.VoluntaryExits, se)
				w.sent[i] = v.Slot
				o.exitBudget--
			}
		case w.Kind == WaveBLSChange && o.changeBudget > 0:
			if sc, ok := o.signChange(cfg, st, i); ok {
				a.BLSChanges = append(a.BLSChanges, sc)
				w.sent[i] = v.Slot
				o.changeBudget--
			}
		}
	}
}

// waveTargets picks a consensus wave's validators when it starts: the
// lowest-indexed owned validators that can still take it (for exits: not
// exiting and not slashed; for changes: 0x00 credentials, exited or not).
func (o *Operator) waveTargets(st *consensus.State, w *waveState) []consensus.ValidatorIndex {
	var out []consensus.ValidatorIndex
	for _, i := range o.owned(st) {
		if len(out) == w.Count {
			break
		}
		val := &st.Validators[i]
		switch w.Kind {
		case WaveVoluntaryExit:
			if val.ExitEpoch == consensus.FarFutureEpoch && !val.Slashed {
				out = append(out, i)
			}
		case WaveBLSChange:
			if val.WithdrawalCredentials[0] == consensus.BLSWithdrawalPrefix {
				out = append(out, i)
			}
		}
	}
	return out
}

// consensusDone reports whether validator i no longer needs the wave's
// operation: its exit is initiated (or it is slashed), or its credentials
// are no longer BLS.
func (o *Operator) consensusDone(st *consensus.State, kind string, i consensus.ValidatorIndex) bool {
	val := &st.Validators[i]
	if kind == WaveVoluntaryExit {
		return val.ExitEpoch != consensus.FarFutureEpoch || val.Slashed
	}
	return val.WithdrawalCredentials[0] != consensus.BLSWithdrawalPrefix
}

// signExit signs validator i's voluntary exit of epoch (the current epoch,
// as phase0's validator guide has it) if the head state would accept it.
func (o *Operator) signExit(cfg *consensus.Config, st *consensus.State, epoch consensus.Epoch, i consensus.ValidatorIndex) (consensus.SignedVoluntaryExit, bool) {
	se := consensus.SignedVoluntaryExit{Message: consensus.VoluntaryExit{Epoch: epoch, ValidatorIndex: i}}
	if consensus.CheckVoluntaryExit(cfg, st, &se.Message) != nil {
		return se, false // waits until the head would accept it
	}
	if o.c.Mode != SignOff {
		se.Signature = crypto.Sign(o.c.Keys.Signing(i), consensus.VoluntaryExitSigningRoot(cfg, st, &se.Message))
	}
	return se, true
}

// signChange signs validator i's BLS-to-execution change to its address
// with its withdrawal key if the head state would accept it.
func (o *Operator) signChange(cfg *consensus.Config, st *consensus.State, i consensus.ValidatorIndex) (consensus.SignedBLSToExecutionChange, bool) {
	sk, pk := o.c.Keys.Withdrawal(i)
	sc := consensus.SignedBLSToExecutionChange{Message: consensus.BLSToExecutionChange{
		ValidatorIndex: i, FromBLSPubkey: pk, ToExecutionAddress: o.c.Keys.Address(i),
	}}
	if consensus.CheckBLSToExecutionChange(st, &sc.Message) != nil {
		return sc, false
	}
	if o.c.Mode != SignOff && sk != nil {
		sc.Signature = crypto.Sign(sk, consensus.BLSToExecutionChangeSigningRoot(cfg, st, &sc.Message))
	}
	return sc, true
}
