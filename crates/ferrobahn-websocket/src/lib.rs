//! The sans-IO WebSocket connection: messages, fragmentation, control frames, close handshake, timers.
#![forbid(unsafe_code)]
