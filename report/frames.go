package report

import (
	"errors"
	"io"
	"path/filepath"
)

// epochRow holds the epochs.csv columns the charts use (absent columns
// read as 0).
type epochRow struct {
	epoch, justified, finalized       uint64
	branch                            string
	participation                     float64
	totalActive                       uint64
	attackerShare, byzantineShare     float64
	signatures, aggregates            uint64
	compounding, pendingConsolidation uint64
	pendingDeposits, consolidationGw  uint64
	exitQueue, restaked, avsBroken    uint64
}

// epochCols are the positions of epochRow's columns in epochs.csv.
type epochCols struct {
	epoch, branch, justified, finalized, participation, totalActive int
	attacker, byzantine, signatures, aggregates                     int
	compounding, pendingCons, pendingDeps, consChurn                int
	exitQueue, restaked, avsBroken                                  int
}

func newEpochCols(c *csvReader) (epochCols, error) {
	req, err := c.need("epoch", "branch", "justified_epoch", "finalized_epoch")
	if err != nil {
		return epochCols{}, err
	}
	return epochCols{
		epoch: req[0], branch: req[1], justified: req[2], finalized: req[3],
		participation: c.col("target_participation"), totalActive: c.col("total_active_balance_gwei"),
		attacker: c.col("attacker_stake_share"), byzantine: c.col("byzantine_share"),
		signatures: c.col("signatures"), aggregates: c.col("aggregates_verified"),
		compounding: c.col("compounding_validators"), pendingCons: c.col("pending_consolidations"),
		pendingDeps: c.col("pending_deposits"), consChurn: c.col("consolidation_churn_gwei"),
		exitQueue: c.col("exit_queue_epochs"), restaked: c.col("restaked_gwei"),
		avsBroken: c.col("avs_compromised"),
	}, nil
}

func (k epochCols) parse(rec []string) epochRow {
	return epochRow{
		epoch: cellU(rec, k.epoch), branch: cell(rec, k.branch),
		justified: cellU(rec, k.justified), finalized: cellU(rec, k.finalized),
		participation: cellF(rec, k.participation), totalActive: cellU(rec, k.totalActive),
		attackerShare: cellF(rec, k.attacker), byzantineShare: cellF(rec, k.byzantine),
		signatures: cellU(rec, k.signatures), aggregates: cellU(rec, k.aggregates),
		compounding: cellU(rec, k.compounding), pendingConsolidation: cellU(rec, k.pendingCons),
		pendingDeposits: cellU(rec, k.pendingDeps), consolidationGw: cellU(rec, k.consChurn),
		exitQueue: cellU(rec, k.exitQueue), restaked: cellU(rec, k.restaked),
		avsBroken: cellU(rec, k.avsBroken),
	}
}

// groupRow is one line of groups.csv.
type groupRow struct {
	epoch                   uint64
	branch, group           string
	validators, active      uint64
	slashed, exited         uint64
	balMean, balMin, balMax uint64
	effMean                 uint64
	inactivity              float64
	activeEffective         uint64 // active_effective_balance_gwei, when the file has it
	hasActiveEffective      bool
}

type groupCols struct {
	epoch, branch, group, validators, active, slashed, exited int
	balMean, balMin, balMax, effMean, inactivity, activeEff   int
}

func newGroupCols(c *csvReader) (groupCols, error) {
	req, err := c.need("epoch", "branch", "group")
	if err != nil {
		return groupCols{}, err
	}
	return groupCols{
		epoch: req[0], branch: req[1], group: req[2],
		validators: c.col("validators"), active: c.col("active"),
		slashed: c.col("slashed"), exited: c.col("exited"),
		balMean: c.col("balance_mean_gwei"), balMin: c.col("balance_min_gwei"),
		balMax: c.col("balance_max_gwei"), effMean: c.col("effective_balance_mean_gwei"),
		inactivity: c.col("inactivity_score_mean"), activeEff: c.col("active_effective_balance_gwei"),
	}, nil
}

func (k groupCols) parse(rec []string) groupRow {
	return groupRow{
		epoch: cellU(rec, k.epoch), branch: cell(rec, k.branch), group: cell(rec, k.group),
		validators: cellU(rec, k.validators), active: cellU(rec, k.active),
		slashed: cellU(rec, k.slashed), exited: cellU(rec, k.exited),
		balMean: cellU(rec, k.balMean), balMin: cellU(rec, k.balMin), balMax: cellU(rec, k.balMax),
		effMean: cellU(rec, k.effMean), inactivity: cellF(rec, k.inactivity),
		activeEffective: cellU(rec, k.activeEff), hasActiveEffective: k.activeEff >= 0,
	}
}

// frame is one epoch: its epochs.csv rows (one per branch) and its
// groups.csv rows.
type frame struct {
	epoch  uint64
	rows   []epochRow
	groups []groupRow
}

// frameReader walks epochs.csv and groups.csv together, epoch by epoch.
// Both files are written in epoch order; a groups.csv row whose epoch was
// already passed is counted in skipped and dropped. Memory: one epoch's
// rows.
type frameReader struct {
	epochs     *csvReader
	ek         epochCols
	groups     *csvReader // nil without groups.csv
	gk         groupCols
	nextE      *epochRow
	nextG      *groupRow
	skipped    int
	eof, gDone bool
}

// openFrames opens DIR/epochs.csv and, if present, DIR/groups.csv.
func openFrames(dir string) (*frameReader, error) {
	e, err := openCSV(filepath.Join(dir, epochsFile))
	if err != nil {
		return nil, err
	}
	fr := &frameReader{epochs: e}
	if fr.ek, err = newEpochCols(e); err != nil {
		e.close()
		return nil, err
	}
	if fr.groups, err = openOptionalCSV(filepath.Join(dir, groupsFile)); err == nil && fr.groups != nil {
		fr.gk, err = newGroupCols(fr.groups)
	}
	if err != nil {
		fr.close()
		return nil, err
	}
	return fr, nil
}

func (fr *frameReader) close() {
	fr.epochs.close()
	fr.groups.close()
}

// next returns the next epoch's frame, or io.EOF. The frame's slices are
// new on every call.
func (fr *frameReader) next() (*frame, error) {
	if err := fr.peekEpoch(); err != nil {
		return nil, err
	}
	f := &frame{epoch: fr.nextE.epoch}
	for fr.nextE != nil && fr.nextE.epoch == f.epoch {
		f.rows = append(f.rows, *fr.nextE)
		fr.nextE = nil
		if err := fr.peekEpoch(); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
	}
	return f, fr.readGroups(f)
}

// peekEpoch loads the next epochs.csv row into nextE (io.EOF at the end).
func (fr *frameReader) peekEpoch() error {
	if fr.nextE != nil {
		return nil
	}
	if fr.eof {
		return io.EOF
	}
	rec, err := fr.epochs.next()
	if err != nil {
		fr.eof = errors.Is(err, io.EOF)
		return err
	}
	r := fr.ek.parse(rec)
	fr.nextE = &r
	return nil
}

// readGroups adds the groups.csv rows of f's epoch to f.
func (fr *frameReader) readGroups(f *frame) error {
	for fr.groups != nil && !fr.gDone {
		if fr.nextG == nil {
			rec, err := fr.groups.next()
			if errors.Is(err, io.EOF) {
				fr.gDone = true
				return nil
			} else if err != nil {
				return err
			}
			g := fr.gk.parse(rec)
			fr.nextG = &g
		}
		switch g := fr.nextG; {
		case g.epoch < f.epoch:
			fr.skipped++
		case g.epoch == f.epoch:
			f.groups = append(f.groups, *g)
		default:
			return nil
		}
		fr.nextG = nil
	}
	return nil
}
