//! A length-prefixed TCP echo (4-byte big-endian length, then the payload):
//! the machine's limit for the same generator. It echoes every complete
//! message received in one read with one write.

use std::io;

use ferrobahn_load::{server, MAX_MESSAGE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo(mut s: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut filled = 0;
    loop {
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = s.read(&mut buf[filled..]).await?;
        if n == 0 {
            return Ok(());
        }
        filled += n;
        let mut end = 0;
        while filled - end >= 4 {
            let len =
                u32::from_be_bytes([buf[end], buf[end + 1], buf[end + 2], buf[end + 3]]) as usize;
            if len > MAX_MESSAGE {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "message too large",
                ));
            }
            if filled - end - 4 < len {
                break;
            }
            end += 4 + len;
        }
        if end > 0 {
            s.write_all(&buf[..end]).await?;
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
    }
}

fn main() -> io::Result<()> {
    let args = server::init(&[]);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    rt.block_on(async move {
        let listener = TcpListener::bind(args.listen).await?;
        server::announce(listener.local_addr()?);
        loop {
            let (s, _) = listener.accept().await?;
            s.set_nodelay(true)?;
            tokio::spawn(async move {
                let _ = echo(s).await;
            });
        }
    })
}
