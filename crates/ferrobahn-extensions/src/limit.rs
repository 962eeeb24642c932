//! Output-size discipline shared by the codecs.

/// RSV1, the bit every per-message compression extension here uses.
pub(crate) const RSV1: u8 = 0b100;

/// Makes room for `extra` more bytes in `out`, growing geometrically like
/// `Vec` does but never past `max_out + 1` bytes of capacity (unless `out`
/// already had more), so a message cut off at the limit never holds a
/// buffer twice the limit.
pub(crate) fn grow_within(out: &mut Vec<u8>, extra: usize, max_out: usize) {
    let needed = out.len().saturating_add(extra);
    if needed <= out.capacity() {
        return;
    }
    let cap = out
        .capacity()
        .saturating_mul(2)
        .max(needed)
        .min(max_out.saturating_add(1))
        .max(needed);
    out.reserve_exact(cap - out.len());
}

/// Shrinks a scratch buffer that a large message left big.
#[cfg(feature = "snappy")]
pub(crate) fn shrink_scratch(buf: &mut Vec<u8>, keep: usize) {
    buf.clear();
    if buf.capacity() > keep {
        buf.shrink_to(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_is_capped_at_the_limit() {
        let mut v = vec![0u8; 1000];
        grow_within(&mut v, 100, 1050);
        assert!(
            v.capacity() >= 1100 && v.capacity() <= 1100,
            "{}",
            v.capacity()
        );
        let mut v = vec![0u8; 10];
        grow_within(&mut v, 10, 1 << 20);
        assert!(v.capacity() >= 20);
    }

    #[cfg(feature = "snappy")]
    #[test]
    fn scratch_shrinks() {
        let mut s = Vec::with_capacity(100_000);
        s.push(1);
        shrink_scratch(&mut s, 100);
        assert!(s.is_empty() && s.capacity() <= 100);
    }
}
