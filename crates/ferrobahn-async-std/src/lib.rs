//! async-std / smol (async-io) binding for ferrobahn.
#![forbid(unsafe_code)]
