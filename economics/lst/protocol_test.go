package lst

import (
	"errors"
	"testing"
)

const eth = GweiPerETH

func newTestProtocol(t *testing.T) *Protocol {
	t.Helper()
	p, err := NewProtocol("lido", DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// must returns v, panicking (failing the test) on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func check(t *testing.T, p *Protocol) {
	t.Helper()
	if err := p.Check(); err != nil {
		t.Fatal(err)
	}
}

func accepted(t *testing.T, p *Protocol, r OracleReport) ReportResult {
	t.Helper()
	res := must(p.ApplyReport(r))
	if !res.Accepted {
		t.Fatalf("report at %d rejected: %v", r.Epoch, res.Rejection)
	}
	check(t, p)
	return res
}

// bigPool: alice deposits 32,000 ETH, 1,000 validators are deposited and
// the first report (epoch 225) sees them at 32 ETH each: rate 1.
func bigPool(t *testing.T) *Protocol {
	t.Helper()
	p := newTestProtocol(t)
	if s := must(p.Deposit("alice", 32_000*eth, 0)); s != 32_000*uint64(eth) {
		t.Fatalf("first deposit minted %d shares, want 1:1", s)
	}
	if n := must(p.DepositValidators(2_000, 1)); n != 1_000 {
		t.Fatalf("deposited %d validators, want 1000", n)
	}
	accepted(t, p, OracleReport{Epoch: 225, CLValidators: 1_000, CLBalanceGwei: 32_000 * eth})
	return p
}

// Fee shares by Lido._distributeFee, worked by hand: rewards R = 1 ETH on
// 32,000 ETH and 32,000e9 shares, fee 1,000 bp:
// 1e9·1000·32e12 / ((32,001e9)·10,000 − 1e9·1000) = 3.2e25 / 3.20009e17
// = 99,997,187 shares; operators 99,997,187·500/1000 = 49,998,593,
// treasury 49,998,594. Their value at the new rate is 99,999,999 Gwei, 10%
// of the reward less 1 Gwei of rounding; alice keeps 32,000.9 ETH.
func TestPositiveReportFee(t *testing.T) {
	p := bigPool(t)
	res := accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_001 * eth})
	if res.RewardsGwei != eth || res.FeeShares != 99_997_187 || res.OperatorShares != 49_998_593 || res.TreasuryShares != 49_998_594 {
		t.Fatalf("rewards %d fee %d (%d + %d)", res.RewardsGwei, res.FeeShares, res.OperatorShares, res.TreasuryShares)
	}
	if res.CLRebaseGwei != int64(eth) || res.NegativeRebase || res.Bunker {
		t.Fatalf("rebase %d negative %v bunker %v", res.CLRebaseGwei, res.NegativeRebase, res.Bunker)
	}
	fee := p.PooledEthByShares(res.FeeShares)
	if fee != 99_999_999 {
		t.Fatalf("fee worth %d Gwei, want 99,999,999", fee)
	}
	if b := p.BalanceOf("alice"); b != 32_000_900_000_000 {
		t.Fatalf("alice %d, want 32,000.9 ETH", b)
	}
	if got := res.PostRate.String(); got != "1000028125000018097306728757" {
		t.Fatalf("post rate %s", got)
	}
}

// A zero fee (a valid schema value) mints no fee shares: the whole 1 ETH
// reward goes to the holders, so alice's 32,000 ETH become exactly 32,001
// ETH and the rate 32,001e9·1e27 / 32,000e9 = 1.00003125e27.
func TestZeroFeeReport(t *testing.T) {
	params := DefaultParams()
	params.FeeBP, params.OperatorFeeBP = 0, 0
	p, err := NewProtocol("nofee", params, 0)
	noErr(t, err)
	must(p.Deposit("alice", 32_000*eth, 0))
	must(p.DepositValidators(2_000, 1))
	accepted(t, p, OracleReport{Epoch: 225, CLValidators: 1_000, CLBalanceGwei: 32_000 * eth})
	res := accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_001 * eth})
	if res.RewardsGwei != eth || res.FeeShares != 0 || res.OperatorShares != 0 || res.TreasuryShares != 0 {
		t.Fatalf("rewards %d fee %d (%d + %d)", res.RewardsGwei, res.FeeShares, res.OperatorShares, res.TreasuryShares)
	}
	if b := p.BalanceOf("alice"); b != 32_001*eth {
		t.Fatalf("alice %d, want 32,001 ETH", b)
	}
	if got := res.PostRate.String(); got != "1000031250000000000000000000" {
		t.Fatalf("post rate %s", got)
	}
}

// Deposit at a non-1 rate (after the report above, pooled 32,001e9 Gwei,
// shares 32,000,099,997,187): bob's 10 ETH mints floor(10e9 ·
// 32,000,099,997,187 / 32,001e9) = 9,999,718,757 shares, worth
// 9,999,999,999 Gwei: the rounding stays with the pool.
func TestDepositAtRate(t *testing.T) {
	p := bigPool(t)
	accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_001 * eth})
	before := p.ShareRate()
	if s := must(p.Deposit("bob", 10*eth, 460)); s != 9_999_718_757 {
		t.Fatalf("bob minted %d shares", s)
	}
	if b := p.BalanceOf("bob"); b != 9_999_999_999 {
		t.Fatalf("bob balance %d", b)
	}
	if p.ShareRate().Cmp(before) < 0 {
		t.Fatal("a deposit lowered the share rate")
	}
	check(t, p)
}

// Smoothing (smoothenTokenRebase): 30 ETH in the withdrawal vault on a
// 32,000-ETH pool with a flat CL. The cap is 750,000 × 32,000e9 / 1e9 =
// 24 ETH: 24 collected, 6 held back. Fee on 24 ETH: 24e9·1000·32e12 /
// (32,024e9·10,000 − 24e12) = 2,398,381,092 shares (1,199,190,546 each).
// The next report collects the 6 ETH left (its cap is 24.018 ETH).
func TestMaxPositiveRebaseSmoothing(t *testing.T) {
	p := bigPool(t)
	noErr(t, p.CreditWithdrawalVault(30*eth, 300))
	res := accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_000 * eth})
	if res.WithdrawalsCollected != 24*eth || res.WithdrawalsHeldBack != 6*eth {
		t.Fatalf("collected %d held back %d", res.WithdrawalsCollected, res.WithdrawalsHeldBack)
	}
	if res.FeeShares != 2_398_381_092 || res.OperatorShares != 1_199_190_546 || res.TreasuryShares != 1_199_190_546 {
		t.Fatalf("fee %d (%d + %d)", res.FeeShares, res.OperatorShares, res.TreasuryShares)
	}
	if res.PostPooled != 32_024*eth || p.Buffer() != 24*eth {
		t.Fatalf("pooled %d buffer %d", res.PostPooled, p.Buffer())
	}
	if got := res.PostRate.String(); got != "1000675000000023838838293155" {
		t.Fatalf("post rate %s", got)
	}
	res = accepted(t, p, OracleReport{Epoch: 675, CLValidators: 1_000, CLBalanceGwei: 32_000 * eth})
	if res.WithdrawalsCollected != 6*eth || res.WithdrawalsHeldBack != 0 || res.FeeShares != 599_494_184 {
		t.Fatalf("second report collected %d held %d fee %d", res.WithdrawalsCollected, res.WithdrawalsHeldBack, res.FeeShares)
	}
}

// Annual increase limit: (82,125 · 10,000 · Δ / 32,000e9) / 225 epochs.
// Δ = 9 ETH: 230,976 / 225 = 1,026 bp > 1,000: rejected, nothing changes.
// Δ = 8.7 ETH: 223,277 / 225 = 992 bp: accepted.
func TestAnnualIncreaseLimit(t *testing.T) {
	p := bigPool(t)
	res := must(p.ApplyReport(OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_009 * eth}))
	if res.Accepted || !errors.Is(res.Rejection, ErrCLBalanceIncrease) {
		t.Fatalf("accepted %v rejection %v", res.Accepted, res.Rejection)
	}
	if p.TotalPooledEther() != 32_000*eth || p.lastReportEpoch != 225 {
		t.Fatal("a rejected report changed the protocol")
	}
	check(t, p)
	accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_000*eth + 8_700_000_000})
}

// smallPool: ten validators, 320 ETH (alice 320), first report at 225.
func smallPool(t *testing.T) *Protocol {
	t.Helper()
	p := newTestProtocol(t)
	must(p.Deposit("alice", 320*eth, 0))
	must(p.DepositValidators(10, 0))
	accepted(t, p, OracleReport{Epoch: 225, CLValidators: 10, CLBalanceGwei: 320 * eth})
	return p
}

// CL decrease allowance (_checkCLBalanceDecrease): 10 validators, none
// exited: 1 ETH × 10 + 0.101 ETH × 10 = 11.01 ETH over 18 days.
func TestCLDecreaseAllowance(t *testing.T) {
	p := smallPool(t)
	res := must(p.ApplyReport(OracleReport{Epoch: 450, CLValidators: 10, CLBalanceGwei: 320*eth - 11_010_000_001}))
	if res.Accepted || !errors.Is(res.Rejection, ErrCLBalanceDecrease) {
		t.Fatalf("11.010000001 ETH drop: accepted %v (%v)", res.Accepted, res.Rejection)
	}
	res = accepted(t, p, OracleReport{Epoch: 450, CLValidators: 10, CLBalanceGwei: 320*eth - 11_010_000_000})
	if !res.NegativeRebase || res.CLRebaseGwei != -11_010_000_000 || !res.BunkerStarted || res.FeeShares != 0 {
		t.Fatalf("negative %v rebase %d bunker %v fee %d", res.NegativeRebase, res.CLRebaseGwei, res.BunkerStarted, res.FeeShares)
	}
	if on, since := p.Bunker(); !on || since != 225 {
		t.Fatalf("bunker %v since %d, want since the previous report (225)", on, since)
	}
	if p.ValidatorsToDeposit() != 0 {
		t.Fatal("deposits allowed in bunker mode")
	}
}

// The allowance covers the sum of the window's decreases: 6 + 6 ETH > 11.01.
func TestCLDecreaseCumulative(t *testing.T) {
	p := smallPool(t)
	accepted(t, p, OracleReport{Epoch: 450, CLValidators: 10, CLBalanceGwei: 314 * eth})
	res := must(p.ApplyReport(OracleReport{Epoch: 675, CLValidators: 10, CLBalanceGwei: 308 * eth}))
	if res.Accepted || !errors.Is(res.Rejection, ErrCLBalanceDecrease) {
		t.Fatalf("12 ETH in the window accepted: %v", res.Rejection)
	}
	// Once the first decrease leaves the 4,050-epoch window it no longer counts.
	accepted(t, p, OracleReport{Epoch: 4_725, CLValidators: 10, CLBalanceGwei: 308 * eth})
}

func TestRequestBounds(t *testing.T) {
	p := newTestProtocol(t)
	must(p.Deposit("alice", 2_000*eth, 0))
	if _, err := p.RequestWithdrawal("alice", 0, 1); !errors.Is(err, ErrRequestTooSmall) {
		t.Fatalf("0 Gwei: %v", err)
	}
	if _, err := p.RequestWithdrawal("alice", 1_000*eth+1, 1); !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("1,000 ETH + 1 Gwei: %v", err)
	}
	if _, err := p.RequestWithdrawal("bob", 1*eth, 1); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("no balance: %v", err)
	}
	for _, a := range []Gwei{1, 1_000 * eth} {
		if _, err := p.RequestWithdrawal("alice", a, 1); err != nil {
			t.Fatalf("%d Gwei: %v", a, err)
		}
	}
	check(t, p)
}

// FIFO with partial availability: buffer 25 ETH, requests 10, 20, 5 ETH at
// rate 1 (nominal). The first is paid; the second (20 > 15 left) stops the
// queue although the third would fit. The shortfall 25 − 15 = 10 ETH asks
// for ceil(10 / 32) = 1 exit.
func TestFIFOPartial(t *testing.T) {
	p := newTestProtocol(t)
	must(p.Deposit("x", 57*eth, 0))
	must(p.DepositValidators(10, 0))
	ids := []uint64{
		must(p.RequestWithdrawal("x", 10*eth, 10)),
		must(p.RequestWithdrawal("x", 20*eth, 10)),
		must(p.RequestWithdrawal("x", 5*eth, 10)),
	}
	res := accepted(t, p, OracleReport{Epoch: 225, CLValidators: 1, CLBalanceGwei: 32 * eth})
	if len(res.Finalized) != 1 || res.Finalized[0] != ids[0] || res.FinalizedGwei != 10*eth || p.Buffer() != 15*eth {
		t.Fatalf("finalized %v (%d Gwei), buffer %d", res.Finalized, res.FinalizedGwei, p.Buffer())
	}
	if res.ExitShortfallGwei != 10*eth || res.ValidatorsToExit != 1 {
		t.Fatalf("shortfall %d, exits %d", res.ExitShortfallGwei, res.ValidatorsToExit)
	}
	if _, err := p.ClaimWithdrawal("x", ids[1], 226); !errors.Is(err, ErrNotFinalized) {
		t.Fatalf("claim of a pending request: %v", err)
	}
	if got := must(p.ClaimWithdrawal("x", ids[0], 226)); got != 10*eth {
		t.Fatalf("claimed %d", got)
	}
	if _, err := p.ClaimWithdrawal("x", ids[0], 226); !errors.Is(err, ErrAlreadyClaimed) {
		t.Fatalf("second claim: %v", err)
	}
	check(t, p)
	if n := p.PruneClaimed(227); n != 1 || len(p.RequestsOf("x")) != 2 {
		t.Fatalf("pruned %d, left %d", n, len(p.RequestsOf("x")))
	}
	check(t, p)
}

// threeHolders: a, b and c deposit 32 ETH each; three validators; the
// first report sees 96 ETH; c asks for 32 ETH at epoch 230 (32e9 shares).
func threeHolders(t *testing.T) (*Protocol, uint64) {
	t.Helper()
	p := newTestProtocol(t)
	for _, h := range []string{"a", "b", "c"} {
		must(p.Deposit(h, 32*eth, 0))
	}
	must(p.DepositValidators(3, 0))
	accepted(t, p, OracleReport{Epoch: 225, CLValidators: 3, CLBalanceGwei: 96 * eth})
	id := must(p.RequestWithdrawal("c", 32*eth, 230))
	return p, id
}

// Loss socialised (three holders, worked by hand). The CL loses 3 ETH
// (allowance 3 × 1.101 = 3.303): negative rebase, bunker from 225; the
// request (230) is past the border 225 − 20 = 205, and there is no ether
// anyway: the shortfall 32 ETH at 31 ETH a validator asks for 2 exits.
// One validator exits and pays 31 ETH to the vault; the next report sees a
// CL rebase of 62 + 31 − 93 = 0, bunker ends. The simulated rate is
// 93e27 / 96 = 0.96875e27 < c's 1e27: c is paid 32e9 × 0.96875 = 31 ETH.
// a and b keep 31 ETH each: each of the three lost 1 ETH.
func TestLossSocialised(t *testing.T) {
	p, id := threeHolders(t)
	res := accepted(t, p, OracleReport{Epoch: 450, CLValidators: 3, CLBalanceGwei: 93 * eth})
	if !res.BunkerStarted || len(res.Finalized) != 0 || res.SafeBorder != 205 || res.ValidatorsToExit != 2 {
		t.Fatalf("bunker %v finalized %v border %d exits %d", res.BunkerStarted, res.Finalized, res.SafeBorder, res.ValidatorsToExit)
	}
	noErr(t, p.CreditWithdrawalVault(31*eth, 500))
	res = accepted(t, p, OracleReport{Epoch: 675, CLValidators: 3, ExitedValidators: 1, CLBalanceGwei: 62 * eth})
	if !res.BunkerEnded || res.CLRebaseGwei != 0 || res.FinalizationRate.String() != "968750000000000000000000000" {
		t.Fatalf("bunker ended %v rebase %d rate %s", res.BunkerEnded, res.CLRebaseGwei, res.FinalizationRate)
	}
	if len(res.Finalized) != 1 || res.FinalizedGwei != 31*eth || res.SharesBurnt != 32*uint64(eth) {
		t.Fatalf("finalized %v %d Gwei, burnt %d", res.Finalized, res.FinalizedGwei, res.SharesBurnt)
	}
	for _, h := range []string{"a", "b"} {
		if b := p.BalanceOf(h); b != 31*eth {
			t.Fatalf("%s holds %d", h, b)
		}
	}
	if got := must(p.ClaimWithdrawal("c", id, 700)); got != 31*eth {
		t.Fatalf("c paid %d", got)
	}
	check(t, p)
}

// Rate risen before finalization: one validator exits with 32 ETH and the
// others earn 0.02 ETH (CL 64.02). Fee on 0.02 ETH: 2e7·1000·96e9 /
// (96.02e9·10,000 − 2e10) = 1,999,625 shares; the simulated rate
// 96.02e27 / (96e9 + 1,999,625) = 1.0001875…e27 > c's 1e27, so c is paid
// the nominal 32 ETH. The rest of c's part of the reward stays in the pool:
// a holds 32e9 × 64.02e9 / (64e9 + 1,999,625) = 32,008,999,906 Gwei
// (32,006,000,000 had c stayed).
func TestRateAtRequestCaps(t *testing.T) {
	p, id := threeHolders(t)
	noErr(t, p.CreditWithdrawalVault(32*eth, 400))
	res := accepted(t, p, OracleReport{Epoch: 450, CLValidators: 3, ExitedValidators: 1, CLBalanceGwei: 64*eth + 20_000_000})
	if res.FeeShares != 1_999_625 || res.FinalizationRate.String() != "1000187500000732406619389726" {
		t.Fatalf("fee %d rate %s", res.FeeShares, res.FinalizationRate)
	}
	if res.FinalizedGwei != 32*eth || res.SharesBurnt != 32*uint64(eth) {
		t.Fatalf("finalized %d Gwei, burnt %d", res.FinalizedGwei, res.SharesBurnt)
	}
	if b := p.BalanceOf("a"); b != 32_008_999_906 {
		t.Fatalf("a holds %d", b)
	}
	if got := must(p.ClaimWithdrawal("c", id, 451)); got != 32*eth {
		t.Fatalf("c paid %d", got)
	}
	check(t, p)
}

// Mass slashing (condition 1): the CL gains 1 ETH but a slashed validator's
// predicted midterm penalty is 2 ETH: bunker. The associated-slashing
// border (frame of epoch 400 starts at 225; − 20 = 205) holds the request
// made at 300 even after the negative-rebase border passes it (10 days),
// until the slashed validator is withdrawable (8,592).
func TestBunkerMassSlashing(t *testing.T) {
	p := bigPool(t)
	must(p.Deposit("bob", 100*eth, 250))
	id := must(p.RequestWithdrawal("bob", 50*eth, 300))
	sl := []Slashing{{SlashedEpoch: 400, WithdrawableEpoch: 8_592, MidtermPenaltyGwei: 2 * eth}}
	res := accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_001 * eth, Slashings: sl})
	if !res.BunkerStarted || res.NegativeRebase || len(res.Finalized) != 0 || res.SafeBorder != 205 {
		t.Fatalf("bunker %v negative %v finalized %v border %d", res.BunkerStarted, res.NegativeRebase, res.Finalized, res.SafeBorder)
	}
	res = accepted(t, p, OracleReport{Epoch: 2_925, CLValidators: 1_000, CLBalanceGwei: 32_001 * eth, Slashings: sl})
	if !res.Bunker || len(res.Finalized) != 0 || res.SafeBorder != 205 {
		t.Fatalf("bunker %v finalized %v border %d", res.Bunker, res.Finalized, res.SafeBorder)
	}
	res = accepted(t, p, OracleReport{Epoch: 8_775, CLValidators: 1_000, CLBalanceGwei: 32_001 * eth, Slashings: sl})
	if !res.BunkerEnded || len(res.Finalized) != 1 || res.Finalized[0] != id {
		t.Fatalf("bunker ended %v finalized %v", res.BunkerEnded, res.Finalized)
	}
}

// wstETH round trip: at the rate of TestPositiveReportFee, wrapping 10 ETH
// gives floor(10e9 × 32,000,099,997,187 / 32,001e9) = 9,999,718,757
// tokens; unwrapping them returns floor(9,999,718,757 × 32,001e9 /
// 32,000,099,997,187) = 9,999,999,999 Gwei: both roundings favour the
// pool, and alice's shares come back whole.
func TestWrapRoundTrip(t *testing.T) {
	p := bigPool(t)
	accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_001 * eth})
	shares := p.SharesOf("alice")
	w := must(p.Wrap("alice", 10*eth, 460))
	if w != 9_999_718_757 || p.WrappedOf("alice") != w {
		t.Fatalf("wrapped %d", w)
	}
	check(t, p)
	if st := must(p.Unwrap("alice", w, 461)); st != 9_999_999_999 {
		t.Fatalf("unwrapped to %d", st)
	}
	if p.SharesOf("alice") != shares || p.WrappedOf("alice") != 0 {
		t.Fatal("round trip lost shares")
	}
	// The rETH-style view over the same shares: getExchangeRate = 32,001e9 ×
	// 1e18 / 32,000,099,997,187; getEthValue(1e9) = 1,000,028,125.
	if got := p.ExchangeRate().String(); got != "1000028125000018097" {
		t.Fatalf("exchange rate %s", got)
	}
	if v := p.EthValue(uint64(eth)); v != 1_000_028_125 {
		t.Fatalf("eth value %d", v)
	}
	check(t, p)
}

func TestParamsForMinimal(t *testing.T) {
	cfgMin := minimalConfig()
	p := ParamsFor(&cfgMin)
	if p.ReportEpochs != 2 || p.SlashingWindowEpochs != 32 || p.InactivityWindowEpochs != 95 ||
		p.FinalizationDefaultShift != 1 || p.FinalizationMaxNegativeRebaseShift != 18 || p.MaxPositiveTokenRebase != 6_667 {
		t.Fatalf("minimal params %+v", p)
	}
	cfgMain := mainnetConfig()
	if ParamsFor(&cfgMain) != DefaultParams() {
		t.Fatal("mainnet params differ from the defaults")
	}
}

// Exits already initiated count as coming: 1,000 validators at 32 ETH,
// alice asks 96 ETH; with nothing exiting the report asks ceil(96/32) = 3
// exits. If instead 5 slashed validators with 27 ETH each (135 ETH) are
// exiting, they cover the 96 ETH and no exit is asked; once 3 validators'
// exits are initiated, asking again does not repeat them.
func TestExitsCountExitingBalance(t *testing.T) {
	p := bigPool(t)
	must(p.RequestWithdrawal("alice", 96*eth, 300))
	res := accepted(t, p, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_000 * eth})
	if res.ValidatorsToExit != 3 {
		t.Fatalf("asked %d exits, want 3", res.ValidatorsToExit)
	}
	res = accepted(t, p, OracleReport{Epoch: 675, CLValidators: 1_000, CLBalanceGwei: 32_000 * eth,
		ExitingValidators: 3, ExitingBalanceGwei: 96 * eth})
	if res.ValidatorsToExit != 0 {
		t.Fatalf("asked %d more exits with 96 ETH exiting, want 0", res.ValidatorsToExit)
	}

	q := bigPool(t)
	must(q.RequestWithdrawal("alice", 96*eth, 300))
	res = accepted(t, q, OracleReport{Epoch: 450, CLValidators: 1_000, CLBalanceGwei: 32_000*eth - 25*eth,
		ExitingValidators: 5, ExitingBalanceGwei: 135 * eth})
	if res.ValidatorsToExit != 0 {
		t.Fatalf("asked %d exits with 135 ETH exiting, want 0", res.ValidatorsToExit)
	}
}
