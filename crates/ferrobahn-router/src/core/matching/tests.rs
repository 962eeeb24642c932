//! The indexed tables against a linear scan of every pattern (the router's former
//! matching), on random patterns, URIs and insert/remove sequences.

use std::collections::HashMap;

use ferrobahn_wamp::{Id, MatchPolicy};
use proptest::prelude::*;

use super::PatternTable;

fn id(n: u64) -> Id {
    Id::new(n).unwrap()
}

/// The reference: every pattern in a map, every lookup a scan.
#[derive(Default)]
struct Linear(HashMap<(String, MatchPolicy), Id>);

/// Lengths of the literal runs before each wildcard (and after the last), WAMP's
/// "longest portion of URI components matched before each wildcard", compared in order.
fn literal_runs(pattern: &str) -> Vec<usize> {
    pattern.split('.').fold(vec![0], |mut runs, c| {
        if c.is_empty() {
            runs.push(0);
        } else {
            *runs.last_mut().unwrap() += 1;
        }
        runs
    })
}

impl Linear {
    fn matching(&self, uri: &str) -> Vec<Id> {
        let mut v: Vec<Id> = self
            .0
            .iter()
            .filter(|((p, policy), _)| policy.matches(p, uri))
            .map(|(_, id)| *id)
            .collect();
        v.sort();
        v
    }

    fn best(&self, uri: &str) -> Option<Id> {
        let of = |want: MatchPolicy| {
            self.0
                .iter()
                .filter(move |((p, policy), _)| *policy == want && policy.matches(p, uri))
        };
        if let Some((_, id)) = of(MatchPolicy::Exact).next() {
            return Some(*id);
        }
        if let Some((_, id)) = of(MatchPolicy::Prefix).max_by_key(|((p, _), _)| p.len()) {
            return Some(*id);
        }
        of(MatchPolicy::Wildcard)
            .max_by_key(|((p, _), _)| literal_runs(p))
            .map(|(_, id)| *id)
    }
}

fn sorted(mut v: Vec<Id>) -> Vec<Id> {
    v.sort();
    v
}

fn component() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "", "a", "b", "ab", "é", "a-1"]).prop_map(str::to_owned)
}

fn uri() -> impl Strategy<Value = String> {
    prop::collection::vec(component(), 1..5).prop_map(|c| c.join("."))
}

fn policy() -> impl Strategy<Value = MatchPolicy> {
    prop::sample::select(vec![
        MatchPolicy::Exact,
        MatchPolicy::Prefix,
        MatchPolicy::Wildcard,
    ])
}

/// A pattern of any policy; prefixes may also end inside a component.
fn pattern() -> impl Strategy<Value = (String, MatchPolicy)> {
    (uri(), policy(), 0usize..4).prop_map(|(mut p, policy, cut)| {
        if policy == MatchPolicy::Prefix {
            let keep = p.len().saturating_sub(cut);
            while !p.is_char_boundary(keep.min(p.len())) {
                p.pop();
            }
            p.truncate(keep.min(p.len()));
        }
        (p, policy)
    })
}

/// Insert (true) or remove (false) of a pattern.
fn ops() -> impl Strategy<Value = Vec<(bool, (String, MatchPolicy))>> {
    prop::collection::vec((prop::bool::weighted(0.7), pattern()), 0..60)
}

fn apply(t: &mut PatternTable, l: &mut Linear, ops: &[(bool, (String, MatchPolicy))]) {
    for (n, (add, (p, policy))) in ops.iter().enumerate() {
        let key = (p.clone(), *policy);
        if *add {
            let new = id(n as u64 + 1);
            assert_eq!(
                t.insert(p, *policy, new),
                l.0.insert(key, new),
                "insert {p:?}"
            );
        } else {
            assert_eq!(t.remove(p, *policy), l.0.remove(&key), "remove {p:?}");
        }
        assert_eq!(
            t.lookup(p, *policy),
            l.0.get(&(p.clone(), *policy)).copied()
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn index_agrees_with_linear_scan(ops in ops(), uris in prop::collection::vec(uri(), 1..20)) {
        let (mut t, mut l) = (PatternTable::default(), Linear::default());
        apply(&mut t, &mut l, &ops);
        for u in uris.iter().chain(ops.iter().map(|(_, (p, _))| p)) {
            prop_assert_eq!(sorted(t.matching(u)), l.matching(u), "matching {:?}", u);
            prop_assert_eq!(t.best_match(u), l.best(u), "best match {:?}", u);
        }
        let [e, p, w] = t.list();
        let mut all: Vec<Id> = e.into_iter().chain(p).chain(w).collect();
        all.sort();
        let mut want: Vec<Id> = l.0.values().copied().collect();
        want.sort();
        prop_assert_eq!(all, want);
    }

    #[test]
    fn removing_everything_leaves_bare_tries(ops in ops()) {
        let (mut t, mut l) = (PatternTable::default(), Linear::default());
        apply(&mut t, &mut l, &ops);
        for ((p, policy), want) in std::mem::take(&mut l.0) {
            prop_assert_eq!(t.remove(&p, policy), Some(want));
        }
        prop_assert_eq!(t.prefix.len() + t.wildcard.len() + t.exact.len(), 0);
        prop_assert!(t.prefix.is_bare() && t.wildcard.is_bare());
    }
}

#[test]
fn prefix_is_a_string_prefix_as_in_the_spec() {
    let mut t = PatternTable::default();
    t.insert("com.myapp.myobject1", MatchPolicy::Prefix, id(1));
    for hit in [
        "com.myapp.myobject1.myprocedure1",
        "com.myapp.myobject1-mysubobject1",
        "com.myapp.myobject1.mysubobject1.myprocedure1",
        "com.myapp.myobject1",
    ] {
        assert_eq!(t.best_match(hit), Some(id(1)), "{hit}");
    }
    for miss in ["com.myapp.myobject2", "com.myapp.myobject"] {
        assert_eq!(t.best_match(miss), None, "{miss}");
    }
}

#[test]
fn calls_matching_several_registrations_follow_the_spec_examples() {
    let mut t = PatternTable::default();
    let regs = [
        ("a1.b2.c3.d4.e55", MatchPolicy::Exact),
        ("a1.b2.c3", MatchPolicy::Prefix),
        ("a1.b2.c3.d4", MatchPolicy::Prefix),
        ("a1.b2..d4.e5", MatchPolicy::Wildcard),
        ("a1.b2.c3..e5", MatchPolicy::Wildcard),
        ("a1.b2..d4.e5..g7", MatchPolicy::Wildcard),
        ("a1.b2..d4..f6.g7", MatchPolicy::Wildcard),
    ];
    for (n, (p, policy)) in regs.into_iter().enumerate() {
        t.insert(p, policy, id(n as u64 + 1));
    }
    let calls = [
        ("a1.b2.c3.d4.e55", Some(1)),
        ("a1.b2.c3.d98.e74", Some(2)),
        ("a1.b2.c3.d4.e325", Some(3)),
        ("a1.b2.c55.d4.e5", Some(4)),
        ("a1.b2.c3.d4.e5", Some(3)),
        ("a1.b2.c88.d4.e5.f6.g7", Some(6)),
        ("a2.b2.c2.d2.e2", None),
    ];
    for (uri, want) in calls {
        assert_eq!(t.best_match(uri), want.map(id), "{uri}");
    }
    // Without the prefixes, the spec's wildcard tie-break: 5 over 4.
    t.remove("a1.b2.c3", MatchPolicy::Prefix);
    t.remove("a1.b2.c3.d4", MatchPolicy::Prefix);
    assert_eq!(t.best_match("a1.b2.c3.d4.e5"), Some(id(5)));
}

#[test]
fn deep_uris_do_not_recurse() {
    let mut t = PatternTable::default();
    let deep = vec!["x"; 100_000].join(".");
    t.insert(&deep, MatchPolicy::Wildcard, id(1));
    t.insert(&deep, MatchPolicy::Prefix, id(2));
    let wild = vec![""; 100_000].join(".");
    t.insert(&wild, MatchPolicy::Wildcard, id(3));
    assert_eq!(sorted(t.matching(&deep)), vec![id(1), id(2), id(3)]);
    assert_eq!(t.best_match(&deep), Some(id(2)));
    assert_eq!(t.remove(&deep, MatchPolicy::Wildcard), Some(id(1)));
    assert_eq!(t.remove(&wild, MatchPolicy::Wildcard), Some(id(3)));
    assert!(t.wildcard.is_bare());
}
