// Package agents holds what each kind of agent does. An agent observes an
// immutable SlotView and returns Actions; it never touches shared state and
// never talks to another agent except through the Actions the engine (package
// sim) delivers over its network model.
//
// A ValidatorClient hosts one or more validator keys, as a real node does.
// Its conduct is a list of Behaviour values composed in order from the
// scenario: the honest duties are computed first, then each behaviour shapes
// them (offline drops them inside its epoch window, late delays attestations).
// New behaviours (withholding, equivocation, ...) are new Behaviour values;
// the engine does not change.
//
// Each slot has two phases, as in the protocol's timeline: at the start of
// the slot the proposer signs the block the engine prepared on its view's
// head (PhasePropose), and a third of the way into the slot the committee
// members attest to their view's head (PhaseAttest).
//
// Signing depends on the BLS mode: in full mode each validator signs its own
// attestation with its own key (in the agent's goroutine); in aggregate mode
// attestations leave the agent unsigned and the engine signs each aggregate
// once with the sum of the participants' secret keys; in off mode nothing is
// signed.
package agents
