package lst

import "github.com/stakesim/stakesim/consensus"

// WaitEstimate is the analytic withdrawal wait of one large request,
// worked from the spec's constants with an empty exit queue, in epochs.
type WaitEstimate struct {
	// ChurnGwei is get_activation_exit_churn_limit at the staked total;
	// ExitValidators how many validators of DepositGwei the request needs.
	ChurnGwei      Gwei
	ExitValidators uint64
	// Lookahead is compute_activation_exit_epoch's 1 + MAX_SEED_LOOKAHEAD
	// before the first exit; ExitChurnEpochs the epochs the churn needs
	// for all of them (the last exits ExitChurnEpochs − 1 epochs after the
	// first); Withdrawability MIN_VALIDATOR_WITHDRAWABILITY_DELAY.
	Lookahead, ExitChurnEpochs, Withdrawability uint64
	// SweepCycleEpochs is a full withdrawal sweep when every validator
	// has something to withdraw (MAX_WITHDRAWALS_PER_PAYLOAD per slot):
	// the last exited validator waits from 0 to a full cycle, half on
	// average.
	SweepCycleEpochs uint64
	// ReportEpochs is the oracle frame: the request waits up to one frame
	// for the report that asks for the exits, and up to one more for the
	// report that finalizes it once the ether is in the vault.
	ReportEpochs uint64
}

// Chain is the part of the wait the chain imposes once the exits are
// asked, without the sweep: lookahead, churn, withdrawability delay.
func (w WaitEstimate) Chain() uint64 { return w.Lookahead + w.ExitChurnEpochs + w.Withdrawability }

// Mean adds half a sweep cycle and half a frame on each side.
func (w WaitEstimate) Mean() uint64 { return w.Chain() + w.SweepCycleEpochs/2 + w.ReportEpochs }

// Worst adds a full sweep cycle and a full frame on each side.
func (w WaitEstimate) Worst() uint64 { return w.Chain() + w.SweepCycleEpochs + 2*w.ReportEpochs }

// EstimateWithdrawalWait is the wait of a request for requestGwei when
// stakedGwei is staked in `validators` validators (each with something
// for the sweep to withdraw), the protocol's buffer is empty and the exit
// queue idle: Lido's path (a report asks for exits, the chain exits them
// through the churn, they become withdrawable, the sweep pays them, a
// report finalizes the request).
func EstimateWithdrawalWait(cfg *consensus.Config, p Params, stakedGwei, requestGwei Gwei, validators uint64) WaitEstimate {
	_, churn, _ := consensus.ChurnLimitsFor(cfg, stakedGwei)
	n := uint64((requestGwei + p.DepositGwei - 1) / p.DepositGwei)
	perEpoch := max(1, uint64(churn/p.DepositGwei))
	slots := (validators + cfg.MaxWithdrawalsPerPayload - 1) / cfg.MaxWithdrawalsPerPayload
	return WaitEstimate{
		ChurnGwei:        churn,
		ExitValidators:   n,
		Lookahead:        1 + cfg.MaxSeedLookahead,
		ExitChurnEpochs:  (n + perEpoch - 1) / perEpoch,
		Withdrawability:  cfg.MinValidatorWithdrawabilityDelay,
		SweepCycleEpochs: (slots + cfg.SlotsPerEpoch - 1) / cfg.SlotsPerEpoch,
		ReportEpochs:     uint64(p.ReportEpochs),
	}
}
