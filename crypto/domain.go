package crypto

import "crypto/sha256"

// SSZ merkleization of a container hashes the hash_tree_root of each field
// as one 32-byte chunk, pads the chunk list to a power of two and folds it
// pairwise with SHA-256. ForkData and SigningData have exactly two fields,
// so their root is the single hash of the two chunks side by side:
//
//	hash_tree_root(Container{a, b}) = sha256(chunk(a) || chunk(b))
//
// A fixed-size byte vector of at most 32 bytes (Version, Root, Domain) is
// its own chunk, right-padded with zeros to 32 bytes. No length is mixed in,
// since only lists carry a length. The two functions below therefore need no
// general SSZ code.

// ComputeForkDataRoot returns the hash_tree_root of ForkData{version,
// genesisValidatorsRoot}: sha256(version || 28 zero bytes || gvr).
//
// Spec definition:
//
//	class ForkData(Container):
//	    current_version: Version
//	    genesis_validators_root: Root
//
//	def compute_fork_data_root(current_version: Version, genesis_validators_root: Root) -> Root:
//	    """
//	    Return the 32-byte fork data root for the ``current_version`` and ``genesis_validators_root``.
//	    This is used primarily in signature domains to avoid collisions across forks/chains.
//	    """
//	    return hash_tree_root(
//	        ForkData(
//	            current_version=current_version,
//	            genesis_validators_root=genesis_validators_root,
//	        )
//	    )
func ComputeForkDataRoot(version [4]byte, genesisValidatorsRoot [32]byte) [32]byte {
	var leaves [64]byte
	copy(leaves[:4], version[:])
	copy(leaves[32:], genesisValidatorsRoot[:])
	return sha256.Sum256(leaves[:])
}

// ComputeDomain returns domainType || ComputeForkDataRoot(forkVersion,
// genesisValidatorsRoot)[:28]. The spec's optional arguments default to
// GENESIS_FORK_VERSION and a zero root; callers pass them explicitly here
// (the zero [32]byte is the spec's Root()).
//
// Spec definition:
//
//	def compute_domain(
//	    domain_type: DomainType,
//	    fork_version: Optional[Version] = None,
//	    genesis_validators_root: Optional[Root] = None,
//	) -> Domain:
//	    """
//	    Return the domain for the ``domain_type`` and ``fork_version``.
//	    """
//	    if fork_version is None:
//	        fork_version = GENESIS_FORK_VERSION
//	    if genesis_validators_root is None:
//	        genesis_validators_root = Root()  # all bytes zero by default
//	    fork_data_root = compute_fork_data_root(fork_version, genesis_validators_root)
//	    return Domain(domain_type + fork_data_root[:28])
func ComputeDomain(domainType [4]byte, forkVersion [4]byte, genesisValidatorsRoot [32]byte) [32]byte {
	root := ComputeForkDataRoot(forkVersion, genesisValidatorsRoot)
	var d [32]byte
	copy(d[:4], domainType[:])
	copy(d[4:], root[:28])
	return d
}

// ComputeSigningRoot returns the hash_tree_root of SigningData{objectRoot,
// domain}: sha256(objectRoot || domain). The caller supplies
// hash_tree_root(ssz_object) as objectRoot; this package knows no
// consensus types.
//
// Spec definition:
//
//	class SigningData(Container):
//	    object_root: Root
//	    domain: Domain
//
//	def compute_signing_root(ssz_object: SSZObject, domain: Domain) -> Root:
//	    """
//	    Return the signing root for the corresponding signing data.
//	    """
//	    return hash_tree_root(
//	        SigningData(
//	            object_root=hash_tree_root(ssz_object),
//	            domain=domain,
//	        )
//	    )
func ComputeSigningRoot(objectRoot [32]byte, domain [32]byte) [32]byte {
	var leaves [64]byte
	copy(leaves[:32], objectRoot[:])
	copy(leaves[32:], domain[:])
	return sha256.Sum256(leaves[:])
}
