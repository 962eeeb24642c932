//! WebSocket HTTP/1.1 opening handshake, client and server (sans-IO).
#![forbid(unsafe_code)]
