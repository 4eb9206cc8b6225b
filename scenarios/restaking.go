package scenarios

// Restaking is a scenario's `restaking:` block: the AVSs (actively validated
// services), the operators that restake the ETH of validator groups in them
// (native restaking: an operator's restaked ETH is the balance of its
// groups' beacon-chain validators) and the stakers who delegate to those
// operators. Amounts are Gwei, fractions WAD (1e18 = 1), times epochs.
type Restaking struct {
	// Delays in epochs; nil means EigenLayer's mainnet value converted with
	// the preset's epoch length (economics/restaking.ParamsFor).
	AllocationDelay   *uint64
	DeallocationDelay *uint64
	WithdrawalDelay   *uint64

	AVSs      []AVS
	Operators []RestakingOperator
	Stakers   []RestakingStaker
}

// AVS is one actively validated service (one EigenLayer operator set).
type AVS struct {
	Name string
	// ThresholdWAD is α: the fraction of the stake allocated to the AVS that
	// must collude to corrupt it, in (0, WAD].
	ThresholdWAD uint64
	// ProfitGwei is π, what corrupting the AVS is worth to an attacker.
	ProfitGwei uint64
	// RewardRateWAD is the yearly reward paid to operators as a fraction of
	// their stake allocated to the AVS (0: none).
	RewardRateWAD uint64
	// SlashFractionWAD is the fraction of an offending operator's allocation
	// the AVS slashes per fault, in (0, WAD] (default WAD).
	SlashFractionWAD uint64
	// RedistributeTo names the recipient of slashed stake; "" burns it.
	RedistributeTo string
	// VetoEpochs is the veto window of the AVS's slashings (0: none).
	VetoEpochs uint64
	// Buggy, when set, makes the AVS slash the named operators at Epoch
	// although they answered correctly (a buggy slashing condition).
	Buggy *BuggySlash
}

// BuggySlash is a buggy AVS's wrongful slashing.
type BuggySlash struct {
	Epoch     uint64
	Operators []string
}

// Allocation policies of restaking operators.
const (
	AllocationEven         = "even"         // WAD/len(AVSs) to each of its AVSs
	AllocationConservative = "conservative" // half of even: WAD/(2·len(AVSs)) to each
	AllocationYield        = "yield"        // all of it (WAD) to the AVS with the highest reward rate (first on ties)
)

// RestakingOperator is an operator that restakes the ETH of validator
// groups in AVSs.
type RestakingOperator struct {
	Name string
	// Groups are the validator groups whose ETH the operator restakes (it
	// owns their withdrawal credentials); each group belongs to at most one
	// restaking operator.
	Groups []string
	// AVSs are the operator sets it registers for.
	AVSs []string
	// Allocation is the policy (AllocationEven, AllocationConservative,
	// AllocationYield) that sets its magnitudes, unless Magnitudes is set.
	Allocation string
	// Magnitudes, when set, are its allocations (summing to at most WAD)
	// and override the policy.
	Magnitudes []AVSMagnitude
	// Byzantine lists the AVSs (a subset of AVSs) for which it answers tasks
	// wrongly: it attacks them, and they slash it.
	Byzantine []string
	// CommissionBps is its reward commission in basis points (default
	// 1000, EigenLayer's global default).
	CommissionBps uint64
}

// AVSMagnitude is an explicit allocation of an operator to an AVS.
type AVSMagnitude struct {
	AVS          string
	MagnitudeWAD uint64 // in (0, WAD]
}

// RestakingStaker delegates part of an operator's restaked ETH.
type RestakingStaker struct {
	Name     string
	Operator string
	// ShareWAD is the fraction of the operator's restaked ETH this staker
	// delegated, in (0, WAD]; the shares of one operator's stakers sum to
	// at most WAD, and the operator's own stake is the rest.
	ShareWAD uint64
	// PanicWAD: the staker queues a withdrawal of everything it has once
	// its operator has lost more than this fraction of its restaked stake
	// (a run on the operator); 0 never panics.
	PanicWAD uint64
}
