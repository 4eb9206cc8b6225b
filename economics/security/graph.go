package security

import (
	"errors"
	"fmt"
	"math/bits"
)

// WAD is the fixed-point unit of fractions, as in EigenLayer's magnitudes:
// 1e18 stands for 1.
const WAD uint64 = 1_000_000_000_000_000_000

// MaxTotalGwei bounds the sum of all operators' stake and, separately, the
// sum of all services' profit, so that every profit-minus-cost figure fits an
// int64 and every cost-times-profit product fits 128 bits. 2^62 Gwei is about
// 4.6 billion ETH.
const MaxTotalGwei uint64 = 1 << 62

// Sentinel errors; wrap them with context and test with errors.Is.
var (
	ErrInvalidGraph   = errors.New("security: invalid restaking graph")
	ErrInvalidOptions = errors.New("security: invalid options")
	ErrInvalidShock   = errors.New("security: invalid shock")
)

// Operator is a validator of the paper: an entity with stake σ_v (Gwei)
// that can be slashed by the services it backs.
type Operator struct {
	ID    string
	Stake uint64 // Gwei
}

// Service is a service (AVS) of the paper: a profit from corruption π_s
// (Gwei) and a corruption threshold α_s (WAD, in (0, WAD]): the fraction of
// its backing stake a coalition needs to corrupt it.
type Service struct {
	ID        string
	Profit    uint64 // Gwei
	Threshold uint64 // WAD
}

// Allocation is an edge of the restaking graph: operator Operator backs
// service Service (both indices into the Graph's slices). Magnitude is a WAD
// fraction of the operator's stake, EigenLayer's unique-stake allocation;
// 0 means none is given, and then the operator's whole stake backs, and can
// be slashed by, the service (the paper's model).
type Allocation struct {
	Operator, Service int
	Magnitude         uint64
}

// Graph is a restaking graph G = (S, V, E, π, σ, α) (paper section 2), with
// the optional unique-stake magnitudes described in the package doc.
type Graph struct {
	Operators   []Operator
	Services    []Service
	Allocations []Allocation
}

// Validate checks that g is a well-formed restaking graph: ids non-empty and
// unique (operators among operators, services among services), allocation
// indices in range, no duplicate edge, every α in (0, WAD], an operator's
// allocations either all with magnitudes or all without, an operator's
// magnitudes summing to at most WAD, and total stake and total profit each
// at most MaxTotalGwei.
func (g *Graph) Validate() error {
	if g == nil {
		return fmt.Errorf("%w: nil graph", ErrInvalidGraph)
	}
	opIDs := make(map[string]int, len(g.Operators))
	var totalStake uint64
	for i, op := range g.Operators {
		if op.ID == "" {
			return fmt.Errorf("%w: operator %d: empty id", ErrInvalidGraph, i)
		}
		if j, dup := opIDs[op.ID]; dup {
			return fmt.Errorf("%w: operator %q: duplicate id (operators %d and %d)", ErrInvalidGraph, op.ID, j, i)
		}
		opIDs[op.ID] = i
		sum, carry := bits.Add64(totalStake, op.Stake, 0)
		if carry != 0 || sum > MaxTotalGwei {
			return fmt.Errorf("%w: operator %q: total stake exceeds %d Gwei", ErrInvalidGraph, op.ID, MaxTotalGwei)
		}
		totalStake = sum
	}
	svcIDs := make(map[string]int, len(g.Services))
	var totalProfit uint64
	for i, s := range g.Services {
		if s.ID == "" {
			return fmt.Errorf("%w: service %d: empty id", ErrInvalidGraph, i)
		}
		if j, dup := svcIDs[s.ID]; dup {
			return fmt.Errorf("%w: service %q: duplicate id (services %d and %d)", ErrInvalidGraph, s.ID, j, i)
		}
		svcIDs[s.ID] = i
		if s.Threshold == 0 || s.Threshold > WAD {
			return fmt.Errorf("%w: service %q: threshold %d not in (0, %d]", ErrInvalidGraph, s.ID, s.Threshold, WAD)
		}
		sum, carry := bits.Add64(totalProfit, s.Profit, 0)
		if carry != 0 || sum > MaxTotalGwei {
			return fmt.Errorf("%w: service %q: total profit exceeds %d Gwei", ErrInvalidGraph, s.ID, MaxTotalGwei)
		}
		totalProfit = sum
	}
	type edge struct{ op, svc int }
	seen := make(map[edge]int, len(g.Allocations))
	// mode: 0 no allocation yet, 1 without magnitudes, 2 with magnitudes.
	mode := make([]uint8, len(g.Operators))
	magSum := make([]uint64, len(g.Operators))
	for i, a := range g.Allocations {
		if a.Operator < 0 || a.Operator >= len(g.Operators) {
			return fmt.Errorf("%w: allocation %d: operator index %d out of range", ErrInvalidGraph, i, a.Operator)
		}
		if a.Service < 0 || a.Service >= len(g.Services) {
			return fmt.Errorf("%w: allocation %d: service index %d out of range", ErrInvalidGraph, i, a.Service)
		}
		opID, svcID := g.Operators[a.Operator].ID, g.Services[a.Service].ID
		e := edge{a.Operator, a.Service}
		if j, dup := seen[e]; dup {
			return fmt.Errorf("%w: allocation %d: operator %q already backs service %q (allocation %d)", ErrInvalidGraph, i, opID, svcID, j)
		}
		seen[e] = i
		m := uint8(1)
		if a.Magnitude != 0 {
			m = 2
		}
		if mode[a.Operator] != 0 && mode[a.Operator] != m {
			return fmt.Errorf("%w: operator %q: allocations must all have magnitudes or none (allocation %d, service %q)", ErrInvalidGraph, opID, i, svcID)
		}
		mode[a.Operator] = m
		if a.Magnitude > WAD {
			return fmt.Errorf("%w: allocation %d (operator %q, service %q): magnitude %d > %d", ErrInvalidGraph, i, opID, svcID, a.Magnitude, WAD)
		}
		magSum[a.Operator] += a.Magnitude // each term <= WAD, checked below before it can wrap
		if magSum[a.Operator] > WAD {
			return fmt.Errorf("%w: operator %q: magnitudes sum to more than %d", ErrInvalidGraph, opID, WAD)
		}
	}
	return nil
}

// StakeBacking is w(v, s), the stake of an operator backing a service
// through one allocation: the whole stake σ_v without a magnitude, or
// floor(σ_v·m/WAD) with magnitude m — EigenLayer's mulWad, rounding down.
func StakeBacking(stake, magnitude uint64) uint64 {
	if magnitude == 0 {
		return stake
	}
	hi, lo := bits.Mul64(stake, magnitude)
	q, _ := bits.Div64(hi, lo, WAD) // magnitude <= WAD, so hi < WAD and q <= stake
	return q
}

// corruptionNeed is the least integer backing stake that meets a service's
// threshold: ceil(α·W/WAD), where W is the service's total backing stake.
// A coalition backing the service with stake x meets the threshold
// x·WAD >= α·W exactly when x >= corruptionNeed(α, W), so every threshold
// check in the package is an integer comparison. It is 0 when W is 0: an
// unbacked service is corruptible by the empty coalition.
func corruptionNeed(alpha, backing uint64) uint64 {
	hi, lo := bits.Mul64(alpha, backing)
	q, r := bits.Div64(hi, lo, WAD) // alpha <= WAD, so hi < WAD
	if r != 0 {
		q++
	}
	return q
}

// mulCmp compares a·b with c·d exactly (128-bit products): -1, 0 or +1.
func mulCmp(a, b, c, d uint64) int {
	h1, l1 := bits.Mul64(a, b)
	h2, l2 := bits.Mul64(c, d)
	switch {
	case h1 < h2 || (h1 == h2 && l1 < l2):
		return -1
	case h1 == h2 && l1 == l2:
		return 0
	}
	return 1
}
