package crypto

import blst "github.com/supranational/blst/bindings/go"

// PublicKeyBytes is a compressed G1 public key (48 bytes).
type PublicKeyBytes [48]byte

// SignatureBytes is a compressed G2 signature (96 bytes).
type SignatureBytes [96]byte

// Signature is a BLS signature held as an affine G2 point, so that the hot
// paths never pay for (de)compression. The zero value is "no signature"
// (BLS mode off).
type Signature struct {
	p *blst.P2Affine
}

// AggregateCheck is one FastAggregateVerify job: the signature over Message
// by the validators at Indices (keyring indices).
type AggregateCheck struct {
	Indices   []uint64
	Message   [32]byte
	Signature Signature
}
