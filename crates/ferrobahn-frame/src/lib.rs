//! RFC 6455 frame codec: headers, opcodes, close codes, masking and incremental UTF-8 validation (sans-IO).
#![forbid(unsafe_code)]
