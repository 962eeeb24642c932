//! RawSocket.
