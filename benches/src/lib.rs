//! Criterion benchmarks (see benches/).
