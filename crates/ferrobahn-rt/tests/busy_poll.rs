//! `BusyPoll` on a runtime with a virtual clock: spins, parks, wakes, ends.

use std::sync::Arc;
use std::time::Duration;

use ferrobahn_rt::BusyPoll;
use ferrobahn_test::mem::ManualRuntime;

const WINDOW: Duration = Duration::from_micros(200);

fn started() -> (ManualRuntime, BusyPoll) {
    let rt = ManualRuntime::new();
    let busy = BusyPoll::start(Arc::new(rt.clone()), WINDOW, 80);
    (rt, busy)
}

/// Runs the spinner `n` times (each run is one yield).
fn spins(rt: &ManualRuntime, n: usize) -> usize {
    let mut alive = 0;
    for _ in 0..n {
        alive = rt.run_spawned();
    }
    alive
}

#[test]
fn spins_for_the_window_then_parks() {
    let (rt, busy) = started();
    assert_eq!(spins(&rt, 10), 1);
    assert!(busy.is_spinning());
    rt.advance(WINDOW / 2);
    spins(&rt, 3);
    assert!(busy.is_spinning(), "parked within the window");
    rt.advance(WINDOW);
    spins(&rt, 3);
    assert!(!busy.is_spinning(), "still spinning after a quiet window");
}

#[test]
fn a_touch_restarts_the_window() {
    let (rt, busy) = started();
    spins(&rt, 1);
    for _ in 0..5 {
        rt.advance(WINDOW / 2);
        busy.touch();
        spins(&rt, 2);
        assert!(busy.is_spinning());
    }
    rt.advance(WINDOW);
    spins(&rt, 3);
    assert!(!busy.is_spinning());
    busy.touch();
    assert!(busy.is_spinning(), "a touch wakes the parked spinner");
    spins(&rt, 3);
    assert!(busy.is_spinning(), "parked again before a whole window");
    rt.advance(WINDOW);
    spins(&rt, 3);
    assert!(!busy.is_spinning());
}

#[test]
fn the_spinner_ends_with_the_handle() {
    let (rt, busy) = started();
    spins(&rt, 2);
    drop(busy);
    assert_eq!(rt.run_spawned(), 0, "spinning task still alive");
    let (rt, busy) = started();
    spins(&rt, 1);
    rt.advance(WINDOW);
    spins(&rt, 3);
    assert!(!busy.is_spinning());
    drop(busy);
    assert_eq!(rt.run_spawned(), 0, "parked task still alive");
}

#[test]
fn spins_at_most_its_share_of_each_period() {
    let (rt, busy) = started();
    spins(&rt, 1);
    let step = Duration::from_micros(100);
    // Steady traffic: spinning until 80% of the 10 ms period has passed.
    for _ in 0..79 {
        rt.advance(step);
        busy.touch();
        spins(&rt, 2);
        assert!(busy.is_spinning());
    }
    rt.advance(step);
    busy.touch();
    spins(&rt, 2);
    assert!(!busy.is_spinning(), "spun past its share");
    // Touches do not end the rest; the next period does.
    rt.advance(Duration::from_millis(1));
    busy.touch();
    spins(&rt, 2);
    assert!(!busy.is_spinning());
    rt.advance(Duration::from_millis(1));
    busy.touch();
    spins(&rt, 3);
    assert!(busy.is_spinning(), "still resting in the next period");
    drop(busy);
    assert_eq!(rt.run_spawned(), 0, "spinner still alive");
}
