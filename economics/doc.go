// Package economics holds money outside the beacon state's own rules: for
// now, issuance and yield accounting — what a validator set earns per epoch
// and per year under the spec's reward arithmetic, computed analytically so
// that simulated runs can be checked against it. Later issues add the
// restaking ledger, LST/LRT exchange rates and markets here.
//
// Like package consensus it is pure: no goroutines, no I/O, no clocks, no
// global randomness. Amounts are integer Gwei; floats appear only in
// annualised rates meant for reports.
package economics
