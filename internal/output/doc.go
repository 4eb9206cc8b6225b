// Package output writes the results of one run into a directory without ever
// leaving half-written results behind.
//
// A Writer writes into a temporary sibling directory, DIR + ".tmp-" + a
// random suffix, and renames it to DIR only in Finish. A run that fails or is
// interrupted calls Abort, which removes the temporary directory; DIR is then
// exactly as it was before the run. The caller must, in order:
//
//  1. call Create(dir, force). It refuses the working directory and its
//     ancestors (ErrUnsafeDir), and a dir that exists and is not empty
//     (ErrNotEmpty); with force it replaces such a dir only if stakesim
//     wrote it, that is if it holds MarkerFile (ErrNotRunDir otherwise);
//  2. pass the Writer to the engine as a sim.Sink: Epoch for each row of
//     epochs.csv, Event for each line of events.jsonl;
//  3. call Finish(summary, timing) on success, or Abort on any failure.
//
// Every run directory holds MarkerFile, ".stakesim-run", one line saying
// that stakesim wrote the directory; it is written first into the temporary
// directory and kept locked while the run goes on. Create removes the
// temporary siblings DIR.tmp-HEX (exactly 16 lowercase hex digits) that a
// killed run left for the same DIR, but only those that hold the marker and
// that no running stakesim holds locked. DIR.tmp-HEX.old, which may hold a
// previous run after a failed final rename, is never removed.
//
// Besides the marker the directory holds four files (five with restaking):
//
//   - epochs.csv: a header line, then one line per sim.EpochRow. The columns
//     are Columns(), in the field order of sim.EpochRow. target_participation
//     is printed from parts per million with exactly 6 decimals using integer
//     formatting (FormatPPM); booleans are 0 or 1. Lines end with "\n".
//   - events.jsonl: one compact JSON object per sim.Event and line, with the
//     fields epoch, slot, kind, branch (omitted when empty) and details (the
//     kind's sim.EventDetails struct, its keys in sorted order; omitted when
//     nil).
//   - summary.json: the sim.Summary, indented by 2 spaces, with a trailing
//     newline. Its outputs_sha256 is the lowercase hex SHA-256 of the bytes of
//     epochs.csv immediately followed by the bytes of events.jsonl, so two runs
//     can be compared by one field.
//   - timing.json: the sim.Timing (wall-clock figures), in the same layout.
//   - avs.csv, only for scenarios with a restaking block (the Writer
//     implements sim.AVSSink and creates the file on the first row): a
//     header line (AVSColumns), then one line per sim.AVSRow, one per AVS
//     and epoch; secure is 0 or 1. It is not part of outputs_sha256.
//
// Only timing.json depends on the wall clock; the other files are
// byte-identical for the same scenario and seed.
package output
