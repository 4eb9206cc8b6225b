package lrt

import (
	"fmt"
	"slices"

	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/economics/restaking"
)

// Gwei and Epoch are the consensus package's units: values are integer Gwei
// and time is the simulator's epoch clock.
type (
	Gwei  = consensus.Gwei
	Epoch = consensus.Epoch
)

// WAD is the restaking ledger's fixed-point one (1e18); delegation weights
// are in WAD.
const WAD = restaking.WAD

// GweiPerETH is 1 ETH in Gwei.
const GweiPerETH Gwei = 1_000_000_000

// Asset is what the protocol restakes.
type Asset uint8

const (
	// AssetNative is native restaked ETH: the protocol's validators' stake,
	// credited to EigenPod-style ledger accounts; a unit is a Gwei.
	AssetNative Asset = iota + 1
	// AssetLST is a liquid staking token: a unit is one share of an
	// economics/lst protocol (a stETH share, i.e. one wstETH), valued at
	// that protocol's rate through a Pricer.
	AssetLST
)

// String names the asset as params files do.
func (a Asset) String() string {
	switch a {
	case AssetNative:
		return "native"
	case AssetLST:
		return "lst"
	}
	return fmt.Sprintf("asset(%d)", uint8(a))
}

// Params are a protocol's rules. They are fixed for the life of a Protocol.
type Params struct {
	// Asset is what the protocol holds and restakes.
	Asset Asset
	// Operators are the restaking operators the protocol delegates to, one
	// ledger account (Renzo's OperatorDelegator) per operator.
	Operators []string
	// WeightsWAD are the target shares of the restaked stake, one per
	// operator, summing to WAD; nil is an equal split.
	WeightsWAD []uint64
	// WithdrawalsEnabled false refuses every withdrawal request, as ezETH
	// had no withdrawals until after April 2024.
	WithdrawalsEnabled bool
	// BufferTarget is what the protocol keeps unrestaked, in units (Renzo's
	// withdrawalBufferTarget; ether.fi's liquidity pool keeps ETH in the LP
	// too). Sync restakes the buffer beyond it.
	BufferTarget uint64
	// ChunkUnits is the granularity of restaking: 32 ETH for native
	// restaking (one validator per chunk; the engine creates them), 1 for
	// an LST.
	ChunkUnits uint64
	// MinRequestTokens is the smallest withdrawal request, in tokens.
	MinRequestTokens uint64
}

// DefaultParams are native restaking over operators with an equal split,
// withdrawals enabled, no buffer target, 32-ETH chunks and a 1-Gwei
// minimum request.
func DefaultParams(operators ...string) Params {
	return Params{
		Asset:              AssetNative,
		Operators:          slices.Clone(operators),
		WithdrawalsEnabled: true,
		ChunkUnits:         uint64(32 * GweiPerETH),
		MinRequestTokens:   1,
	}
}

// Validate checks that the params are usable.
func (p Params) Validate() error {
	switch {
	case p.Asset != AssetNative && p.Asset != AssetLST:
		return fmt.Errorf("%w: asset %v", ErrInvalidParams, p.Asset)
	case len(p.Operators) == 0:
		return fmt.Errorf("%w: no operators", ErrInvalidParams)
	case p.WeightsWAD != nil && len(p.WeightsWAD) != len(p.Operators):
		return fmt.Errorf("%w: %d weights for %d operators", ErrInvalidParams, len(p.WeightsWAD), len(p.Operators))
	case p.ChunkUnits == 0:
		return fmt.Errorf("%w: zero chunk", ErrInvalidParams)
	case p.MinRequestTokens == 0:
		return fmt.Errorf("%w: zero minimum request", ErrInvalidParams)
	}
	seen := map[string]bool{}
	for _, op := range p.Operators {
		if op == "" || seen[op] {
			return fmt.Errorf("%w: operator %q empty or repeated", ErrInvalidParams, op)
		}
		seen[op] = true
	}
	if p.WeightsWAD != nil {
		var sum uint64
		for _, w := range p.WeightsWAD {
			if w > WAD {
				return fmt.Errorf("%w: weight %d > WAD", ErrInvalidParams, w)
			}
			sum += w
		}
		if sum != WAD {
			return fmt.Errorf("%w: weights sum to %d, not WAD", ErrInvalidParams, sum)
		}
	}
	return nil
}

// weights returns the policy's weights (1 each for an equal split).
func (p Params) weights() []uint64 {
	if p.WeightsWAD != nil {
		return slices.Clone(p.WeightsWAD)
	}
	w := make([]uint64, len(p.Operators))
	for i := range w {
		w[i] = 1
	}
	return w
}
