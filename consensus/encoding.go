package consensus

import (
	"crypto/sha256"
	"encoding/binary"
	"hash"

	"github.com/stakesim/stakesim/crypto"
)

// Canonical encodings and roots.
//
// The spec commits to objects with SSZ hash_tree_root. The simulator needs
// only a collision-resistant, deterministic commitment, so every root here is
// SHA-256 over a flat byte encoding. The layouts, all integers unsigned
// 64-bit little-endian ("u64"), are:
//
//	AttestationData (128 bytes):
//	    slot u64 | index u64 | beacon_block_root [32] |
//	    source.epoch u64 | source.root [32] | target.epoch u64 | target.root [32]
//	AttestationData.Root = SHA-256(AttestationData encoding)
//
//	BeaconBlockHeader (88 bytes):
//	    slot u64 | proposer_index u64 | parent_root [32] | body_root [32]
//	BeaconBlockHeader.Root = SHA-256(header encoding); a block's root is the
//	root of its header (BeaconBlock.Header), as with SSZ.
//
//	BeaconBlockBody:
//	    randao_reveal [32] | graffiti [32] |
//	    u64 n | n × ProposerSlashing |
//	    u64 n | n × AttesterSlashing |
//	    u64 n | n × Attestation |
//	    u64 n | n × Withdrawal |
//	    SyncAggregate
//	  ProposerSlashing  = header_1 (88) | signature_1 [96] | header_2 (88) | signature_2 [96]
//	  AttesterSlashing  = IndexedAttestation_1 | IndexedAttestation_2
//	  IndexedAttestation = u64 k | k × u64 index | AttestationData (128) | signature [96]
//	  Attestation       = u64 m | m bytes of aggregation_bits (SSZ bitlist bytes,
//	                      length bit included) | AttestationData (128) | signature [96]
//	  Withdrawal        = index u64 | validator_index u64 | amount u64
//	  then the sync aggregate:
//	    u64 m | m bytes of sync_committee_bits (SSZ bitvector bytes) | signature [96]
//	  then, only when the block carries execution requests (so blocks
//	  without any keep their roots):
//	    u64 n | n × (pubkey [48] | credentials [32] | amount u64 | signature [96] | index u64) |
//	    u64 n | n × (source_address [20] | validator_pubkey [48] | amount u64) |
//	    u64 n | n × (source_address [20] | source_pubkey [48] | target_pubkey [48])
//	  then, only when the block carries voluntary exits or BLS-to-execution
//	  changes (the execution requests above are then written even if empty,
//	  so the encoding stays unambiguous):
//	    u64 n | n × (epoch u64 | validator_index u64 | signature [96]) |
//	    u64 n | n × (validator_index u64 | from_bls_pubkey [48] |
//	                 to_execution_address [20] | signature [96])
//	  signature         = crypto.Signature.Bytes() (compressed G2; what Bytes
//	                      returns for the zero signature when BLS is off)
//	BeaconBlockBody.Root = SHA-256(body encoding)
//
//	Validator registry (genesis_validators_root):
//	    u64 n | n × (withdrawal_credentials [32] | effective_balance u64 |
//	    slashed u8 | activation_eligibility_epoch u64 | activation_epoch u64 |
//	    exit_epoch u64 | withdrawable_epoch u64)
//	(Public keys are not in Validator: key i is the keyring's key i.)

type encoder struct {
	h   hash.Hash
	buf [8]byte
}

func newEncoder() *encoder { return &encoder{h: sha256.New()} }

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.buf[:], v)
	e.h.Write(e.buf[:])
}

func (e *encoder) bytes(b []byte) { e.h.Write(b) }

func (e *encoder) root(r Root) { e.h.Write(r[:]) }

func (e *encoder) sig(s crypto.Signature) {
	b := s.Bytes()
	e.h.Write(b[:])
}

func (e *encoder) sum() Root {
	var r Root
	e.h.Sum(r[:0])
	return r
}

func (d *AttestationData) appendTo(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(d.Slot))
	b = binary.LittleEndian.AppendUint64(b, uint64(d.Index))
	b = append(b, d.BeaconBlockRoot[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(d.Source.Epoch))
	b = append(b, d.Source.Root[:]...)
	b = binary.LittleEndian.AppendUint64(b, uint64(d.Target.Epoch))
	b = append(b, d.Target.Root[:]...)
	return b
}

// Root returns the attestation data's root (the object root that attesters
// sign): SHA-256 of its 128-byte encoding.
func (d AttestationData) Root() Root {
	var buf [128]byte
	return sha256.Sum256(d.appendTo(buf[:0]))
}

func (h *BeaconBlockHeader) appendTo(b []byte) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(h.Slot))
	b = binary.LittleEndian.AppendUint64(b, uint64(h.ProposerIndex))
	b = append(b, h.ParentRoot[:]...)
	b = append(b, h.BodyRoot[:]...)
	return b
}

// Root returns the header's root, which is also the root of the block it
// describes.
func (h BeaconBlockHeader) Root() Root {
	var buf [88]byte
	return sha256.Sum256(h.appendTo(buf[:0]))
}

func (e *encoder) indexed(a *IndexedAttestation) {
	e.u64(uint64(len(a.AttestingIndices)))
	for _, i := range a.AttestingIndices {
		e.u64(uint64(i))
	}
	var buf [128]byte
	e.bytes(a.Data.appendTo(buf[:0]))
	e.sig(a.Signature)
}

// Root returns the body root: SHA-256 of the length-prefixed encoding of
// every field (see the layout at the top of this file).
func (b *BeaconBlockBody) Root() Root {
	e := newEncoder()
	e.root(b.RandaoReveal)
	e.root(b.Graffiti)
	var buf [128]byte
	e.u64(uint64(len(b.ProposerSlashings)))
	for i := range b.ProposerSlashings {
		ps := &b.ProposerSlashings[i]
		e.bytes(ps.SignedHeader1.Message.appendTo(buf[:0]))
		e.sig(ps.SignedHeader1.Signature)
		e.bytes(ps.SignedHeader2.Message.appendTo(buf[:0]))
		e.sig(ps.SignedHeader2.Signature)
	}
	e.u64(uint64(len(b.AttesterSlashings)))
	for i := range b.AttesterSlashings {
		e.indexed(&b.AttesterSlashings[i].Attestation1)
		e.indexed(&b.AttesterSlashings[i].Attestation2)
	}
	e.u64(uint64(len(b.Attestations)))
	for i := range b.Attestations {
		a := &b.Attestations[i]
		e.u64(uint64(len(a.AggregationBits)))
		e.bytes(a.AggregationBits)
		e.bytes(a.Data.appendTo(buf[:0]))
		e.sig(a.Signature)
		e.u64(uint64(a.CommitteeBits))
	}
	e.u64(uint64(len(b.Withdrawals)))
	for _, w := range b.Withdrawals {
		e.u64(w.Index)
		e.u64(uint64(w.ValidatorIndex))
		e.u64(uint64(w.Amount))
	}
	e.u64(uint64(len(b.SyncAggregate.SyncCommitteeBits)))
	e.bytes(b.SyncAggregate.SyncCommitteeBits)
	e.sig(b.SyncAggregate.SyncCommitteeSignature)
	hasOps := len(b.VoluntaryExits) > 0 || len(b.BLSToExecutionChanges) > 0
	if r := &b.ExecutionRequests; !r.Empty() || hasOps {
		e.executionRequests(r)
	}
	if hasOps {
		e.exitOperations(b)
	}
	return e.sum()
}

// executionRequests writes the body's execution requests (three
// length-prefixed lists).
func (e *encoder) executionRequests(r *ExecutionRequests) {
	e.u64(uint64(len(r.Deposits)))
	for i := range r.Deposits {
		d := &r.Deposits[i]
		e.bytes(d.Pubkey[:])
		e.root(d.WithdrawalCredentials)
		e.u64(uint64(d.Amount))
		e.sig(d.Signature)
		e.u64(d.Index)
	}
	e.u64(uint64(len(r.Withdrawals)))
	for i := range r.Withdrawals {
		w := &r.Withdrawals[i]
		e.bytes(w.SourceAddress[:])
		e.bytes(w.ValidatorPubkey[:])
		e.u64(uint64(w.Amount))
	}
	e.u64(uint64(len(r.Consolidations)))
	for i := range r.Consolidations {
		c := &r.Consolidations[i]
		e.bytes(c.SourceAddress[:])
		e.bytes(c.SourcePubkey[:])
		e.bytes(c.TargetPubkey[:])
	}
}

// exitOperations writes the body's voluntary exits and BLS-to-execution
// changes (two length-prefixed lists).
func (e *encoder) exitOperations(b *BeaconBlockBody) {
	e.u64(uint64(len(b.VoluntaryExits)))
	for i := range b.VoluntaryExits {
		x := &b.VoluntaryExits[i]
		e.u64(uint64(x.Message.Epoch))
		e.u64(uint64(x.Message.ValidatorIndex))
		e.sig(x.Signature)
	}
	e.u64(uint64(len(b.BLSToExecutionChanges)))
	for i := range b.BLSToExecutionChanges {
		c := &b.BLSToExecutionChanges[i]
		e.u64(uint64(c.Message.ValidatorIndex))
		e.bytes(c.Message.FromBLSPubkey[:])
		e.bytes(c.Message.ToExecutionAddress[:])
		e.sig(c.Signature)
	}
}

// DepositMessageRoot is the root of DepositMessage(pubkey,
// withdrawal_credentials, amount): SHA-256 of pubkey [48] | credentials [32]
// | amount u64.
func DepositMessageRoot(pk crypto.PublicKeyBytes, creds Root, amount Gwei) Root {
	e := newEncoder()
	e.bytes(pk[:])
	e.root(creds)
	e.u64(uint64(amount))
	return e.sum()
}

// DepositSigningRoot is the message a deposit's proof of possession signs:
// compute_signing_root(deposit_message, compute_domain(DOMAIN_DEPOSIT)),
// with the fork-agnostic domain (GENESIS_FORK_VERSION, zero genesis
// validators root) the spec uses because deposits are valid across forks.
func DepositSigningRoot(cfg *Config, pk crypto.PublicKeyBytes, creds Root, amount Gwei) Root {
	domain := crypto.ComputeDomain(DomainDeposit, cfg.GenesisForkVersion, [32]byte{})
	return crypto.ComputeSigningRoot(DepositMessageRoot(pk, creds, amount), domain)
}

// Header returns the block's header (the body replaced by its root).
func (b *BeaconBlock) Header() BeaconBlockHeader {
	return BeaconBlockHeader{
		Slot:          b.Slot,
		ProposerIndex: b.ProposerIndex,
		ParentRoot:    b.ParentRoot,
		BodyRoot:      b.Body.Root(),
	}
}

// Root returns the block root: the root of its header.
func (b *BeaconBlock) Root() Root { return b.Header().Root() }

// registryRoot is the root of the validator registry (layout above).
func registryRoot(vals []Validator) Root {
	e := newEncoder()
	e.u64(uint64(len(vals)))
	for i := range vals {
		v := &vals[i]
		e.root(v.WithdrawalCredentials)
		e.u64(uint64(v.EffectiveBalance))
		if v.Slashed {
			e.bytes([]byte{1})
		} else {
			e.bytes([]byte{0})
		}
		e.u64(uint64(v.ActivationEligibilityEpoch))
		e.u64(uint64(v.ActivationEpoch))
		e.u64(uint64(v.ExitEpoch))
		e.u64(uint64(v.WithdrawableEpoch))
	}
	return e.sum()
}

// GetDomain returns the signature domain of domainType. The modelled chain
// runs a single fork (Electra from genesis), so the fork version is always
// cfg.ElectraForkVersion and epoch does not change the result; it is kept so
// that call sites read as the spec's.
//
// Spec definition:
//
//	def get_domain(state: BeaconState, domain_type: DomainType, epoch: Epoch = None) -> Domain:
//	    epoch = get_current_epoch(state) if epoch is None else epoch
//	    fork_version = (
//	        state.fork.previous_version if epoch < state.fork.epoch else state.fork.current_version
//	    )
//	    return compute_domain(domain_type, fork_version, state.genesis_validators_root)
func GetDomain(cfg *Config, st *State, domainType DomainType, epoch Epoch) Root {
	_ = epoch
	return crypto.ComputeDomain(domainType, cfg.ElectraForkVersion, st.GenesisValidatorsRoot)
}

// SigningRoot returns compute_signing_root(object, get_domain(state, domainType, epoch)).
//
// Spec definition:
//
//	def compute_signing_root(ssz_object: SSZObject, domain: Domain) -> Root:
//	    return hash_tree_root(SigningData(
//	        object_root=hash_tree_root(ssz_object),
//	        domain=domain,
//	    ))
func SigningRoot(cfg *Config, st *State, domainType DomainType, epoch Epoch, objectRoot Root) Root {
	return crypto.ComputeSigningRoot(objectRoot, GetDomain(cfg, st, domainType, epoch))
}
