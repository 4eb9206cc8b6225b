package lst

import "fmt"

// Check recomputes the protocol's totals from its parts and returns an
// error wrapping ErrInvariant on the first disagreement:
//
//   - shares: total shares = Σ holders' shares (fee recipients included) +
//     Σ wrapped + shares of pending requests + shares in the burner;
//   - the queue: pending requests' amounts and shares match the cached
//     totals; locked ether = Σ payouts of finalized, unclaimed requests;
//     every finalized payout is at most its request's amount;
//   - pooled ether = buffer + transient + CL balance, with transient =
//     (deposited − CL validators) × DepositGwei;
//   - ether conservation: buffer + transient + CL balance + vaults + locked
//   - claimed = deposits + vault credits + EL credits + Σ CL balance
//     changes the reports brought (nothing is created or lost).
//
// It reads every holder and open request: tests call it after each step.
func (p *Protocol) Check() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: epoch %d: %s", ErrInvariant, p.epoch, fmt.Sprintf(format, args...))
	}
	var held, wrapped uint64
	for _, h := range p.Holders() {
		held += h.Shares
		wrapped += h.Wrapped
	}
	if wrapped != p.wrapped {
		return fail("wrapped %d, cached %d", wrapped, p.wrapped)
	}
	var qShares uint64
	var qAmount, owed Gwei
	for _, r := range p.Requests(StatusPending) {
		qShares += r.Shares
		qAmount += r.AmountGwei
	}
	for _, r := range p.Requests(StatusFinalized) {
		if r.PayoutGwei > r.AmountGwei {
			return fail("request %d pays %d > amount %d", r.ID, r.PayoutGwei, r.AmountGwei)
		}
		owed += r.PayoutGwei
	}
	if qShares != p.queueShares || qAmount != p.unfinalized {
		return fail("queue holds %d shares / %d Gwei, cached %d / %d", qShares, qAmount, p.queueShares, p.unfinalized)
	}
	if owed != p.locked {
		return fail("finalized requests owed %d, locked %d", owed, p.locked)
	}
	if got := held + wrapped + qShares + p.burnerShares; got != p.totalShares {
		return fail("shares: holders %d + wrapped %d + queue %d + burner %d = %d != total %d",
			held, wrapped, qShares, p.burnerShares, got, p.totalShares)
	}
	if p.transient != Gwei(p.deposited-p.clValidators)*p.p.DepositGwei {
		return fail("transient %d for %d deposited, %d on the CL", p.transient, p.deposited, p.clValidators)
	}
	have := int64(p.buffer+p.transient+p.clBalance+p.vault+p.elVault+p.locked) + int64(p.claimedOut)
	in := int64(p.userIn+p.vaultIn+p.elIn) + p.clNet
	if have != in {
		return fail("ether: held %d + claimed %d != in %d (deposits %d, vault %d, EL %d, CL net %d)",
			have-int64(p.claimedOut), p.claimedOut, in, p.userIn, p.vaultIn, p.elIn, p.clNet)
	}
	return nil
}
