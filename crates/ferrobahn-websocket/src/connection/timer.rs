//! The connection's deadlines, kept as values (quinn's `TimerTable`).

use std::time::Instant;

/// The timers a connection may arm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Timer {
    /// Waiting for the peer's close frame after sending ours.
    CloseHandshake,
    /// A client waiting for the server to drop the TCP connection.
    ServerDrop,
    /// When to send the next automatic ping.
    AutoPing,
    /// When an unanswered automatic ping fails the connection.
    AutoPingTimeout,
    /// When an idle connection releases its buffers.
    ReleaseBuffers,
    /// When a peer that does not read our data is dropped.
    SlowReader,
}

impl Timer {
    const COUNT: usize = 6;
    const ALL: [Timer; Self::COUNT] = [
        Timer::CloseHandshake,
        Timer::ServerDrop,
        Timer::AutoPing,
        Timer::AutoPingTimeout,
        Timer::ReleaseBuffers,
        Timer::SlowReader,
    ];
}

/// One optional deadline per [`Timer`].
#[derive(Clone, Debug, Default)]
pub(crate) struct TimerTable {
    data: [Option<Instant>; Timer::COUNT],
}

impl TimerTable {
    pub(crate) fn set(&mut self, timer: Timer, deadline: Instant) {
        self.data[timer as usize] = Some(deadline);
    }

    pub(crate) fn stop(&mut self, timer: Timer) {
        self.data[timer as usize] = None;
    }

    pub(crate) fn stop_all(&mut self) {
        self.data = [None; Timer::COUNT];
    }

    pub(crate) fn get(&self, timer: Timer) -> Option<Instant> {
        self.data[timer as usize]
    }

    /// The earliest armed deadline.
    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.data.iter().flatten().min().copied()
    }

    /// Disarms and returns the timers whose deadline is at or before `now`.
    pub(crate) fn expired(&mut self, now: Instant) -> impl Iterator<Item = Timer> {
        let mut fired = [None; Timer::COUNT];
        for timer in Timer::ALL {
            if self.data[timer as usize].is_some_and(|t| t <= now) {
                self.data[timer as usize] = None;
                fired[timer as usize] = Some(timer);
            }
        }
        fired.into_iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn earliest_deadline_and_expiry() {
        let t0 = Instant::now();
        let mut table = TimerTable::default();
        assert_eq!(table.next_timeout(), None);
        table.set(Timer::AutoPing, t0 + Duration::from_secs(5));
        table.set(Timer::CloseHandshake, t0 + Duration::from_secs(2));
        assert_eq!(table.next_timeout(), Some(t0 + Duration::from_secs(2)));
        let fired: Vec<_> = table.expired(t0 + Duration::from_secs(3)).collect();
        assert_eq!(fired, vec![Timer::CloseHandshake]);
        assert_eq!(table.get(Timer::CloseHandshake), None);
        assert_eq!(table.next_timeout(), Some(t0 + Duration::from_secs(5)));
        table.stop(Timer::AutoPing);
        assert_eq!(table.next_timeout(), None);
    }
}
