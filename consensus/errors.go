package consensus

import "errors"

// Sentinel errors; wrap them with context and test with errors.Is.
var (
	ErrConservation       = errors.New("consensus: ETH conservation violated")
	ErrInvalidBlock       = errors.New("consensus: invalid block")
	ErrInvalidSignature   = errors.New("consensus: invalid signature")
	ErrInvalidAttestation = errors.New("consensus: invalid attestation")
	ErrInvalidSlashing    = errors.New("consensus: invalid slashing")
	ErrSlotInPast         = errors.New("consensus: slot not after state slot")
)
