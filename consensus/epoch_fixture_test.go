package consensus

import (
	"encoding/binary"
	"testing"

	"github.com/stakesim/stakesim/crypto"
)

// Fixtures for the epoch-processing tests: States built by hand, with no
// dependency on genesis, shuffling or block processing.

const efETH Gwei = 1_000_000_000

// efAllFlags is timely source, target and head.
const efAllFlags ParticipationFlags = 0b111

// efCreds returns withdrawal credentials with the given prefix.
func efCreds(prefix byte) Root {
	var r Root
	r[0] = prefix
	r[31] = 0xaa
	return r
}

// efState returns a State with one validator per balance, all active since
// genesis, effective balance = balance (0x02 credentials above 32 ETH, 0x01
// otherwise), at the last slot of epoch 0, and a consistent ledger.
func efState(cfg *Config, balances ...Gwei) *State {
	n := len(balances)
	st := &State{
		Validators:                 make([]Validator, n),
		Balances:                   make([]Gwei, n),
		PreviousEpochParticipation: make([]ParticipationFlags, n),
		CurrentEpochParticipation:  make([]ParticipationFlags, n),
		InactivityScores:           make([]uint64, n),
		Slashings:                  make([]Gwei, cfg.EpochsPerSlashingsVector),
		RandaoMixes:                make([]Root, HistoryWindowEpochs),
		BlockRoots:                 make([]Root, HistoryWindowEpochs*cfg.SlotsPerEpoch),
	}
	for i, b := range balances {
		prefix := byte(ETH1AddressWithdrawalPrefix)
		if b > cfg.MinActivationBalance {
			prefix = CompoundingWithdrawalPrefix
		}
		*st.MutValidator(ValidatorIndex(i)) = Validator{
			WithdrawalCredentials:      efCreds(prefix),
			EffectiveBalance:           b - b%cfg.EffectiveBalanceIncrement,
			ActivationEligibilityEpoch: 0,
			ActivationEpoch:            0,
			ExitEpoch:                  FarFutureEpoch,
			WithdrawableEpoch:          FarFutureEpoch,
		}
		st.Balances[i] = b
		st.Ledger.Genesis += b
	}
	for i := range st.RandaoMixes {
		st.RandaoMixes[i][0] = byte(i + 1)
	}
	efAtEpochEnd(cfg, st, 0)
	return st
}

// efN returns n copies of b.
func efN(n int, b Gwei) []Gwei {
	out := make([]Gwei, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// efRoot is the block root the fixtures put at slot s.
func efRoot(s Slot) Root {
	var r Root
	binary.BigEndian.PutUint64(r[:8], uint64(s)+1)
	r[31] = 0xbb
	return r
}

// efAtEpochEnd moves st to the last slot of epoch e (where process_slots
// runs process_epoch) and fills the block-root window accordingly.
func efAtEpochEnd(cfg *Config, st *State, e Epoch) {
	st.Slot = ComputeStartSlotAtEpoch(cfg, e+1) - 1
	n := Slot(len(st.BlockRoots))
	for k := Slot(1); k <= n && k <= st.Slot; k++ {
		s := st.Slot - k
		st.BlockRoots[uint64(s)%uint64(n)] = efRoot(s)
	}
}

// efSet sets flags for the listed validators in part.
func efSet(part []ParticipationFlags, flags ParticipationFlags, idx ...int) {
	for _, i := range idx {
		part[i] = flags
	}
}

// efRange returns lo, lo+1, ..., hi-1.
func efRange(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// efIsqrt is an independent integer square root (binary search).
func efIsqrt(n uint64) uint64 {
	lo, hi := uint64(0), uint64(1)<<32
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if mid*mid <= n {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}

// efPubkey is the fixtures' public key of keyring index i.
func efPubkey(i uint64) crypto.PublicKeyBytes {
	var pk crypto.PublicKeyBytes
	binary.BigEndian.PutUint64(pk[:8], i+1)
	pk[47] = 0xcc
	return pk
}

// efPubkeyIndex inverts efPubkey: a keyring that knows every key.
func efPubkeyIndex(pk crypto.PublicKeyBytes) (ValidatorIndex, bool) {
	i := binary.BigEndian.Uint64(pk[:8])
	if i == 0 || pk[47] != 0xcc {
		return 0, false
	}
	return ValidatorIndex(i - 1), true
}

// efProcess runs ProcessEpochWithPubkeys and fails the test on error.
func efProcess(t testing.TB, cfg *Config, st *State) EpochReport {
	t.Helper()
	rep, err := ProcessEpochWithPubkeys(cfg, st, efPubkeyIndex)
	if err != nil {
		t.Fatalf("epoch %d: %v", GetCurrentEpoch(cfg, st), err)
	}
	if err := st.CheckConservation(); err != nil {
		t.Fatalf("epoch %d: %v", GetCurrentEpoch(cfg, st), err)
	}
	return rep
}

// efAdvance processes the epoch st is at the end of and moves st to the end
// of the next epoch.
func efAdvance(t testing.TB, cfg *Config, st *State) EpochReport {
	t.Helper()
	rep := efProcess(t, cfg, st)
	efAtEpochEnd(cfg, st, GetCurrentEpoch(cfg, st)+1)
	return rep
}
