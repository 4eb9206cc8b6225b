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
	// GroupsFile and BlocksFile are in every run directory, created with
	// their headers by Create.
	GroupsFile = "groups.csv"
	BlocksFile = "blocks.csv"
	// ScenarioFile is the resolved scenario (WriteScenario).
	ScenarioFile = "scenario.yaml"
)

// ErrNotEmpty is wrapped by Create when the output directory already holds
// files and force is not set.
var ErrNotEmpty = errors.New("output: directory exists and is not empty")

// ErrInUse is wrapped by Create when force is set but another stakesim
// run is still writing the directory.
var ErrInUse = errors.New("output: another stakesim run is writing the directory")

// errClosed is returned by every method of a Writer after Finish or Abort.
var errClosed = errors.New("output: writer already finished or aborted")

// Columns returns the header of epochs.csv: the snake_case names of the
// fields of sim.EpochRow, in field order. TargetParticipationPPM is written
// as a fraction, so its column drops the unit: target_participation (and
// likewise sync_participation).
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
		"block_attestations",
		"sync_participation",
		"sync_rewards_gwei",
		"sync_penalties_gwei",
		"voluntary_exits",
		"bls_changes",
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

// GroupColumns returns the header of groups.csv: the snake_case names of
// the fields of sim.GroupRow, in field order. InactivityScoreMeanPPM is
// written with 6 decimals, so its column drops the unit:
// inactivity_score_mean.
func GroupColumns() []string {
	return []string{
		"epoch",
		"branch",
		"group",
		"validators",
		"active",
		"slashed",
		"exited",
		"balance_mean_gwei",
		"balance_min_gwei",
		"balance_max_gwei",
		"effective_balance_mean_gwei",
		"inactivity_score_mean",
	}
}

// BlockColumns returns the header of blocks.csv: the snake_case names of
// the fields of sim.BlockRow, in field order.
func BlockColumns() []string {
	return []string{
		"slot",
		"root",
		"parent_root",
		"proposer",
		"attestations",
		"canonical_on",
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
	dir string // the run directory, written in place
	// created: Create made dir (else dir existed and was empty).
	created bool
	// aside is where an earlier run directory replaced by force waits
	// (DIR.tmp-HEX, its marker locked by asideMarker) until Finish removes
	// it or Abort puts it back; "" when nothing was replaced.
	aside       string
	asideMarker *os.File

	// marker is MarkerFile in dir, kept open (and locked) until Finish or
	// Abort: a locked marker means a run is writing the directory.
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

	// groups.csv and blocks.csv, opened by Create.
	groups, blocks csvFile
	// lst.csv and withdrawals.csv, opened by their first rows (lst.go).
	lst, withdrawals csvFile
	// market.csv and lending.csv, opened by their first rows (market.go,
	// lending.go).
	market, lending csvFile

	closed bool
}

// csvFile is one CSV output file and its buffer.
type csvFile struct {
	name string
	file *os.File
	buf  *bufio.Writer
	csv  *csv.Writer
	rec  []string
}

// create opens dir/name and writes the header.
func (c *csvFile) create(dir, name string, header []string) error {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return fmt.Errorf("output: %w", err)
	}
	c.name, c.file = name, f
	c.buf = bufio.NewWriterSize(f, 64<<10)
	c.csv = csv.NewWriter(c.buf)
	c.rec = make([]string, len(header))
	return c.write(header)
}

func (c *csvFile) write(rec []string) error {
	if err := c.csv.Write(rec); err != nil {
		return fmt.Errorf("output: %s: %w", c.name, err)
	}
	return nil
}

// flush pushes the buffered rows to the file (nothing before create).
func (c *csvFile) flush() error {
	if c.csv == nil {
		return nil
	}
	c.csv.Flush()
	if err := c.csv.Error(); err != nil {
		return fmt.Errorf("output: %s: %w", c.name, err)
	}
	if err := c.buf.Flush(); err != nil {
		return fmt.Errorf("output: %s: %w", c.name, err)
	}
	return nil
}

// close closes the file (after flush); a second call does nothing.
func (c *csvFile) close() error {
	f := c.file
	c.file = nil
	if f == nil {
		return nil
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

var (
	_ sim.Sink       = (*Writer)(nil)
	_ sim.AVSSink    = (*Writer)(nil)
	_ sim.GroupSink  = (*Writer)(nil)
	_ sim.BlockSink  = (*Writer)(nil)
	_ sim.EpochEnder = (*Writer)(nil)
)

// Create prepares to write a run into dir. Before writing anything it
// refuses (with an error wrapping ErrUnsafeDir) a dir that is the working
// directory or one of its ancestors; a dir that exists and is not a
// directory; and a dir that exists and is not empty, with an error wrapping
// ErrNotEmpty unless force is set, and with force one wrapping ErrNotRunDir
// unless stakesim wrote it (see IsRunDir) or ErrInUse while a run is
// writing it. The parent of dir is created if needed, and temporary
// siblings of dir left by killed runs are removed (see cleanLeftovers).
// With force, the earlier run directory is moved aside to a temporary
// sibling, removed by Finish and put back by Abort. Create then writes
// MarkerFile and the headers of epochs.csv, groups.csv and blocks.csv into
// dir (and an empty events.jsonl).
func Create(dir string, force bool) (*Writer, error) {
	if dir == "" {
		return nil, errors.New("output: empty directory name")
	}
	dir = filepath.Clean(dir)
	if err := checkNotCwd(dir); err != nil {
		return nil, err
	}
	exists, err := checkReplaceable(dir, force)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	cleanLeftovers(dir)
	w := &Writer{dir: dir}
	if exists == existsRunDir {
		if err := w.moveAside(); err != nil {
			return nil, err
		}
	}
	if exists != existsEmpty {
		if err := os.Mkdir(dir, 0o755); err != nil {
			w.Abort()
			return nil, fmt.Errorf("output: %w", err)
		}
		w.created = true
	}
	if w.marker, err = writeMarker(dir); err != nil {
		w.Abort()
		return nil, err
	}
	if err := w.open(); err != nil {
		w.Abort()
		return nil, err
	}
	return w, nil
}

// moveAside renames the earlier run directory w.dir to a temporary sibling
// and locks its marker, so that no other run takes it for a leftover while
// this one goes on.
func (w *Writer) moveAside() error {
	suffix, err := randomSuffix()
	if err != nil {
		return err
	}
	aside := w.dir + tmpSep + suffix
	if err := os.Rename(w.dir, aside); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	w.aside = aside
	if f, err := os.Open(filepath.Join(aside, MarkerFile)); err == nil {
		tryLock(f)
		w.asideMarker = f
	}
	return nil
}

// Dir returns the run directory.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) open() error {
	var err error
	if w.epochsFile, err = os.Create(filepath.Join(w.dir, EpochsFile)); err != nil {
		return fmt.Errorf("output: %w", err)
	}
	if w.eventsFile, err = os.Create(filepath.Join(w.dir, EventsFile)); err != nil {
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
	if err := w.groups.create(w.dir, GroupsFile, GroupColumns()); err != nil {
		return err
	}
	if err := w.blocks.create(w.dir, BlocksFile, BlockColumns()); err != nil {
		return err
	}
	return w.EndEpoch(0)
}

// WriteScenario writes scenario.yaml, the resolved scenario that
// reproduces the run (scenarios.Scenario.ResolvedYAML), complete under its
// name or absent.
func (w *Writer) WriteScenario(data []byte) error {
	if w.closed {
		return errClosed
	}
	return writeAtomic(filepath.Join(w.dir, ScenarioFile), data)
}

// EndEpoch pushes the rows and events written so far to the files, so that
// "tail -f epochs.csv" follows a run: the engine calls it after every epoch.
func (w *Writer) EndEpoch(uint64) error {
	if w.closed {
		return errClosed
	}
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return fmt.Errorf("output: %s: %w", EpochsFile, err)
	}
	if err := w.epochsBuf.Flush(); err != nil {
		return fmt.Errorf("output: %s: %w", EpochsFile, err)
	}
	if err := w.eventsBuf.Flush(); err != nil {
		return fmt.Errorf("output: %s: %w", EventsFile, err)
	}
	if w.avsCSV != nil {
		w.avsCSV.Flush()
		if err := w.avsCSV.Error(); err != nil {
			return fmt.Errorf("output: %s: %w", AVSFile, err)
		}
		if err := w.avsBuf.Flush(); err != nil {
			return fmt.Errorf("output: %s: %w", AVSFile, err)
		}
	}
	for _, c := range []*csvFile{&w.groups, &w.lst, &w.withdrawals, &w.market, &w.lending} {
		if err := c.flush(); err != nil {
			return err
		}
	}
	return w.blocks.flush()
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
	r[37] = u(row.BlockAttestations)
	r[38] = FormatPPM(row.SyncParticipationPPM)
	r[39] = u(row.SyncRewardsGwei)
	r[40] = u(row.SyncPenaltiesGwei)
	r[41] = u(row.VoluntaryExits)
	r[42] = u(row.BLSChanges)
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
		f, err := os.Create(filepath.Join(w.dir, AVSFile))
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

// Group appends one row to groups.csv. inactivity_score_mean is printed
// from millionths with exactly 6 decimals (FormatPPM).
func (w *Writer) Group(row sim.GroupRow) error {
	if w.closed {
		return errClosed
	}
	r := w.groups.rec
	r[0] = u(row.Epoch)
	r[1] = row.Branch
	r[2] = row.Group
	r[3] = u(row.Validators)
	r[4] = u(row.Active)
	r[5] = u(row.Slashed)
	r[6] = u(row.Exited)
	r[7] = u(row.BalanceMeanGwei)
	r[8] = u(row.BalanceMinGwei)
	r[9] = u(row.BalanceMaxGwei)
	r[10] = u(row.EffectiveBalanceMeanGwei)
	r[11] = FormatPPM(row.InactivityScoreMeanPPM)
	return w.groups.write(r)
}

// Block appends one row to blocks.csv.
func (w *Writer) Block(row sim.BlockRow) error {
	if w.closed {
		return errClosed
	}
	r := w.blocks.rec
	r[0] = u(row.Slot)
	r[1] = row.Root
	r[2] = row.ParentRoot
	r[3] = u(row.Proposer)
	r[4] = u(row.Attestations)
	r[5] = row.CanonicalOn
	return w.blocks.write(r)
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

// Finish flushes and closes epochs.csv, events.jsonl, groups.csv and
// blocks.csv (and avs.csv), sets summary.OutputsSHA256 (of epochs.csv and
// events.jsonl only), writes summary.json and timing.json (each
// complete under its name or absent), unlocks the marker and removes the
// earlier run directory that force replaced. On error it calls Abort.
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
	if w.aside != "" {
		_ = w.asideMarker.Close()
		if err := os.RemoveAll(w.aside); err != nil {
			return fmt.Errorf("output: results are in %s, but removing the previous run from %s: %w", w.dir, w.aside, err)
		}
	}
	return nil
}

func (w *Writer) finish(summary *sim.Summary, timing *sim.Timing) error {
	if err := w.EndEpoch(0); err != nil {
		return err
	}
	for _, f := range []*os.File{w.epochsFile, w.eventsFile, w.avsFile} {
		if f == nil {
			continue
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("output: %w", err)
		}
	}
	w.epochsFile, w.eventsFile, w.avsFile = nil, nil, nil
	for _, c := range []*csvFile{&w.groups, &w.blocks, &w.lst, &w.withdrawals, &w.market, &w.lending} {
		if err := c.close(); err != nil {
			return err
		}
	}
	sum, err := HashOutputs(w.dir)
	if err != nil {
		return err
	}
	summary.OutputsSHA256 = sum
	if err := writeJSON(filepath.Join(w.dir, SummaryFile), summary); err != nil {
		return err
	}
	return writeJSON(filepath.Join(w.dir, TimingFile), timing)
}

// Abort discards what the run wrote: the directory it created, or its
// files in a directory that was empty before; an earlier run directory
// moved aside by force is put back. It is safe to call more than once, and
// after Finish (then it does nothing).
func (w *Writer) Abort() {
	if w.closed {
		return
	}
	w.closed = true
	for _, f := range []*os.File{w.epochsFile, w.eventsFile, w.avsFile} {
		if f != nil {
			_ = f.Close()
		}
	}
	for _, c := range []*csvFile{&w.groups, &w.blocks, &w.lst, &w.withdrawals, &w.market, &w.lending} {
		_ = c.close()
	}
	// Only stakesim's own files go: anything someone else put into the
	// directory while the run went on stays, and so does the directory.
	for _, name := range []string{EpochsFile, EventsFile, AVSFile, GroupsFile, BlocksFile, LSTFile, WithdrawalsFile, MarketFile, LendingFile, SummaryFile, TimingFile, ScenarioFile,
		SummaryFile + ".new", TimingFile + ".new", ScenarioFile + ".new", MarkerFile + ".new", MarkerFile} {
		_ = os.Remove(filepath.Join(w.dir, name))
	}
	if w.marker != nil {
		_ = w.marker.Close()
	}
	if w.created {
		_ = os.Remove(w.dir) // fails, as it should, unless empty
	}
	if w.aside != "" {
		if err := os.Rename(w.aside, w.dir); err != nil {
			// The name is taken: keep the earlier run where leftovers
			// are never cleaned.
			_ = os.Rename(w.aside, w.aside+".old")
		}
		if w.asideMarker != nil {
			_ = w.asideMarker.Close()
		}
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
	return writeAtomic(path, append(data, '\n'))
}

// writeAtomic writes data under a temporary name and renames it to path:
// a reader sees the whole file or none.
func writeAtomic(path string, data []byte) error {
	staging := path + ".new"
	if err := os.WriteFile(staging, data, 0o644); err != nil {
		_ = os.Remove(staging)
		return fmt.Errorf("output: %w", err)
	}
	if err := os.Rename(staging, path); err != nil {
		_ = os.Remove(staging)
		return fmt.Errorf("output: %w", err)
	}
	return nil
}

// What checkReplaceable found at the output directory.
const (
	existsNot    = iota // no such directory
	existsEmpty         // an empty directory
	existsRunDir        // a directory an earlier stakesim run wrote (force only)
)

// checkReplaceable reports what is at dir when dir does not exist, is an
// empty directory, or (with force) is a directory that stakesim wrote and
// that no running stakesim is writing; anything else is an error.
func checkReplaceable(dir string, force bool) (int, error) {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return existsNot, nil
	}
	if err != nil {
		return 0, fmt.Errorf("output: %w", err)
	}
	if !fi.IsDir() {
		return 0, fmt.Errorf("output: %s exists and is not a directory", dir)
	}
	empty, err := isEmptyDir(dir)
	if err != nil {
		return 0, fmt.Errorf("output: %w", err)
	}
	if empty {
		return existsEmpty, nil
	}
	if !force {
		return 0, fmt.Errorf("%w: %s", ErrNotEmpty, dir)
	}
	ours, err := IsRunDir(dir)
	if err != nil {
		return 0, fmt.Errorf("output: %w", err)
	}
	if !ours {
		return 0, fmt.Errorf("%w: %s", ErrNotRunDir, dir)
	}
	if markerLocked(dir) {
		return 0, fmt.Errorf("%w: %s", ErrInUse, dir)
	}
	return existsRunDir, nil
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
