package consensus

import (
	"fmt"
)

// Slashing operations of a block. Their signatures are queued on the block
// context and verified with the block's other signatures.

// processProposerSlashing slashes a proposer that signed two headers for one slot.
//
// Spec definition:
//
//	def process_proposer_slashing(state: BeaconState, proposer_slashing: ProposerSlashing) -> None:
//	    header_1 = proposer_slashing.signed_header_1.message
//	    header_2 = proposer_slashing.signed_header_2.message
//
//	    # Verify header slots match
//	    assert header_1.slot == header_2.slot
//	    # Verify header proposer indices match
//	    assert header_1.proposer_index == header_2.proposer_index
//	    # Verify the headers are different
//	    assert header_1 != header_2
//	    # Verify the proposer is slashable
//	    proposer = state.validators[header_1.proposer_index]
//	    assert is_slashable_validator(proposer, get_current_epoch(state))
//	    # Verify signatures
//	    for signed_header in (proposer_slashing.signed_header_1, proposer_slashing.signed_header_2):
//	        domain = get_domain(
//	            state, DOMAIN_BEACON_PROPOSER, compute_epoch_at_slot(signed_header.message.slot)
//	        )
//	        signing_root = compute_signing_root(signed_header.message, domain)
//	        assert bls.Verify(proposer.pubkey, signing_root, signed_header.signature)
//
//	    slash_validator(state, header_1.proposer_index)
func processProposerSlashing(bc *blockContext, i int, ps *ProposerSlashing) error {
	cfg, st := bc.cfg, bc.st
	h1, h2 := &ps.SignedHeader1.Message, &ps.SignedHeader2.Message
	if h1.Slot != h2.Slot {
		return fmt.Errorf("%w: header slots differ (%d, %d)", ErrInvalidSlashing, h1.Slot, h2.Slot)
	}
	if h1.ProposerIndex != h2.ProposerIndex {
		return fmt.Errorf("%w: header proposers differ (%d, %d)", ErrInvalidSlashing, h1.ProposerIndex, h2.ProposerIndex)
	}
	if *h1 == *h2 {
		return fmt.Errorf("%w: headers are identical", ErrInvalidSlashing)
	}
	p := h1.ProposerIndex
	if uint64(p) >= uint64(len(st.Validators)) {
		return fmt.Errorf("%w: proposer %d out of range", ErrInvalidSlashing, p)
	}
	if !IsSlashableValidator(&st.Validators[p], bc.epoch) {
		return fmt.Errorf("%w: proposer %d is not slashable at epoch %d", ErrInvalidSlashing, p, bc.epoch)
	}
	for k, sh := range []*SignedBeaconBlockHeader{&ps.SignedHeader1, &ps.SignedHeader2} {
		msg := SigningRoot(cfg, st, DomainBeaconProposer, ComputeEpochAtSlot(cfg, sh.Message.Slot), sh.Message.Root())
		bc.addCheck(fmt.Sprintf("proposer slashing %d header %d signature", i, k+1), []ValidatorIndex{p}, msg, sh.Signature)
	}
	bc.slashed(SlashValidatorWithTotal(cfg, st, p, bc.proposer, nil, bc.total()))
	bc.report.ProposerSlashings++
	return nil
}

// processAttesterSlashing slashes every slashable validator that signed both
// of two conflicting attestations.
//
// Spec definition:
//
//	def process_attester_slashing(state: BeaconState, attester_slashing: AttesterSlashing) -> None:
//	    attestation_1 = attester_slashing.attestation_1
//	    attestation_2 = attester_slashing.attestation_2
//	    assert is_slashable_attestation_data(attestation_1.data, attestation_2.data)
//	    assert is_valid_indexed_attestation(state, attestation_1)
//	    assert is_valid_indexed_attestation(state, attestation_2)
//
//	    slashed_any = False
//	    indices = set(attestation_1.attesting_indices).intersection(attestation_2.attesting_indices)
//	    for index in sorted(indices):
//	        if is_slashable_validator(state.validators[index], get_current_epoch(state)):
//	            slash_validator(state, index)
//	            slashed_any = True
//	    assert slashed_any
func processAttesterSlashing(bc *blockContext, i int, as *AttesterSlashing) error {
	cfg, st := bc.cfg, bc.st
	a1, a2 := &as.Attestation1, &as.Attestation2
	if !IsSlashableAttestationData(&a1.Data, &a2.Data) {
		return fmt.Errorf("%w: attestation data are neither a double nor a surround vote", ErrInvalidSlashing)
	}
	for k, ia := range []*IndexedAttestation{a1, a2} {
		if err := checkIndexedAttestation(cfg, st, ia); err != nil {
			return fmt.Errorf("%w: attestation %d: %w", ErrInvalidSlashing, k+1, err)
		}
		msg := AttestationSigningRoot(cfg, st, &ia.Data)
		bc.addCheck(fmt.Sprintf("attester slashing %d attestation %d aggregate signature", i, k+1), ia.AttestingIndices, msg, ia.Signature)
	}
	// Both lists are sorted and unique, so a merge yields the sorted intersection.
	slashedAny := false
	x, y := a1.AttestingIndices, a2.AttestingIndices
	for len(x) > 0 && len(y) > 0 {
		switch {
		case x[0] < y[0]:
			x = x[1:]
		case x[0] > y[0]:
			y = y[1:]
		default:
			v := x[0]
			x, y = x[1:], y[1:]
			if IsSlashableValidator(&st.Validators[v], bc.epoch) {
				bc.slashed(SlashValidatorWithTotal(cfg, st, v, bc.proposer, nil, bc.total()))
				slashedAny = true
			}
		}
	}
	if !slashedAny {
		return fmt.Errorf("%w: no slashable validator in the intersection", ErrInvalidSlashing)
	}
	bc.report.AttesterSlashings++
	return nil
}

// slashed records one slash_validator call in the block's report.
func (bc *blockContext) slashed(r SlashingReport) {
	bc.report.Slashed = append(bc.report.Slashed, r.Validator)
	bc.report.Slashings = append(bc.report.Slashings, r)
}
