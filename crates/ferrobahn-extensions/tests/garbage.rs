//! Every decoder, fed arbitrary bytes in arbitrary frame splits, returns
//! an error or output within the limit, and never panics; after an error a
//! new message decodes normally.

use ferrobahn_extensions::{CodecError, PerMessageCodec};

/// Deterministic pseudo-random bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn hammer(make: &dyn Fn() -> Box<dyn PerMessageCodec>, valid_prefix: &[u8]) {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let limit = 64 * 1024;
    for round in 0..300 {
        let mut codec = make();
        let len = (rng.next() % 2000) as usize;
        let mut data = rng.bytes(len);
        if round % 3 == 0 {
            // Start like a real stream so decoding gets past the header.
            data.splice(0..0, valid_prefix.iter().copied());
        }
        if round % 5 == 0 && !data.is_empty() {
            let at = (rng.next() as usize) % data.len();
            data[at] ^= 0x40;
        }
        let mut out = Vec::new();
        let mut rest = &data[..];
        let mut result = Ok(());
        while result.is_ok() {
            let n = ((rng.next() % 300) as usize).min(rest.len());
            let (piece, tail) = rest.split_at(n);
            rest = tail;
            result = codec.decode(piece, rest.is_empty(), &mut out, limit);
            if rest.is_empty() {
                break;
            }
        }
        assert!(out.len() <= limit);
        if let Err(e) = &result {
            assert!(
                matches!(e, CodecError::Invalid(_) | CodecError::TooLarge),
                "{e}"
            );
        }
        // A fresh, valid message still decodes on a fresh codec pair.
        let mut tx = make();
        let mut rx = make();
        let mut wire = Vec::new();
        assert!(tx.encode(b"still fine", &mut wire).unwrap());
        let mut back = Vec::new();
        rx.decode(&wire, true, &mut back, limit).unwrap();
        assert_eq!(back, b"still fine");
    }
}

#[cfg(feature = "deflate")]
#[test]
fn deflate_garbage() {
    use ferrobahn_extensions::{DeflateCodec, DeflateParams};
    hammer(
        &|| Box::new(DeflateCodec::new(DeflateParams::default())),
        &[0x04],
    );
}

#[cfg(feature = "bzip2")]
#[test]
fn bzip2_garbage() {
    use ferrobahn_extensions::{Bzip2Codec, Bzip2Params};
    let make = || -> Box<dyn PerMessageCodec> {
        Box::new(Bzip2Codec::new(Bzip2Params {
            compress_level: 1,
            small_decompress: false,
        }))
    };
    hammer(&make, b"BZh91AY&SY");
}

#[cfg(feature = "snappy")]
#[test]
fn snappy_garbage() {
    use ferrobahn_extensions::{SnappyCodec, SnappyParams};
    let prefix = [
        0xff, 0x06, 0x00, 0x00, b's', b'N', b'a', b'P', b'p', b'Y', 0x00,
    ];
    hammer(
        &|| Box::new(SnappyCodec::new(SnappyParams::default())),
        &prefix,
    );
}

#[cfg(feature = "brotli")]
#[test]
fn brotli_garbage() {
    use ferrobahn_extensions::{BrotliCodec, BrotliConfig, BrotliParams};
    let params: BrotliParams = BrotliConfig::default()
        .server_response(&Default::default())
        .1;
    hammer(&|| Box::new(BrotliCodec::new(params)), &[0x0b]);
}
