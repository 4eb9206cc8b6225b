// Package report turns a run directory or a sweep directory into one
// self-contained HTML page, DIR/report.html: inline SVG charts and CSS, no
// JavaScript, no network request, readable offline in any browser.
//
// # API
//
//	path, err := report.Write(dir)            // DIR/report.html, replaced atomically
//	page, err := report.RunPage(dir, opts)    // a run's page as bytes (lesson pages)
//	page, err := report.SweepPage(dir, opts)  // a sweep's page as bytes
//	kind, err := report.Detect(dir)           // RunDir, SweepDir, or an error
//
// A run directory has summary.json and epochs.csv; a sweep directory has
// results.csv and sweep.json. Anything else is an error naming the
// directory and what it lacks, wrapping ErrNotResults (an unreadable or
// missing directory gives the os error). PageOptions carries what a lesson
// page adds: a Title, a trusted HTML section (Lesson, shown under the key
// results) and a narrated Timeline of {Epoch, Text} entries, listed beside
// the charts (numbered; the numbers of the first MaxEventsPerKind also
// mark their epochs on the finality chart, and every series keeps its
// exact point at those epochs).
//
// # The run page
//
// At the top, the key results of summary.json (read into sim.Summary):
// scenario, seed, completed and asked epochs, validators, preset, BLS mode,
// the summary branch, finality stalled and resumed and the stall's length
// (sim.Summary.FinalityStall: resumed − stalled; "at least" when the run
// ended first), final justified and finalized epochs, the longest finality
// gap, the conflicting finalization with its slashable fraction, slashed,
// ejected and exited validators, reorgs, the largest Byzantine share, the
// APR with its window, whether the run was interrupted, and restaking
// totals when present. Then the charts, each with a title, axes with
// units, a legend under it and a one-sentence caption saying what to look
// at:
//
//   - Finality (epochs.csv justified_epoch, finalized_epoch): one step line
//     each per view class (below), finalized solid, justified dashed. Shaded
//     spans are stalls on any class, found as sim.FinalityWatch finds them
//     (after finality started, finalized_epoch + 1 < epoch without
//     advancing, until it advances); markers for the summary's stall and
//     resume and the events partition_started, partition_healed,
//     leak_started, leak_ended and conflicting_finalization.
//   - Target participation (target_participation) per class, with 2/3.
//   - Stake shares, with 1/3 and 2/3: with groups.csv, one panel per class
//     (the summary's first, at most MaxPanels) with each group's share of
//     the branch's total_active_balance_gwei — the group's stake is
//     active_effective_balance_gwei when groups.csv has that column, else
//     active × effective_balance_mean_gwei — and the coalition's
//     attacker_stake_share; without groups.csv, attacker_stake_share per
//     class. Markers: leaks and byzantine_share_crossed.
//   - Balances per group (groups.csv, in ETH): mean balance, its min–max
//     band, mean effective balance (dashed); then the mean inactivity
//     score. One panel per class, as above; at most MaxGroups groups.
//   - Block tree (blocks.csv): see below.
//   - Slashings, ejections and exits: stacked bars of the slashed, ejected
//     and exited events per epoch (per bucket when downsampled) on the
//     summary class; a sentence instead when there were none.
//   - BLS load: signatures and aggregates_verified per epoch on the summary
//     class, and a table of timing.json's signing and verification seconds.
//   - MaxEB, when the run has compounding validators, pending consolidations
//     or consolidation, switch, deposit or exit requests:
//     compounding_validators, pending_consolidations and pending_deposits;
//     consolidation_churn_gwei (ETH per epoch); exit_queue_epochs.
//   - Restaking, with a restaking block: the coalition's share against
//     1/3 per class; AVS slashes (avs.csv slashed_gwei summed over AVSs, as
//     ETH) as bars and avs_compromised as a step line.
//   - Liquid staking (only with lst.csv; the first MaxLSTProtocols
//     protocols): share rate with negative_rebase markers, pooled ETH
//     against the validators' balances on the chain, the withdrawal queue;
//     bunker mode shaded (the first protocol's).
//   - Markets (only with market.csv; the first MaxPools pools): each
//     pool's price_sell_1 against each protocol's share rate, with depeg
//     markers (one per epoch, labelled with the lowest of 0.99, 0.97,
//     0.95, 0.90 crossed in it), negative_rebase and lrt_rate_fell; the
//     pool's ETH and token balances; its volume.
//   - Lending (only with lending.csv; the first MaxVenues venues): each
//     venue's oracle_price against the pools' prices (depeg and rate-fall
//     markers); per venue, its positions with debt stacked by health
//     factor (positions_below_1, hf_1_1.01, hf_1.01_1.05, hf_1.05_1.1,
//     hf_1.1_1.25, hf_above_1.25; riskiest and darkest at the bottom, in
//     the sequential scale) per epoch — a state, so a downsampled bucket
//     shows its last epoch; liquidations and liquidated collateral per
//     epoch, stacked bars by venue (summed per bucket); cumulative
//     bad_debt_gwei per venue. Without bad debt that chart is left out
//     and the seized-collateral chart says so; without liquidations both
//     liquidation charts are, and the oracle chart says so.
//
// A branch label of epochs.csv ("a+b") names the views whose head is on
// the branch, and labels change as views move. The charts draw one series
// per view class: views that shared a branch on every row of the run
// (attack-33's "main+attackers"; "a" and "b" once a partition split them).
// A class's series is continuous and never drawn twice. The summary class
// is the first class of summary.json's summary_branch with a view that is
// no coalition's.
//
// The block tree draws windows of slots around forks: a block is forked
// when its canonical_on is not every view (the two children of one parent
// cannot both be on every chain, so every fork, reorg and partition shows).
// Forked slots less than 2·3+2 slots apart form a stretch; its window adds
// 3 slots each side, and a window longer than 48 slots keeps its first and
// last 24. Stretches between windows are collapsed into a "… N slots …"
// break. Lanes: blocks on every view's chain, then one lane per other
// canonical_on set, then orphaned blocks (stacked when two share a slot).
// Glyphs: square for every view, disc for some views, cross for orphaned;
// a ring marks a justified checkpoint and a box a finalized one (events
// justified and finalized naming the block's root). At most
// MaxTreeWindows windows and MaxTreeBlocks blocks are drawn; the page says
// when it cut.
//
// # The sweep page
//
// The key figures of sweep.json and results.csv (points, runs ok and
// failed, runs that did not resume finality). With exactly two swept
// params a heat map: the mean of finality_stall_epochs (else the first key
// result that varies) over the seeds of each point, printed in its cell,
// coloured with a sequential scale; cells with a run that ended with
// finality still stalled (finality_resumed=false) are hatched and those
// runs left out of the mean (a cell with only such runs prints ≥ their
// least value). For each swept param, each key result that exists and
// varies (finality_stall_epochs, longest_finality_gap_epochs,
// finalized_epoch, slashed_validators, apr_percent, max_byzantine_share)
// against it: the mean over seeds as a line with dots and min–max whiskers,
// one series per value of the other param of a two-param sweep (up to 6
// values; otherwise pooled, and said so); runs that did not resume are
// hollow circles, not results. Failed runs (status=error) are listed with
// their error (the first MaxFailedListed). Choice params are categorical
// axes.
//
// # Downsampling, size and memory
//
// A series of a run longer than MaxColumns (600) epochs is cut into at
// most MaxColumns buckets of equal width; each bucket keeps its lowest and
// its highest point (so one-epoch spikes stay, and so do the series'
// global minimum and maximum), plus the exact points at the epochs of
// every kept marker event, the summary's stall and resume and the
// timeline's marked entries. Bands keep the lowest low and highest high of each
// bucket at its first and last epoch (never narrower than the data); bars
// sum each bucket (no event is lost). The page says when it downsampled.
// A series has at most 2·MaxColumns points plus the forced ones (at most
// MaxEventsPerKind per marker kind and for the timeline). A 5,000-epoch
// run with three branches gives a page of about 1.3 MB; six branches
// (more than MaxPanels) and MaxGroups groups about 3.6 MB
// (TestBigRunSize, with 250 marker events of one kind).
//
// Every file is streamed: epochs.csv twice (the view classes, then the
// series, together with groups.csv epoch by epoch), blocks.csv three times
// (the views; the forked stretches, at most 256; the blocks in the
// windows), events.jsonl once, keeping only the first MaxEventsPerKind
// events of each marker kind (the page names the kinds it cut) and the
// per-bucket counts. Memory is bounded by the resolution and the caps,
// not by the number of epochs.
//
// # Determinism
//
// The same files give the same bytes: no clock, no map order in the
// output, fixed float formatting (the SVG writer prints 5 significant
// digits). summary.json's build fields are not shown. timing.json is the
// one wall-clock input: two runs of a scenario give the same page once it
// is the same, and differ only in the timing table otherwise.
//
// # Drawing
//
// The charts are drawn with gonum.org/v1/plot (v0.17.0) and its SVG
// backend vg/vgsvg. It was checked for this use: its SVG is byte-identical
// for the same input, it does not embed fonts (text is <text> in Liberation
// Sans, whose metrics lay it out, with Arial, Helvetica and sans-serif as
// fallbacks), and a 1,000-point line costs about 19 kB. It gives axes,
// ticks, lines with dash patterns, polygons (bands, spans) and glyphs; the
// few things it lacks — shaded spans, stacked bars, whiskers, reference
// lines, event markers, the block tree, heat-map cells with hatching, and a
// legend strip under the chart instead of over the data — are small
// plot.Plotter types here (plotters.go, blocktree_plot.go, heatmap.go).
// github.com/go-analyze/charts v0.6.4 was the alternative: its line
// charts have categorical x axes, no shaded spans or bands, and a
// 1,000-point line is about 100 kB. The cost of gonum/plot is the binary:
// its plot package links every backend and font it ships (about 9 MB).
//
// Colours: Okabe and Ito's colour-blind-safe palette for series (yellow
// last), each series also with its own dash pattern, and event markers
// with their own glyph shapes; Paul Tol's sequential YlOrBr for the heat
// map. The chart model (Chart, HeatMap, BlockTree) is data, independent of
// drawing: the tests compare it with the CSV files.
package report
