//! WAMP serializers (JSON, MessagePack, CBOR, UBJSON) and RawSocket framing.
#![forbid(unsafe_code)]
