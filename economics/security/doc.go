// Package security analyses restaking graphs: whether any coalition of
// operators can profitably corrupt a set of services, how much slack the
// network has, and how far a slashing cascade spreads after a shock. It
// follows Durvasula and Roughgarden, "Robust Restaking Networks" (ITCS 2025,
// arXiv 2407.21785; "the paper" below), and extends its model with
// EigenLayer's unique stake. It is usable without running a simulation and,
// like the rest of economics, is pure: no goroutines, no I/O, no clocks, no
// global randomness; amounts are integer Gwei, fractions WAD (1e18 = 1), and
// floats appear only in derived report figures.
//
// # The paper's model (section 2)
//
// A restaking graph G = (S, V, E, π, σ, α) has services S, each with a profit
// from corruption π_s and a corruption threshold α_s ∈ (0, 1]; validators
// (here operators) V, each with stake σ_v; and edges E, v ∈ N(s) when v
// restakes for s. A pair (A, B), A ⊆ S, B ⊆ V, is an attacking coalition
// when B holds enough of every attacked service's stake,
//
//	σ(B ∩ N(s)) >= α_s · σ(N(s))   for every s ∈ A          (Eq. 1)
//
// and a valid attack when it also pays, π(A) > σ(B) (Eq. 2). G is secure
// when no valid attack exists, and secure with γ-slack when every attacking
// coalition has (1 + γ)·π(A) <= σ(B) (Eq. 11, "overcollateralised by γ").
// A shock removes a set D of validators with σ(D) <= ψ·σ(V); on what remains,
// G↓D (thresholds over the remaining stake σ(N(s) \ D)), attacks may follow
// in a cascade, each valid on the graph left by the previous ones. R_ψ(G) is
// the worst total loss, shock included, as a fraction of σ(V). Theorem 1: if
// G is secure with γ-slack for some γ > 0, then R_ψ(G) < (1 + 1/γ)·ψ for
// every ψ > 0. EigenLayer's sufficient condition for security (Eq. 3, Claim
// 1) and its γ version (Corollary 2) are documented on OperatorCheck.
//
// # Model: weights, unique stake and the cost of an attack
//
// An allocation without a magnitude is the paper's edge: the operator's whole
// stake σ_v backs the service and can be slashed by it. With a magnitude m
// (WAD) only w(v, s) = floor(σ_v·m/WAD) backs it (EigenLayer's mulWad), and a
// slash by s takes at most that: unique stake, whose slashing by one
// operator set leaves the others' slashable stake unchanged. An operator's
// allocations all carry magnitudes or none do, and its magnitudes sum to at
// most WAD, so Σ_s w(v, s) <= σ_v.
//
// The stake of B backing s is Σ_{v ∈ B∩N(s)} w(v, s), σ(N(s)) is the
// service's total backing Σ_{v ∈ N(s)} w(v, s), and the threshold is checked
// exactly in integers: backing·WAD >= α_s·σ(N(s)), i.e. backing >=
// ceil(α_s·σ(N(s))/WAD). A service with no backing stake (no allocations, or
// only zero-weight ones) is corruptible by the empty coalition at cost 0: an
// unbacked service with positive profit makes the graph insecure.
//
// The cost of (A, B) is the stake B loses when every service in A slashes
// it, Σ_{v ∈ B} min(σ_v, Σ_{s ∈ A, v ∈ N(s)} w(v, s)). Without magnitudes
// that is σ(B ∩ N(A)) — the paper's σ(B) for a B with no member outside
// N(A), which is the only kind a search needs (an operator backing none of
// A adds cost and no backing). With magnitudes the sum never reaches σ_v, so
// the cost is additive per allocation, and an operator with magnitudes may
// join the attack on one of its services and not on another. The search
// therefore treats each allocation of a magnitude operator as a separate
// validator of stake w(v, s) backing that one service, and each full-stake
// operator as one validator backing all its services: the paper's model on
// a transformed graph, so its definitions, Lemma 1, Corollary 1 and Theorem
// 1 carry over unchanged. Attack.Allocations lists the allocations that
// take part. (Zero-weight units — an operator with no stake, a magnitude
// rounding to 0 Gwei — neither help nor cost, and are left out.)
//
// # Why the search is exact
//
// Write F for the full-stake units and P for the allocation units. For a
// coalition B ⊆ F let f_s = σ(B ∩ N(s)), and for each service let c_s(B) be
// the least stake of allocations of s that lifts f_s to the threshold (0 if
// B alone suffices, ∞ if even all of s's allocations fall short); since an
// allocation costs exactly its stake, c_s is the smallest subset sum of s's
// allocation weights that is >= the shortfall. Every attacking coalition is
// (A, B ∪ Q) with B ⊆ F and Q ⊆ P, costing σ(B ∩ N(A)) + σ(Q ∩ alloc(A)).
//
// Worst attack. Given any (A, B ∪ Q), let B' = B ∩ N(A). For s ∈ A,
// B' ∩ N(s) = B ∩ N(s), so f_s and c_s are unchanged, Q ∩ alloc(s) costs at
// least c_s(B'), and profit - cost <= Σ_{s∈A} (π_s - c_s(B')) - σ(B'). The
// search enumerates every B ⊆ F and credits it with
// Σ_{s ∈ A(B)} (π_s - c_s(B)) - σ(B), where A(B) takes every service with
// c_s(B) = 0 or π_s > c_s(B) — the best A for that B. So the enumerated
// maximum is at least every attack's profit - cost; and each credited value
// is achieved (or beaten) by the real attack (A(B), B ∩ N(A(B)) plus the
// covers), so the maximum is exact and attained. Without magnitudes A(B) is
// simply every service whose threshold B meets: the cumulative profit of all
// of them against one cost σ(B).
//
// γ-slack. γ* = min over attacking coalitions with π(A) > 0 of
// cost/π(A) - 1 (coalitions with π(A) = 0 impose nothing). The same
// replacement B → B ∩ N(A) keeps every c_s and does not raise the cost, so
// it suffices to minimise, for each B, (σ(B) + Σ_{s∈A} c_s(B)) / π(A) over
// A ⊆ {s : c_s(B) < ∞}. For fixed numerator offset σ(B) the minimum is
// attained on a prefix of the services ordered by c_s/π_s (adding a service
// whose c_s/π_s is below the current ratio lowers the ratio, one above
// raises it); services corrupted for free come first. Without magnitudes
// this is σ(B)/π(A(B)). Ratios are compared exactly (128-bit products) and
// rounded to a float once.
//
// The enumeration runs over the 2^|F| coalitions in Gray-code order,
// updating each service's f_s incrementally, with each service's allocation
// subset sums tabulated once (at most 16 allocations per service). It is
// exact when |F| <= Options.MaxExactOperators (default 20; full-stake
// operators with stake and at least one allocation), |S| <=
// Options.MaxExactServices (default 20), and no service has more than 16
// allocations. BenchmarkAnalyzeExact20x20 measures the largest default case.
//
// # Verdicts and γ at the boundary
//
// "insecure": a valid attack exists (found exhaustively, or by the
// heuristic, which only ever reports attacks it has checked). "secure": no
// valid attack exists — proved exhaustively, or, beyond the exact limits,
// by EigenLayer's sufficient condition holding for every operator (then
// Exact is false and GammaSlack is Corollary 2's lower bound
// 1/max Load - 1, not γ* itself). "unknown": beyond the exact limits, the
// condition fails and the heuristic found no attack; nothing is claimed.
//
// A valid attack needs π(A) > cost strictly, so γ* = 0 (some coalition's
// profit equals its cost exactly) is secure with no slack: Secure is true and
// GammaSlack is 0, and Theorem 1 gives no bound (it needs γ > 0; the paper's
// Theorem 2 example is such a graph, and one shock loses everything).
// When every profit is 0, every γ works: GammaSlack is nil and
// GammaUnbounded is set. GammaSlack is nil whenever the graph is insecure
// or the verdict is unknown.
//
// # Heuristic
//
// Beyond the exact limits Analyze first checks EigenLayer's condition; if it
// fails, a local search over coalitions of full-stake units (single-unit
// toggles, first improvement) starts from the empty coalition, all units,
// for each of the 64 most profitable services a coalition of its largest
// backers just reaching its threshold, and 8 random coalitions from a PCG
// seeded by the graph's size; allocations are added per service by a greedy
// cover. It is bounded (about 4e7 service-steps) and deterministic for a
// given graph.
//
// # Cascades
//
// Cascade removes a shock's operators (their whole stake is the shock), then
// repeatedly executes one valid attack on what remains until none is left.
// Executing an attack removes its full-stake operators and slashes its
// allocations in full (the operator keeps its other allocations), and marks
// its services compromised; later thresholds are over the remaining backing
// stake. Losses are reported in Gwei and as a fraction of the original σ(V)
// (all operators' stake, allocated or not). Options.CascadeOrder chooses
// each round's attack:
//
//   - "cheapest" (OrderCheapest, the default): the valid attack of least
//     cost, the least stake its coalition risks; ties go to the larger
//     profit - cost, then to the lexicographically smallest sorted list of
//     unit indices (units numbered by operator, then service), so the
//     choice never depends on the search's order.
//   - "worst" (OrderWorst): the most profitable valid attack (largest
//     profit - cost), Analyze's worst attack.
//
// Why cheapest is the default. With the worst order an exact cascade has at
// most one round: by Corollary 1 the attacks of a cascade, taken together,
// are one valid attack on the graph they started from, worth the sum of
// their profits minus costs; so after the most profitable attack has been
// executed no valid attack can remain (it would combine with the first into
// a more profitable one). That answers how much can be lost at once, but
// hides how the damage spreads. Attacks by the smallest coalitions — the
// least capital at risk — are the ones that happen first, and each one
// removes stake and can make valid an attack that was not (thresholds are
// over what remains). Executing the cheapest attack first plays the cascade
// out step by step, and its number of rounds is the cascade length that the
// paper's last section ("Long Cascades", section 8 of the ITCS version)
// bounds. Under either order the rounds are a sequence of cascading
// attacks, so the loss is at most R_ψ and within Theorem 1's bound; the
// two orders may end at different losses, and neither need reach R_ψ.
//
// With a Fraction F the shock is the worst set of operators with stake at
// most floor(F·σ(V)) under the chosen order: exhaustively over all such
// sets when there are at most Options.MaxExactShockOperators (default 14)
// operators with stake and the graph is within the exact limits — each
// candidate set runs a whole cascade, about 3^n coalitions searched per
// round in all — otherwise the worst of a fixed candidate list, with Exact
// false. Per round, the attack search is exact or heuristic as in Analyze.
// Rounds > 1 under the worst order appear only when a round's search was
// heuristic and missed part of an attack.
//
// # Why the cheapest search is exact
//
// With F, P, f_s and c_s(B) as in "Why the search is exact", let, for a
// coalition B ⊆ F,
//
//	C(B) = σ(B) + min { Σ_{s∈A} c_s(B) : A ⊆ {s : c_s(B) < ∞},
//	                    π(A) > σ(B) + Σ_{s∈A} c_s(B) }
//
// (∞ when no A qualifies). The search enumerates every B ⊆ F, computes
// C(B) exactly, and keeps the least. Claim: min_B C(B) is the least cost of
// a valid attack, and the attack (A, B ∪ covers of A) of a minimising B
// and A, with every service B corrupts on its own added to A, attains it.
//
// Every valid attack costs at least min_B C(B): let (A, B ∪ Q) be valid and
// B' = B ∩ N(A). For s ∈ A, B' ∩ N(s) = B ∩ N(s), so f_s(B') = f_s(B) and
// Q's allocations of s weigh at least the shortfall, costing at least
// c_s(B'); so cost >= σ(B') + Σ_{s∈A} c_s(B'), and π(A) > cost makes A
// qualify for B', whence C(B') <= cost. Conversely each C(B) is attained or
// beaten: for a qualifying A, (A, (B ∩ N(A)) ∪ covers) meets every
// threshold of A and costs σ(B ∩ N(A)) + Σ c_s <= σ(B) + Σ c_s < π(A). At a
// minimising B every member backs a service of A — dropping one that does
// not would lower C, units having positive weight — so the attack costs
// exactly C(B).
//
// For a fixed B the inner minimum is a covering knapsack. A service with
// c_s = 0 is free and only helps (it adds to π(A), not to the cost), so it
// is always taken, and the attack's A holds every service B corrupts on
// its own; one with 0 < c_s and π_s <= c_s only hurts (it raises the cost
// by at least what it adds to the profit), so it never is. The others gain
// g_s = π_s - c_s > 0, and the condition reads Σ_{chosen} g_s > r =
// σ(B) - π(free): if r < 0 the free services alone pay and C(B) = σ(B);
// otherwise the search picks the set of gain > r of least Σ c_s by branch
// and bound — items by c/g, the
// linear relaxation (rounded up: costs are integers) as a lower bound,
// branches pruned when σ(B) plus it exceeds the best attack so far, and
// coalitions with σ(B) above it skipped outright. Without magnitudes every
// c_s is 0 or ∞ and the knapsack is empty: the cheapest valid attack is
// the full-stake coalition of least stake whose services A(B), all of
// them, are worth more than it. The knapsack is bounded (2^22 nodes per
// search); past that, coalitions get only the greedy choice (the prefix by
// c/g), which is valid whenever any choice is, and the round is reported
// inexact. Whether a valid attack exists is decided exactly either way.
//
// Ties. Among equally cheap attacks the knapsack compares profits, and the
// search then compares the sorted unit lists. For each service the cover
// is the lexicographically smallest among the equally cheap ones; that is
// enough, because the covers of different services are disjoint and two
// different covers of the same weight never contain one another, so which
// of two covers makes the smaller list does not depend on the rest of the
// attack. The attack's services are then exactly those its units corrupt.
//
// Beyond the exact limits the heuristic does the same search by local
// search (seeds as for the worst attack, service seeds taken by least
// corruption need), crediting each coalition with greedy covers and the
// better of the greedy prefix and the cheapest single service that pays on
// its own; its attacks are valid, not necessarily the cheapest, and the
// cascade is labelled inexact.
package security
