package consensus

import (
	"fmt"
)

// Voluntary exits and BLS-to-execution changes as block operations: the
// part of process_operations between the deposits and the execution
// requests. The single-operation functions (ProcessVoluntaryExit,
// ProcessBLSToExecutionChange) stay for callers outside blocks; inside a
// block the same checks run, the exit's signature joins the block's batched
// verification and the change's is checked with the block's
// PubkeyVerifier.

// processExitOperations checks the per-block limits and applies the
// block's voluntary exits and then its BLS-to-execution changes, each list
// in order (for_ops(body.voluntary_exits, process_voluntary_exit);
// for_ops(body.bls_to_execution_changes, process_bls_to_execution_change)).
func processExitOperations(bc *blockContext, body *BeaconBlockBody) error {
	if n := len(body.VoluntaryExits); n > MaxVoluntaryExits {
		return fmt.Errorf("%w: %d voluntary exits > MAX_VOLUNTARY_EXITS %d", ErrInvalidVoluntaryExit, n, MaxVoluntaryExits)
	}
	if n := len(body.BLSToExecutionChanges); n > MaxBLSToExecutionChanges {
		return fmt.Errorf("%w: %d BLS-to-execution changes > MAX_BLS_TO_EXECUTION_CHANGES %d",
			ErrInvalidBLSToExecutionChange, n, MaxBLSToExecutionChanges)
	}
	for i := range body.VoluntaryExits {
		if err := processVoluntaryExitOp(bc, i, &body.VoluntaryExits[i]); err != nil {
			return fmt.Errorf("voluntary exit %d: %w", i, err)
		}
	}
	for i := range body.BLSToExecutionChanges {
		if err := processBLSChangeOp(bc, &body.BLSToExecutionChanges[i]); err != nil {
			return fmt.Errorf("BLS-to-execution change %d: %w", i, err)
		}
	}
	return nil
}

// processVoluntaryExitOp is process_voluntary_exit (see
// ProcessVoluntaryExit for the spec's text) inside a block: the asserts,
// then the signature added to the block's batch (checked after every
// operation; a bad one invalidates the block), then the exit through the
// exit churn with the block's total active balance.
func processVoluntaryExitOp(bc *blockContext, i int, se *SignedVoluntaryExit) error {
	cfg, st := bc.cfg, bc.st
	if err := checkVoluntaryExit(cfg, st, &se.Message); err != nil {
		return err
	}
	v := se.Message.ValidatorIndex
	bc.addCheck(fmt.Sprintf("voluntary exit %d (validator %d, domain DOMAIN_VOLUNTARY_EXIT, CAPELLA_FORK_VERSION %#x)", i, v, cfg.CapellaForkVersion()),
		[]ValidatorIndex{v}, VoluntaryExitSigningRoot(cfg, st, &se.Message), se.Signature)
	InitiateValidatorExitWithTotal(cfg, st, v, bc.total())
	bc.report.VoluntaryExits++
	return nil
}

// processBLSChangeOp is process_bls_to_execution_change (see
// ProcessBLSToExecutionChange for the spec's text) with the block's
// PubkeyVerifier.
func processBLSChangeOp(bc *blockContext, sc *SignedBLSToExecutionChange) error {
	if err := ProcessBLSToExecutionChange(bc.cfg, bc.st, sc, bc.pkv); err != nil {
		return err
	}
	bc.report.BLSToExecutionChanges++
	return nil
}

// pubkeyVerifierOf returns the PubkeyVerifier block processing uses for
// BLS-to-execution changes: v itself if it implements PubkeyVerifier
// (AcceptAll does), else real BLS (BLSPubkeyVerifier).
func pubkeyVerifierOf(v Verifier) PubkeyVerifier {
	if pv, ok := v.(PubkeyVerifier); ok {
		return pv
	}
	return BLSPubkeyVerifier{}
}

// CheckVoluntaryExit runs every assert of process_voluntary_exit but the
// signature on st, without writing to it: nil means a correctly signed
// exit would be accepted by a block on st. Operation pools use it to keep
// only exits that a block can include.
func CheckVoluntaryExit(cfg *Config, st *State, e *VoluntaryExit) error {
	return checkVoluntaryExit(cfg, st, e)
}

// CheckBLSToExecutionChange runs every assert of
// process_bls_to_execution_change but the signature on st, without writing
// to it.
func CheckBLSToExecutionChange(st *State, c *BLSToExecutionChange) error {
	return checkBLSToExecutionChange(st, c)
}
