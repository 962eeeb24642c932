//! Checks of a transport's reads into uninitialised memory
//! ([`ReadUninit`](ferrobahn_rt::ReadUninit)), shared by the runtime
//! bindings' tests.

use std::io;

use ferrobahn_rt::{poll_read_uninit_vec, Transport};

/// Reads once from `io` through its [`ReadUninit`](ferrobahn_rt::ReadUninit)
/// into `cap` bytes of never-initialised space; the bytes read (empty at the
/// end of the stream).
///
/// # Errors
/// The transport's read error.
///
/// # Panics
/// When `io` does not read into uninitialised memory (`read_uninit()` is
/// `None`): the caller expected it to.
pub async fn read_uninit_once<T: Transport>(io: &mut T, cap: usize) -> io::Result<Vec<u8>> {
    let reader = io
        .read_uninit()
        .expect("the transport reads into uninitialised memory");
    let mut buf = Vec::with_capacity(cap);
    std::future::poll_fn(|cx| poll_read_uninit_vec(&mut *reader, cx, &mut buf)).await?;
    Ok(buf)
}
