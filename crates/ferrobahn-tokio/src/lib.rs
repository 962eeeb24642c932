//! tokio binding for ferrobahn.
#![forbid(unsafe_code)]
