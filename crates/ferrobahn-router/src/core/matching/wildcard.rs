//! Wildcard patterns in a trie of URI components with a wildcard edge per node.
//!
//! An empty pattern component matches any one URI component (also an empty one); a
//! pattern matches only URIs with as many components. A lookup follows, per URI
//! component, the literal edge and the wildcard edge, so it visits only trie nodes that
//! still match the URI so far, never the whole table. Walks use explicit stacks, so a
//! URI or pattern with very many components cannot exhaust the call stack.

use std::collections::HashMap;

use ferrobahn_wamp::Id;

/// A trie node: the pattern ending here, literal children and the wildcard child.
/// Literal keys come from peers, so the map keeps std's DoS-resistant hasher.
#[derive(Debug, Default)]
struct Node {
    value: Option<Id>,
    literal: HashMap<Box<str>, Node>,
    wild: Option<Box<Node>>,
}

impl Node {
    fn branches(&self) -> usize {
        self.literal.len() + usize::from(self.wild.is_some())
    }

    fn step(&self, component: &str) -> Option<&Node> {
        if component.is_empty() {
            self.wild.as_deref()
        } else {
            self.literal.get(component)
        }
    }
}

impl Drop for Node {
    /// Drops the subtree with a loop: a pattern of many components makes a deep trie.
    fn drop(&mut self) {
        let mut stack = Vec::new();
        let take = |n: &mut Node, stack: &mut Vec<Node>| {
            stack.extend(n.literal.drain().map(|(_, child)| child));
            stack.extend(n.wild.take().map(|child| *child));
        };
        take(self, &mut stack);
        while let Some(mut n) = stack.pop() {
            take(&mut n, &mut stack);
        }
    }
}

/// The next component of a URI walk and what follows it: `Some(rest)` while components
/// remain (`"a.b"` gives `"a"`, then `"b"`; `"a."` gives `"a"`, then `""`).
fn next_component(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once('.') {
        Some((head, tail)) => (head, Some(tail)),
        None => (rest, None),
    }
}

/// Wildcard patterns and their IDs.
#[derive(Debug, Default)]
pub(crate) struct WildcardTrie {
    root: Node,
    len: usize,
}

impl WildcardTrie {
    /// Adds `pattern`; returns the ID it replaced.
    pub(crate) fn insert(&mut self, pattern: &str, id: Id) -> Option<Id> {
        let mut node = &mut self.root;
        for c in pattern.split('.') {
            node = if c.is_empty() {
                node.wild.get_or_insert_with(Box::default)
            } else {
                node.literal.entry(c.into()).or_default()
            };
        }
        let old = node.value.replace(id);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// The ID of exactly `pattern`.
    pub(crate) fn get(&self, pattern: &str) -> Option<Id> {
        let mut node = &self.root;
        for c in pattern.split('.') {
            node = node.step(c)?;
        }
        node.value
    }

    /// Removes `pattern`; returns its ID.
    pub(crate) fn remove(&mut self, pattern: &str) -> Option<Id> {
        // First pass: find the pattern and the highest edge whose subtree holds nothing
        // but the removed pattern (cut there).
        let mut node = &self.root;
        let mut cut: Option<usize> = None;
        for (depth, c) in pattern.split('.').enumerate() {
            if node.value.is_some() || node.branches() > 1 || depth == 0 {
                cut = Some(depth);
            }
            node = node.step(c)?;
        }
        node.value?;
        let leaf = node.literal.is_empty() && node.wild.is_none();
        let mut node = &mut self.root;
        let mut id = None;
        for (depth, c) in pattern.split('.').enumerate() {
            if leaf && cut == Some(depth) {
                let removed = if c.is_empty() {
                    node.wild.take().map(|b| *b)
                } else {
                    node.literal.remove(c)
                };
                id = removed.and_then(|n| dig(n, pattern, depth));
                break;
            }
            node = if c.is_empty() {
                node.wild.as_deref_mut()?
            } else {
                node.literal.get_mut(c)?
            };
        }
        if !leaf {
            id = node.value.take();
        }
        if id.is_some() {
            self.len -= 1;
        }
        id
    }

    /// Calls `f` with the ID of every pattern matching `uri`.
    pub(crate) fn for_each_match(&self, uri: &str, mut f: impl FnMut(Id)) {
        if self.len == 0 {
            return;
        }
        let mut stack: Vec<(&Node, &str)> = vec![(&self.root, uri)];
        while let Some((node, rest)) = stack.pop() {
            let (c, tail) = next_component(rest);
            for next in [node.wild.as_deref(), node.literal.get(c)]
                .into_iter()
                .flatten()
            {
                match tail {
                    Some(tail) => stack.push((next, tail)),
                    None => next.value.into_iter().for_each(&mut f),
                }
            }
        }
    }

    /// The best pattern matching `uri` by WAMP's rule: the one whose literal components
    /// come first (at the first position where two matching patterns differ, the one
    /// with a literal component wins over the one with a wildcard). This is the order of
    /// a walk that tries the literal edge before the wildcard edge, as Crossbar.io does.
    pub(crate) fn best_match(&self, uri: &str) -> Option<Id> {
        if self.len == 0 {
            return None;
        }
        let mut stack: Vec<(&Node, &str)> = vec![(&self.root, uri)];
        while let Some((node, rest)) = stack.pop() {
            let (c, tail) = next_component(rest);
            let (literal, wild) = (node.literal.get(c), node.wild.as_deref());
            match tail {
                // Pushed last, popped first: the literal edge before the wildcard edge.
                Some(tail) => {
                    stack.extend([wild, literal].into_iter().flatten().map(|n| (n, tail)))
                }
                None => {
                    if let Some(id) = literal.and_then(|n| n.value).or(wild.and_then(|n| n.value)) {
                        return Some(id);
                    }
                }
            }
        }
        None
    }

    /// Every pattern's ID.
    pub(crate) fn ids(&self) -> Vec<Id> {
        let mut out = Vec::with_capacity(self.len);
        let mut stack = vec![&self.root];
        while let Some(n) = stack.pop() {
            out.extend(n.value);
            stack.extend(n.literal.values());
            stack.extend(n.wild.as_deref());
        }
        out
    }

    /// The number of patterns.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether no node is left but the root (after every pattern was removed).
    #[cfg(test)]
    pub(crate) fn is_bare(&self) -> bool {
        self.root.value.is_none() && self.root.literal.is_empty() && self.root.wild.is_none()
    }
}

/// The ID at the end of `pattern`'s path below `node`, which was reached by component
/// `depth` (the subtree cut off by `remove` is a single path).
fn dig(mut node: Node, pattern: &str, depth: usize) -> Option<Id> {
    for c in pattern.split('.').skip(depth + 1) {
        node = if c.is_empty() {
            *node.wild.take()?
        } else {
            node.literal.remove(c)?
        };
    }
    node.value
}
