//! Runnable examples (see examples/).
