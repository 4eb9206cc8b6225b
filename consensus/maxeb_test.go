package consensus

import (
	"math"
	"testing"
)

// EIP-7251 (MaxEB) effects that scale with the effective balance.
// Reference: electra/beacon-chain.md compute_proposer_index, slash_validator,
// process_slashings. Expected values are worked out here from the spec text.

// TestMaxEBProposerFrequency: one 2048-ETH validator among N = 1000 of
// 32 ETH is chosen as proposer about 64 times as often as an average
// 32-ETH validator.
//
// Derivation. In compute_proposer_index step i looks at
// indices[compute_shuffled_index(i % total, total, seed)], so the first
// total = N+1 steps visit every validator once, in a seed-dependent order
// (modelled as a uniformly random permutation), and draw an independent
// 16-bit random value r. A candidate is accepted if
// EB * 65535 >= 2048 ETH * r: always at 2048 ETH, and for 32 ETH if
// r <= floor(32 * 65535 / 2048) = 1023, that is with a = 1024/65536 = 1/64.
// The big validator, at position k with probability 1/(N+1), is chosen iff
// the k candidates before it are all rejected:
//
//	P = sum_{k=0..N} (1-a)^k / (N+1) = (1 - (1-a)^(N+1)) / ((N+1) a)
//
// (a 32-ETH validator accepted in a later pass can only be chosen if the
// big one was never reached, which the formula already excludes). For
// N = 1000, P = 0.06394 and the big validator's frequency over an average
// small one's is P N / (1 - P) = 68.3, which tends to 64 as N grows (the
// visit-each-once order favours the one candidate that is always
// accepted). The count of big wins over D seeds is Binomial(D, P); the test
// allows 5 standard deviations.
func TestMaxEBProposerFrequency(t *testing.T) {
	cfg := Minimal()
	const n, big = 1000, 500 // 32-ETH validators; index of the 2048-ETH one
	const draws = 8000
	bals := efN(n+1, 32*efETH)
	bals[big] = 2048 * efETH
	st := efState(&cfg, bals...)
	active := GetActiveValidatorIndices(st, 0)

	a := float64(uint64(32*efETH)*65535/uint64(cfg.MaxEffectiveBalanceElectra)+1) / 65536
	if a != 1.0/64 {
		t.Fatalf("acceptance probability of 32 ETH %v, want 1/64", a)
	}
	p := (1 - math.Pow(1-a, n+1)) / (float64(n+1) * a)
	mean, sd := draws*p, math.Sqrt(draws*p*(1-p))

	counts := make([]int, n+1)
	for i := range uint64(draws) {
		v, err := ComputeProposerIndex(&cfg, st, active, tuHash("maxeb", i))
		if err != nil {
			t.Fatal(err)
		}
		counts[v]++
	}
	c := float64(counts[big])
	ratio := c * n / (draws - c)
	t.Logf("2048-ETH validator chosen %v of %d times (expected %.1f ± %.1f); %.1f times an average 32-ETH validator (model %.1f, large-N limit 64)",
		c, draws, mean, sd, ratio, p*n/(1-p))
	if math.Abs(c-mean) > 5*sd {
		t.Fatalf("2048-ETH validator chosen %v times, expected %.1f ± 5 × %.1f", c, mean, sd)
	}
	// The 32-ETH validators are interchangeable: chi-square of their counts
	// against a uniform split, with N-1 degrees of freedom (mean N-1,
	// variance 2(N-1)), below mean + 5 sd.
	e := (draws - c) / n
	chi2 := 0.0
	for i, k := range counts {
		if i != big {
			chi2 += (float64(k) - e) * (float64(k) - e) / e
		}
	}
	if df := float64(n - 1); chi2 > df+5*math.Sqrt(2*df) {
		t.Errorf("32-ETH validators not chosen uniformly: chi-square %.0f with %v degrees of freedom", chi2, df)
	}
}

// TestMaxEBSlashingPenaltyAndRewards: the initial penalty is
// EB // MIN_SLASHING_PENALTY_QUOTIENT_ELECTRA (4096), the whistleblower
// reward EB // WHISTLEBLOWER_REWARD_QUOTIENT_ELECTRA (4096), of which the
// proposer gets PROPOSER_WEIGHT / WEIGHT_DENOMINATOR = 8/64 and the
// whistleblower the rest (all of it to the proposer when it reports).
func TestMaxEBSlashingPenaltyAndRewards(t *testing.T) {
	cfg := Minimal()
	const proposer, whistleblower = 1, 2
	wb := ValidatorIndex(whistleblower)
	penalties := map[Gwei]Gwei{}
	for _, eb := range []Gwei{32 * efETH, 2048 * efETH} {
		for _, who := range []*ValidatorIndex{nil, &wb} {
			bals := efN(100, 32*efETH)
			bals[7] = eb
			st := efState(&cfg, bals...)
			efAtEpochEnd(&cfg, st, 10)
			ledger := st.Ledger
			SlashValidator(&cfg, st, 7, proposer, who)

			penalty := Gwei(uint64(eb) / 4096)
			reward := Gwei(uint64(eb) / 4096)
			propReward := Gwei(uint64(reward) * 8 / 64)
			wantProp, wantWB := propReward, reward-propReward
			if who == nil {
				wantProp, wantWB = reward, 0
			}
			if got := eb - st.Balances[7]; got != penalty {
				t.Errorf("EB %d: penalty %d, want %d", eb, got, penalty)
			}
			if got := st.Balances[proposer] - 32*efETH; got != wantProp {
				t.Errorf("EB %d, whistleblower %v: proposer gained %d, want %d", eb, who != nil, got, wantProp)
			}
			if got := st.Balances[whistleblower] - 32*efETH; got != wantWB {
				t.Errorf("EB %d, whistleblower %v: whistleblower gained %d, want %d", eb, who != nil, got, wantWB)
			}
			if st.Ledger.Burned-ledger.Burned != penalty || st.Ledger.Issued-ledger.Issued != reward {
				t.Errorf("EB %d: ledger burned %d issued %d", eb, st.Ledger.Burned-ledger.Burned, st.Ledger.Issued-ledger.Issued)
			}
			penalties[eb] = penalty
		}
	}
	// 32e9 / 4096 = 7,812,500 Gwei; 2048e9 / 4096 = 0.5 ETH: exactly 64 times.
	if penalties[32*efETH] != 7_812_500 || penalties[2048*efETH] != 64*penalties[32*efETH] {
		t.Errorf("penalties %v", penalties)
	}
}

// TestMaxEBCorrelationPenaltyPerETH: process_slashings takes the same
// penalty per ETH from one slashed 2048-ETH validator as from 64 slashed
// 32-ETH validators with the same total. Mainnet, so that every slashed
// validator's withdrawable epoch is slash epoch + EPOCHS_PER_SLASHINGS_VECTOR
// and the penalty falls at one epoch. 1001 other validators of 32 ETH make
// the division inexact: the pre-Electra order (EB // increment * adjusted //
// total * increment) would charge 392 ETH once but 64 × 6 = 384 ETH.
func TestMaxEBCorrelationPenaltyPerETH(t *testing.T) {
	cfg := Mainnet()
	eth := efETH
	const others = 1001
	run := func(slashed []Gwei) []Gwei {
		bals := append(efN(others, 32*eth), slashed...)
		st := efState(&cfg, bals...)
		efAtEpochEnd(&cfg, st, 10)
		for i := range slashed {
			SlashValidator(&cfg, st, ValidatorIndex(others+i), 0, nil)
		}
		after := append([]Gwei(nil), st.Balances...)
		half := st.Validators[others].WithdrawableEpoch - Epoch(cfg.EpochsPerSlashingsVector/2)
		if half != 10+4096 {
			t.Fatalf("half-way epoch %d, want 4106", half)
		}
		efAtEpochEnd(&cfg, st, half)
		ProcessSlashings(&cfg, st)
		out := make([]Gwei, len(slashed))
		for i := range slashed {
			out[i] = after[others+i] - st.Balances[others+i]
		}
		if err := st.CheckConservation(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	one := run([]Gwei{2048 * eth})
	many := run(efN(64, 32*eth))

	// From the spec text: the slashed validators have exited by epoch 4106,
	// so the total active balance is the others' 32,032 ETH; the slashings
	// sum to 2048 ETH either way.
	total := uint64(others) * uint64(32*eth)
	adjusted := min(3*uint64(2048*eth), total)
	perIncrement := adjusted / (total / uint64(eth)) // 6144e9 // 32032 = 191,808,191
	wantOne, wantEach := Gwei(perIncrement*2048), Gwei(perIncrement*32)
	if one[0] != wantOne {
		t.Errorf("2048-ETH validator: penalty %d, want %d", one[0], wantOne)
	}
	for i, p := range many {
		if p != wantEach {
			t.Fatalf("32-ETH validator %d: penalty %d, want %d", i, p, wantEach)
		}
	}
	var sum Gwei
	for _, p := range many {
		sum += p
	}
	if one[0] != sum || one[0]*32 != many[0]*2048 {
		t.Errorf("per ETH: %d for 2048 ETH vs %d for 64 × 32 ETH", one[0], sum)
	}
	// The registry size is one where the order of the divisions matters.
	old := func(eb uint64) uint64 { return eb / uint64(eth) * adjusted / total * uint64(eth) }
	if old(uint64(2048*eth)) == 64*old(uint64(32*eth)) {
		t.Errorf("pre-Electra formula gives equal penalties here; the test would not tell the formulas apart")
	}
}
