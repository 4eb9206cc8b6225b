// Package consensus is the beacon-chain state transition of stakesim: the
// Electra rules of ethereum/consensus-specs (phase0 as amended by Altair,
// Bellatrix, Capella, Deneb and Electra), computed in integer Gwei exactly as
// the spec's Python computes them. Each exported rule with a spec counterpart
// quotes that definition in its doc comment and says where the code departs
// from it; the departures of the model as a whole (sync committees stored
// as validator indices and without subnets, no execution payload, SHA-256 roots instead of SSZ, RANDAO reveals that are
// hashes, a short history window) are listed in the README, "Model and
// simplifications".
//
// The package computes and nothing else. It has no clock, network, agents or
// fork choice: the caller decides which block is applied to which state and
// when (the engine, package sim), and which branch is canonical (package
// consensus/forkchoice). A [State] is the state of one branch; the rules
// change it in place.
//
// # Setting up
//
// Do these once per run, in this order.
//
//  1. Take a preset: [PresetByName] ("mainnet" or "minimal"; or [Mainnet],
//     [Minimal]) returns a [Config] value. Adjust its fields if you must (the
//     engine sets ProposerScoreBoost and a few queue and churn values from the
//     scenario), then leave it alone: every rule takes the *Config, there are
//     no package-level settings, and a State's vectors were sized from the
//     Config it was built with (BlockRoots from SlotsPerEpoch, Slashings from
//     EpochsPerSlashingsVector), so a State must be used with that Config
//     for its whole life.
//  2. Make one [Caches] with [NewCaches] and attach a [KeyDirectory] with
//     [Caches.SetKeys]. Validator carries no public key: validator i holds
//     the directory's key i, and validators are created in key order. The
//     directory resolves the keys that execution requests and deposits name
//     and checks deposit proofs of possession (KeyDirectory.VerifyDeposit).
//     Without it, a block with execution requests fails with
//     [ErrNoKeyDirectory] and epoch processing with pending deposits fails
//     with [ErrNoPubkeyIndex] (unless you pass a [PubkeyIndexFunc] to
//     [ProcessSlotsWithPubkeys] or [ProcessEpochWithPubkeys]).
//  3. Build genesis with [NewGenesisState](&cfg, vals, seed, caches), one
//     [GenesisValidator] (balance, withdrawal credentials) per validator.
//     Validators whose effective balance reaches MinActivationBalance are
//     active from epoch 0; seed fills every RANDAO mix. caches may be nil,
//     which is correct but recomputes every shuffle. [GenesisBlockRoot] is
//     the root of the genesis block, the anchor for fork choice.
//
// For example:
//
//	cfg, ok := consensus.PresetByName("minimal")
//	if !ok { ... }
//	caches := consensus.NewCaches()
//	caches.SetKeys(dir)
//	genesis, err := consensus.NewGenesisState(&cfg, vals, seed, caches)
//
// # One State per branch
//
// A State is never shared between branches. [ProcessSlots], [ProcessBlock],
// [StateTransition], [ProcessEpoch] and the mutators write into the State
// they are given, so before applying anything to a state that is still
// needed (a parent's post-state, a cached pre-state, a state another branch
// builds on) take [State.Copy]. Copy shares the Caches, which is what they
// are for: one Caches serves every branch and every copy of a run. It also
// shares, copy-on-write, the slices that change seldom (the registry and
// the inactivity scores) with a memo of the registry's active sets: the
// rules write them only through [State.MutValidator] and unexported
// appenders, which copy a shared slice first, so a caller must never write
// st.Validators[i] directly on a state that has been copied. Every other
// slice is copied.
//
// When any of these functions returns an error the State has been partly
// changed, as a failed assert in the spec invalidates the whole transition:
// drop it and keep using the parent's state. This is why blocks are always
// applied to a copy:
//
//	st := parentPost.Copy()
//	if st.Slot < sb.Message.Slot {
//		epochReports, err := consensus.ProcessSlots(&cfg, st, sb.Message.Slot)
//		...
//	}
//	rep, err := consensus.ProcessBlock(&cfg, st, sb, verifier)
//	if err != nil {
//		// invalid block: discard st
//	}
//
// # Slots, blocks and epochs, in order
//
//  1. [ProcessSlots](cfg, st, slot) advances st to slot, which must be after
//     st.Slot ([ErrSlotInPast] otherwise). For every slot it records the
//     previous block root, and when st is at the last slot of an epoch it
//     runs [ProcessEpoch] before moving on. It returns one [EpochReport] per
//     epoch closed, in order: advancing to the first slot of epoch e+1
//     closes epoch e, and EpochReport.Epoch names the epoch that ended. An
//     empty slot is just ProcessSlots to the next slot.
//  2. [ProcessBlock](cfg, st, sb, v) applies a [SignedBeaconBlock] to st,
//     which must be at the block's slot with no block applied for that slot
//     yet. It runs the header checks, the withdrawals (which must equal
//     [ExpectedWithdrawals]), the RANDAO reveal, then the operations in the
//     spec's order: proposer slashings, attester slashings, attestations,
//     voluntary exits, BLS-to-execution changes, execution requests; then
//     the sync aggregate (process_sync_aggregate: the current sync
//     committee's signatures over the previous slot's block root, rewards
//     and penalties). Last, every signature of the block signed by a
//     validator key (exits and the sync aggregate included) goes to the
//     [Verifier] in one call; BLS-to-execution changes, signed by
//     withdrawal keys the key directory does not hold, are checked one by
//     one by v when v also implements [PubkeyVerifier] ([AcceptAll] does)
//     and otherwise by [BLSPubkeyVerifier]. It returns a [BlockReport].
//  3. [StateTransition](cfg, st, sb, v) is steps 1 and 2 together (step 1
//     only if st is behind the block's slot) and returns both the epoch
//     reports and the block report.
//
// Epoch processing runs inside ProcessSlots; call [ProcessEpoch] yourself
// only on a state at the last slot of an epoch, outside ProcessSlots (tests
// do). It runs process_epoch in the spec's order:
// justification and finalization, inactivity scores, rewards and penalties,
// registry updates, slashings, pending deposits, pending consolidations,
// effective balances, the resets, the participation rotation and, at the
// end of a sync committee period, the sync committees' rotation
// ([ProcessSyncCommitteeUpdates]). The steps
// are also exported one by one (ProcessRewardsAndPenalties,
// ProcessRegistryUpdates, ...) for code that needs one of them (package
// timeline runs a few directly to project consolidation queues).
//
// To build a block, advance a copy of the parent's post-state to the new slot
// and use the block-building helpers on it: [BlockTemplate] (header, RANDAO
// reveal, expected withdrawals, an empty [SyncAggregate]), [SelectAttestations] (which network
// aggregates of a pool the block should carry, packed per EIP-7549 into at
// most MAX_ATTESTATIONS_ELECTRA on-chain aggregates, each spanning the
// committees of a slot that voted alike: [ComputeOnChainAggregate]),
// [BlockSigningRoot] (what the proposer signs). [AttestationDataFor] is what
// an honest attester signs (index 0: the committee travels beside the data,
// in [SingleAttestation] and [Attestation.CommitteeBits]), [GetCommitteeAssignment] and [EpochCommittees] say who attests
// where, and [GetBeaconProposerIndex] who proposes. To feed fork choice
// after a block, [ComputeUnrealizedCheckpoints] gives the pulled-up
// justified and finalized checkpoints of the post-state next to its realized
// CurrentJustifiedCheckpoint and FinalizedCheckpoint.
//
// # Reports
//
// The reports are plain values the caller owns. A BlockReport says what a
// valid block did: its proposer and root, the attestations and slashings it
// included, the signatures verified, the proposer's inclusion reward, whom
// it slashed, its withdrawals, what its execution requests did
// ([RequestsReport]), and how many participation flags its attestations set
// for the first time. An EpochReport holds the epoch's total active balance
// and participating balances, the checkpoints after processing, whether the
// inactivity leak is on, the rewards and penalties actually applied (after
// clamping at zero balance), the correlation penalties, the ejected and
// activated validators and the deposits and consolidations applied. When an
// error is returned, a report describes only the part done before it and is
// not to be used. RequestsReport.Ignored is a map: sort its keys before
// printing it.
//
// # Signatures: the Verifier
//
// ProcessBlock collects every BLS check of the block as a
// crypto.AggregateCheck (validator indices, message, signature): the block
// signature, each attestation's aggregate, both halves of every proposer
// and attester slashing, and the sync aggregate (its participants in
// committee order: a validator seated twice is listed twice, and the
// Verifier must count its key twice, as *crypto.Keyring does; an empty
// aggregate signed with the G2 point at infinity is accepted without a
// check, as eth_fast_aggregate_verify says). It applies the block's operations first and then
// calls v.VerifyAggregates once with all of them, which must return one
// result per check, in order. A false result, or a wrong number of results,
// fails the block with [ErrInvalidSignature] naming the item. *crypto.Keyring
// is the real Verifier (blst, batched); [AcceptAll] accepts everything and is
// what BLS mode off uses, and what the engine uses to replay a block it has
// already verified. A nil Verifier is an error: pass AcceptAll to skip BLS.
// The RANDAO reveal is a hash here, not a signature ([RandaoReveal]), and
// deposit proofs of possession are checked during epoch processing with
// KeyDirectory.VerifyDeposit, not by the Verifier.
//
// # The ledger and ETH conservation
//
// State.Ledger is simulator bookkeeping, not a spec field: it counts, for the
// branch, the ETH at genesis, deposited since, issued as rewards, burned by
// penalties and slashings (what was actually taken), withdrawn by the
// withdrawal sweep, and requeued into the deposit queue by a switch to
// compounding. The rules keep it in step with the balances because every
// balance change goes through [State.IncreaseBalance],
// [State.DecreaseBalance] and [State.Withdraw] (deposits and consolidations
// correct the counters they touch). [State.CheckConservation] checks
//
//	sum(balances) + Withdrawn + Burned + Requeued == Genesis + Deposited + Issued
//
// and returns an error wrapping [ErrConservation] naming the difference. The
// package never calls it itself; call it after epochs (the engine checks
// every branch head at every epoch boundary). Code outside the package that
// writes State.Balances directly must update the Ledger too, or the check
// fails.
//
// # What is read-only
//
//   - A Config once states built with it exist (see Setting up).
//   - The [Shuffling] returned by [EpochCommittees] and every committee slice
//     taken from it ([Shuffling.Committee], [GetBeaconCommittee]): they are
//     shared through the Caches with every other state of the run.
//   - The package-level values ParticipationFlagWeights and the Domain*
//     domain types: they are the spec's constants.
//   - The participation slices of a State across [ProcessEpoch] (or
//     [ProcessParticipationFlagUpdates]), which reuses the old slice: do not
//     hold on to them.
//
// The Get*, Compute*, Is* and Has* functions only read the State (the
// exceptions say so in their names: [ComputeExitEpochAndUpdateChurn] and
// [ComputeConsolidationEpochAndUpdateChurn] consume churn), as do
// BlockTemplate, SelectAttestations, AttestationDataFor,
// ExpectedWithdrawals, ComputeUnrealizedCheckpoints, the signing-root
// functions and CheckConservation. They may fill the Caches. Everything
// named Process*, StateTransition, the State methods that move balances,
// [InitiateValidatorExit], [SlashValidator], [SwitchToCompoundingValidator],
// [QueueExcessActiveBalance] and [WeighJustificationAndFinalization] write
// to the State.
//
// # Determinism and concurrency
//
// Every result is a function of the arguments (the Config, the State, the
// block, ...) and of the answers of the Verifier and the KeyDirectory. The package starts no
// goroutines, reads no clock and uses no randomness: seeds, shuffles and
// proposers come from the state's RANDAO mixes through SHA-256, as in the
// spec. No map iteration decides anything. The Caches only memoise: apart
// from the KeyDirectory they carry, a run computes the same with one Caches,
// with a fresh one per state or with none, and whichever branch filled an
// entry first.
//
// Caches is safe for concurrent use, so goroutines may process different
// States that share one Caches (and its KeyDirectory, which must then be
// safe for concurrent use too). A State has no lock: do not let one
// goroutine change a State while another uses it.
//
// # Errors
//
// The errors a caller acts on wrap these sentinels; test them with
// errors.Is (the messages are for people).
//
//   - [ErrInvalidBlock] wraps every rejection of a block by ProcessBlock,
//     together with the cause, which may itself wrap [ErrInvalidSignature],
//     [ErrInvalidAttestation], [ErrInvalidSlashing], [ErrInvalidRequests]
//     (more execution requests than the payload limits allow) or
//     [ErrNoKeyDirectory] (requests, but no KeyDirectory on the Caches).
//   - [ErrInvalidAttestation] also comes from [GetAttestingIndices],
//     [GetIndexedAttestation] and [GetAttestationParticipationFlagIndices].
//   - [ErrSlotInPast]: ProcessSlots to a slot not after the state's.
//   - [ErrNoPubkeyIndex] and [ErrDepositOutOfOrder] come from epoch
//     processing (through ProcessSlots, which adds the slot): pending
//     deposits with no way to resolve their keys, or a new validator whose
//     key index is not the next validator index.
//   - [ErrNoKeyDirectory] also comes from [ProcessExecutionRequests],
//     [ProcessWithdrawalRequest] and [ProcessConsolidationRequest].
//   - [ErrConservation] comes only from CheckConservation.
//
// A request that the spec ignores (a withdrawal request from an unknown
// key, a consolidation while the queue is full, ...) is not an error: the
// request functions return a [RequestResult] saying which check stopped it,
// and the block stays valid. Errors without a sentinel (a malformed State, a
// preset NewGenesisState cannot use, a nil Verifier) are bugs of the caller,
// or states the rules never produce.
// The mutators that take a validator index from the caller
// (InitiateValidatorExit, SlashValidator and their *WithTotal forms) expect
// an index below len(st.Validators) and panic otherwise.
package consensus
