// Package output writes the results of one run into a directory, epoch by
// epoch, and never touches a file that stakesim did not write.
//
// A Writer writes in place: the rows and events of every epoch reach
// epochs.csv and events.jsonl when the engine ends the epoch (EndEpoch), so
// "tail -f DIR/epochs.csv" follows a run. summary.json and timing.json are
// written by Finish, each complete under its name or absent: a directory
// without summary.json is a run that is still going or was killed. A run
// that fails calls Abort, which removes the files the run wrote (only
// those: anything else put into the directory stays). An interrupted run
// (SIGINT, SIGTERM) is not a failure: the engine ends it at an epoch
// boundary and Finish writes its summary, which says interrupted. The
// caller must, in order:
//
//  1. call Create(dir, force). It refuses the working directory and its
//     ancestors (ErrUnsafeDir), and a dir that exists and is not empty
//     (ErrNotEmpty); with force it replaces such a dir only if stakesim
//     wrote it, that is if it holds MarkerFile (ErrNotRunDir otherwise),
//     and no run is writing it now (ErrInUse);
//  2. pass the Writer to the engine as a sim.Sink: Epoch for each row of
//     epochs.csv, Event for each line of events.jsonl, Group and Block
//     (sim.GroupSink, sim.BlockSink) for each row of groups.csv and
//     blocks.csv, AVS for avs.csv, LST and Withdrawal (sim.LSTSink) for
//     lst.csv and withdrawals.csv, EndEpoch after each epoch;
//  3. call Finish(summary, timing) when the run ends, or Abort on a failure.
//
// Every run directory holds MarkerFile, ".stakesim-run", one line saying
// that stakesim wrote the directory; it is written first and kept locked
// while the run goes on. With force, the earlier run directory is renamed
// to the sibling DIR.tmp-HEX (16 lowercase hex digits) for the length of
// the run: Finish removes it, Abort puts it back. Create removes the
// siblings DIR.tmp-HEX that a killed run left for the same DIR, but only
// those that hold the marker and that no running stakesim holds locked;
// DIR.tmp-HEX.old is never removed.
//
// Besides the marker the directory holds seven files (eight with
// restaking, nine with liquid staking):
//
//   - epochs.csv: a header line, then one line per sim.EpochRow. The columns
//     are Columns(), in the field order of sim.EpochRow. target_participation
//     (like attacker_stake_share, byzantine_share and sync_participation)
//     is printed from parts per million with exactly 6 decimals using integer
//     formatting (FormatPPM); booleans are 0 or 1. Lines end with "\n".
//   - events.jsonl: one compact JSON object per sim.Event and line, with the
//     fields epoch, slot, kind, branch (omitted when empty) and details (the
//     kind's sim.EventDetails struct, its keys in sorted order; omitted when
//     nil).
//   - summary.json: the sim.Summary, indented by 2 spaces, with a trailing
//     newline. Its outputs_sha256 is the lowercase hex SHA-256 of the bytes of
//     epochs.csv immediately followed by the bytes of events.jsonl, so two runs
//     can be compared by one field (groups.csv, blocks.csv and avs.csv are
//     not in it).
//   - timing.json: the sim.Timing (wall-clock figures), in the same layout.
//   - scenario.yaml: the scenario as it ran (WriteScenario), written before
//     the first epoch: "stakesim run DIR/scenario.yaml" reproduces the run.
//   - groups.csv (the Writer implements sim.GroupSink; Create writes the
//     header, GroupColumns): one line per sim.GroupRow, one per epoch,
//     branch and scenario group, in that order (branches as in
//     epochs.csv, groups in scenario order), each epoch's lines written
//     with its epochs.csv rows. inactivity_score_mean is printed from
//     millionths with exactly 6 decimals (FormatPPM). It is not part of
//     outputs_sha256.
//   - blocks.csv (sim.BlockSink; Create writes the header, BlockColumns):
//     one line per block the engine imported, the genesis block (slot 0,
//     proposer 0, parent_root of zeros) included. Lines come in batches as
//     the engine settles blocks (when its chain prunes them, and at the end
//     of the run for the rest), each batch sorted by (slot, root); the
//     batches together hold every block exactly once, a parent before its
//     children. canonical_on is empty for an orphaned block. It is not part
//     of outputs_sha256.
//   - avs.csv, only for scenarios with a restaking block (the Writer
//     implements sim.AVSSink and creates the file on the first row): a
//     header line (AVSColumns), then one line per sim.AVSRow, one per AVS
//     and epoch; secure is 0 or 1. It is not part of outputs_sha256.
//   - lst.csv and withdrawals.csv, only for scenarios with a
//     liquid_staking block (sim.LSTSink; each file is created with its
//     first row, lst.go): a header (LSTColumns, WithdrawalColumns), then
//     one line per sim.LSTRow (per epoch and protocol; share_rate with 18
//     decimals, bunker 0 or 1, last_rebase_gwei signed) and per
//     sim.WithdrawalRow (per request, when finalized or at the end; a
//     pending request's finalized_epoch, rate_at_finalization and
//     paid_gwei are empty). Not part of outputs_sha256.
//
// epochs.csv, events.jsonl, groups.csv, blocks.csv, avs.csv, lst.csv and
// withdrawals.csv are flushed at every EndEpoch and closed by Finish; Abort
// removes them.
//
// Only timing.json depends on the wall clock; the other files are
// byte-identical for the same scenario and seed.
package output
