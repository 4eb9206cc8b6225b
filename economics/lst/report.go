package lst

import (
	"fmt"
)

// Slashing is one of the protocol's slashed validators not yet withdrawable
// at the report epoch, as the oracle reads it from the chain.
// MidtermPenaltyGwei is the predicted correlation penalty it will take at
// WithdrawableEpoch − EpochsPerSlashingsVector/2 (lido-oracle's
// _is_high_midterm_slashing_penalty computes it from the chain's slashings).
type Slashing struct {
	SlashedEpoch, WithdrawableEpoch Epoch
	MidtermPenaltyGwei              Gwei
}

// OracleReport is the accounting oracle's report at a reference epoch.
type OracleReport struct {
	Epoch Epoch
	// CLValidators counts the protocol's validators the CL has seen,
	// exited ones included (Lido's clValidators never falls).
	CLValidators uint64
	// CLBalanceGwei is the sum of their balances.
	CLBalanceGwei Gwei
	// ExitedValidators is the cumulative count of exited validators
	// (the staking router's exited counts).
	ExitedValidators uint64
	// Slashings are the protocol's slashed, not yet withdrawable validators.
	Slashings []Slashing
	// ExitingValidators counts the validators whose exit has been
	// initiated (exit epoch set, slashed ones included; never falls) and
	// ExitingBalanceGwei is the balance still on the CL of those not yet
	// withdrawn: ether already on its way to the withdrawal vault, which
	// the exit requests count as coming. Zero when the oracle does not
	// report them (then only ExitedValidators counts).
	ExitingValidators  uint64
	ExitingBalanceGwei Gwei
}

// ReportResult is what a report did. A rejected report (Accepted false,
// Rejection wrapping ErrCLBalanceDecrease or ErrCLBalanceIncrease) changed
// nothing; the next report covers its frame too.
type ReportResult struct {
	Epoch     Epoch
	Accepted  bool
	Rejection error

	PrePooled, PostPooled Gwei
	PreShares, PostShares uint64
	PreRate, PostRate     ShareRate

	// CLRebaseGwei is the frame's CL rebase, postCL + collected withdrawals
	// − preCL (with 32 ETH per appeared validator); NegativeRebase is its
	// sign (reported as an event).
	CLRebaseGwei   int64
	NegativeRebase bool
	// RewardsGwei is what the fee was charged on: CL rebase plus EL rewards
	// collected, 0 on a non-profitable report (LIP-12).
	RewardsGwei                               Gwei
	FeeShares, OperatorShares, TreasuryShares uint64

	// Collected from the vaults, and held back there by the maximum
	// positive rebase (smoothing) for later reports.
	WithdrawalsCollected, ELRewardsCollected Gwei
	WithdrawalsHeldBack, ELRewardsHeldBack   Gwei
	// SharesBurnt from the burner, and SharesBurnHeldBack left there.
	SharesBurnt, SharesBurnHeldBack uint64

	Bunker, BunkerStarted, BunkerEnded bool
	// SafeBorder: requests created at or before it may be finalized
	// (HasSafeBorder false: none may).
	SafeBorder    Epoch
	HasSafeBorder bool
	// FinalizationRate is the simulated share rate requests were paid at.
	FinalizationRate ShareRate
	Finalized        []uint64 // request ids, FIFO
	FinalizedGwei    Gwei     // ether locked for them
	FinalizedShares  uint64

	// ExitShortfallGwei is what the pending requests still need beyond the
	// buffer, the vaults and the exits already requested;
	// ValidatorsToExit is how many more exits the protocol asks for.
	ExitShortfallGwei Gwei
	ValidatorsToExit  uint64
}

// ApplyReport is the accounting oracle's report followed by
// Lido._handleOracleReport: sanity checks, bunker mode, smoothing,
// finalization, burning, fees, and exit requests. Malformed reports return
// an error wrapping ErrInvalidReport; a failed sanity check returns a
// result with Accepted false; both change nothing.
func (p *Protocol) ApplyReport(r OracleReport) (ReportResult, error) {
	if err := p.validateReport(r); err != nil {
		return ReportResult{}, err
	}
	appeared := r.CLValidators - p.clValidators
	preCL := p.clBalance + Gwei(appeared)*p.p.DepositGwei
	res := ReportResult{
		Epoch: r.Epoch, PrePooled: p.TotalPooledEther(), PreShares: p.totalShares, PreRate: p.ShareRate(),
	}
	records, err := p.checkCLBalanceDecrease(r.Epoch, preCL, r.CLBalanceGwei, r.CLValidators, r.ExitedValidators)
	if err == nil {
		err = p.checkAnnualBalanceIncrease(preCL, r.CLBalanceGwei, r.Epoch-p.lastReportEpoch)
	}
	if err != nil {
		res.Rejection, res.PostPooled, res.PostShares, res.PostRate = err, res.PrePooled, res.PreShares, res.PreRate
		return res, nil
	}

	// Smoothing (smoothenTokenRebase): the CL change counts in full, the
	// vaults only up to the cap.
	lim := newLimiter(p.p.MaxPositiveTokenRebase, res.PrePooled, res.PreShares)
	if r.CLBalanceGwei < preCL {
		lim.decrease(preCL - r.CLBalanceGwei)
	} else {
		lim.increase(r.CLBalanceGwei - preCL)
	}
	res.WithdrawalsCollected = lim.increase(p.vault)
	res.ELRewardsCollected = lim.increase(p.elVault)
	res.WithdrawalsHeldBack = p.vault - res.WithdrawalsCollected
	res.ELRewardsHeldBack = p.elVault - res.ELRewardsCollected
	res.CLRebaseGwei = int64(r.CLBalanceGwei+res.WithdrawalsCollected) - int64(preCL)
	res.NegativeRebase = res.CLRebaseGwei < 0

	p.updateBunker(r, &res)
	res.SafeBorder, res.HasSafeBorder = p.safeBorder(r)

	// Fees (_processRewards / _distributeFee) on pre-report totals.
	if r.CLBalanceGwei+res.WithdrawalsCollected > preCL {
		res.RewardsGwei = r.CLBalanceGwei + res.WithdrawalsCollected - preCL + res.ELRewardsCollected
		res.FeeShares = feeShares(res.PrePooled, res.PreShares, res.RewardsGwei, p.p.FeeBP)
		if p.p.FeeBP > 0 { // a zero fee mints nothing (and must not divide by it)
			res.OperatorShares = res.FeeShares * p.p.OperatorFeeBP / p.p.FeeBP
		}
		res.TreasuryShares = res.FeeShares - res.OperatorShares
	}

	// The simulated rate: the report applied without finalization.
	buffer := p.buffer + res.WithdrawalsCollected + res.ELRewardsCollected
	transient := p.transient - Gwei(appeared)*p.p.DepositGwei
	simPooled := buffer + transient + r.CLBalanceGwei
	simBurn := min(lim.sharesToBurnLimit(), p.burnerShares)
	res.FinalizationRate = NewShareRate(simPooled, res.PreShares-simBurn+res.FeeShares)

	txn := p.db.Txn(true)
	defer txn.Abort()
	fin := p.planFinalization(txn, buffer, res.FinalizationRate, res.SafeBorder, res.HasSafeBorder, r.Epoch)
	lim.decrease(fin.eth)
	burn := min(lim.sharesToBurnLimit(), fin.shares+p.burnerShares)
	for _, q := range fin.requests {
		p.putRequest(txn, q)
		res.Finalized = append(res.Finalized, q.ID)
	}
	res.FinalizedGwei, res.FinalizedShares = fin.eth, fin.shares
	p.mintFees(txn, res.OperatorShares, res.TreasuryShares)
	txn.Commit()

	// Commit the report.
	p.clNet += int64(r.CLBalanceGwei) - int64(preCL)
	p.buffer = buffer - fin.eth
	p.transient, p.clBalance = transient, r.CLBalanceGwei
	p.clValidators, p.exited = r.CLValidators, r.ExitedValidators
	p.exitInitiated, p.exitingBalance = max(p.exitInitiated, r.ExitingValidators), r.ExitingBalanceGwei
	p.vault -= res.WithdrawalsCollected
	p.elVault -= res.ELRewardsCollected
	p.locked += fin.eth
	p.queueShares -= fin.shares
	p.unfinalized -= fin.amount
	p.burnerShares += fin.shares - burn
	p.totalShares = p.totalShares - burn + res.FeeShares
	p.reports = records
	p.lastReportEpoch, p.epoch = r.Epoch, r.Epoch
	res.SharesBurnt, res.SharesBurnHeldBack = burn, p.burnerShares

	p.requestExits(&res)
	res.Accepted = true
	res.PostPooled, res.PostShares, res.PostRate = p.TotalPooledEther(), p.totalShares, p.ShareRate()
	return res, nil
}

// validateReport checks a report's shape (Lido._processClStateUpdate's
// requires and the clock).
func (p *Protocol) validateReport(r OracleReport) error {
	switch {
	case r.Epoch <= p.lastReportEpoch || r.Epoch < p.epoch:
		return fmt.Errorf("%w: epoch %d, last report %d, clock %d", ErrInvalidReport, r.Epoch, p.lastReportEpoch, p.epoch)
	case r.CLValidators > p.deposited:
		return fmt.Errorf("%w: %d validators on the CL > %d deposited (REPORTED_MORE_DEPOSITED)", ErrInvalidReport, r.CLValidators, p.deposited)
	case r.CLValidators < p.clValidators:
		return fmt.Errorf("%w: %d validators on the CL < %d before (REPORTED_LESS_VALIDATORS)", ErrInvalidReport, r.CLValidators, p.clValidators)
	case r.ExitedValidators < p.exited || r.ExitedValidators > r.CLValidators:
		return fmt.Errorf("%w: exited %d (was %d, of %d)", ErrInvalidReport, r.ExitedValidators, p.exited, r.CLValidators)
	case r.CLBalanceGwei > Gwei(1)<<62:
		return fmt.Errorf("%w: CL balance %d", ErrInvalidReport, r.CLBalanceGwei)
	}
	return nil
}

// mintFees credits the fee shares to the operators' and treasury's holders.
func (p *Protocol) mintFees(txn memTxn, operators, treasury uint64) {
	for _, m := range []struct {
		owner  string
		shares uint64
	}{{p.p.OperatorsAccount, operators}, {p.p.TreasuryAccount, treasury}} {
		if m.shares == 0 {
			continue
		}
		h := p.holder(txn, m.owner)
		h.Shares += m.shares
		p.putHolder(txn, h)
	}
}

// requestExits is the validator exit bus in short: the ether the pending
// requests ask for beyond the buffer, the vaults, the balances of the
// validators already exiting and the expected proceeds of exits requested
// and not yet initiated, in validators of the average CL balance (rounded
// up), at most the active validators not already asked.
func (p *Protocol) requestExits(res *ReportResult) {
	p.exitsRequested = max(p.exitsRequested, p.exited, p.exitInitiated)
	active := p.clValidators - p.exited
	avg := p.p.DepositGwei
	if active > 0 && p.clBalance > 0 {
		avg = max(1, p.clBalance/Gwei(active))
	}
	outstanding := p.exitsRequested - p.exited
	have := p.buffer + p.vault + p.elVault + p.exitingBalance + Gwei(outstanding)*avg
	if p.unfinalized <= have {
		return
	}
	res.ExitShortfallGwei = p.unfinalized - have
	n := uint64((res.ExitShortfallGwei + avg - 1) / avg)
	res.ValidatorsToExit = min(n, active-min(active, outstanding))
	p.exitsRequested += res.ValidatorsToExit
}
