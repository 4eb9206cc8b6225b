// Package scenarios turns a scenario file into a validated, typed Scenario
// with every default filled in. It runs nothing: package sim runs what this
// package returns.
//
// # Using it
//
//	sc, err := scenarios.Load("offline-20", []scenarios.Override{{Name: "offline_share", Value: "0.3"}})
//	if err != nil {
//		return err // every problem, one per line: FILE:LINE:COL: field.path: problem
//	}
//	if err := sc.SetEpochs(40); err != nil { ... } // --epochs, --seed, --bls after loading
//
// Load takes a built-in name (see Builtins) or a file path. When both exist,
// the path wins only if it contains a '/' or ends in .yaml or .yml. Parse does
// the same for bytes already in memory and never does I/O. Neither panics on
// any input.
//
// On failure the error is an ErrorList: up to 20 problems, sorted by
// position, each an *Error whose Error() reads
//
//	scenario.yaml:14:12: validators[1].count: ${1024*0.1} = 102.4 is not an integer; use round()
//
// Field paths name list entries by index (validators[1], not the group's
// name) so that they point at one place even when names are missing or
// duplicated. Problems with a --set override read "--set NAME: ..." and sit at
// the param's declaration (or at "params" when no such param exists).
//
// # Schema
//
// A scenario is one YAML document holding one mapping. Unknown fields and
// keys given twice in one mapping are errors; so are anchors, aliases, tags
// and merge keys, which the schema does not need. Files are limited to 1 MiB,
// 40,000 YAML tokens, 64 levels of nesting and 8 MiB of field paths (a long
// key counts once for every value under it); the last three are checked on
// the raw bytes before the YAML parser runs. Files must be regular: devices,
// FIFOs, sockets and directories are refused before they are opened.
//
//	name: baseline
//
// Required. The scenario's name, [a-z0-9-]+, at most 64 characters.
//
//	description: One line.
//
// Required. A one-line summary, shown by "stakesim scenarios".
//
//	preset: minimal
//
// minimal or mainnet (default minimal): the consensus preset
// (consensus.Minimal or consensus.Mainnet).
//
//	seed: 1
//
// Any uint64 (default 1). The run is a function of (seed, scenario, commit);
// --seed overrides it (Scenario.SetSeed).
//
//	epochs: 20
//
// Required. How many epochs to run, in [1, 1_000_000]; --epochs overrides it
// (Scenario.SetEpochs).
//
//	bls: full
//
// full, aggregate or off (default full); see DESIGN.md, "BLS modes". --bls
// overrides it (Scenario.SetBLS).
//
//	params:
//	  - name: offline_share
//	    default: 0.2
//	    doc: Fraction of validators that go offline.
//	    min: 0
//	    max: 1
//
// Optional named numbers for "${...}" expressions (below), at most 256. name
// is [a-z_][a-z0-9_]* and unique; default, min and max are required literal
// numbers (not expressions) with min <= default <= max; doc is optional.
// "--set NAME=VALUE" replaces the default with VALUE, which must be a number
// in [min, max]; a later --set of the same name wins.
//
//	preset: "${preset}"
//	params:
//	  - name: preset
//	    default: minimal
//	    values: [minimal, mainnet]
//
// A param with values instead of min and max is a choice: 2 to 64 distinct
// words ([A-Za-z0-9_.-]+), and a default that is one of them; "--set
// NAME=WORD" must give one of them too. A field that takes one of a fixed set
// of words (preset, bls, gossip_verification, dist, policy, ...) may be
// "${NAME}" of a choice param, and the word must be one the field takes;
// numeric expressions cannot use a choice. Where params are handled as
// numbers (Param.Value, sweep files, summary.json), a choice is the index
// of its word in values (minimal 0, mainnet 1).
//
//	validators:
//	  - name: online
//	    count: 820
//	    balance_eth: 32
//	    withdrawal_credentials: "0x01"
//	    validators_per_agent: 1
//	    behaviours: [...]
//	    operator: {...}
//	    requests: [...]
//
// Required: one or more validator groups (at most 1024). Validator indices
// are assigned group by group in file order, so the first group holds
// indices 0 .. count-1. Per group:
//
//   - name: required, [a-z0-9_-]+, unique among the groups.
//   - count: required, in [0, 2_000_000]. The counts must add up to at least 1
//     and at most 2_000_000.
//   - balance_eth: the balance of each validator in decimal ETH (default 32),
//     in (0, 1_000_000]. It is converted to Gwei exactly, so a literal may
//     have at most 9 decimals. The total stake is limited to 10^9 ETH.
//   - withdrawal_credentials: "0x00" (BLS), "0x01" (execution address) or
//     "0x02" (compounding), quoted or not (default 0x01).
//   - validators_per_agent: how many validator keys one client agent holds,
//     >= 1 (default 1); the last agent of a group may hold fewer. Real nodes
//     host many keys; the built-ins use 8 so that a 1,024-validator run has
//     128 agent goroutines.
//   - behaviours: what the group's validators do (default [honest]); see
//     below.
//   - coalition: the name ([a-z0-9_-]+) of the Byzantine coalition the group
//     belongs to. The groups of one coalition share one view (fork-choice
//     store, attestation pool) and must have the same coalition behaviours
//     and be on the same side of every partition (or all be its bridges).
//   - operator, requests: the group's staking operator and its waves of
//     execution-layer requests; see "Validator lifecycle". A group with a
//     coalition may have neither.
//
// # Behaviours
//
//	behaviours:
//	  - kind: offline
//	    from_epoch: 5
//	    to_epoch: 10
//	  - kind: late
//	    delay_ms: 5000
//
// Each behaviour has a kind and a window: from_epoch (default 0) and an
// optional to_epoch, an exclusive end greater than from_epoch (absent: until
// the end of the run). Epochs are at most 1_000_000; a window may reach past
// the end of the run and is then cut short by it. Behaviours are composed in
// list order by package agents; in an epoch where none is active the
// validators are honest. Each kind accepts only its own fields besides kind,
// from_epoch, to_epoch and after_byzantine_share (below):
//
//   - honest: follows the protocol. No fields.
//   - offline: does nothing: no attestations, no blocks. No fields.
//   - late: attests delay_ms (required, in [0, 600_000]) milliseconds after
//     the normal attestation time (a third into the slot).
//   - withhold-attestations, withhold-blocks: publishes no attestations / none
//     of its blocks. No fields.
//   - double-vote, surround-vote, double-propose: signs a conflicting second
//     attestation for the same target, attests with the genesis checkpoint as
//     source, or signs two blocks per slot (all slashable). No fields.
//   - private-chain (coalition): builds and votes only on the coalition's own
//     chain and publishes nothing; in the epoch the window ends it releases
//     what it kept to the view groups holding the validator groups listed in
//     release_to (optional list of group names; default all).
//   - both-sides (coalition): while a partition lists the group in bridges,
//     votes and proposes on every reachable honest view group's head.
//   - censor (coalition): as proposer, includes only coalition attestations.
//   - own-chain (coalition): ignores blocks proposed outside the coalition.
//   - ex-ante-reorg (coalition): withholds each coalition block and the votes
//     for it until release_delay_ms (optional, in [0, 600_000]) into the next
//     slot.
//   - balancing (coalition): the engine's LMD-GHOST balancing strategy (use
//     with double-propose and two honest view groups in network.views).
//
// Coalition kinds act for the whole coalition and are refused in a group
// without a coalition.
//
//	behaviours:
//	  - kind: own-chain
//	    after_byzantine_share: 0.3333
//
// Every kind also accepts after_byzantine_share, a fraction in (0, 1): the
// behaviour is held back until Ethereum's Byzantine share (the coalitions'
// share of the active effective balance, which restaking slashings can
// raise; see "Restaking") has exceeded it. It is then active from the epoch
// after the first epoch whose epochs.csv row shows a larger share, within
// its window (Behaviour.AfterByzantineShareWAD, in WAD: 10^18 = 1).
//
// The kinds are a table (behaviourKinds in kinds.go): a new kind is one entry
// there, with its fields, their ranges and an optional check across them.
//
// # Validator lifecycle
//
//	validators:
//	  - name: big-operator
//	    count: 512
//	    withdrawal_credentials: "0x01"
//	    operator:
//	      policy: consolidate
//	      target_eth: 2048
//	      from_epoch: 64
//	    requests:
//	      - kind: deposit
//	        epoch: 70
//	        count: 256
//	      - kind: partial_withdrawal
//	        epoch: 80
//	        count: 10
//	        amount_gwei: 500_000_000
//
// operator (optional) makes a staking operator the owner of the group's
// withdrawal credentials (Group.Operator). Its fields:
//
//   - policy: required; one of the policies below.
//   - target_eth: policy consolidate only (an error for the others): the
//     size of a consolidation target in whole ETH, more than
//     MIN_ACTIVATION_BALANCE (32) and at most MAX_EFFECTIVE_BALANCE_ELECTRA
//     (2048), and more than the group's balance_eth; default 2048. Kept in
//     Gwei (Operator.TargetGwei).
//   - from_epoch: the first epoch in which the operator sends requests,
//     default 0, less than epochs.
//
// The policies:
//
//   - keep: keeps the group's validators as they are and only sends its
//     request waves. Any credentials.
//   - consolidate: consolidates the group's validators into targets of
//     target_eth each (EIP-7251). Needs withdrawal_credentials "0x01" or
//     "0x02".
//   - compound: switches every validator of the group to 0x02 (compounding)
//     credentials. Needs "0x01" or "0x02"; on a 0x02 group it changes
//     nothing.
//
// A group without an operator keeps its validators as they are; its request
// waves are then sent by a policy-keep operator.
//
// requests (optional, at most 256 per group) are waves of execution-layer
// requests, voluntary exits and BLS-to-execution changes sent by the owner
// of the group's credentials, kept in file order (Group.Requests). Each wave has kind, epoch (required, less than epochs)
// and count (required, at least 1), and, for the kinds that move ETH, an
// amount given as exactly one of amount_eth (whole ETH) or amount_gwei
// (Gwei), kept in Gwei (Request.AmountGwei). The kinds:
//
//   - deposit: count new validators with amount each join the group, with
//     its behaviours and credentials prefix (EIP-6110). The amount defaults
//     to 32 ETH and is in [1 ETH (MIN_DEPOSIT_AMOUNT), 2048 ETH]. Any
//     credentials.
//   - top_up: adds amount (required, at least 1 ETH, at most 1_000_000
//     ETH) to each of count of the group's validators.
//   - exit: count of the group's validators exit (EIP-7002 full exits). No
//     amount.
//   - partial_withdrawal: withdraws amount (required, at least 1 Gwei, at
//     most 1_000_000 ETH) from each of count of the group's 0x02 validators
//     (EIP-7002). Needs withdrawal_credentials "0x02", or an operator with
//     policy compound or consolidate.
//   - voluntary_exit: count of the group's validators sign voluntary exits
//     (the consensus-layer exit: SignedVoluntaryExit, EIP-7044 domain),
//     which go through the exit churn like EIP-7002 exits. No amount; any
//     credentials. This is how a 0x00 validator leaves without being
//     ejected or slashed, but its balance is withdrawn only once it has an
//     execution address.
//   - bls_change: count of the group's validators move from BLS (0x00) to
//     0x01 credentials with a BLS-to-execution change signed by their
//     withdrawal key (Capella), to an address of their own. No amount.
//     Needs withdrawal_credentials "0x00". It applies to exited validators
//     too, whose balance the withdrawal sweep then pays out.
//
// The owner sends a voluntary exit or change for a validator only when its
// view's head would accept it (for an exit: active for
// SHARD_COMMITTEE_PERIOD, not exiting, no pending partial withdrawal), and
// again if it has not taken effect after 2 epochs.
//
// top_up, exit and partial_withdrawal are sent from the group's execution
// withdrawal address, so they need withdrawal_credentials "0x01" or "0x02",
// or, on a 0x00 group, a bls_change wave of an earlier epoch.
// They act on the group's lowest-indexed validators that can take them, and
// their count is at most the group's count plus the validators its deposit
// waves of earlier epochs (in any position in the list) create. The group
// counts plus every deposit wave's count must stay at most 2_000_000
// (Scenario.TotalValidators counts the validators at genesis,
// Scenario.DepositedValidators those the deposit waves add), and the stake
// at genesis plus what deposit and top-up waves add at most 10^9 ETH.
//
// The amounts the checks use (MIN_ACTIVATION_BALANCE,
// MAX_EFFECTIVE_BALANCE_ELECTRA, MIN_DEPOSIT_AMOUNT) are the same in both
// presets. The policies and kinds are tables (operatorPolicies and
// requestKinds in kinds.go).
//
// # Config overrides
//
//	config:
//	  pending_consolidations_limit: 262144
//
// config (optional) replaces preset values for experiments that vary
// protocol parameters (Scenario.Config, in file order). Each key may appear
// once; each value is an integer in the key's range, inclusive, in the key's
// unit (Gwei for the *_gwei keys). The keys (ConfigKeys, whose Doc fields
// this list repeats; keep the two in step):
//
//   - shard_committee_period [0, 2^20]: SHARD_COMMITTEE_PERIOD, the epochs a
//     validator must be active before it may exit or be a consolidation
//     source.
//   - min_validator_withdrawability_delay [0, 2^20]:
//     MIN_VALIDATOR_WITHDRAWABILITY_DELAY, the epochs from exit to
//     withdrawable (and from a consolidation's source exit to the balance
//     move).
//   - epochs_per_slashings_vector [4, 2^16]: EPOCHS_PER_SLASHINGS_VECTOR, the
//     window of the correlation penalty.
//   - churn_limit_quotient [1, 2^32]: CHURN_LIMIT_QUOTIENT; the total active
//     balance divided by it is the balance churn limit.
//   - min_per_epoch_churn_limit_gwei [0, 2^60]:
//     MIN_PER_EPOCH_CHURN_LIMIT_ELECTRA in Gwei.
//   - max_per_epoch_activation_exit_churn_limit_gwei [0, 2^60]:
//     MAX_PER_EPOCH_ACTIVATION_EXIT_CHURN_LIMIT in Gwei.
//   - pending_consolidations_limit [1, 2^32]: PENDING_CONSOLIDATIONS_LIMIT,
//     the length of the pending consolidation queue.
//   - pending_partial_withdrawals_limit [1, 2^32]:
//     PENDING_PARTIAL_WITHDRAWALS_LIMIT.
//   - max_pending_deposits_per_epoch [1, 2^32]:
//     MAX_PENDING_DEPOSITS_PER_EPOCH.
//
// # Network
//
//	network:
//	  delay:
//	    dist: uniform
//	    min_ms: 50
//	    max_ms: 500
//	  loss: 0.0
//	  partitions: [...]
//
// Optional. Without it messages arrive with no delay, none is lost and there
// are no partitions.
//
// delay is the per-message delay distribution (default dist: fixed, ms: 0).
// Every value is whole milliseconds in [0, 600_000], and each dist accepts
// only its own fields:
//
//   - fixed: ms (default 0).
//   - uniform: min_ms (default 0) and max_ms (required), min_ms <= max_ms;
//     both ends inclusive.
//   - normal: mean_ms and stddev_ms (both required), truncated at 0.
//   - exponential: mean_ms (required).
//
// loss is the probability in [0, 1) that a message to a view group is lost,
// kept as parts per million (Network.LossPPM), so it may have at most 6
// decimals.
//
//	partitions:
//	  - name: split
//	    start_epoch: 5
//	    end_epoch: 15
//	    groups:
//	      - name: a
//	        members: [online_a]
//	      - name: b
//	        members: [online_b]
//
// partitions split the network into view groups for the epochs
// [start_epoch, end_epoch): messages reach only the view groups of their
// sender. Partitions are listed in time order and must not overlap (one may
// start at the epoch the previous one ends). Per partition: name is
// [a-z0-9_-]+ and unique; start_epoch and end_epoch are required with
// end_epoch > start_epoch; groups are at least 2 view groups with unique
// names, each listing validator groups by name in members. Every validator
// group must be in exactly one view group, or listed in bridges: coalition
// groups that reach every view group of the partition.
//
// views (optional) splits the validator groups into view groups that stay
// connected but keep separate fork-choice stores and pools (every group in
// exactly one); an attacker can then time its messages per view group.
//
// # Fork choice and slashers
//
//	proposer_boost: 40
//	proposer_reorg: true
//	slasher_history_epochs: 64
//	gossip_verification: none
//	explain: |
//	  Free text shown by "stakesim explain".
//
// proposer_boost is PROPOSER_SCORE_BOOST in percent, in [0, 100] (default 40;
// 0 turns proposer boost off). proposer_reorg (default true, as in the major
// clients) makes honest proposers build on get_proposer_head: a head block
// that arrived after the attestation deadline, one slot old, with less than
// 20% of a committee's weight of votes while its parent has more than 160%,
// is re-orged by building on its parent; false builds on the head. It is
// true, false, or "${EXPR}" worth 1 or 0, so a param can switch it; the
// resolved scenario.yaml always states it. slasher_history_epochs is how many epochs of
// votes each honest view group's slasher remembers, in [0, 65_536] (default
// 64; 0 runs no slashers). gossip_verification is none (default: signatures
// are verified when blocks are imported) or main: the first honest view group
// also verifies every single attestation signature sent in a slot, as a node
// subscribed to every subnet does (BLS full only; in aggregate and off modes
// single votes carry no signature). explain is free text for "stakesim
// explain".
//
// resolved_from (optional) marks a file that a run wrote as DIR/scenario.yaml:
// the scenario it ran, resolved from the named source with every "${...}"
// replaced by its value, --set overrides as the params' defaults and the
// run's seed, epochs and bls (Scenario.ResolvedYAML). Because --epochs may
// have shortened the run, such a file may schedule operator and request
// epochs at or after epochs; they never come.
//
// # Liquid staking
//
//	liquid_staking:
//	  protocols:
//	    - name: lido
//	      operators: [lido-a, lido-b]     # validator groups: its node operators
//	      fee: 0.1                        # protocol fee on rewards (half to the operators)
//	      report_epochs: 2                # oracle frame (default: lst.ParamsFor)
//	      deposit_eth: 32                 # per validator; more than 32: compounding (0x02)
//	      annual_increase_limit_bp: 1000  # oracle sanity limit on the annual CL increase
//	      withdrawals: true               # holders may request withdrawals
//	      exit_method: voluntary          # or eip7002
//	      new_validators: 0               # validators its deposits may create
//	      holders:
//	        - {name: holders, count: 80, agents: 4}
//	        - {name: savers, count: 10, initial_eth: 5, policy: deposit, amount_eth: 1, every_epochs: 4}
//	        - name: nervous
//	          count: 20
//	          agents: 2
//	          policy: withdraw
//	          trigger: slashing           # rate_drop, slashing, negative_rebase, bunker
//	          threshold: 0                # rate_drop: fall below the highest rate; slashing:
//	                                      # share of its validators slashed; negative_rebase:
//	                                      # share of the pooled ETH lost in one report
//	          share: 1                    # of its stETH a holder requests
//	          probability: 1              # each holder reacts with this chance
//	          delay_epochs: 0
//
// liquid_staking (optional; absent or null: none) adds pooled staking
// protocols (economics/lst, after Lido v2; Scenario.LiquidStaking). At most
// 16 protocols; names [a-z0-9_-]+, unique. Per protocol:
//
//   - operators: required, the validator groups that run its validators.
//     Their genesis validators are the protocol's, with withdrawal
//     credentials to its vault address (0x01, or 0x02 when deposit_eth is
//     above 32); they may be offline, slashed or in a coalition like any
//     group. A group belongs to at most one protocol and to no restaking
//     operator, has no operator or request waves, not 0x00 credentials, and
//     a balance_eth equal to deposit_eth.
//   - fee: in [0, 1), whole basis points (default 0.1).
//   - report_epochs: the oracle's frame, 1 or more (default Lido's 225
//     epochs scaled by the preset's EPOCHS_PER_SLASHINGS_VECTOR: 2 on
//     minimal).
//   - deposit_eth: 32 to 2048 (default 32).
//   - annual_increase_limit_bp: Lido's sanity limit on the annualised CL
//     balance increase, 1 to 10^8 basis points (default 1,000). A small
//     simulated network issues far more per ETH than mainnet (issuance per
//     ETH falls as 1/sqrt(stake)), so its reports need a higher limit.
//   - withdrawals: whether holders may request withdrawals (default true).
//   - exit_method: how its node operators exit validators, voluntary
//     (signed voluntary exits, gossiped) or eip7002 (full-exit requests from
//     the vault address); default voluntary.
//   - new_validators: keys derived before the run for the validators its
//     deposits create, dealt to its operator groups in turn (default 0, at
//     most 100,000). Validators take indices in deposit order, so only one
//     protocol may have new validators, and only in a scenario without
//     deposit waves.
//   - holders: required, at most 64 holder groups and 100,000 holders.
//     Per group: name (required), count (required, 1 or more), agents (the
//     holder agents that act for them, default 1, at most count and 256),
//     initial_eth (each holder's deposit at genesis; the groups without it
//     share the rest of the genesis stake evenly, and without such groups
//     the initial deposits must reach the genesis stake), policy (hold,
//     deposit or withdraw; default hold). deposit: amount_eth (required)
//     every every_epochs (default 1). withdraw: trigger (required),
//     threshold (a fraction in [0, 1), default 0), share (in (0, 1], default
//     1), probability (in (0, 1], default 1), delay_epochs (default 0);
//     each holder requests once, in requests of at most 1,000 ETH. Both:
//     from_epoch and to_epoch bound when the policy acts. A field of another
//     policy is an error.
//
// The engine (sim/lst.go) runs the protocols' oracle, protocol, node
// operator and holder agents at each epoch's end on the summary branch and
// writes lst.csv and withdrawals.csv.
//
// An entry with kind: lrt (default lst) is a liquid restaking protocol
// (economics/lrt, sim/lrt.go) and needs a restaking: block. Its fields:
//
//   - operators: required for asset native, absent otherwise; its validator groups, as above (0x01 or 0x02,
//     32-ETH balances, no operator or request waves, owned by nobody
//     else): its native restaked validators, dealt to the restaking
//     operators by the policy at genesis.
//   - restaking_operators: required, operators of the restaking: block it
//     delegates to, each once.
//   - policy: equal (default) or weights; weights: a mapping from each of
//     the restaking_operators to a fraction in (0, 1], adding up to exactly
//     1 (policy weights only).
//   - asset: native (the default) or the name of a kind lst protocol of
//     this block (before or after the LRT; not an LRT): the LRT deposits
//     its holders' ETH into that protocol and restakes the shares; it then
//     has no operators, each holder group gives initial_eth, and holders
//     may also deposit. Claims are paid in the LST's shares.
//   - withdrawals_enabled: true, false, 1 or 0 (default true); false
//     refuses every request, as ezETH had no withdrawals in April 2024.
//   - exit_method: as above.
//   - holders: as above, with policy hold or withdraw only for asset native (deposits after
//     genesis would need validators the engine does not create); balances
//     and requests are tokens.
//
// The fields fee, report_epochs, deposit_eth, annual_increase_limit_bp,
// withdrawals and new_validators belong to kind lst, and
// restaking_operators, policy, weights, asset and withdrawals_enabled to
// kind lrt: either in the other kind's entry is an error.
//
// # Markets
//
//	markets:
//	  pools:
//	    - name: curve
//	      token: lido            # a protocol of liquid_staking: its shares (lst) or tokens (lrt)
//	      a: 50                  # published A (default 50)
//	      fee_bps: 4             # swap fee (default 4)
//	      admin_fee: 0.5         # admin share of fees (default 0.5)
//	      eth: 1000              # ETH reserve at genesis
//	      tokens: 1000           # token reserve, minted by depositing this much ETH at genesis
//	      ramp: {to_a: 100, from_epoch: 10, to_epoch: 20}   # optional
//	  traders:
//	    - {name: noise, kind: noise, count: 8, agents: 2, eth: 20, tokens: 20, chance: 0.2, max_trade_eth: 1}
//	    - {name: scared, kind: panic, count: 4, tokens: 50, trigger: price, below: 0.97, share: 0.5, cooldown_epochs: 8}
//	    - {name: arbs, kind: arbitrage, count: 4, eth: 60, max_trade_eth: 5, hurdle: 0.05, min_profit_bps: 10}
//	    - {name: lps, kind: lp, count: 2, lp_share: 0.3, trigger: slashing, share: 1, coin: eth}
//	    - {name: whales, kind: whale, count: 4, tokens: 200, lp_share: 0.5, remove_lp: 0.4, sell: 60, from_epoch: 4, to_epoch: 36}
//	    - {name: dips, kind: dip_buyer, count: 4, eth: 50, below: 0.9, max_trade_eth: 2, from_epoch: 5}
//
// markets (optional; absent or null: none; Scenario.Markets) adds Curve
// StableSwap pools of ETH and a protocol's token (economics/market) and
// the market agents that trade in them (sim/doc.go, "Markets"). It needs
// a liquid_staking block. Amounts are ETH with at most 9 decimals.
//
// pools: required, 1 to 8; names [a-z0-9_-]+, unique. token: required, a
// protocol of liquid_staking. a: the published A, 1 to 999,999 (default
// 50). fee_bps: 0 to 5,000 (default 4). admin_fee: in [0, 1] (default
// 0.5). eth, tokens: required, above 0, at most 1,000,000. ramp: to_a
// (required, at most 10 times a either way), from_epoch and to_epoch
// (required, from_epoch < to_epoch): A moves linearly from a to to_a
// between them (no minimum ramp time).
//
// traders: optional, at most 64 groups; names unique. Per group:
//
//   - kind: required, noise, panic, arbitrage, lp, whale or dip_buyer
//     (lending kinds below).
//   - pool: the pool it trades in (default: the first).
//   - count: required, 1 to 10,000 participants, run by agents agents (1
//     to 256, default 1, at most count): each agent decides for its share
//     of the participants (owners "market:GROUP/N").
//   - eth, tokens: each participant's endowment (default 0): ETH in its
//     wallet, and tokens minted at genesis by depositing that much ETH at
//     the protocol (an lst protocol's buffer keeps it; an lrt's next Sync
//     restakes it).
//   - slippage_bps: every order's min-out is its quote less this, 0 to
//     10,000 (default 100).
//   - noise: chance (each slot, each participant, in [0, 1], default 0.1)
//     to buy or sell, even odds, up to max_trade_eth of value (default 1).
//   - panic and lp: trigger (required): slashing (a validator of the
//     token's protocol was slashed), negative_rebase (its rate fell: a
//     negative rebase, an AVS slash), finality_stall (stall_epochs,
//     required, 1 or more: epochs since the summary branch last
//     finalized, 2 in normal operation), price (below, required, in (0,
//     2]: ETH per token). share (in (0, 1], default 1) of its tokens a
//     panic seller sells, of its LP tokens an lp removes, then
//     cooldown_epochs (default 8) before it may act again. An lp's coin:
//     eth (remove_liquidity_one_coin, default) or both (balanced).
//   - arbitrage: max_trade_eth (default 1) a slot per participant,
//     hurdle (a yearly rate in [0, 1], default 0.05) on capital locked in
//     the withdrawal queue, min_profit_bps (default 5).
//   - lp and whale: lp_share, in [0, 1] (default 0): the group's share of
//     the pool's genesis LP tokens, split evenly among its participants;
//     the groups' shares of a pool add up to at most 1 (the rest is held
//     by nobody who trades).
//   - whale: sell (tokens per participant, default 0) and remove_lp (in
//     [0, 1], default 0: the share of its genesis LP tokens it removes as
//     ETH), each spread evenly over the market slots of epochs
//     [from_epoch, to_epoch) (from_epoch default 0, to_epoch required).
//   - dip_buyer: below (required, in (0, 2]: ETH per token) — from
//     from_epoch on (default 0), at each market slot each participant,
//     with probability chance (in [0, 1], default 1), buys the token with
//     the largest of max_trade_eth (default 1), its half, … (8 halvings,
//     within its eth) whose quoted price, ETH paid per token with the
//     fee, is below below; so it buys while the token is cheap and stops
//     once the pool is back at its threshold. It never sells. One draw of
//     its stream per participant and slot.
//
// lending (optional, at most 8 venues): name, kind (aave or morpho,
// required), pool (default the first), supply (ETH lent at genesis,
// required), oracle {kind: pool (default), rate or twap; window_slots
// (twap, 1..65,536, default 16); cap_bps_per_year (rate, CAPO's yearly
// growth cap, 0..100,000, default 0: none)}. aave: ltv, lt, bonus
// (required, in (0, 1), at most 4 decimals, ltv <= lt, lt·(1+bonus) <= 1),
// e_mode {ltv, lt, bonus}, close_factor_eth (default 1). morpho: lltv
// (required, in (0, 1)).
//
// Lending trader kinds: looper (venue required; tokens, its equity,
// required, minted at genesis; target_hf required in (1, 10],
// target_hf_max (default target_hf) spreads the group's targets evenly;
// e_mode: true needs the venue's e_mode; agents as for the other kinds):
// goroutine agents that build their loops at genesis, in the first market
// slot's build phase. Management, off by default: relever_above (in
// (1, 10], above target_hf_max; default none) borrows back to the target
// when the HF rises above it; deleverage_below (in (1, 10], below
// target_hf; default none) sells collateral into the pool and repays,
// back to the target, when the HF falls below it but is still at least
// 1. liquidator (eth; venues, default every venue of its pool;
// min_profit_bps default 5). lender (venue; eth supplied at genesis).
//
// Fields of another kind are errors at the field.
//
// # Restaking
//
//	restaking:
//	  delays: {allocation: 0, deallocation: 32, withdrawal: 32}
//	  avss:
//	    - name: oracle
//	      threshold: 0.5
//	      profit_eth: 600
//	      reward_rate: 0.05
//	      slash_fraction: 1
//	      redistribute_to: treasury
//	      veto_epochs: 0
//	      buggy: {epoch: 20, operators: [op-a]}
//	    - {name: bridge, threshold: 0.67, profit_eth: 450}
//	  operators:
//	    - name: op-a
//	      groups: [restaked-a]
//	      avss: [oracle, bridge]
//	      magnitudes: {oracle: 0.3, bridge: 0.5}
//	      byzantine: [bridge]
//	      commission: 0.1
//	    - {name: op-b, groups: [restaked-b], avss: [bridge], allocation: yield}
//	  stakers:
//	    - {name: lrt-a, operator: op-a, share: 0.5, panic: 0.05}
//
// restaking (optional; absent or null: none) adds AVSs (actively validated
// services, EigenLayer operator sets), the operators that restake the ETH
// of validator groups in them, and the stakers who delegate to those
// operators (Scenario.Restaking, a Restaking). Restaking is native: an
// operator's restaked ETH is the balance of its groups' validators, and an
// AVS slashing that destroys restaked ETH forces the matching beacon-chain
// stake out through the exit churn. Amounts are kept in Gwei, fractions in
// WAD (10^18 = 1, as EigenLayer's magnitudes), so a fraction may have at
// most 18 decimals and an amount of ETH at most 9; neither is ever rounded.
// Names are [a-z0-9_-]+, at most 64 characters, unique among the AVSs,
// among the operators and among the stakers; a staker may not take an
// operator's name (the ledger keeps the two in one namespace).
//
// delays (optional) are the restaking delays in epochs, each in
// [0, 2^20]; one not given takes EigenLayer's mainnet value converted with
// the preset's epoch length (economics/restaking.ParamsFor; mainnet preset:
// allocation 3,938, deallocation and withdrawal 3,150 epochs):
//
//   - allocation: how long an allocation takes to become slashable.
//   - deallocation: how long a deallocation stays slashable.
//   - withdrawal: how long a staker's queued withdrawal waits (and stays
//     slashable) before it completes.
//
// avss: required, at least one, at most 256. Per AVS:
//
//   - name: required.
//   - threshold: required, α in (0, 1]: the fraction of the stake allocated
//     to the AVS that must collude to corrupt it.
//   - profit_eth: required, π in ETH, 0 or more: what corrupting the AVS is
//     worth to an attacker. The profits of all AVSs add up to at most 10^9
//     ETH.
//   - reward_rate: the yearly reward paid to operators as a fraction of
//     their stake allocated to the AVS, in [0, 1] (default 0).
//   - slash_fraction: the fraction of an offending operator's allocation
//     slashed per fault, in (0, 1] (default 1).
//   - redistribute_to: a name for the recipient of the AVS's slashed stake
//     (EigenLayer's redistributing operator sets); absent, it is burned.
//   - veto_epochs: the veto window in which a committee may cancel the
//     AVS's slashings, in [0, 2^20] (default 0: none).
//   - buggy: a buggy slashing condition: at epoch (required, in
//     [0, 1_000_000]) the AVS slashes the operators listed in operators
//     (required, at least one, each registered with the AVS) although they
//     answered correctly. An epoch at or past the end of the run never
//     comes.
//
// operators: required, at least one. Per operator:
//
//   - name: required.
//   - groups: required, at least one validator group whose ETH the
//     operator restakes. A group is restaked by at most one operator, and
//     needs withdrawal_credentials "0x01" or "0x02": the operator owns the
//     credentials and must be able to exit its validators with EIP-7002
//     requests.
//   - avss: required, at least one AVS (by name, each once) whose operator
//     set the operator registers for.
//   - allocation: the allocation policy that sets its magnitudes (default
//     even); see below.
//   - magnitudes: explicit allocations instead of a policy (not together
//     with allocation): a mapping from AVSs among its avss to fractions in
//     (0, 1] of its restaked stake, adding up to at most 1, kept in file
//     order (RestakingOperator.Magnitudes). An AVS of avss that is not
//     listed gets no allocation.
//   - byzantine: AVSs among its avss (each once) for which it answers
//     tasks wrongly: it attacks them, and they slash it.
//   - commission: its reward commission as a fraction in [0, 1], a whole
//     number of basis points (0.0001); default 0.1, EigenLayer's global
//     default (RestakingOperator.CommissionBps).
//
// The allocation policies (AllocationPolicies):
//
//   - even: 1/n of its stake to each of its n AVSs.
//   - conservative: half of even, 1/(2n) to each.
//   - yield: all of it to the AVS with the highest reward_rate (the first
//     of its avss on ties).
//
// stakers (optional, at most 4096). Per staker:
//
//   - name: required.
//   - operator: required, the operator it delegates to.
//   - share: required, the fraction of the operator's restaked ETH it
//     delegated, in (0, 1]. The shares of one operator's stakers add up to
//     at most 1; the operator's own stake is the rest.
//   - panic: in [0, 1) (default 0: never). Once its operator has lost more
//     than this fraction of its restaked stake, the staker queues a
//     withdrawal of everything it has (a run on the operator), which
//     completes after the withdrawal delay and then the beacon-chain exit
//     queue.
//
// Every numeric field of the block may be an expression (below). An
// expression's value is first rounded to 15 significant digits, which is
// what a float64 holds, so "${p / 10}" with p = 3 is exactly 0.3, the same
// as the literal.
//
// # Expressions
//
// Any numeric field (count, balance_eth, epochs, seed, validators_per_agent,
// from_epoch, to_epoch, delay_ms, the delay fields, loss, start_epoch,
// end_epoch, proposer_boost, slasher_history_epochs, target_eth, epoch,
// amount_eth, amount_gwei, the config values, after_byzantine_share and the
// numeric fields of the restaking block) may instead be a string
// "${EXPR}". EXPR is arithmetic over the
// params and numbers: + - * /, unary minus, parentheses, and the functions
// round(x) (half away from zero), floor(x), ceil(x), min(a, b), max(a, b),
// evaluated in float64 after the --set overrides (see Eval). An integer field
// needs a result within 1e-9 of an integer; anything else is an error that
// suggests round(). Unknown params, syntax errors and division by zero are
// reported at the field. Params themselves and the string fields take no
// expressions; the fields that take one of a few words take "${NAME}" of a
// choice param (see params).
//
// # Built-ins
//
// The built-in scenarios live in builtin/NAME.yaml (embedded). They use the
// minimal preset unless --set preset=mainnet is given: every built-in but
// maxeb-consolidation, maxeb-exit-queue, voluntary-exit and bls-change-exit
// has the choice param preset
// (minimal, mainnet). Those whose groups are shares of the stake (baseline,
// offline-20, partition-50-50, partition-leak and the attack-* and other
// consensus attacks) have the param validators (64..200000; default the
// count they were written for) and give each group
// round(validators * share); the others say in their file why not:
//
//   - baseline: 1,024 honest validators (param validators, 64..200000),
//     8 per agent, 20 epochs, uniform delay 0..max_delay_ms (default 1000).
//   - offline-20: validators (default 1,024), of which
//     round(validators*offline_share) (default 0.2, at most 0.9) go offline
//     from epoch offline_from (default 4) to the end; 24 epochs while at
//     most a third is offline, else long enough for the inactivity leak to
//     restore finality (the bound of attack-33's run length).
//   - partition-50-50: validators (default 1,024) in groups a and b (a
//     holds round(validators*split), default 0.5, 0.3..0.7), partitioned
//     into view groups a and b from partition_start (default 4) to
//     partition_end (default 12); 30 epochs.
//   - attack-33, partition-leak, attack-34-both-sides, attack-67, balancing,
//     ex-ante-reorg: the consensus attacks (see their explain texts and
//     docs/lessons/).
//   - maxeb-consolidation, maxeb-slashing, maxeb-exit-queue: MaxEB and the
//     Electra validator lifecycle (consolidation by staking operators,
//     slashing exposure before and after consolidating, exits and deposits
//     competing for churn); see their explain texts.
//   - voluntary-exit, bls-change-exit: voluntary exits queued through the
//     churn, and 0x00 validators converted by BLS-to-execution changes and
//     exited (their balances swept) next to 0x00 validators that exit
//     without converting (their balances stay locked); see their explain
//     texts.
//   - restaking-profitable-attack, restaking-byzantine, restaking-cascade:
//     restaking (an operator corrupting AVSs whose combined profit exceeds
//     its allocated stake; a coalition that captures an AVS's slashing to
//     push honest restaked stake out and its own share past 1/3; a buggy
//     AVS whose slashing makes stakers run until other AVSs fall); see
//     their explain texts and docs/lessons/.
//   - lst-slashing, lst-leak: a liquid-staking protocol whose operator is
//     slashed (bunker mode, a negative rebase, the loss socialised) and
//     whose operators are partly offline during a 33% attack (the share
//     rate falls with the leak, withdrawals wait behind the exit queue);
//     see their explain texts and docs/lessons/.
//   - lrt-avs-slash: a liquid restaking token delegated to three restaking
//     operators, one of which a buggy AVS slashes: its rate falls by that
//     operator's share times the slash fraction, and its withdrawals wait
//     the restaking escrow and then the exit queue, or cannot be made with
//     withdrawals_enabled=0; see its explain text and docs/lessons/.
//   - steth-2022: a Lido-like protocol's token in a Curve pool (A = 50)
//     that large holders drain of ETH and sell into: the ETH share falls
//     to about 22% and the price to about 0.958; with withdrawals=1
//     arbitrageurs buy and redeem, and the price stays above 0.998; see
//     its explain text and docs/lessons/.
package scenarios
