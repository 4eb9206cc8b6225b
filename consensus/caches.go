package consensus

// Caches is shared, content-addressed memoisation (shufflings by seed).
// Placeholder: replaced by the shuffling implementation.
type Caches struct{}
