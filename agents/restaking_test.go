package agents_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
)

const (
	wad = 1_000_000_000_000_000_000 // 1.0 in WAD units
	eth = 1_000_000_000             // Gwei per ETH
)

// Reference: EigenLayer allocation policies of the scenario's operators;
// expected magnitudes computed by hand (integer division rounds down).
func TestRestakingOperatorAllocate(t *testing.T) {
	offers := []agents.AVSOffer{{"oracle", 5e16}, {"bridge", 7e16}, {"da", 7e16}, {"dex", 1e16}}
	tests := []struct {
		name string
		op   agents.RestakingOperatorAgent
		want []uint64
		err  bool
	}{
		{"even over three rounds down", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "bridge", "da"}, Allocation: "even"},
			[]uint64{333_333_333_333_333_333, 333_333_333_333_333_333, 333_333_333_333_333_333}, false},
		{"empty policy is even", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "bridge"}},
			[]uint64{500_000_000_000_000_000, 500_000_000_000_000_000}, false},
		{"even over one", agents.RestakingOperatorAgent{AVSs: []string{"da"}, Allocation: "even"}, []uint64{wad}, false},
		{"conservative over three: 1/6 rounded down", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "bridge", "da"}, Allocation: "conservative"},
			[]uint64{166_666_666_666_666_666, 166_666_666_666_666_666, 166_666_666_666_666_666}, false},
		{"conservative over two", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "bridge"}, Allocation: "conservative"},
			[]uint64{250_000_000_000_000_000, 250_000_000_000_000_000}, false},
		// bridge and da both pay 7%: the first of the operator's AVSs wins.
		{"yield: highest rate, first on ties", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "da", "bridge"}, Allocation: "yield"},
			[]uint64{0, wad, 0}, false},
		{"yield: single best", agents.RestakingOperatorAgent{AVSs: []string{"dex", "oracle"}, Allocation: "yield"}, []uint64{0, wad}, false},
		{"yield: unknown AVS", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "nft"}, Allocation: "yield"}, nil, true},
		{"explicit magnitudes override the policy, in AVS order", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "bridge", "da"}, Allocation: "yield",
			Magnitudes: []agents.AVSMagnitude{{"bridge", 3e17}, {"oracle", 5e17}}}, []uint64{5e17, 3e17, 0}, false},
		{"explicit magnitudes summing to exactly 1", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "bridge"},
			Magnitudes: []agents.AVSMagnitude{{"oracle", 4e17}, {"bridge", 6e17}}}, []uint64{4e17, 6e17}, false},
		{"explicit magnitudes summing to more than 1", agents.RestakingOperatorAgent{AVSs: []string{"oracle", "bridge"},
			Magnitudes: []agents.AVSMagnitude{{"oracle", 6e17}, {"bridge", 4e17 + 1}}}, nil, true},
		{"magnitude for an AVS it does not register for", agents.RestakingOperatorAgent{AVSs: []string{"oracle"},
			Magnitudes: []agents.AVSMagnitude{{"bridge", 1e17}}}, nil, true},
		{"unknown policy", agents.RestakingOperatorAgent{AVSs: []string{"oracle"}, Allocation: "greedy"}, nil, true},
		{"no AVSs", agents.RestakingOperatorAgent{Allocation: "even"}, []uint64{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.op.Allocate(offers)
			if tc.err {
				if !errors.Is(err, agents.ErrAllocation) {
					t.Fatalf("Allocate = %v, %v; want ErrAllocation", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("Allocate = %v, %v; want %v", got, err, tc.want)
			}
			var sum uint64
			for _, m := range got {
				sum += m
			}
			if sum > wad {
				t.Errorf("magnitudes sum to %d > WAD", sum)
			}
		})
	}
}

// Reference: Durvasula & Roughgarden, a valid attack needs σ(B) >= α·σ(N(s))
// and π > cost; the cost is what the AVS slashes (f of each allocation,
// rounded up per operator, as SlashingLib.mulWadRoundUp does).
func TestCoalitionAttacks(t *testing.T) {
	half := uint64(5e17)
	tests := []struct {
		name string
		v    agents.TaskView
		want bool
	}{
		{"exactly α, profit above loss", agents.TaskView{ThresholdWAD: half, ProfitGwei: 300 * eth, TotalGwei: 512 * eth, ByzantineGwei: 256 * eth, CoalitionLossGwei: 128 * eth}, true},
		{"one Gwei short of α", agents.TaskView{ThresholdWAD: half, ProfitGwei: 300 * eth, TotalGwei: 512 * eth, ByzantineGwei: 256*eth - 1, CoalitionLossGwei: 128 * eth}, false},
		{"profit equal to loss does not pay", agents.TaskView{ThresholdWAD: half, ProfitGwei: 128 * eth, TotalGwei: 512 * eth, ByzantineGwei: 256 * eth, CoalitionLossGwei: 128 * eth}, false},
		{"profit one Gwei above loss pays", agents.TaskView{ThresholdWAD: half, ProfitGwei: 128*eth + 1, TotalGwei: 512 * eth, ByzantineGwei: 256 * eth, CoalitionLossGwei: 128 * eth}, true},
		// α = 0.34: 34 of 100 is exactly α, 33.999999999 is not.
		{"α 0.34 exact", agents.TaskView{ThresholdWAD: 34e16, ProfitGwei: 1000 * eth, TotalGwei: 100 * eth, ByzantineGwei: 34 * eth, CoalitionLossGwei: 34 * eth}, true},
		{"α 0.34 short", agents.TaskView{ThresholdWAD: 34e16, ProfitGwei: 1000 * eth, TotalGwei: 100 * eth, ByzantineGwei: 34*eth - 1, CoalitionLossGwei: 34 * eth}, false},
		{"no coalition", agents.TaskView{ThresholdWAD: half, ProfitGwei: 300 * eth, TotalGwei: 512 * eth}, false},
		{"α = 1 needs the whole set", agents.TaskView{ThresholdWAD: wad, ProfitGwei: 300 * eth, TotalGwei: 512 * eth, ByzantineGwei: 512 * eth, CoalitionLossGwei: 1}, true},
	}
	for _, tc := range tests {
		if got := agents.CoalitionAttacks(tc.v); got != tc.want {
			t.Errorf("%s: CoalitionAttacks = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNewTaskView(t *testing.T) {
	a := &agents.AVSAgent{Name: "oracle", ThresholdWAD: 5e17, ProfitGwei: 300 * eth, SlashFractionWAD: 5e17}
	members := []agents.TaskMember{{"op-a", 256 * eth, true}, {"op-b", 256 * eth, false}, {"op-c", 3, true}, {"op-d", 3, true}}
	v := agents.NewTaskView(a, members)
	// Loss: half of 256 ETH, plus ceil(1.5) = 2 for each 3-Gwei member
	// (rounded per operator, so 4 and not ceil(3) = 3).
	want := agents.TaskView{AVS: "oracle", ThresholdWAD: 5e17, ProfitGwei: 300 * eth, TotalGwei: 512*eth + 6, ByzantineGwei: 256*eth + 6, CoalitionLossGwei: 128*eth + 4}
	if v != want {
		t.Fatalf("NewTaskView = %+v\nwant %+v", v, want)
	}
	// Default slash fraction: everything.
	a.SlashFractionWAD = 0
	if v := agents.NewTaskView(a, members); v.CoalitionLossGwei != 256*eth+6 {
		t.Errorf("loss with the default fraction %d, want %d", v.CoalitionLossGwei, 256*eth+6)
	}
}

func TestRestakingOperatorAnswer(t *testing.T) {
	attack := agents.TaskView{AVS: "oracle", ThresholdWAD: 5e17, ProfitGwei: 300 * eth, TotalGwei: 512 * eth, ByzantineGwei: 256 * eth, CoalitionLossGwei: 128 * eth}
	wait := attack
	wait.ProfitGwei = 128 * eth // == loss: no attack
	byz := agents.RestakingOperatorAgent{Name: "op-a", AVSs: []string{"oracle", "bridge"}, Byzantine: []string{"oracle"}}
	honest := agents.RestakingOperatorAgent{Name: "op-b", AVSs: []string{"oracle", "bridge"}}
	bridge := attack
	bridge.AVS = "bridge"
	tests := []struct {
		name string
		op   agents.RestakingOperatorAgent
		v    agents.TaskView
		want bool // correct
	}{
		{"Byzantine, coalition attacks", byz, attack, false},
		{"Byzantine, attack does not pay", byz, wait, true},
		{"Byzantine elsewhere, honest here", byz, bridge, true},
		{"honest while the coalition attacks", honest, attack, true},
	}
	for _, tc := range tests {
		if got := tc.op.Answer(tc.v); got != tc.want {
			t.Errorf("%s: Answer = %v, want %v", tc.name, got, tc.want)
		}
	}
	if !byz.IsByzantine("oracle") || byz.IsByzantine("bridge") || honest.IsByzantine("oracle") {
		t.Error("IsByzantine")
	}
}

func TestAVSTask(t *testing.T) {
	a := &agents.AVSAgent{Name: "bridge", ThresholdWAD: 5e17, ProfitGwei: 100 * eth, SlashFractionWAD: 5e17,
		Buggy: &agents.BuggySlash{Epoch: 3, Operators: []string{"op-b", "op-c"}}}
	wrongA := agents.SlashRequest{Operator: "op-a", FractionWAD: 5e17, Deregister: true}
	buggy := []agents.SlashRequest{{Operator: "op-b", FractionWAD: 5e17, Buggy: true}, {Operator: "op-c", FractionWAD: 5e17, Buggy: true}}
	tests := []struct {
		name    string
		a       *agents.AVSAgent
		epoch   consensus.Epoch
		answers []agents.TaskAnswer
		want    agents.TaskOutcome
	}{
		{"honest answers complete the task", a, 0,
			[]agents.TaskAnswer{{"op-a", 100 * eth, true}, {"op-b", 300 * eth, true}},
			agents.TaskOutcome{TotalGwei: 400 * eth, CorrectGwei: 400 * eth, QuorumGwei: 200 * eth, Completed: true}},
		// α = 1/2 of 512: both answers hold exactly the quorum of 256.
		{"wrong answers at exactly α: compromised and completed", a, 0,
			[]agents.TaskAnswer{{"op-a", 256 * eth, false}, {"op-b", 256 * eth, true}},
			agents.TaskOutcome{TotalGwei: 512 * eth, CorrectGwei: 256 * eth, WrongGwei: 256 * eth, QuorumGwei: 256 * eth,
				Completed: true, Compromised: true, Wrong: []string{"op-a"}, Slashes: []agents.SlashRequest{wrongA}}},
		{"coalition above 1 − α blocks the task", a, 0,
			[]agents.TaskAnswer{{"op-a", 300 * eth, false}, {"op-b", 100 * eth, true}},
			agents.TaskOutcome{TotalGwei: 400 * eth, CorrectGwei: 100 * eth, WrongGwei: 300 * eth, QuorumGwei: 200 * eth,
				Compromised: true, Wrong: []string{"op-a"}, Slashes: []agents.SlashRequest{wrongA}}},
		// Quorum of 3 Gwei at α = 1/2: ceil(1.5) = 2; 1 Gwei of wrong
		// answers is not enough, 1 of correct neither.
		{"quorum rounds up", a, 0,
			[]agents.TaskAnswer{{"op-a", 1, false}, {"op-b", 2, true}},
			agents.TaskOutcome{TotalGwei: 3, CorrectGwei: 2, WrongGwei: 1, QuorumGwei: 2, Completed: true, Wrong: []string{"op-a"}, Slashes: []agents.SlashRequest{wrongA}}},
		{"no stake completes nothing", a, 0, nil, agents.TaskOutcome{}},
		{"buggy slashes at its epoch, after the wrong answerers", a, 3,
			[]agents.TaskAnswer{{"op-a", 256 * eth, false}, {"op-b", 256 * eth, true}},
			agents.TaskOutcome{TotalGwei: 512 * eth, CorrectGwei: 256 * eth, WrongGwei: 256 * eth, QuorumGwei: 256 * eth,
				Completed: true, Compromised: true, Wrong: []string{"op-a"}, Slashes: append([]agents.SlashRequest{wrongA}, buggy...)}},
		{"buggy slashes honest operators", a, 3,
			[]agents.TaskAnswer{{"op-b", 512 * eth, true}},
			agents.TaskOutcome{TotalGwei: 512 * eth, CorrectGwei: 512 * eth, QuorumGwei: 256 * eth, Completed: true, Slashes: buggy}},
		{"no buggy slashes the epoch before", a, 2,
			[]agents.TaskAnswer{{"op-b", 512 * eth, true}},
			agents.TaskOutcome{TotalGwei: 512 * eth, CorrectGwei: 512 * eth, QuorumGwei: 256 * eth, Completed: true}},
		{"no buggy slashes the epoch after", a, 4,
			[]agents.TaskAnswer{{"op-b", 512 * eth, true}},
			agents.TaskOutcome{TotalGwei: 512 * eth, CorrectGwei: 512 * eth, QuorumGwei: 256 * eth, Completed: true}},
		// α = 0.67 of 819.2 ETH: a quorum of 548.864 ETH.
		{"α 0.67, default slash fraction", &agents.AVSAgent{Name: "b", ThresholdWAD: 67e16}, 0,
			[]agents.TaskAnswer{{"eve", 768 * eth, false}, {"op-a", 51_200_000_000, true}},
			agents.TaskOutcome{TotalGwei: 819_200_000_000, CorrectGwei: 51_200_000_000, WrongGwei: 768 * eth, QuorumGwei: 548_864_000_000,
				Compromised: true, Wrong: []string{"eve"}, Slashes: []agents.SlashRequest{{Operator: "eve", FractionWAD: wad, Deregister: true}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.a.Task(tc.epoch, tc.answers)
			if got.TotalGwei != tc.want.TotalGwei || got.CorrectGwei != tc.want.CorrectGwei || got.WrongGwei != tc.want.WrongGwei ||
				got.QuorumGwei != tc.want.QuorumGwei || got.Completed != tc.want.Completed || got.Compromised != tc.want.Compromised ||
				!slices.Equal(got.Wrong, tc.want.Wrong) || !slices.Equal(got.Slashes, tc.want.Slashes) {
				t.Fatalf("Task = %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestStakerAgent(t *testing.T) {
	s := agents.StakerAgent{Name: "s-a", Operator: "op-a", ShareWAD: 25e16, PanicWAD: 1e17}
	initial := consensus.Gwei(1024 * eth)
	tests := []struct {
		name string
		lost consensus.Gwei
		want bool
	}{
		{"nothing lost", 0, false},
		{"exactly the threshold (102.4 of 1,024 ETH)", 102_400_000_000, false},
		{"one Gwei above the threshold", 102_400_000_001, true},
		{"an eighth lost", 128 * eth, true},
	}
	for _, tc := range tests {
		if got := s.ShouldWithdraw(tc.lost, initial); got != tc.want {
			t.Errorf("%s: ShouldWithdraw(%d, %d) = %v, want %v", tc.name, tc.lost, initial, got, tc.want)
		}
	}
	calm := s
	calm.PanicWAD = 0
	if calm.ShouldWithdraw(initial, initial) {
		t.Error("a staker without a panic threshold ran")
	}
	if got := s.DelegationGwei(initial); got != 256*eth {
		t.Errorf("delegation of a quarter of 1,024 ETH = %d", got)
	}
	third := agents.StakerAgent{ShareWAD: 333_333_333_333_333_333}
	if got := third.DelegationGwei(10); got != 3 { // floor(3.33...)
		t.Errorf("delegation of a third of 10 Gwei = %d, want 3", got)
	}
}
