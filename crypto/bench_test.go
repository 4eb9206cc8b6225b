package crypto

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"

	blst "github.com/supranational/blst/bindings/go"
)

func BenchmarkSign(b *testing.B) {
	sk := DeriveSecretKey(1, 0)
	msg := msgOf("bench sign")
	b.ResetTimer()
	for b.Loop() {
		Sign(sk, msg)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkSignWithSum128(b *testing.B) {
	k := NewKeyring(1, 128, 0)
	sks := make([]*SecretKey, 128)
	for i := range sks {
		sks[i] = k.Secret(uint64(i))
	}
	msg := msgOf("bench sum")
	b.ResetTimer()
	for b.Loop() {
		SignWithSum(sks, msg)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

func BenchmarkFastAggregateVerify128(b *testing.B) {
	k := NewKeyring(1, 128, 0)
	idx := make([]uint64, 128)
	for i := range idx {
		idx[i] = uint64(i)
	}
	msg := msgOf("bench fav")
	c := committeeCheck(k, msg, idx)
	pks := publics(k, idx...)
	b.ResetTimer()
	for b.Loop() {
		if !FastAggregateVerify(pks, msg, c.Signature) {
			b.Fatal("valid aggregate rejected")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "verifies/s")
}

// BenchmarkVerifyAggregates64x128 verifies a block-sized batch: 64
// aggregates of 128 members each (valid, so the batch path alone runs), and
// one bad check (batch, then per-check fallback).
func BenchmarkVerifyAggregates64x128(b *testing.B) {
	const checks, members = 64, 128
	k := NewKeyring(1, checks*members, 0)
	cs := make([]AggregateCheck, checks)
	for i := range cs {
		idx := make([]uint64, members)
		for j := range idx {
			idx[j] = uint64(i*members + j)
		}
		sks := make([]*SecretKey, members)
		for j, v := range idx {
			sks[j] = k.Secret(v)
		}
		msg := msgOf(fmt.Sprint("committee", i))
		cs[i] = AggregateCheck{Indices: idx, Message: msg, Signature: SignWithSum(sks, msg)}
	}
	bad := append([]AggregateCheck(nil), cs...)
	bad[17].Message[0] ^= 1
	for _, bc := range []struct {
		name   string
		checks []AggregateCheck
		okWant int
	}{{"valid", cs, checks}, {"one-bad", bad, checks - 1}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				n := 0
				for _, ok := range k.VerifyAggregates(bc.checks) {
					if ok {
						n++
					}
				}
				if n != bc.okWant {
					b.Fatalf("%d checks passed, want %d", n, bc.okWant)
				}
			}
			b.ReportMetric(float64(b.N*checks)/b.Elapsed().Seconds(), "checks/s")
		})
	}
}

func BenchmarkNewKeyring1000(b *testing.B) {
	for b.Loop() {
		NewKeyring(1, 1000, 0)
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "keys/s")
}

// benchKeys is the keyring size of BenchmarkKeyCache: 100,000, or
// $STAKESIM_BENCH_KEYS (1,000,000 takes about 100 s of two cores to derive).
func benchKeys(b *testing.B) int {
	n := 100_000
	if s := os.Getenv("STAKESIM_BENCH_KEYS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("STAKESIM_BENCH_KEYS=%q is not a positive integer", s)
		}
		n = v
	}
	return n
}

// BenchmarkKeyCache compares the ways a run can get its keys, at
// benchKeys keys (run it with -benchtime=1x): derive (NewKeyring), write
// (writing the cache file of a derived keyring), cold (LoadOrDeriveKeyring
// on an empty cache: derive and write) and warm (LoadOrDeriveKeyring on a
// cache holding the file). Each reports s/100k (seconds per 100,000 keys)
// and warm also B/key on disk and alloc-B/key (bytes allocated while
// loading, the keyring included).
func BenchmarkKeyCache(b *testing.B) {
	n := benchKeys(b)
	per100k := func(b *testing.B) {
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N)*1e5/float64(n), "s/100k")
	}
	b.Run("derive", func(b *testing.B) {
		for b.Loop() {
			NewKeyring(1, n, 0)
		}
		per100k(b)
	})
	b.Run("write", func(b *testing.B) {
		k, dir := NewKeyring(1, n, 0), b.TempDir()
		for b.Loop() {
			if _, err := writeCacheFile(dir, k); err != nil {
				b.Fatal(err)
			}
		}
		per100k(b)
	})
	b.Run("cold", func(b *testing.B) {
		for b.Loop() {
			opts := CacheOptions{Dir: b.TempDir()}
			if _, res := LoadOrDeriveKeyring(1, n, 0, opts); res.Status != CacheMiss || res.Path == "" {
				b.Fatalf("cold cache: %+v", res)
			}
		}
		per100k(b)
	})
	b.Run("warm", func(b *testing.B) {
		opts := CacheOptions{Dir: b.TempDir()}
		LoadOrDeriveKeyring(1, n, 0, opts)
		var mem runtime.MemStats
		runtime.ReadMemStats(&mem)
		before := mem.TotalAlloc
		var path string
		for b.Loop() {
			_, res := LoadOrDeriveKeyring(1, n, 0, opts)
			if res.Status != CacheHit {
				b.Fatalf("warm cache: %+v", res)
			}
			path = res.Path
		}
		per100k(b)
		runtime.ReadMemStats(&mem)
		b.ReportMetric(float64(mem.TotalAlloc-before)/float64(b.N)/float64(n), "alloc-B/key")
		if fi, err := os.Stat(path); err == nil {
			b.ReportMetric(float64(fi.Size())/float64(n), "B/key")
		}
	})
}

// committeeMembers is the size of a mainnet committee at a million
// validators: 1,000,000 / 32 slots / 64 committees.
const committeeMembers = 490

// benchCommittee returns a keyring of 16,384 keys and committees of
// committeeMembers distinct indices drawn from it, so that the members'
// keys are scattered over memory as a real committee's are.
func benchCommittee(b *testing.B, committees int) (*Keyring, [][]uint64) {
	b.Helper()
	const n = 16384
	k := NewKeyring(1, n, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([][]uint64, committees)
	for c := range out {
		for _, i := range rng.Perm(n)[:committeeMembers] {
			out[c] = append(out[c], uint64(i))
		}
	}
	return k, out
}

// BenchmarkCommitteeAggregateKey measures the ways of forming the
// aggregate public key of a mainnet-sized committee, reporting
// ns/committee: affine (sum the members' affine public keys with one
// batched blst call, as VerifyAggregates does in BLS mode full), sum-blst
// (sum the secret keys with blst's Scalar.AddAssign, one cgo call per key,
// then blst's multiplication of the generator), sum-blst-mul (the sum in
// Go, reduced mod r once, then blst's multiplication) and sum (the sum in
// Go, then the fixed-base table multiplication: what VerifyAggregates does
// after UseSecretSums, BLS mode aggregate).
func BenchmarkCommitteeAggregateKey(b *testing.B) {
	k, cs := benchCommittee(b, 64)
	b.Run("affine", func(b *testing.B) {
		var pts []*blst.P1Affine
		i := 0
		for b.Loop() {
			_, pts = k.aggregateKey(cs[i%len(cs)], pts)
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/committee")
	})
	b.Run("sum-blst", func(b *testing.B) {
		i := 0
		for b.Loop() {
			var sum blst.Scalar
			for _, v := range cs[i%len(cs)] {
				sum.AddAssign(&k.Secret(v).s)
			}
			new(blst.P1Affine).From(&sum)
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/committee")
	})
	b.Run("sum-blst-mul", func(b *testing.B) {
		i := 0
		for b.Loop() {
			var s scalarSum
			for _, v := range cs[i%len(cs)] {
				s.add(k.Secret(v))
			}
			sc := s.scalar()
			new(blst.P1Affine).From(&sc)
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/committee")
	})
	sums := NewKeyring(1, 0, 0)
	*sums = *k
	sums.UseSecretSums()
	b.Run("sum", func(b *testing.B) {
		i := 0
		for b.Loop() {
			sums.aggregateKey(cs[i%len(cs)], nil)
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/committee")
	})
}

// BenchmarkCommitteeSignature measures the ways of making the aggregate
// signature of a mainnet-sized committee over one message, reporting
// ns/committee: individual-blst (every member signs with blst's Sign, which
// hashes the message each time, then the signatures are summed),
// individual (every member signs with Sign, which hashes the message once
// for all, then AggregateSignatures, as BLS mode full does) and sum
// (SignWithSum, one signature with the sum of the secret keys, as BLS mode
// aggregate does).
func BenchmarkCommitteeSignature(b *testing.B) {
	k, cs := benchCommittee(b, 8)
	msg := msgOf("bench committee")
	sks := make([][]*SecretKey, len(cs))
	for c, idx := range cs {
		for _, v := range idx {
			sks[c] = append(sks[c], k.Secret(v))
		}
	}
	b.Run("individual-blst", func(b *testing.B) {
		i := 0
		for b.Loop() {
			var agg blst.P2Aggregate
			for _, sk := range sks[i%len(sks)] {
				agg.Add(new(blst.P2Affine).Sign(&sk.s, msg[:], []byte(ciphersuite)), false)
			}
			agg.ToAffine()
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/committee")
	})
	b.Run("individual", func(b *testing.B) {
		i := 0
		for b.Loop() {
			sigs := make([]Signature, 0, committeeMembers)
			for _, sk := range sks[i%len(sks)] {
				sigs = append(sigs, Sign(sk, msg))
			}
			AggregateSignatures(sigs)
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/committee")
	})
	b.Run("sum", func(b *testing.B) {
		i := 0
		for b.Loop() {
			SignWithSum(sks[i%len(sks)], msg)
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/committee")
	})
}
