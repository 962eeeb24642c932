//! Runtime-agnostic async layer for ferrobahn: Runtime and Transport traits, the generic connection driver, handler API.
#![forbid(unsafe_code)]
