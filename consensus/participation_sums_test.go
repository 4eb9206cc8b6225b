package consensus

import (
	"math/rand/v2"
	"testing"
)

// With the registry memo, computeParticipationSums reads compact weights;
// it must give what the pass over the registry gives, for registries with
// slashed, inactive, exiting and odd-balance validators.
func TestParticipationSumsMatchRegistryScan(t *testing.T) {
	cfg := Minimal()
	r := rand.New(rand.NewPCG(7, 8))
	for trial := range 40 {
		st := tuGenesis(t, &cfg, 300)
		tuAdvance(t, &cfg, st, Slot(3*cfg.SlotsPerEpoch+1))
		cur := GetCurrentEpoch(&cfg, st)
		for i := range st.Validators {
			v := st.MutValidator(ValidatorIndex(i))
			switch r.IntN(8) {
			case 0:
				v.Slashed = true
			case 1:
				v.ActivationEpoch = cur + Epoch(r.IntN(2)) // active from this epoch or the next
			case 2:
				v.ExitEpoch = cur + Epoch(r.IntN(3)) - 1
			case 3:
				v.EffectiveBalance = cfg.EffectiveBalanceIncrement * Gwei(1+r.IntN(2048))
			}
			st.CurrentEpochParticipation[i] = ParticipationFlags(r.IntN(8))
			st.PreviousEpochParticipation[i] = ParticipationFlags(r.IntN(8))
		}
		if trial%10 == 9 {
			v := st.MutValidator(5) // active, with a balance not in whole increments: the scan serves
			v.Slashed, v.ActivationEpoch, v.ExitEpoch = false, 0, FarFutureEpoch
			v.EffectiveBalance += 1
		}
		c := st.Copy() // gives the registry a memo
		want := scanParticipationSums(&cfg, c)
		if got := computeParticipationSums(&cfg, c); got != want {
			t.Fatalf("trial %d: sums %+v, registry scan %+v", trial, got, want)
		}
		if w := participationWeightsOf(&cfg, c, cur); (w == nil) != (trial%10 == 9) {
			t.Fatalf("trial %d: weights served %v", trial, w != nil)
		}
	}
}
