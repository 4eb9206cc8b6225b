package restaking

import "fmt"

// SetReward is what one operator set paid in one accrual.
type SetReward struct {
	OperatorSet string
	Gwei        Gwei
}

// StakerReward is one account's pro-rata part of an operator's rewards.
type StakerReward struct {
	Staker string
	Gwei   Gwei
}

// OperatorReward is what one operator's allocations earned in one accrual
// and how it was split.
type OperatorReward struct {
	Operator       string
	EarnedGwei     Gwei
	CommissionGwei Gwei           // to the operator's own account, on top of its pro-rata part
	Stakers        []StakerReward // pro-rata parts: own account first, then delegators by id; zeros left out
}

// RewardReport is one epoch's reward accrual.
type RewardReport struct {
	Epoch     Epoch
	TotalGwei Gwei
	Sets      []SetReward      // sets that paid, in creation order
	Operators []OperatorReward // operators that earned, in registration order
}

// AccrueRewards pays one epoch of rewards; call it once per epoch, after
// Advance. Each operator set pays each operator it can slash
// floor(slashable stake × RewardRateWAD / WAD), where the slashable stake is
// SlashableStake at the current epoch: rewards follow unique, slashable
// stake, as EigenLayer's operator-set rewards do. The operator takes
// floor(earned × CommissionBps / 10,000) (the operator split); the rest is
// shared by the operator's own account and its delegators in proportion to
// their active stake, with apportion. Rewards are credited to the accounts'
// reward balances, not restaked (EigenLayer pays rewards as claimable
// tokens through the RewardsCoordinator).
func (l *Ledger) AccrueRewards() (RewardReport, error) {
	if l.rewardsAccrued && l.lastRewardEpoch == l.epoch {
		return RewardReport{}, fmt.Errorf("%w: epoch %d", ErrRewardsAlreadyAccrued, l.epoch)
	}
	rep := RewardReport{Epoch: l.epoch}
	setPaid := make([]uint64, len(l.sets))
	type split struct {
		op      int
		earned  uint64
		comm    uint64
		holders []int
		parts   []uint64
	}
	var splits []split
	var total uint64
	for oi, op := range l.operators {
		if op.sharesGwei == 0 || op.maxMagnitude == 0 {
			continue
		}
		var earned uint64
		for s, a := range op.allocs {
			rate := l.sets[s].cfg.RewardRateWAD
			if rate == 0 || a.current == 0 || !a.slashableAt(l.epoch) {
				continue
			}
			stake := mustMulDiv(uint64(op.sharesGwei), a.current, op.maxMagnitude, false)
			r := mustMulDiv(stake, rate, WAD, false)
			earned += r
			setPaid[s] += r
		}
		if earned == 0 {
			continue
		}
		comm := mustMulDiv(earned, op.commissionBps, BasisPoints, false)
		holders := append([]int{op.self}, op.delegators...)
		weights := make([]uint64, len(holders))
		for i, ai := range holders {
			weights[i] = uint64(l.accounts[ai].activeGwei)
		}
		splits = append(splits, split{op: oi, earned: earned, comm: comm, holders: holders, parts: apportion(weights, earned-comm)})
		total += earned
	}
	if l.rewardsPaidGwei+Gwei(total) < l.rewardsPaidGwei {
		return RewardReport{}, fmt.Errorf("%w: rewards %d", ErrOverflow, total)
	}
	for _, sp := range splits {
		op := l.operators[sp.op]
		or := OperatorReward{Operator: op.id, EarnedGwei: Gwei(sp.earned), CommissionGwei: Gwei(sp.comm)}
		l.accounts[op.self].rewardsGwei += Gwei(sp.comm)
		for i, ai := range sp.holders {
			if sp.parts[i] == 0 {
				continue
			}
			l.accounts[ai].rewardsGwei += Gwei(sp.parts[i])
			or.Stakers = append(or.Stakers, StakerReward{Staker: l.accounts[ai].id, Gwei: Gwei(sp.parts[i])})
		}
		rep.Operators = append(rep.Operators, or)
	}
	for s, paid := range setPaid {
		if paid > 0 {
			l.sets[s].rewardsPaidGwei += Gwei(paid)
			rep.Sets = append(rep.Sets, SetReward{OperatorSet: l.sets[s].cfg.ID, Gwei: Gwei(paid)})
		}
	}
	rep.TotalGwei = Gwei(total)
	l.rewardsPaidGwei += Gwei(total)
	l.rewardsAccrued, l.lastRewardEpoch = true, l.epoch
	return rep, nil
}

// ClaimRewards pays out an account's accrued rewards and returns them.
func (l *Ledger) ClaimRewards(accountID string) (Gwei, error) {
	ai, err := l.lookupAccount(accountID)
	if err != nil {
		return 0, err
	}
	acc := l.accounts[ai]
	r := acc.rewardsGwei
	acc.rewardsGwei = 0
	l.rewardsClaimedGwei += r
	return r, nil
}
