//! Prefix patterns in a radix tree over the pattern's bytes.
//!
//! WAMP's prefix policy is a plain string prefix of the whole URI, not a component-wise
//! one: `com.myapp.myobject1` matches `com.myapp.myobject1-mysubobject1` (WAMP Advanced
//! Profile, "Pattern-based Registrations"; Crossbar.io keeps them in a character trie).
//! A lookup walks the URI once, so it costs the URI's length plus the matches, not the
//! number of patterns. Every walk is a loop (no recursion), so a long pattern or URI
//! cannot exhaust the stack.

use ferrobahn_wamp::Id;

/// A node: the edge label that leads to it, the pattern ending here, and its children
/// sorted by the first byte of their labels (labels of siblings start with distinct
/// bytes). A node other than the root that holds no pattern has at least two children.
#[derive(Debug, Default)]
struct Node {
    label: Box<[u8]>,
    value: Option<Id>,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, first: u8) -> Result<usize, usize> {
        self.children.binary_search_by_key(&first, |c| c.label[0])
    }

    /// Folds a pattern-less node with a single child into that child.
    fn merge_single_child(&mut self) {
        if self.value.is_none() && self.children.len() == 1 {
            let Some(mut only) = self.children.pop() else {
                return;
            };
            let mut label = Vec::with_capacity(self.label.len() + only.label.len());
            label.extend_from_slice(&self.label);
            label.extend_from_slice(&only.label);
            self.label = label.into_boxed_slice();
            self.value = only.value;
            self.children = std::mem::take(&mut only.children);
        }
    }
}

impl Drop for Node {
    /// Drops the subtree with a loop: nested prefixes (`a`, `aa`, `aaa`, ...) make a
    /// deep tree.
    fn drop(&mut self) {
        let mut stack = std::mem::take(&mut self.children);
        while let Some(mut n) = stack.pop() {
            stack.append(&mut n.children);
        }
    }
}

fn common_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Prefix patterns and their IDs.
#[derive(Debug, Default)]
pub(crate) struct PrefixTrie {
    root: Node,
    len: usize,
}

impl PrefixTrie {
    /// Adds `pattern`; returns the ID it replaced.
    pub(crate) fn insert(&mut self, pattern: &str, id: Id) -> Option<Id> {
        let mut node = &mut self.root;
        let mut key = pattern.as_bytes();
        while let Some(&first) = key.first() {
            let i = match node.child(first) {
                Ok(i) => i,
                Err(pos) => {
                    let leaf = Node {
                        label: key.into(),
                        value: None,
                        children: Vec::new(),
                    };
                    node.children.insert(pos, leaf);
                    pos
                }
            };
            let child = &mut node.children[i];
            let common = common_len(&child.label, key);
            if common < child.label.len() {
                // Split the edge: a new node for the common part above the old child.
                let tail: Box<[u8]> = child.label[common..].into();
                let head: Box<[u8]> = child.label[..common].into();
                let mut lower = std::mem::take(child);
                lower.label = tail;
                child.label = head;
                child.children.push(lower);
            }
            key = &key[common..];
            node = child;
        }
        let old = node.value.replace(id);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// The node of exactly `pattern`, with the child index path from the root to it.
    fn find(&self, pattern: &str, path: &mut Vec<usize>) -> Option<&Node> {
        let mut node = &self.root;
        let mut key = pattern.as_bytes();
        while let Some(&first) = key.first() {
            let i = node.child(first).ok()?;
            let child = &node.children[i];
            key = key.strip_prefix(&*child.label)?;
            path.push(i);
            node = child;
        }
        Some(node)
    }

    /// The ID of exactly `pattern`.
    pub(crate) fn get(&self, pattern: &str) -> Option<Id> {
        self.find(pattern, &mut Vec::new())?.value
    }

    /// Removes `pattern`; returns its ID.
    pub(crate) fn remove(&mut self, pattern: &str) -> Option<Id> {
        let mut path = Vec::new();
        self.find(pattern, &mut path)?.value?;
        // Only the node and its parent can need folding: a pattern-less node has two
        // children or more, so losing one child leaves it at least one.
        let mut parent = &mut self.root;
        let (last, above) = match path.split_last() {
            Some((last, above)) => (Some(*last), above),
            None => (None, &path[..]),
        };
        for &i in above {
            parent = &mut parent.children[i];
        }
        let id = match last {
            None => parent.value.take(),
            Some(i) => {
                let node = &mut parent.children[i];
                let id = node.value.take();
                if node.children.is_empty() {
                    parent.children.remove(i);
                    if !above.is_empty() {
                        parent.merge_single_child();
                    }
                } else {
                    node.merge_single_child();
                }
                id
            }
        };
        self.len -= 1;
        id
    }

    /// Calls `f` with the ID of every pattern that is a prefix of `uri`, shortest first.
    pub(crate) fn for_each_match(&self, uri: &str, mut f: impl FnMut(Id)) {
        let mut node = &self.root;
        let mut rest = uri.as_bytes();
        loop {
            if let Some(id) = node.value {
                f(id);
            }
            let Some(&first) = rest.first() else { return };
            let Ok(i) = node.child(first) else { return };
            let child = &node.children[i];
            let Some(r) = rest.strip_prefix(&*child.label) else {
                return;
            };
            rest = r;
            node = child;
        }
    }

    /// The ID of the longest pattern that is a prefix of `uri`.
    pub(crate) fn longest_match(&self, uri: &str) -> Option<Id> {
        let mut best = None;
        self.for_each_match(uri, |id| best = Some(id));
        best
    }

    /// Every pattern's ID.
    pub(crate) fn ids(&self) -> Vec<Id> {
        let mut out = Vec::with_capacity(self.len);
        let mut stack = vec![&self.root];
        while let Some(n) = stack.pop() {
            out.extend(n.value);
            stack.extend(&n.children);
        }
        out
    }

    /// The number of patterns.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Whether the root is all that is left (after every pattern was removed).
    #[cfg(test)]
    pub(crate) fn is_bare(&self) -> bool {
        self.root.value.is_none() && self.root.children.is_empty()
    }
}
