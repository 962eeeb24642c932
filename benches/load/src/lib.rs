//! Load harness (see the binaries).
