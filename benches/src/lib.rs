//! Criterion benchmarks (see benches/).
//!
//! - `mask`: payload masking of 20 B, 1 KiB and 64 KiB, dispatched and per implementation,
//!   against a naive bytewise loop.
//! - `utf8`: validation of 64 KiB of ASCII and of mixed multibyte text, against `std`.
//! - `frame_header`: header decode and encode.
//!
//! Run one with `cargo bench -p ferrobahn-benches --bench mask`.
