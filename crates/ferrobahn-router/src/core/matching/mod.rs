//! The match tables of a realm's broker and dealer: exact URIs in a hash map, prefix
//! patterns in a radix tree, wildcard patterns in a component trie with wildcard edges.
//! A lookup costs the URI's length plus the matches, not the number of patterns.

mod prefix;
mod wildcard;

#[cfg(test)]
mod tests;

use std::collections::HashMap;

use ferrobahn_wamp::{Id, MatchPolicy};

use prefix::PrefixTrie;
use wildcard::WildcardTrie;

/// Patterns of all three match policies and the subscription or registration ID of each.
#[derive(Debug, Default)]
pub(crate) struct PatternTable {
    exact: HashMap<String, Id>,
    prefix: PrefixTrie,
    wildcard: WildcardTrie,
}

impl PatternTable {
    /// Adds `pattern` under `policy`; returns the ID it replaced.
    pub(crate) fn insert(&mut self, pattern: &str, policy: MatchPolicy, id: Id) -> Option<Id> {
        match policy {
            MatchPolicy::Exact => self.exact.insert(pattern.to_owned(), id),
            MatchPolicy::Prefix => self.prefix.insert(pattern, id),
            MatchPolicy::Wildcard => self.wildcard.insert(pattern, id),
        }
    }

    /// Removes `pattern` of `policy`; returns its ID.
    pub(crate) fn remove(&mut self, pattern: &str, policy: MatchPolicy) -> Option<Id> {
        match policy {
            MatchPolicy::Exact => self.exact.remove(pattern),
            MatchPolicy::Prefix => self.prefix.remove(pattern),
            MatchPolicy::Wildcard => self.wildcard.remove(pattern),
        }
    }

    /// The ID of exactly this pattern and policy.
    pub(crate) fn lookup(&self, pattern: &str, policy: MatchPolicy) -> Option<Id> {
        match policy {
            MatchPolicy::Exact => self.exact.get(pattern).copied(),
            MatchPolicy::Prefix => self.prefix.get(pattern),
            MatchPolicy::Wildcard => self.wildcard.get(pattern),
        }
    }

    /// Calls `f` with every pattern's ID matching `uri` (a broker's subscriptions for a
    /// publication): the exact one, then prefixes (shortest first), then wildcards.
    pub(crate) fn for_each_match(&self, uri: &str, mut f: impl FnMut(Id)) {
        if let Some(id) = self.exact.get(uri) {
            f(*id);
        }
        self.prefix.for_each_match(uri, &mut f);
        self.wildcard.for_each_match(uri, f);
    }

    /// Every pattern's ID matching `uri`.
    pub(crate) fn matching(&self, uri: &str) -> Vec<Id> {
        let mut out = Vec::new();
        self.for_each_match(uri, |id| out.push(id));
        out
    }

    /// The one pattern a call of `uri` goes to (WAMP Advanced Profile, "Calls matching
    /// multiple registrations"): the exact one, else the longest prefix, else the
    /// wildcard pattern with the longest literal runs before its wildcards, first runs
    /// first (Crossbar.io's literal-before-wildcard trie order).
    pub(crate) fn best_match(&self, uri: &str) -> Option<Id> {
        if let Some(id) = self.exact.get(uri) {
            return Some(*id);
        }
        self.prefix
            .longest_match(uri)
            .or_else(|| self.wildcard.best_match(uri))
    }

    /// Every ID by policy: exact, prefix, wildcard.
    pub(crate) fn list(&self) -> [Vec<Id>; 3] {
        [
            self.exact.values().copied().collect(),
            self.prefix.ids(),
            self.wildcard.ids(),
        ]
    }
}
