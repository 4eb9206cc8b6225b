package lst

import (
	"fmt"

	"github.com/stakesim/stakesim/consensus"
)

// Gwei and Epoch are the consensus package's units: amounts are integer Gwei
// and time is the simulator's epoch clock.
type (
	Gwei  = consensus.Gwei
	Epoch = consensus.Epoch
)

// Fixed-point bases, as in Lido's contracts.
const (
	// BasisPoints is 100% in basis points (MAX_BASIS_POINTS,
	// TOTAL_BASIS_POINTS).
	BasisPoints uint64 = 10_000
	// RebasePrecision is PositiveTokenRebaseLimiter.LIMITER_PRECISION_BASE:
	// 1e9 is a 100% rebase.
	RebasePrecision uint64 = 1_000_000_000
	// GweiPerETH is 1 ETH in Gwei.
	GweiPerETH Gwei = 1_000_000_000
)

// Mainnet figures the defaults come from (lidofinance/core deployed-mainnet.json,
// OracleReportSanityChecker limits; lido-oracle's safe border; docs.lido.fi
// "Accounting oracle").
const (
	mainnetReportEpochs      Epoch = 225   // one frame a day
	mainnetSlashingsVector   Epoch = 8192  // EPOCHS_PER_SLASHINGS_VECTOR
	mainnetSlashingWindow    Epoch = 4050  // 18 days of 384-s epochs (LIP-23)
	mainnetInactivityWindow  Epoch = 12150 // 54 days
	mainnetDefaultShift      Epoch = 20    // requestTimestampMargin 7,680 s
	mainnetMaxNegRebaseShift Epoch = 2250  // 2 × 120 h governance reaction time
	mainnetEpochsPerYear           = 82125 // 365 days / 384 s
	mainnetMaxPositiveRebase       = 750_000
	mainnetAnnualIncreaseBP        = 1_000
)

// Params are a protocol's rules. They are fixed for the life of a Protocol.
type Params struct {
	// FeeBP is the protocol fee on rewards (StakingRouter totalFee), in basis
	// points; OperatorFeeBP is the node operators' part of it (module fee);
	// the treasury gets FeeBP − OperatorFeeBP.
	FeeBP, OperatorFeeBP uint64
	// DepositGwei is what one validator deposit takes from the buffer:
	// 32 ETH (Lido's DEPOSIT_SIZE) for 0x01 validators; Compounding marks
	// 0x02 validators, whose deposit may be larger (up to 2,048 ETH).
	DepositGwei Gwei
	Compounding bool
	// ReportEpochs is the accounting oracle's frame.
	ReportEpochs Epoch
	// EpochsPerYear annualises the CL balance increase
	// (_checkAnnualBalancesIncrease's 365 days over timeElapsed).
	EpochsPerYear uint64
	// MaxPositiveTokenRebase is the largest rise of the share rate one report
	// may cause, in 1e9 units (750,000 = 0.075%).
	MaxPositiveTokenRebase uint64
	// AnnualBalanceIncreaseBPLimit caps the annualised CL balance increase.
	AnnualBalanceIncreaseBPLimit uint64
	// InitialSlashingGwei and InactivityPenaltiesGwei are the per-validator
	// allowances of _checkCLBalanceDecrease (1,000 and 101 PWei).
	InitialSlashingGwei, InactivityPenaltiesGwei Gwei
	// SlashingWindowEpochs (18 days) and InactivityWindowEpochs (54 days)
	// are the look-back windows of that check.
	SlashingWindowEpochs, InactivityWindowEpochs Epoch
	// MinWithdrawalGwei and MaxWithdrawalGwei bound one request
	// (MIN_STETH_WITHDRAWAL_AMOUNT 100 wei, rounded up to 1 Gwei;
	// MAX_STETH_WITHDRAWAL_AMOUNT 1,000 stETH).
	MinWithdrawalGwei, MaxWithdrawalGwei Gwei
	// FinalizationDefaultShift is the new-requests border: requests younger
	// than this at the report epoch are not finalized.
	FinalizationDefaultShift Epoch
	// FinalizationMaxNegativeRebaseShift caps the negative-rebase border of
	// bunker mode (about 10 days on mainnet).
	FinalizationMaxNegativeRebaseShift Epoch
	// EpochsPerSlashingsVector is the chain's; a slashed validator's midterm
	// penalty falls at withdrawable_epoch − EpochsPerSlashingsVector/2.
	EpochsPerSlashingsVector Epoch
	// OperatorsAccount and TreasuryAccount are the holders fee shares are
	// minted to.
	OperatorsAccount, TreasuryAccount string
}

// DefaultParams are Lido's mainnet rules: 10% fee (5% operators, 5%
// treasury), 32-ETH deposits, 225-epoch frames, max positive rebase
// 750,000/1e9 per report, 10% annual increase, 1 ETH and 0.101 ETH
// allowances, requests from 1 Gwei to 1,000 ETH, 20-epoch default shift,
// 2,250-epoch maximum negative-rebase shift.
func DefaultParams() Params {
	return Params{
		FeeBP:                              1_000,
		OperatorFeeBP:                      500,
		DepositGwei:                        32 * GweiPerETH,
		ReportEpochs:                       mainnetReportEpochs,
		EpochsPerYear:                      mainnetEpochsPerYear,
		MaxPositiveTokenRebase:             mainnetMaxPositiveRebase,
		AnnualBalanceIncreaseBPLimit:       mainnetAnnualIncreaseBP,
		InitialSlashingGwei:                GweiPerETH,
		InactivityPenaltiesGwei:            101_000_000,
		SlashingWindowEpochs:               mainnetSlashingWindow,
		InactivityWindowEpochs:             mainnetInactivityWindow,
		MinWithdrawalGwei:                  1,
		MaxWithdrawalGwei:                  1_000 * GweiPerETH,
		FinalizationDefaultShift:           mainnetDefaultShift,
		FinalizationMaxNegativeRebaseShift: mainnetMaxNegRebaseShift,
		EpochsPerSlashingsVector:           mainnetSlashingsVector,
		OperatorsAccount:                   "node-operators",
		TreasuryAccount:                    "treasury",
	}
}

// ParamsFor scales DefaultParams to a preset. The day-based windows (report
// frame, 18- and 54-day windows, finalization shifts) shrink by the
// preset's EpochsPerSlashingsVector over mainnet's 8,192, rounded up and at
// least 1 epoch, so that they keep their length relative to the slashing
// period bunker mode waits for. The minimal preset (64) divides them by 128:
// frame 2, windows 32 and 95, shifts 1 and 18 epochs. The per-report
// MaxPositiveTokenRebase shrinks with the frame (750,000 × 2/225, rounded
// up: 6,667) so that the limit per epoch is unchanged; EpochsPerYear stays
// 82,125 because rewards per epoch do not depend on the preset.
func ParamsFor(cfg *consensus.Config) Params {
	p := DefaultParams()
	vec := Epoch(cfg.EpochsPerSlashingsVector)
	if vec == 0 || vec == mainnetSlashingsVector {
		return p
	}
	scale := func(e Epoch) Epoch { return max(1, (e*vec+mainnetSlashingsVector-1)/mainnetSlashingsVector) }
	p.ReportEpochs = scale(mainnetReportEpochs)
	p.SlashingWindowEpochs = scale(mainnetSlashingWindow)
	p.InactivityWindowEpochs = scale(mainnetInactivityWindow)
	p.FinalizationDefaultShift = scale(mainnetDefaultShift)
	p.FinalizationMaxNegativeRebaseShift = scale(mainnetMaxNegRebaseShift)
	p.EpochsPerSlashingsVector = vec
	p.MaxPositiveTokenRebase = (mainnetMaxPositiveRebase*uint64(p.ReportEpochs) + uint64(mainnetReportEpochs) - 1) / uint64(mainnetReportEpochs)
	return p
}

// Validate checks that the params are usable.
func (p Params) Validate() error {
	switch {
	case p.FeeBP >= BasisPoints:
		return fmt.Errorf("%w: fee %d bp >= 100%%", ErrInvalidParams, p.FeeBP)
	case p.OperatorFeeBP > p.FeeBP:
		return fmt.Errorf("%w: operator fee %d bp > fee %d bp", ErrInvalidParams, p.OperatorFeeBP, p.FeeBP)
	case p.DepositGwei < 32*GweiPerETH || (!p.Compounding && p.DepositGwei != 32*GweiPerETH) || p.DepositGwei > 2048*GweiPerETH:
		return fmt.Errorf("%w: deposit %d Gwei (32 ETH, or 32–2,048 ETH compounding)", ErrInvalidParams, p.DepositGwei)
	case p.ReportEpochs == 0 || p.EpochsPerYear == 0 || p.EpochsPerSlashingsVector == 0:
		return fmt.Errorf("%w: zero frame, year or slashings vector", ErrInvalidParams)
	case p.MaxPositiveTokenRebase == 0:
		return fmt.Errorf("%w: zero max positive token rebase", ErrInvalidParams)
	case p.MinWithdrawalGwei == 0 || p.MinWithdrawalGwei > p.MaxWithdrawalGwei:
		return fmt.Errorf("%w: withdrawal bounds %d..%d", ErrInvalidParams, p.MinWithdrawalGwei, p.MaxWithdrawalGwei)
	case p.OperatorsAccount == "" || p.TreasuryAccount == "" || p.OperatorsAccount == p.TreasuryAccount:
		return fmt.Errorf("%w: fee accounts %q, %q", ErrInvalidParams, p.OperatorsAccount, p.TreasuryAccount)
	}
	return nil
}
