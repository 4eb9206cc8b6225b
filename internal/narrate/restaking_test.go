package narrate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stakesim/stakesim/scenarios"
	"github.com/stakesim/stakesim/sim"
)

// TestRestakingStory tells restaking events in plain words, at their
// epochs, and sums restaking up in the closing paragraph.
func TestRestakingStory(t *testing.T) {
	var rows []sim.EpochRow
	for e := uint64(0); e < 8; e++ {
		rows = append(rows, honestRow(e, "main"))
	}
	const eth = 1_000_000_000
	events := []sim.Event{
		{Epoch: 4, Kind: sim.EventRestakingSlashed, Details: sim.RestakingSlashedDetails{AVS: "oracle", Operator: "op-a", Gwei: 512 * eth, Buggy: true}},
		{Epoch: 4, Kind: sim.EventStakerWithdrawalQueued, Details: sim.StakerWithdrawalQueuedDetails{Staker: "lrt", Operator: "op-a", Gwei: 460.8 * eth}},
		{Epoch: 5, Kind: sim.EventAVSCompromised, Details: sim.AVSCompromisedDetails{AVS: "bridge", Operators: []string{"eve", "mallory"},
			ByzantineStakeGwei: 768 * eth, TotalStakeGwei: 819.2 * eth, ProfitGwei: 1000 * eth}},
		{Epoch: 5, Kind: sim.EventRestakingExitsRequested, Details: sim.RestakingExitsRequestedDetails{Operator: "eve", Validators: 16}},
		{Epoch: 6, Kind: sim.EventByzantineShareCrossed, Details: sim.ByzantineShareCrossedDetails{Threshold: "1/3", Share: 0.3377, Direction: "up"}},
	}
	var out bytes.Buffer
	n := New(&out, nil, &scenarios.Scenario{Groups: []scenarios.Group{{Name: "honest", Count: 256}}})
	feed(t, n, rows, append(justifiedAndFinalized(rows), events...))
	s := &sim.Summary{Epochs: 8, FinalizedEpoch: 6, LongestFinalityGapEpochs: 2, Restaking: &sim.RestakingSummary{
		AVSCompromised: 1, ProfitFromCorruptionRealizedGwei: 1000 * eth, RestakingSlashedGwei: 1280 * eth, OperatorsSlashed: 3, StakeLeftGwei: 1024 * eth}}
	if err := n.Finish(s); err != nil {
		t.Fatal(err)
	}
	story := out.String()
	for _, want := range []string{
		"epoch 4: AVS oracle slashes operator op-a: 512 ETH although it did nothing wrong (a buggy or captured slashing).",
		"epoch 4: staker lrt runs on operator op-a: it withdraws 460.8 ETH.",
		"epoch 5: AVS bridge is compromised: eve, mallory hold 768 ETH of its 819.2 ETH and take its 1000 ETH profit from corruption.",
		"epoch 5: operator eve's slashed or withdrawn stake is forced out of the beacon chain: 16 exits requested.",
		"epoch 6: Ethereum's Byzantine share rises above 1/3 (33.8%).",
	} {
		if !strings.Contains(story, want+"\n") {
			t.Errorf("story lacks %q:\n%s", want, story)
		}
	}
	if closing := strings.Join(strings.Fields(story[strings.Index(story, "In 8 epochs"):]), " "); !strings.Contains(closing,
		"Restaking: 1 AVS compromised for 1000 ETH of profit from corruption; AVSs slashed 1280 ETH from 3 operators; 1024 ETH of stake was forced out of the beacon chain.") {
		t.Errorf("closing paragraph: %s", closing)
	}
}
