package lrt

import (
	"testing"

	"github.com/stakesim/stakesim/economics/lst"
	"github.com/stakesim/stakesim/economics/restaking"
)

// TestMintAtNonUnitRate: native restaking, equal split over three
// operators, 32-ETH chunks.
//
//	alice deposits 100 ETH: first mint 1:1, 100e9 tokens.
//	Sync restakes floor(100/32) = 3 chunks, one validator per operator
//	(fill: targets floor(1·3/3) = 1 each): 32 ETH each, 4 ETH in the buffer.
//	op1's validators earn 5 ETH (CreditRewards): pooled 105 ETH, supply 100:
//	rate 1.05 = 1,050,000,000,000,000,000,000,000,000 (1e27 units).
//	bob deposits 21 ETH: 21e9 × 100e9 / 105e9 = 20e9 tokens exactly
//	(Renzo's calculateMintAmount: inflation = 1e18·21/126 =
//	166,666,666,666,666,666; newSupply = 100e9·1e18/(1e18 − inflation) =
//	119,999,999,999; mint 19,999,999,999 — one unit less from its 1e18
//	rounding).
//	carol deposits 10 ETH: pooled 126, supply 120: 10e9·120e9/126e9 =
//	9,523,809,523.8 → 9,523,809,523 (Renzo's formula gives the same).
//	The rate after: 136e9·1e27/129,523,809,523, not below 1.05.
func TestMintAtNonUnitRate(t *testing.T) {
	p, l := newNative(t, nil)
	eq(t, "alice's tokens", must(p.Deposit("alice", uint64(100*eth), 0)), uint64(100*eth))
	res := advance(t, p, l, 0)
	eq(t, "stakes", len(res.Staked), 3)
	for i, s := range res.Staked {
		eq(t, "operator", s.Operator, ops[i])
		eq(t, "units", s.Units, uint64(32*eth))
		eq(t, "validators", s.Validators, uint64(1))
	}
	eq(t, "buffer", p.Buffer(), uint64(4*eth))
	noErr(t, p.CreditRewards("op1", uint64(5*eth), 1))
	check(t, p, l)
	eq(t, "pooled", p.TotalPooledGwei(), 105*eth)
	eq(t, "rate", rate1e27(p), "1050000000000000000000000000")
	eq(t, "bob's tokens", must(p.Deposit("bob", uint64(21*eth), 1)), uint64(20*eth))
	eq(t, "carol's tokens", must(p.Deposit("carol", uint64(10*eth), 1)), uint64(9_523_809_523))
	check(t, p, l)
	if p.Rate().Cmp(lst.NewShareRate(105*eth, uint64(100*eth))) < 0 {
		t.Fatalf("deposits lowered the rate to %s", rate1e27(p))
	}
	eq(t, "bob's value", p.ValueOf("bob"), 21*eth) // floor(20e9 × 136e9 / 129,523,809,523) = floor(21.00000000008e9)
}

// slashSetup: alice deposits 240 ETH and bob 60 ETH (rate 1: 300e9
// tokens); Sync restakes 9 validators, 3 per operator: 96 ETH each, 12 ETH
// in the buffer.
func slashSetup(t *testing.T) (*Protocol, *restaking.Ledger) {
	t.Helper()
	p, l := newNative(t, nil)
	must(p.Deposit("alice", uint64(240*eth), 0))
	must(p.Deposit("bob", uint64(60*eth), 0))
	advance(t, p, l, 0)
	eq(t, "op2 stake", must(l.Staker("ezETH/op2")).WithdrawableGwei, 96*eth)
	eq(t, "buffer", p.Buffer(), uint64(12*eth))
	return p, l
}

// TestAVSSlashEqualSplit: the AVS slashes 10% of op2's allocated
// magnitude.
//
//	op2 allocated 0.5 WAD of max magnitude 1 WAD to "avs".
//	Slashed magnitude = ceil(0.5e18 × 0.1e18 / 1e18) = 0.05e18; new max
//	magnitude 0.95e18, so every stake with op2 falls by 5%:
//	calcSlashedAmount(96e9, 1e18, 0.95e18) = 96e9 − ceil(96e9 × 0.95) =
//	4.8e9 Gwei, all of it the LRT's (op2 has no stake of its own).
//	Pooled 300 → 295.2 ETH, supply 300e9: rate 0.984 (984e24 in 1e27
//	units), a 1.6% drop: the 5% loss on the third of the stake with op2,
//	less the 12-ETH buffer (4.8/300).
//	alice's 240e9 tokens are worth 236.16 ETH, bob's 60e9 59.04 ETH.
func TestAVSSlashEqualSplit(t *testing.T) {
	p, l := slashSetup(t)
	rep := must(l.Slash("op2", "avs", WAD/10))
	eq(t, "magnitude slashed", rep.MagnitudeSlashed, WAD/20)
	eq(t, "slashed", rep.TotalGwei, Gwei(4_800_000_000))
	check(t, p, l)
	eq(t, "pooled", p.TotalPooledGwei(), Gwei(295_200_000_000))
	eq(t, "rate", rate1e27(p), "984000000000000000000000000")
	eq(t, "alice", p.ValueOf("alice"), Gwei(236_160_000_000))
	eq(t, "bob", p.ValueOf("bob"), Gwei(59_040_000_000))
	// A deposit after the slash mints at the lower rate:
	// 9.84 ETH × 300e9 / 295.2e9 = 10e9 tokens.
	eq(t, "dave", must(p.Deposit("dave", 9_840_000_000, 1)), uint64(10*eth))
	check(t, p, l)
}

// TestWithdrawalSlashedInEscrow: bob withdraws through the ledger's escrow
// and op2 is slashed while his withdrawal waits.
//
//	Epoch 1: bob requests his 60e9 tokens at rate 1: value at request 60
//	ETH, 60e9 units. drain over 96/96/96: targets floor((288 − 60)/3) =
//	76, excess 20 each = 60: three ledger withdrawals of 20 ETH, start 1,
//	slashable through 11, completable from 12.
//	Epoch 5: the AVS slashes 10% of op2's allocation (factor 0.95): op2's
//	active 76 → 72.2 ETH (−3.8), bob's queued 20 → 19 ETH (−1): the ledger
//	takes 4.8 ETH; pooled 295.2 ETH, supply still 300e9 (bob's tokens are
//	locked): rate 0.984.
//	Epoch 12: escrow completes: 20 + 19 + 20 = 59 ETH go to the beacon
//	exit; the engine exits op1 20, op2 19, op3 20 ETH of validators.
//	Epoch 20: 59 ETH arrive (CreditExited). Sync finalizes: value now
//	60e9 × 295.2/300 = 59.04 ETH < 60 at request: payout 59.04 ETH; 59
//	arrived, 0.04 from the buffer (12 → 11.96 ETH). bob's loss is the
//	pool's 1.6%, not his escrow's 1/60.
//	After: supply 240e9, pooled 236.16 ETH: rate still 0.984. bob claims
//	59.04 ETH; his wait was 19 epochs: 11 of escrow, 8 of exit.
func TestWithdrawalSlashedInEscrow(t *testing.T) {
	p, l := slashSetup(t)
	must(l.Advance(1))
	id := must(p.RequestWithdrawal("bob", uint64(60*eth), 1))
	check(t, p, l)
	r, _ := p.Request(id)
	eq(t, "status", r.Status, StatusEscrow)
	eq(t, "value at request", r.ValueAtRequestGwei, 60*eth)
	eq(t, "ledger withdrawals", len(r.LedgerWithdrawals), 3)
	eq(t, "completable", r.CompletableEpoch, Epoch(12))
	for _, wid := range r.LedgerWithdrawals {
		eq(t, "queued", must(l.Withdrawal(wid)).QueuedGwei, 20*eth)
	}
	eq(t, "rate unchanged by the request", rate1e27(p), "1000000000000000000000000000")

	advance(t, p, l, 4)
	must(l.Advance(5))
	rep := must(l.Slash("op2", "avs", WAD/10))
	eq(t, "active slashed", rep.ActiveGwei, Gwei(3_800_000_000))
	eq(t, "queued slashed", rep.QueuedGwei, 1*eth)
	check(t, p, l)
	eq(t, "rate", rate1e27(p), "984000000000000000000000000")

	res := advance(t, p, l, 11)
	eq(t, "no exit before completable", len(res.Exits), 0)
	res = advance(t, p, l, 12)
	eq(t, "exit orders", len(res.Exits), 3)
	eq(t, "op2 exit", res.Exits[1], ExitOrder{RequestID: id, Operator: "op2", Gwei: 19 * eth})
	r, _ = p.Request(id)
	eq(t, "status", r.Status, StatusExiting)
	eq(t, "exiting", r.ExitingUnits, uint64(59*eth))
	eq(t, "slashed in escrow", r.SlashedUnits, uint64(1*eth))
	eq(t, "snapshot wait", p.Snapshot().OldestRequestWaitEpochs, Epoch(11))

	noErr(t, p.CreditExited(id, 59*eth, 20))
	check(t, p, l)
	res = advance(t, p, l, 20)
	eq(t, "finalized", len(res.Finalized), 1)
	r, _ = p.Request(id)
	eq(t, "status", r.Status, StatusClaimable)
	eq(t, "value at finalization", r.ValueAtFinalizationGwei, Gwei(59_040_000_000))
	eq(t, "payout", r.PayoutGwei, Gwei(59_040_000_000))
	eq(t, "buffer", p.Buffer(), uint64(11_960_000_000))
	eq(t, "supply", p.TotalSupply(), uint64(240*eth))
	eq(t, "rate after", rate1e27(p), "984000000000000000000000000")
	eq(t, "paid", must(p.Claim("bob", id, 21)), uint64(59_040_000_000))
	check(t, p, l)
	eq(t, "alice", p.ValueOf("alice"), Gwei(236_160_000_000))
	eq(t, "pruned", p.PruneClaimed(22), 1)
	check(t, p, l)
}

// TestWithdrawalsDisabled: with withdrawals_enabled false (ezETH, April
// 2024) every request is refused and nothing changes.
func TestWithdrawalsDisabled(t *testing.T) {
	p, l := newNative(t, func(p *Params) { p.WithdrawalsEnabled = false })
	must(p.Deposit("alice", uint64(64*eth), 0))
	advance(t, p, l, 0)
	before := p.Snapshot()
	_, err := p.RequestWithdrawal("alice", uint64(eth), 1)
	expectErr(t, err, ErrWithdrawalsDisabled)
	eq(t, "balance", p.BalanceOf("alice"), uint64(64*eth))
	eq(t, "snapshot", p.Snapshot().Holdings, before.Holdings)
	eq(t, "pending", p.Snapshot().WithdrawalRequestsPending, 0)
	check(t, p, l)
}

// TestLSTCappedAtRequestValue: an LRT holding LST shares priced by the LST
// protocol's rate; the LST's rate rises between request and finalization,
// so the request is paid its value at request and the rest stays pooled.
//
//	LST rate 1.1: alice deposits 100e9 shares worth 110 ETH: 110e9 tokens.
//	Sync restakes by equal split: 33,333,333,334 / 33,333,333,333 /
//	33,333,333,333 shares (largest remainder to the first).
//	bob gets 11e9 tokens; requests them: value 11e9 × 110/110 = 11 ETH,
//	units 11e9 × 100e9/110e9 = 10e9 shares; drain: targets 90e9/3 = 30e9,
//	excess 3,333,333,334 + 3,333,333,333 + 3,333,333,333 = 10e9.
//	The LST rate rises to 1.2 during the escrow: value at finalization 11e9
//	× 120/110 = 12 ETH; payout min(11, 12) = 11 ETH = floor(11e9/1.2) =
//	9,166,666,666 shares; the 833,333,334 shares left join the buffer and
//	are restaked in the same Sync.
func TestLSTCappedAtRequestValue(t *testing.T) {
	l := newLedger(t)
	price := &fakeLST{num: 11, den: 10}
	params := DefaultParams(ops...)
	params.Asset, params.ChunkUnits = AssetLST, 1
	p := must(New("rsETH", params, l, price, 0))
	eq(t, "tokens", must(p.Deposit("alice", uint64(100*eth), 0)), uint64(110*eth))
	res := advance(t, p, l, 0)
	eq(t, "op1", res.Staked[0].Units, uint64(33_333_333_334))
	eq(t, "op2", res.Staked[1].Units, uint64(33_333_333_333))
	noErr(t, p.Transfer("alice", "bob", uint64(11*eth), 0))
	id := must(p.RequestWithdrawal("bob", uint64(11*eth), 0))
	r, _ := p.Request(id)
	eq(t, "value", r.ValueAtRequestGwei, 11*eth)
	eq(t, "units", r.UnitsAtRequest, uint64(10*eth))
	eq(t, "op1 part", must(l.Withdrawal(r.LedgerWithdrawals[0])).QueuedGwei, Gwei(3_333_333_334))
	price.num, price.den = 12, 10
	advance(t, p, l, testDelay)
	r, _ = p.Request(id)
	eq(t, "still in escrow", r.Status, StatusEscrow)
	res = advance(t, p, l, testDelay+1)
	eq(t, "no exits for an LST", len(res.Exits), 0)
	eq(t, "finalized", len(res.Finalized), 1)
	eq(t, "finalized id", res.Finalized[0], id)
	r, _ = p.Request(id)
	eq(t, "value at finalization", r.ValueAtFinalizationGwei, 12*eth)
	eq(t, "payout", r.PayoutGwei, 11*eth)
	eq(t, "payout shares", r.PayoutUnits, uint64(9_166_666_666))
	var restaked uint64
	for _, s := range res.Staked {
		restaked += s.Units
	}
	eq(t, "surplus restaked by the same Sync", restaked, uint64(833_333_334))
	eq(t, "buffer", p.Buffer(), uint64(0))
}

// TestTopUpAfterConcentratedSlash: the request's escrow comes mostly from
// op2, which is then slashed hard; what arrives does not cover the payout
// and the buffer is empty, so a second escrow round fetches the rest.
//
//	1-ETH chunks. alice deposits 300 ETH: 100 per operator. op2's
//	validators earn 30 ETH: 100/130/100, pooled 330, supply 300e9.
//	bob (33e9 tokens from alice) requests them: value 33 × 330/300 =
//	36.3 ETH. drain: targets floor((330 − 36.3)/3) = 97.9: excess 2.1 /
//	32.1 / 2.1 ETH.
//	The AVS slashes all of op2's allocation (0.5 of its magnitude): op2
//	stakes halve: active 97.9 → 48.95, bob's queued 32.1 → 16.05 ETH.
//	Pooled 330 − 65 = 265, rate 265/300.
//	Escrow completes at 11: 2.1 + 16.05 + 2.1 = 20.25 ETH arrive (exit
//	credited in full). Value now 33 × 265/300 = 29.15 < 36.3: payout 29.15;
//	8.9 ETH short, buffer 0: a second round of 8.9 ETH (drain over
//	97.9/48.95/97.9: targets floor((244.75 − 8.9)/3) = 78.616666666:
//	excess 19.283333334 / 0 / 19.283333334 > 8.9, so 4.45 each from op1 and
//	op3). It completes at 22 and the request pays 29.15 ETH, exactly what
//	arrived; the rate stays 265/300.
func TestTopUpAfterConcentratedSlash(t *testing.T) {
	p, l := newNative(t, func(p *Params) { p.ChunkUnits = uint64(eth) })
	must(p.Deposit("alice", uint64(300*eth), 0))
	advance(t, p, l, 0)
	noErr(t, p.CreditRewards("op2", uint64(30*eth), 0))
	noErr(t, p.Transfer("alice", "bob", uint64(33*eth), 0))
	id := must(p.RequestWithdrawal("bob", uint64(33*eth), 0))
	r, _ := p.Request(id)
	eq(t, "value", r.ValueAtRequestGwei, Gwei(36_300_000_000))
	eq(t, "op2 part", must(l.Withdrawal(r.LedgerWithdrawals[1])).QueuedGwei, Gwei(32_100_000_000))
	rep := must(l.Slash("op2", "avs", WAD))
	eq(t, "slashed", rep.TotalGwei, 65*eth)
	check(t, p, l)
	res := advance(t, p, l, testDelay+1)
	eq(t, "exits", len(res.Exits), 3)
	noErr(t, p.CreditExited(id, Gwei(20_250_000_000), testDelay+1))
	res = advance(t, p, l, testDelay+1)
	eq(t, "not finalized", len(res.Finalized), 0)
	r, _ = p.Request(id)
	eq(t, "status", r.Status, StatusEscrow)
	eq(t, "round", r.Rounds, 2)
	eq(t, "second round", r.EscrowUnits, uint64(8_900_000_000))
	eq(t, "op1 part", must(l.Withdrawal(r.LedgerWithdrawals[0])).QueuedGwei, Gwei(4_450_000_000))
	res = advance(t, p, l, 2*testDelay+2)
	noErr(t, p.CreditExited(id, Gwei(8_900_000_000), 2*testDelay+2))
	res = advance(t, p, l, 2*testDelay+2)
	eq(t, "finalized", len(res.Finalized), 1)
	r, _ = p.Request(id)
	eq(t, "payout", r.PayoutGwei, Gwei(29_150_000_000))
	eq(t, "rate", p.Rate().Cmp(lst.NewShareRate(265*eth, uint64(300*eth))), 0)
}

// TestRequestErrors covers the refusals that change nothing.
func TestRequestErrors(t *testing.T) {
	p, l := newNative(t, nil)
	must(p.Deposit("alice", uint64(10*eth), 0))
	_, err := p.RequestWithdrawal("alice", uint64(11*eth), 0)
	expectErr(t, err, ErrInsufficient)
	_, err = p.RequestWithdrawal("alice", 0, 0)
	expectErr(t, err, ErrInvalidAmount)
	id := must(p.RequestWithdrawal("alice", uint64(eth), 0)) // from the buffer: ready at once
	r, _ := p.Request(id)
	eq(t, "status", r.Status, StatusReady)
	_, err = p.Claim("alice", id, 0)
	expectErr(t, err, ErrWrongStage)
	expectErr(t, p.CreditExited(id, 1, 0), ErrWrongStage)
	advance(t, p, l, 0)
	_, err = p.Claim("bob", id, 0)
	expectErr(t, err, ErrNotOwner)
	eq(t, "paid", must(p.Claim("alice", id, 0)), uint64(eth))
	_, err = p.Deposit("alice", 1, 0)
	noErr(t, err)
	_, err = New("x", DefaultParams(), l, nil, 0)
	expectErr(t, err, ErrInvalidParams)
	bad := DefaultParams(ops...)
	bad.WeightsWAD = []uint64{WAD / 2, WAD / 2, 1}
	_, err = New("x", bad, l, nil, 0)
	expectErr(t, err, ErrInvalidParams)
	check(t, p, l)
}

// TestMainnetEscrow: with EigenLayer's mainnet delays
// (restaking.MainnetParams: MIN_WITHDRAWAL_DELAY_BLOCKS 100,800 × 12 s /
// 384 s = 3,150 epochs) a request made at epoch 100 leaves escrow at
// 100 + 3,150 + 1 = 3,251 (completeQueuedWithdrawal needs the block after
// slashableUntil): 14 days before the beacon exit queue starts.
func TestMainnetEscrow(t *testing.T) {
	l := must(restaking.New(restaking.MainnetParams()))
	noErr(t, l.RegisterOperator(restaking.OperatorConfig{ID: "op1"}))
	p := must(New("ezETH", DefaultParams("op1"), l, nil, 0))
	must(p.Deposit("alice", uint64(32*eth), 0))
	advance(t, p, l, 0)
	must(l.Advance(100))
	id := must(p.RequestWithdrawal("alice", uint64(32*eth), 100))
	r, _ := p.Request(id)
	eq(t, "completable", r.CompletableEpoch, Epoch(3_251))
	eq(t, "no exit at 3,250", len(advance(t, p, l, 3_250).Exits), 0)
	eq(t, "exit at 3,251", advance(t, p, l, 3_251).Exits[0], ExitOrder{RequestID: id, Operator: "op1", Gwei: 32 * eth})
	eq(t, "wait so far", p.Snapshot().OldestRequestWaitEpochs, Epoch(3_151))
}
