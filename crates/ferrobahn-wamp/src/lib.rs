//! WAMP v2 message model: messages, IDs, URIs, roles, options and details.
#![forbid(unsafe_code)]
