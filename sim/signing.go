package sim

import (
	"github.com/stakesim/stakesim/agents"
	"github.com/stakesim/stakesim/consensus"
	"github.com/stakesim/stakesim/crypto"
)

type aggKey struct {
	data       consensus.Root
	bits       string
	committees consensus.CommitteeBits
}

// cachedSig is an aggregate signature made in aggregate mode, kept until
// its attestation is too old for any block (evictAggregates).
type cachedSig struct {
	sig  crypto.Signature
	slot consensus.Slot
}

// evictAggregates drops the cached signatures of attestations that no
// block can include any more (older than the pool keeps them).
func (e *Engine) evictAggregates(now consensus.Slot) {
	for k, c := range e.aggCache {
		if uint64(c.slot)+2*e.cfg.SlotsPerEpoch < uint64(now) {
			delete(e.aggCache, k)
		}
	}
}

// timedVerifier counts and times verification; counts never reach results.
type timedVerifier struct {
	inner   consensus.Verifier
	e       *Engine
	seconds float64
}

func (t *timedVerifier) VerifyAggregates(checks []crypto.AggregateCheck) []bool {
	start := t.e.now()
	ok := t.inner.VerifyAggregates(checks)
	t.seconds += t.e.since(start).Seconds()
	return ok
}

// VerifyPubkey checks a BLS-to-execution change's signature: with the
// inner verifier when it is a consensus.PubkeyVerifier (AcceptAll, BLS
// off), else with real BLS (consensus.BLSPubkeyVerifier).
func (t *timedVerifier) VerifyPubkey(pk crypto.PublicKeyBytes, msg consensus.Root, sig crypto.Signature) bool {
	start := t.e.now()
	var ok bool
	if pv, is := t.inner.(consensus.PubkeyVerifier); is {
		ok = pv.VerifyPubkey(pk, msg, sig)
	} else {
		ok = consensus.BLSPubkeyVerifier{}.VerifyPubkey(pk, msg, sig)
	}
	t.seconds += t.e.since(start).Seconds()
	return ok
}

// signIndexed signs slashing evidence that lacks a signature: in aggregate
// mode single gossip votes carry none (the engine signs aggregates with the
// sum of the members' keys, and does the same here).
func (e *Engine) signIndexed(st *consensus.State, ia *consensus.IndexedAttestation) {
	if e.mode != agents.SignAggregate || !ia.Signature.IsZero() {
		return
	}
	sks := make([]*crypto.SecretKey, len(ia.AttestingIndices))
	for i, v := range ia.AttestingIndices {
		sks[i] = e.keys.Secret(uint64(v))
	}
	root := consensus.SigningRoot(&e.cfg, st, consensus.DomainBeaconAttester, ia.Data.Target.Epoch, ia.Data.Root())
	ia.Signature = crypto.SignWithSum(sks, root)
	e.stats.AggregateSigns++
}

// signAggregate produces an on-chain aggregate's signature from the pool
// entries it combines (one per committee, in committee order): in full mode
// the aggregate of the members' own signatures; in aggregate mode one
// signature with the sum of their secret keys (cached), the same bytes;
// nothing in off mode.
func (e *Engine) signAggregate(st *consensus.State, parts []*poolEntry, att *consensus.Attestation) crypto.Signature {
	switch e.mode {
	case agents.SignFull:
		var sigs []crypto.Signature
		for _, c := range parts {
			for _, p := range c.positions() {
				sigs = append(sigs, c.sig(p))
			}
		}
		e.stats.SignaturesAggregated += uint64(len(sigs))
		return crypto.AggregateSignatures(sigs)
	case agents.SignAggregate:
		k := aggKey{att.Data.Root(), string(att.AggregationBits), att.CommitteeBits}
		if s, ok := e.aggCache[k]; ok {
			return s.sig
		}
		start := e.now()
		var sks []*crypto.SecretKey
		for _, c := range parts {
			for _, p := range c.positions() {
				sks = append(sks, e.keys.Secret(uint64(c.validators[p])))
			}
		}
		root := consensus.SigningRoot(&e.cfg, st, consensus.DomainBeaconAttester, att.Data.Target.Epoch, att.Data.Root())
		s := crypto.SignWithSum(sks, root)
		e.stats.AggregateSigns++
		e.timing.SigningSeconds += e.since(start).Seconds()
		e.aggCache[k] = cachedSig{sig: s, slot: att.Data.Slot}
		return s
	}
	return crypto.Signature{}
}
