package lst

import (
	"fmt"
	"math/big"
)

// reportRecord is OracleReportSanityChecker.ReportData: a report's epoch,
// the exited validators then, and its negative CL rebase (0 if none).
type reportRecord struct {
	epoch    Epoch
	exited   uint64
	negative Gwei
}

// sub is a − b clamped at 0, and whether a >= b (the time a − b exists).
func sub(a, b Epoch) (Epoch, bool) {
	if a < b {
		return 0, false
	}
	return a - b, true
}

// exitedAt is _exitedValidatorsAtTimestamp: the exited count of the latest
// record at or before t, 0 if none (or if t is before the clock's start).
func exitedAt(records []reportRecord, t Epoch, ok bool) uint64 {
	if !ok {
		return 0
	}
	for i := len(records) - 1; i >= 0; i-- {
		if records[i].epoch <= t {
			return records[i].exited
		}
	}
	return 0
}

// negativeSince is _sumNegativeRebasesNotOlderThan: Σ negative rebases of
// records after t (all of them when t does not exist).
func negativeSince(records []reportRecord, t Epoch, ok bool) Gwei {
	var sum Gwei
	for i := len(records) - 1; i >= 0 && (!ok || records[i].epoch > t); i-- {
		sum += records[i].negative
	}
	return sum
}

// checkCLBalanceDecrease is _checkCLBalanceDecrease. A decrease is
// preCL − (postCL + withdrawal vault balance); the decreases of the reports
// in the last SlashingWindowEpochs (this one included) may sum to at most
// InitialSlashingGwei × (validators − exited SlashingWindowEpochs ago) +
// InactivityPenaltiesGwei × (validators − exited InactivityWindowEpochs
// ago). It returns the records with this report's appended (and the old
// ones pruned) for the caller to keep if the report is accepted.
func (p *Protocol) checkCLBalanceDecrease(e Epoch, preCL, postCL Gwei, validators, exited uint64) ([]reportRecord, error) {
	rec := reportRecord{epoch: e, exited: exited}
	if preCL > postCL+p.vault {
		rec.negative = preCL - (postCL + p.vault)
	}
	records := append(append([]reportRecord(nil), p.reports...), rec)
	if rec.negative > 0 {
		t18, ok18 := sub(e, p.p.SlashingWindowEpochs)
		t54, ok54 := sub(e, p.p.InactivityWindowEpochs)
		sum := negativeSince(records, t18, ok18)
		allowed := p.p.InitialSlashingGwei*Gwei(validators-exitedAt(records, t18, ok18)) +
			p.p.InactivityPenaltiesGwei*Gwei(validators-exitedAt(records, t54, ok54))
		if sum > allowed {
			return nil, fmt.Errorf("%w: %d Gwei in %d epochs > %d allowed", ErrCLBalanceDecrease, sum, p.p.SlashingWindowEpochs, allowed)
		}
	}
	return pruneRecords(records, e, max(p.p.SlashingWindowEpochs, p.p.InactivityWindowEpochs)), nil
}

// pruneRecords drops records no window can reach: it keeps the last record
// at or before e − window (exitedAt may need it) and every later one.
func pruneRecords(records []reportRecord, e, window Epoch) []reportRecord {
	t, ok := sub(e, window)
	if !ok {
		return records
	}
	keep := 0
	for i, r := range records {
		if r.epoch <= t {
			keep = i
		}
	}
	return records[keep:]
}

// checkAnnualBalanceIncrease is _checkAnnualBalancesIncrease, with time in
// epochs: (EpochsPerYear × 10000 × (post − pre) / pre) / elapsed must not
// exceed AnnualBalanceIncreaseBPLimit. A zero pre balance counts as 1 Gwei
// (DEFAULT_CL_BALANCE). Only the CL balance counts, not the vaults.
func (p *Protocol) checkAnnualBalanceIncrease(preCL, postCL Gwei, elapsed Epoch) error {
	if preCL == 0 {
		preCL = 1
	}
	if preCL >= postCL {
		return nil
	}
	a := new(big.Int).Mul(big64(p.p.EpochsPerYear), big64(BasisPoints))
	a.Mul(a, big64(uint64(postCL-preCL)))
	a.Quo(a, big64(uint64(preCL)))
	a.Quo(a, big64(uint64(max(elapsed, 1))))
	if a.Cmp(big64(p.p.AnnualBalanceIncreaseBPLimit)) > 0 {
		return fmt.Errorf("%w: %s bp a year > %d", ErrCLBalanceIncrease, a, p.p.AnnualBalanceIncreaseBPLimit)
	}
	return nil
}

// limiter is PositiveTokenRebaseLimiter: it tracks the pooled ether during
// a report and caps the share rate's rise at MaxPositiveTokenRebase.
type limiter struct {
	prePooled, current, maxPooled Gwei
	preShares, limit              uint64
	unlimited                     bool
}

// newLimiter is initLimiterState (no limit while nothing is pooled).
func newLimiter(limit uint64, prePooled Gwei, preShares uint64) *limiter {
	l := &limiter{prePooled: prePooled, current: prePooled, preShares: preShares, limit: limit, unlimited: prePooled == 0}
	if !l.unlimited {
		l.maxPooled = prePooled + Gwei(mustMulDiv(limit, uint64(prePooled), RebasePrecision))
	}
	return l
}

// decrease is decreaseEther (clamped at 0 where Lido reverts).
func (l *limiter) decrease(x Gwei) {
	if !l.unlimited {
		l.current -= min(x, l.current)
	}
}

// increase is increaseEther: it adds x up to the cap and returns what fit.
func (l *limiter) increase(x Gwei) Gwei {
	if l.unlimited {
		return x
	}
	prev := l.current
	l.current = min(l.current+x, l.maxPooled)
	return l.current - prev
}

// sharesToBurnLimit is getSharesToBurnLimit: the most shares a burn may
// remove without the rate rising past the cap,
// preShares × (R + 1 − current/pre) / (R + 1) in 1e9 units.
func (l *limiter) sharesToBurnLimit() uint64 {
	if l.unlimited {
		return l.preShares
	}
	if l.current >= l.maxPooled {
		return 0
	}
	rp1 := l.limit + RebasePrecision
	rate := mustMulDiv(uint64(l.current), RebasePrecision, uint64(l.prePooled))
	return mustMulDiv(l.preShares, rp1-rate, rp1)
}
