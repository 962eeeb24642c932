//! `BusyPoll` on a runtime with a virtual clock: spins, parks, wakes, ends.

use std::sync::Arc;
use std::time::Duration;

use ferrobahn_rt::{BusyPoll, BusyPollConfig};
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

/// Spins past the budget of a 1 ms period at 50% (spent at 500 µs): one touch and one
/// run per 100 µs.
fn spin_past_the_budget(rt: &ManualRuntime, busy: &BusyPoll) {
    spins(rt, 1);
    for _ in 0..6 {
        rt.advance(Duration::from_micros(100));
        busy.touch();
        spins(rt, 1);
    }
}

#[test]
fn a_blocking_rest_blocks_the_thread_for_the_rest_of_the_period() {
    let config = BusyPollConfig::new(WINDOW)
        .with_max_share_percent(50)
        .with_period(Duration::from_millis(1));
    // Resting as usual: the spinner waits for the period's end on the runtime.
    let rt = ManualRuntime::new();
    let busy = BusyPoll::start_with(Arc::new(rt.clone()), config);
    spin_past_the_budget(&rt, &busy);
    assert!(!busy.is_spinning(), "not resting past its share");
    rt.advance(Duration::from_micros(400));
    spins(&rt, 2);
    assert!(busy.is_spinning(), "still resting in the next period");
    // A blocking rest: the run that spent the share blocks for the rest of the period,
    // then the spinner goes on in a new period without waiting on the runtime.
    let rt = ManualRuntime::new();
    let busy = BusyPoll::start_with(Arc::new(rt.clone()), config.with_blocking_rest(true));
    spins(&rt, 1);
    for _ in 0..4 {
        rt.advance(Duration::from_micros(100));
        busy.touch();
        spins(&rt, 1);
    }
    assert!(busy.is_spinning());
    // The share is spent at 500 µs: 500 µs of the period are left.
    rt.advance(Duration::from_micros(100));
    busy.touch();
    let start = std::time::Instant::now();
    spins(&rt, 1);
    assert!(
        start.elapsed() >= Duration::from_micros(500),
        "did not block"
    );
    assert!(busy.is_spinning(), "still resting after a blocking rest");
    drop(busy);
    assert_eq!(rt.run_spawned(), 0, "spinner still alive");
}

#[test]
fn the_config_clamps_share_and_period() {
    let c = BusyPollConfig::new(WINDOW);
    assert_eq!((c.max_share_percent, c.period), (80, BusyPoll::PERIOD));
    assert!(!c.blocking_rest);
    assert_eq!(c.with_max_share_percent(0).max_share_percent, 1);
    assert_eq!(c.with_max_share_percent(250).max_share_percent, 100);
    assert_eq!(
        c.with_period(Duration::ZERO).period,
        BusyPollConfig::MIN_PERIOD
    );
}

#[test]
fn a_turn_past_the_period_is_paid_with_a_longer_rest() {
    let config = BusyPollConfig::new(WINDOW * 100)
        .with_max_share_percent(50)
        .with_period(Duration::from_millis(1));
    let rt = ManualRuntime::new();
    let busy = BusyPoll::start_with(Arc::new(rt.clone()), config);
    spins(&rt, 1);
    // One turn of the runtime took 3 ms (a burst of work): at 50% that owes 3 ms of rest,
    // not a fresh period.
    rt.advance(Duration::from_millis(3));
    busy.touch();
    spins(&rt, 1);
    assert!(!busy.is_spinning(), "a long turn started a fresh period");
    rt.advance(Duration::from_micros(2_900));
    spins(&rt, 2);
    assert!(!busy.is_spinning(), "rested less than the time spun");
    rt.advance(Duration::from_micros(100));
    spins(&rt, 2);
    assert!(busy.is_spinning());
    drop(busy);
    assert_eq!(rt.run_spawned(), 0, "spinner still alive");
}
