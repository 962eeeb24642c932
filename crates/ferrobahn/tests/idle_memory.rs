//! Heap held per idle WebSocket connection on the server, on every runtime.
//!
//! A counting global allocator measures the bytes the server keeps for N
//! connections that finished their opening handshake and one ping, once
//! those bytes stop changing: a bound that does not depend on timing, so
//! idle-connection memory (issue 3: at most 2 KiB of server RSS each) does
//! not creep back up unnoticed.
#![allow(clippy::duplicate_mod)] // on purpose: one body per runtime

use std::alloc::System;
use std::sync::Mutex;

use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The allocator counts every thread: one measurement at a time.
static MEASURING: Mutex<()> = Mutex::new(());

/// Heap bytes allocated and not yet freed, process-wide (reallocations are
/// already counted in both totals).
fn live_bytes() -> i128 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i128 - s.bytes_deallocated as i128
}

#[path = "."]
mod on_tokio {
    ferrobahn_test::runtime_tokio!();
    #[path = "idle/held.rs"]
    mod held;
}

#[path = "."]
mod on_async_std {
    ferrobahn_test::runtime_async_std!();
    #[path = "idle/held.rs"]
    mod held;
}
