package crypto

import (
	"fmt"
	"testing"
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
