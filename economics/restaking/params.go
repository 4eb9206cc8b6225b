package restaking

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

// WAD is EigenLayer's fixed-point one (SlashingLib.WAD = 1e18): magnitudes,
// slash fractions, corruption thresholds and reward rates are integers in
// units of 1/WAD.
const WAD uint64 = 1_000_000_000_000_000_000

// BasisPoints is 100% in basis points, the unit of operator commission.
const BasisPoints uint64 = 10_000

// EigenLayer's mainnet configuration, in execution-layer blocks of
// ExecutionBlockSeconds each. Sources (Layr-Labs/eigenlayer-contracts):
// docs/core/AllocationManager.md "Parameterization" (ALLOCATION_CONFIGURATION_DELAY
// 126000 blocks = 17.5 days, DEALLOCATION_DELAY 100800 blocks = 14 days),
// docs/core/DelegationManager.md "Parameterization" (MIN_WITHDRAWAL_DELAY_BLOCKS
// 100800 blocks), script/configs/mainnet.json (MIN_WITHDRAWAL_DELAY_BLOCKS
// 100800, ALLOCATION_CONFIGURATION_DELAY 126000, GLOBAL_OPERATOR_COMMISSION_BIPS
// 1000). script/utils/ExistingDeploymentParser.sol reads DEALLOCATION_DELAY
// from MIN_WITHDRAWAL_DELAY_BLOCKS: on mainnet the two are the same number.
const (
	ExecutionBlockSeconds                     = 12
	MainnetAllocationConfigurationDelayBlocks = 126_000
	MainnetDeallocationDelayBlocks            = 100_800
	MainnetWithdrawalDelayBlocks              = 100_800
	// DefaultCommissionBps is EigenLayer's global default operator split
	// (GLOBAL_OPERATOR_COMMISSION_BIPS, 10%), for callers that build
	// OperatorConfig values without a commission of their own.
	DefaultCommissionBps uint64 = 1_000
)

// MaxDelay bounds every delay so that epoch + delay + 1 never overflows.
const MaxDelay Epoch = 1 << 32

// MaxEpoch bounds the ledger clock for the same reason.
const MaxEpoch Epoch = 1 << 62

// Params are the ledger's delays, in epochs. They are fixed for the life of
// a Ledger.
type Params struct {
	// AllocationDelay is the allocation delay every operator starts with:
	// an allocation made at epoch e becomes slashable at e + AllocationDelay
	// (AllocationManager.modifyAllocations: "effectBlock equal to the current
	// block plus the operator's configured allocation delay", not +1). In
	// EigenLayer each operator chooses its own delay at registration; the
	// default here is ALLOCATION_CONFIGURATION_DELAY, the delay any later
	// change of it takes. SetAllocationDelay changes it per operator.
	AllocationDelay Epoch
	// AllocationConfigurationDelay is how long a change of an operator's
	// allocation delay takes (setAllocationDelay: "effectBlock =
	// block.number + ALLOCATION_CONFIGURATION_DELAY + 1").
	AllocationConfigurationDelay Epoch
	// DeallocationDelay is how long a deallocation, and an operator that
	// deregistered from a set, stay slashable (DEALLOCATION_DELAY).
	DeallocationDelay Epoch
	// WithdrawalDelay is how long a queued withdrawal stays slashable and
	// cannot be completed (MIN_WITHDRAWAL_DELAY_BLOCKS).
	WithdrawalDelay Epoch
}

// BlocksToEpochs converts a delay in execution-layer blocks
// (ExecutionBlockSeconds each) to epochs of epochMs milliseconds, rounding
// up: a converted delay is never shorter than the contract's. epochMs must
// be positive.
func BlocksToEpochs(blocks, epochMs uint64) Epoch {
	if epochMs == 0 {
		return 0
	}
	ms := blocks * ExecutionBlockSeconds * 1000
	return Epoch((ms + epochMs - 1) / epochMs)
}

// ParamsFor converts EigenLayer's mainnet delays to epochs of cfg's length
// (SLOTS_PER_EPOCH × slot duration). With the mainnet preset (384-s epochs):
// deallocation and withdrawal delays 100,800 × 12 / 384 = 3,150 epochs;
// allocation and allocation-configuration delays 126,000 × 12 / 384 =
// 3,937.5, rounded up to 3,938 epochs.
func ParamsFor(cfg *consensus.Config) Params {
	epochMs := cfg.SlotsPerEpoch * cfg.SlotDurationMs
	return Params{
		AllocationDelay:              BlocksToEpochs(MainnetAllocationConfigurationDelayBlocks, epochMs),
		AllocationConfigurationDelay: BlocksToEpochs(MainnetAllocationConfigurationDelayBlocks, epochMs),
		DeallocationDelay:            BlocksToEpochs(MainnetDeallocationDelayBlocks, epochMs),
		WithdrawalDelay:              BlocksToEpochs(MainnetWithdrawalDelayBlocks, epochMs),
	}
}

// MainnetParams is ParamsFor(consensus.Mainnet()): 3,938 / 3,938 / 3,150 /
// 3,150 epochs.
func MainnetParams() Params {
	cfg := consensus.Mainnet()
	return ParamsFor(&cfg)
}

// Validate checks that every delay is at most MaxDelay.
func (p Params) Validate() error {
	for _, d := range []struct {
		name string
		v    Epoch
	}{
		{"allocation_delay", p.AllocationDelay},
		{"allocation_configuration_delay", p.AllocationConfigurationDelay},
		{"deallocation_delay", p.DeallocationDelay},
		{"withdrawal_delay", p.WithdrawalDelay},
	} {
		if d.v > MaxDelay {
			return fmt.Errorf("%w: %s %d > %d epochs", ErrInvalidParams, d.name, d.v, MaxDelay)
		}
	}
	return nil
}
