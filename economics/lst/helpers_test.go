package lst

import "github.com/stakesim/stakesim/consensus"

func minimalConfig() consensus.Config { return consensus.Minimal() }
func mainnetConfig() consensus.Config { return consensus.Mainnet() }
