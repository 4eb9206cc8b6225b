package output

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/stakesim/stakesim/sim"
)

// File names inside a run directory.
const (
	EpochsFile  = "epochs.csv"
	EventsFile  = "events.jsonl"
	SummaryFile = "summary.json"
	TimingFile  = "timing.json"
	// AVSFile is written only for scenarios with a restaking block: it is
	// created with the first AVS row.
	AVSFile = "avs.csv"
)

// ErrNotEmpty is wrapped by Create when the output directory already holds
// files and force is not set.
var ErrNotEmpty = errors.New("output: directory exists and is not empty")

// errClosed is returned by every method of a Writer after Finish or Abort.
var errClosed = errors.New("output: writer already finished or aborted")

// Columns returns the header of epochs.csv: the snake_case names of the
// fields of sim.EpochRow, in field order. TargetParticipationPPM is written
// as a fraction, so its column drops the unit: target_participation.
func Columns() []string {
	return []string{
		"epoch",
		"branch",
		"justified_epoch",
		"finalized_epoch",
		"target_participation",
		"active_validators",
		"total_active_balance_gwei",
		"total_balance_gwei",
		"in_inactivity_leak",
		"slashed_validators",
		"exited_validators",
		"proposals",
		"missed_proposals",
		"aggregates_verified",
		"signatures",
		"verify_failures",
		"issuance_gwei",
		"penalties_gwei",
		"attacker_stake_share",
		"honest_balance_gwei",
		"attacker_balance_gwei",
		"slashable_stake_gwei",
		"compounding_validators",
		"max_effective_balance_gwei",
		"pending_deposits",
		"pending_consolidations",
		"consolidation_churn_gwei",
		"consolidated_gwei",
		"activation_exit_churn_gwei",
		"exit_queue_epochs",
		"attestation_bytes",
		"restaked_gwei",
		"byzantine_share",
		"avs_compromised",
		"operators_slashed",
		"restaking_slashed_gwei",
		"pending_withdrawals_gwei",
	}
}

// AVSColumns returns the header of avs.csv: the snake_case names of the
// fields of sim.AVSRow, in field order.
func AVSColumns() []string {
	return []string{
		"epoch",
		"avs",
		"allocated_stake_gwei",
		"cost_of_corruption_gwei",
		"profit_from_corruption_gwei",
		"secure",
		"slashed_gwei",
	}
}

// FormatPPM prints a parts-per-million figure as a decimal fraction with
// exactly six decimals, using integer arithmetic only: 1000000 → "1.000000",
// 12345 → "0.012345".
func FormatPPM(ppm uint64) string {
	return fmt.Sprintf("%d.%06d", ppm/1_000_000, ppm%1_000_000)
}

// Writer writes one run's outputs. It implements sim.Sink. It is not safe
// for concurrent use; the engine calls a Sink from one goroutine.
type Writer struct {
	dir   string // final directory
	tmp   string // temporary sibling being written
	force bool

	// marker is MarkerFile in tmp, kept open (and locked) until Finish or
	// Abort so that another run does not take tmp for a leftover.
	marker *os.File

	epochsFile *os.File
	eventsFile *os.File
	epochsBuf  *bufio.Writer
	eventsBuf  *bufio.Writer
	csv        *csv.Writer
	events     *json.Encoder
	record     []string

	// avs.csv, opened lazily by the first AVS row.
	avsFile *os.File
	avsBuf  *bufio.Writer
	avsCSV  *csv.Writer

	closed bool
}

var (
	_ sim.Sink    = (*Writer)(nil)
	_ sim.AVSSink = (*Writer)(nil)
)

// Create prepares to write a run into dir. Before writing anything it
// refuses (with an error wrapping ErrUnsafeDir) a dir that is the working
// directory or one of its ancestors; a dir that exists and is not a
// directory; and a dir that exists and is not empty, with an error wrapping
// ErrNotEmpty unless force is set, and with force one wrapping ErrNotRunDir
// unless stakesim wrote it (see IsRunDir). With force, the old contents are
// replaced only when Finish succeeds. The parent of dir is created if
// needed, and temporary siblings of dir left by killed runs are removed
// (see cleanLeftovers). Create then writes MarkerFile and the header of
// epochs.csv into a new temporary sibling directory.
func Create(dir string, force bool) (*Writer, error) {
	if dir == "" {
		return nil, errors.New("output: empty directory name")
	}
	dir = filepath.Clean(dir)
	if err := checkNotCwd(dir); err != nil {
		return nil, err
	}
	if err := checkReplaceable(dir, force); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	cleanLeftovers(dir)
	suffix, err := randomSuffix()
	if err != nil {
		return nil, err
	}
	w := &Writer{dir: dir, tmp: dir + tmpSep + suffix, force: force}
	if err := os.Mkdir(w.tmp, 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	if w.marker, err = writeMarker(w.tmp); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.open(); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// Dir returns the directory the outputs will have after Finish.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) open() error {
	var err error
	if w.epochsFile, err = os.Create(filepath.Join(w.tmp, EpochsFile)); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if w.eventsFile, err = os.Create(filepath.Join(w.tmp, EventsFile)); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	w.epochsBuf = bufio.NewWriterSize(w.epochsFile, 64<<10)
	w.eventsBuf = bufio.NewWriterSize(w.eventsFile, 64<<10)
	w.csv = csv.NewWriter(w.epochsBuf)
	w.events = json.NewEncoder(w.eventsBuf)
	w.events.SetEscapeHTML(false)
	w.record = make([]string, len(Columns()))
	if err := w.csv.Write(Columns()); err != nil {
		return fmt.Errorf("output: %s: %w", EpochsFile, err)
	}
	return nil
}

// Epoch appends one row to epochs.csv.
func (w *Writer) Epoch(row sim.EpochRow) error {
	if w.closed {
		return errClosed
	}
	r := w.record
	r[0] = u(row.Epoch)
	r[1] = row.Branch
	r[2] = u(row.JustifiedEpoch)
	r[3] = u(row.FinalizedEpoch)
	r[4] = FormatPPM(row.TargetParticipationPPM)
	r[5] = u(row.ActiveValidators)
	r[6] = u(row.TotalActiveBalanceGwei)
	r[7] = u(row.TotalBalanceGwei)
	r[8] = b(row.InInactivityLeak)
	r[9] = u(row.SlashedValidators)
	r[10] = u(row.ExitedValidators)
	r[11] = u(row.Proposals)
	r[12] = u(row.MissedProposals)
	r[13] = u(row.AggregatesVerified)
	r[14] = u(row.Signatures)
	r[15] = u(row.VerifyFailures)
	r[16] = u(row.IssuanceGwei)
	r[17] = u(row.PenaltiesGwei)
	r[18] = FormatPPM(row.AttackerStakeSharePPM)
	r[19] = u(row.HonestBalanceGwei)
	r[20] = u(row.AttackerBalanceGwei)
	r[21] = u(row.SlashableStakeGwei)
	r[22] = u(row.CompoundingValidators)
	r[23] = u(row.MaxEffectiveBalanceGwei)
	r[24] = u(row.PendingDeposits)
	r[25] = u(row.PendingConsolidations)
	r[26] = u(row.ConsolidationChurnGwei)
	r[27] = u(row.ConsolidatedGwei)
	r[28] = u(row.ActivationExitChurnGwei)
	r[29] = u(row.ExitQueueEpochs)
	r[30] = u(row.AttestationBytes)
	r[31] = u(row.RestakedGwei)
	r[32] = FormatPPM(row.ByzantineSharePPM)
	r[33] = u(row.AVSCompromised)
	r[34] = u(row.OperatorsSlashed)
	r[35] = u(row.RestakingSlashedGwei)
	r[36] = u(row.PendingWithdrawalsGwei)
	if err := w.csv.Write(r); err != nil {
		return fmt.Errorf("output: %s: %w", EpochsFile, err)
	}
	return nil
}

// AVS appends one row to avs.csv, creating the file (with its header) on
// the first row: runs without restaking have no avs.csv.
func (w *Writer) AVS(row sim.AVSRow) error {
	if w.closed {
		return errClosed
	}
	if w.avsCSV == nil {
		f, err := os.Create(filepath.Join(w.tmp, AVSFile))
		if err != nil {
			return fmt.Errorf("output: %w", err)
		}
		w.avsFile = f
		w.avsBuf = bufio.NewWriterSize(f, 64<<10)
		w.avsCSV = csv.NewWriter(w.avsBuf)
		if err := w.avsCSV.Write(AVSColumns()); err != nil {
			return fmt.Errorf("output: %s: %w", AVSFile, err)
		}
	}
	rec := []string{u(row.Epoch), row.AVS, u(row.AllocatedStakeGwei), u(row.CostOfCorruptionGwei),
		u(row.ProfitFromCorruptionGwei), b(row.Secure), u(row.SlashedGwei)}
	if err := w.avsCSV.Write(rec); err != nil {
		return fmt.Errorf("output: %s: %w", AVSFile, err)
	}
	return nil
}

// Event appends one line to events.jsonl.
func (w *Writer) Event(ev sim.Event) error {
	if w.closed {
		return errClosed
	}
	// Encode writes compact JSON followed by "\n".
	if err := w.events.Encode(ev); err != nil {
		return fmt.Errorf("output: %s: %w", EventsFile, err)
	}
	return nil
}

// Finish flushes epochs.csv and events.jsonl, sets summary.OutputsSHA256,
// writes summary.json and timing.json, and renames the temporary directory
// to the final one. On error the temporary directory is removed and the
// final directory is left as it was (except if the final rename itself
// fails after the old contents were moved aside; the error then names
// where they are).
func (w *Writer) Finish(summary *sim.Summary, timing *sim.Timing) error {
	if w.closed {
		return errClosed
	}
	if summary == nil || timing == nil {
		w.Abort()
		return errors.New("output: Finish needs a summary and a timing")
	}
	if err := w.finish(summary, timing); err != nil {
		w.Abort()
		return err
	}
	w.closed = true
	_ = w.marker.Close()
	return nil
}

func (w *Writer) finish(summary *sim.Summary, timing *sim.Timing) error {
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("output: %s: %w", EpochsFile, err)
	}
	if err := closeFile(w.epochsBuf, w.epochsFile); err != nil {
		return fmt.Errorf("output: %s: %w", EpochsFile, err)
	}
	w.epochsFile = nil
	if err := closeFile(w.eventsBuf, w.eventsFile); err != nil {
		return fmt.Errorf("output: %s: %w", EventsFile, err)
	}
	w.eventsFile = nil
	if w.avsCSV != nil {
		w.avsCSV.Flush()
		if err := w.avsCSV.Error(); err != nil {
			return fmt.Errorf("output: %s: %w", AVSFile, err)
		}
		if err := closeFile(w.avsBuf, w.avsFile); err != nil {
			return fmt.Errorf("output: %s: %w", AVSFile, err)
		}
		w.avsFile = nil
	}

	sum, err := HashOutputs(w.tmp)
	if err != nil {
		return err
	}
	summary.OutputsSHA256 = sum
	if err := writeJSON(filepath.Join(w.tmp, SummaryFile), summary); err != nil {
		return err
	}
	if err := writeJSON(filepath.Join(w.tmp, TimingFile), timing); err != nil {
		return err
	}
	return w.install()
}

// install moves the finished temporary directory to w.dir.
func (w *Writer) install() error {
	fi, err := os.Stat(w.dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		// Nothing to replace.
	case err != nil:
		return fmt.Errorf("output: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("output: %s exists and is not a directory", w.dir)
	default:
		empty, err := isEmptyDir(w.dir)
		if err != nil {
			return fmt.Errorf("output: %w", err)
		}
		if empty {
			if err := os.Remove(w.dir); err != nil {
				return fmt.Errorf("output: %w", err)
			}
			break
		}
		if !w.force {
			// Someone wrote into dir while the run was going.
			return fmt.Errorf("%w: %s", ErrNotEmpty, w.dir)
		}
		// Check again: dir may have changed while the run was going.
		ours, err := IsRunDir(w.dir)
		if err != nil {
			return fmt.Errorf("output: %w", err)
		}
		if !ours {
			return fmt.Errorf("%w: %s", ErrNotRunDir, w.dir)
		}
		// Move the old run aside first so that a failure leaves either the
		// old or the new complete directory under its name.
		old := w.tmp + ".old"
		if err := os.Rename(w.dir, old); err != nil {
			return fmt.Errorf("output: %w", err)
		}
		if err := os.Rename(w.tmp, w.dir); err != nil {
			if rerr := os.Rename(old, w.dir); rerr != nil {
				return fmt.Errorf("output: %w (previous contents left in %s)", err, old)
			}
			return fmt.Errorf("output: %w", err)
		}
		if err := os.RemoveAll(old); err != nil {
			return fmt.Errorf("output: results are in %s, but removing the previous contents: %w", w.dir, err)
		}
		return nil
	}
	if err := os.Rename(w.tmp, w.dir); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// Abort discards everything written so far by removing the temporary
// directory. It is safe to call more than once, and after Finish (then it
// does nothing).
func (w *Writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	if w.epochsFile != nil {
		_ = w.epochsFile.Close()
	}
	if w.eventsFile != nil {
		_ = w.eventsFile.Close()
	}
	if w.avsFile != nil {
		_ = w.avsFile.Close()
	}
	_ = os.RemoveAll(w.tmp)
	if w.marker != nil {
		_ = w.marker.Close()
	}
}

// HashOutputs returns the lowercase hex SHA-256 of the bytes of
// dir/epochs.csv followed by the bytes of dir/events.jsonl: the value of
// summary.json's outputs_sha256.
func HashOutputs(dir string) (string, error) {
	h := sha256.New()
	for _, name := range []string{EpochsFile, EventsFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("output: %w", err)
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("output: %s: %w", name, err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("output: %s: %w", filepath.Base(path), err)
	}
	data = append(data, '\n')
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

func closeFile(buf *bufio.Writer, f *os.File) error {
	if err := buf.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkReplaceable returns nil if dir does not exist, is an empty
// directory, or (with force) is a directory that stakesim wrote.
func checkReplaceable(dir string, force bool) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("output: %s exists and is not a directory", dir)
	}
	empty, err := isEmptyDir(dir)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if empty {
		return nil
	}
	if !force {
		return fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	}
	ours, err := IsRunDir(dir)
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if !ours {
		return fmt.Errorf("%w: %s", ErrNotRunDir, dir)
	}
	return nil
}

func isEmptyDir(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		return false, err
	}
	defer f.Close()
	names, err := f.Readdirnames(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return len(names) == 0, err
}

func randomSuffix() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("output: random suffix: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func b(v bool) string {
	if v {
		return "1"
	}
	return "0"
}
