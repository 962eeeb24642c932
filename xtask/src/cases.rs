//! The case ids of the Autobahn WebSocket Testsuite and wstest's case selection.
//!
//! Knowing the full list lets the report check find a case that an agent never
//! ran (a testee client that stopped half way, a truncated report).

/// Case groups of autobahntestsuite 25.10.1 (the version scripts/install-wstest.sh
/// pins): `(prefix, n)` stands for the ids `prefix.1` ..= `prefix.n`, in the
/// testsuite's own order (517 cases in all).
const GROUPS: &[(&str, u32)] = &[
    ("1.1", 8),
    ("1.2", 8),
    ("2", 11),
    ("3", 7),
    ("4.1", 5),
    ("4.2", 5),
    ("5", 20),
    ("6.1", 3),
    ("6.2", 4),
    ("6.3", 2),
    ("6.4", 4),
    ("6.5", 5),
    ("6.6", 11),
    ("6.7", 4),
    ("6.8", 2),
    ("6.9", 4),
    ("6.10", 3),
    ("6.11", 5),
    ("6.12", 8),
    ("6.13", 5),
    ("6.14", 10),
    ("6.15", 1),
    ("6.16", 3),
    ("6.17", 5),
    ("6.18", 5),
    ("6.19", 5),
    ("6.20", 7),
    ("6.21", 8),
    ("6.22", 34),
    ("6.23", 7),
    ("7.1", 6),
    ("7.3", 6),
    ("7.5", 1),
    ("7.7", 13),
    ("7.9", 9),
    ("7.13", 2),
    ("9.1", 6),
    ("9.2", 6),
    ("9.3", 9),
    ("9.4", 9),
    ("9.5", 6),
    ("9.6", 6),
    ("9.7", 6),
    ("9.8", 6),
    ("10.1", 1),
    ("12.1", 18),
    ("12.2", 18),
    ("12.3", 18),
    ("12.4", 18),
    ("12.5", 18),
    ("13.1", 18),
    ("13.2", 18),
    ("13.3", 18),
    ("13.4", 18),
    ("13.5", 18),
    ("13.6", 18),
    ("13.7", 18),
];

/// Every case id of the testsuite, in its order.
pub(crate) fn all_ids() -> Vec<String> {
    GROUPS
        .iter()
        .flat_map(|&(prefix, n)| (1..=n).map(move |i| format!("{prefix}.{i}")))
        .collect()
}

/// The ids wstest runs for a spec's `cases` and `exclude-cases`, in case order.
///
/// Same rules as the testsuite's `CaseSet.resolveCasePatternList`: a pattern
/// with `*` is a regular expression anchored at the start only, where `*`
/// stands for any text and `.` is literal; a pattern without `*` is one id.
pub(crate) fn select(cases: &[String], exclude: &[String]) -> Vec<String> {
    all_ids()
        .into_iter()
        .filter(|id| cases.iter().any(|p| matches(p, id)))
        .filter(|id| !exclude.iter().any(|p| matches(p, id)))
        .collect()
}

/// Whether one wstest case pattern selects `id`.
fn matches(pattern: &str, id: &str) -> bool {
    if pattern.contains('*') {
        glob_prefix(pattern.as_bytes(), id.as_bytes())
    } else {
        pattern == id
    }
}

/// Does `pattern` (with `*` as "any text") match a prefix of `text`?
fn glob_prefix(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => true,
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob_prefix(rest, &text[skip..])),
        Some((&c, rest)) => text.first() == Some(&c) && glob_prefix(rest, &text[1..]),
    }
}

/// Whether `id` is a compression case (12.* or 13.*).
pub(crate) fn is_compression(id: &str) -> bool {
    id.starts_with("12.") || id.starts_with("13.")
}

/// Which compression cases a runtime other than the fully tested one runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sample {
    /// Every selected case.
    All,
    /// Of 12.* and 13.*, only these case numbers within each group (the
    /// last id component); every other selected case.
    Numbers(Vec<u32>),
}

impl Sample {
    /// Parses `all` or a comma-separated list of case numbers.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if text.trim() == "all" {
            return Ok(Self::All);
        }
        text.split(',')
            .filter(|part| !part.trim().is_empty())
            .map(|part| {
                part.trim()
                    .parse::<u32>()
                    .map_err(|_| format!("{part:?} is not a case number (or use \"all\")"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self::Numbers)
    }

    /// Whether a sampled runtime runs `id`.
    pub(crate) fn keeps(&self, id: &str) -> bool {
        match self {
            Self::All => true,
            Self::Numbers(numbers) => {
                !is_compression(id)
                    || id
                        .rsplit('.')
                        .next()
                        .and_then(|n| n.parse::<u32>().ok())
                        .is_some_and(|n| numbers.contains(&n))
            }
        }
    }
}

impl std::fmt::Display for Sample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Numbers(numbers) => {
                let list: Vec<String> = numbers.iter().map(u32::to_string).collect();
                f.write_str(&list.join(","))
            }
        }
    }
}

/// Sort key for case ids: numeric per component, so 6.10.1 follows 6.9.4.
pub(crate) fn sort_key(id: &str) -> Vec<u32> {
    id.split('.')
        .map(|part| part.parse().unwrap_or(u32::MAX))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn full_list_has_517_unique_ids() {
        let ids = all_ids();
        assert_eq!(ids.len(), 517);
        let mut sorted = ids.clone();
        sorted.sort_by_key(|id| sort_key(id));
        sorted.dedup();
        assert_eq!(sorted, ids, "ids are unique and in numeric order");
    }

    #[test]
    fn selection_without_compression() {
        let ids = select(&strings(&["*"]), &strings(&["12.*", "13.*"]));
        assert_eq!(ids.len(), 301);
        assert_eq!(ids.first().map(String::as_str), Some("1.1.1"));
        assert_eq!(ids.last().map(String::as_str), Some("10.1.1"));
    }

    #[test]
    fn patterns_follow_wstest_rules() {
        // "1.*" must not pick 10.1.1 ("." is literal).
        assert_eq!(select(&strings(&["1.*"]), &[]).len(), 16);
        // Anchored at the start only: "1*" picks 1.*, 10.*, 12.*, 13.*.
        assert_eq!(select(&strings(&["1*"]), &[]).len(), 16 + 1 + 90 + 126);
        // A plain id is taken literally.
        assert_eq!(
            select(&strings(&["6.4.3", "7.5.1"]), &[]),
            strings(&["6.4.3", "7.5.1"])
        );
        assert!(select(&strings(&["6.4"]), &[]).is_empty());
        assert_eq!(select(&strings(&["12.*", "13.*"]), &[]).len(), 216);
        assert_eq!(
            select(&strings(&["6.*"]), &strings(&["6.2*"])).len(),
            145 - 4 - 7 - 8 - 34 - 7
        );
    }

    #[test]
    fn sample_keeps_listed_numbers_of_compression_groups_only() {
        let sample = Sample::parse("1,16").unwrap();
        let all = select(&strings(&["*"]), &[]);
        let kept: Vec<&String> = all.iter().filter(|id| sample.keeps(id)).collect();
        assert_eq!(kept.len(), 301 + 12 * 2);
        assert!(sample.keeps("13.7.16") && sample.keeps("12.2.1") && sample.keeps("6.4.3"));
        assert!(!sample.keeps("12.1.10") && !sample.keeps("13.3.6"));
        assert!(Sample::parse("all").unwrap().keeps("12.1.10"));
        assert!(Sample::parse("1,x").is_err());
        assert_eq!(Sample::parse("1, 4").unwrap().to_string(), "1,4");
        // The default of `--sample`: 16 B, 1 KiB, 16 KiB whole, 8 KiB in
        // 256 B fragments, 128 KiB in 1 KiB fragments.
        let default = Sample::parse("1,4,7,11,16").unwrap();
        assert_eq!(
            all.iter().filter(|id| default.keeps(id)).count(),
            301 + 12 * 5
        );
    }

    #[test]
    fn sort_key_is_numeric() {
        assert!(sort_key("6.9.4") < sort_key("6.10.1"));
        assert!(sort_key("2.11") > sort_key("2.2"));
    }
}
