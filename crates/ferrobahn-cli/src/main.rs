//! The `ferrobahn` command.
#![forbid(unsafe_code)]

fn main() {}
