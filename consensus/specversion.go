package consensus

// SpecVersion names the ethereum/consensus-specs text whose Electra rules
// stakesim follows, here and in package consensus/forkchoice: the release
// tag v1.7.0-alpha.13 (commit e762dd6e2c45, 2026-07-31). summary.json
// reports it as spec_version.
//
// The doc comments quote the text of the repository's head when this was
// written (v1.7.0-alpha.13-16-ga08d8a6e2, 2026-08-07). The commits after the
// tag change no Electra rule: type definitions become classes (#5471), the
// fork-choice Store loses its default fields (#5519), docstrings are
// reworded, and get_shuffling_dependent_root takes the genesis block, not
// Root(), as the dependent root of epochs up to MIN_SEED_LOOKAHEAD (#5515),
// which is the same for the head and the new block, as Root() was, so
// update_proposer_boost_root decides as before. The proposer-boost rule of
// consensus-specs #5306 (matching shuffling dependent roots) is in the
// tagged text.
const SpecVersion = "v1.7.0-alpha.13"
