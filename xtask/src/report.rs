//! Reading wstest's index.json and judging it.
//!
//! The bar is strict: a case passes only when `behavior` is `OK` (or
//! `INFORMATIONAL`, which wstest gives exactly to the cases that are
//! informational by design) and `behaviorClose` is `OK` (or `INFORMATIONAL`).
//! `NON-STRICT`, `WRONG CODE`, `UNCLEAN` and the rest all fail.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cases::sort_key;

/// The outcome of one case for one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CaseResult {
    /// wstest's `behavior` (OK, NON-STRICT, INFORMATIONAL, FAILED, UNIMPLEMENTED).
    pub(crate) behavior: String,
    /// wstest's `behaviorClose` (OK, INFORMATIONAL, WRONG CODE, UNCLEAN, ...).
    pub(crate) behavior_close: String,
}

impl CaseResult {
    /// Whether the case meets the strict bar described in the module docs.
    fn passes(&self) -> bool {
        let fine = |b: &str| b == "OK" || b == "INFORMATIONAL";
        fine(&self.behavior) && fine(&self.behavior_close)
    }
}

/// agent -> case id -> result, as in wstest's index.json.
pub(crate) type Index = BTreeMap<String, BTreeMap<String, CaseResult>>;

/// Reads `dir/index.json`.
pub(crate) fn load(dir: &Path) -> Result<Index> {
    let path = dir.join("index.json");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).with_context(|| format!("cannot parse {}", path.display()))
}

/// Parses the text of an index.json.
pub(crate) fn parse(text: &str) -> Result<Index> {
    let root: Value = serde_json::from_str(text)?;
    let agents = root.as_object().context("top level is not an object")?;
    let mut index = Index::new();
    for (agent, cases) in agents {
        let cases = cases
            .as_object()
            .with_context(|| format!("agent {agent}: not an object"))?;
        let mut results = BTreeMap::new();
        for (id, case) in cases {
            let field = |key: &str| -> Result<String> {
                case[key]
                    .as_str()
                    .map(str::to_owned)
                    .with_context(|| format!("agent {agent} case {id}: no {key}"))
            };
            let result = CaseResult {
                behavior: field("behavior")?,
                behavior_close: field("behaviorClose")?,
            };
            results.insert(id.clone(), result);
        }
        index.insert(agent.clone(), results);
    }
    Ok(index)
}

/// The judgement of one agent's results.
#[derive(Debug)]
pub(crate) struct AgentSummary {
    agent: String,
    /// None when the agent is not in the report at all.
    results: Option<BTreeMap<String, CaseResult>>,
    expected: Vec<String>,
}

/// Behaviors always shown in the summary line, in this order.
const BEHAVIORS: &[&str] = &[
    "OK",
    "NON-STRICT",
    "INFORMATIONAL",
    "FAILED",
    "UNIMPLEMENTED",
];
/// Close behaviors shown first, in this order (others follow alphabetically).
const CLOSE_BEHAVIORS: &[&str] = &["OK", "INFORMATIONAL"];

impl AgentSummary {
    /// Judges `agent` in `index` against the case ids it should have run.
    pub(crate) fn new(index: &Index, agent: &str, expected: &[String]) -> Self {
        Self {
            agent: agent.to_owned(),
            results: index.get(agent).cloned(),
            expected: expected.to_vec(),
        }
    }

    /// Expected cases absent from the report.
    fn missing(&self) -> Vec<&str> {
        let Some(results) = &self.results else {
            return self.expected.iter().map(String::as_str).collect();
        };
        self.expected
            .iter()
            .filter(|id| !results.contains_key(*id))
            .map(String::as_str)
            .collect()
    }

    /// Reported cases that were not selected.
    fn unexpected(&self) -> Vec<&str> {
        let results = self.results.iter().flat_map(|r| r.keys());
        let mut ids: Vec<&str> = results
            .filter(|id| !self.expected.contains(id))
            .map(String::as_str)
            .collect();
        ids.sort_by_key(|id| sort_key(id));
        ids
    }

    /// Cases that did not pass, in case order.
    pub(crate) fn failures(&self) -> Vec<(&str, &CaseResult)> {
        let mut bad: Vec<(&str, &CaseResult)> = self
            .results
            .iter()
            .flatten()
            .filter(|(_, r)| !r.passes())
            .map(|(id, r)| (id.as_str(), r))
            .collect();
        bad.sort_by_key(|(id, _)| sort_key(id));
        bad
    }

    /// Whether every expected case is there and passes, and nothing else is.
    pub(crate) fn passed(&self) -> bool {
        self.results.is_some()
            && self.missing().is_empty()
            && self.unexpected().is_empty()
            && self.failures().is_empty()
    }

    /// The one summary line for this agent.
    pub(crate) fn line(&self) -> String {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        let Some(results) = &self.results else {
            return format!("{:<28} MISSING from the report | {verdict}", self.agent);
        };
        let mut line = format!(
            "{:<28} {:>3}/{} cases |",
            self.agent,
            results.len(),
            self.expected.len()
        );
        append_counts(
            &mut line,
            results.values().map(|r| r.behavior.as_str()),
            BEHAVIORS,
        );
        line.push_str(" | close:");
        append_counts(
            &mut line,
            results.values().map(|r| r.behavior_close.as_str()),
            CLOSE_BEHAVIORS,
        );
        let (missing, unexpected) = (self.missing().len(), self.unexpected().len());
        if missing > 0 {
            let _ = write!(line, " | {missing} missing");
        }
        if unexpected > 0 {
            let _ = write!(line, " | {unexpected} not selected");
        }
        let _ = write!(line, " | {verdict}");
        line
    }

    /// Lines naming each case that is missing, unexpected or not passing.
    pub(crate) fn problem_lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if self.results.is_none() {
            return lines;
        }
        let missing = self.missing();
        if !missing.is_empty() {
            lines.push(format!(
                "{}: missing cases: {}",
                self.agent,
                abbreviate(&missing)
            ));
        }
        let unexpected = self.unexpected();
        if !unexpected.is_empty() {
            lines.push(format!(
                "{}: cases not selected: {}",
                self.agent,
                abbreviate(&unexpected)
            ));
        }
        // One line per (behavior, behaviorClose) pair, naming every case.
        let mut groups: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
        for (id, r) in self.failures() {
            let key = (r.behavior.as_str(), r.behavior_close.as_str());
            groups.entry(key).or_default().push(id);
        }
        for ((behavior, close), ids) in groups {
            lines.push(format!(
                "{}: behavior={behavior} behaviorClose={close} ({} cases): {}",
                self.agent,
                ids.len(),
                ids.join(" ")
            ));
        }
        lines
    }
}

/// Appends ` NAME=count` for each of `always` (even when 0), then for any
/// other value seen, alphabetically.
fn append_counts<'a>(line: &mut String, values: impl Iterator<Item = &'a str>, always: &[&str]) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in values {
        *counts.entry(v).or_default() += 1;
    }
    for name in always {
        let _ = write!(line, " {name}={}", counts.remove(name).unwrap_or(0));
    }
    for (name, n) in counts {
        let _ = write!(line, " {name}={n}");
    }
}

/// At most 20 ids, then a count of the rest.
fn abbreviate(ids: &[&str]) -> String {
    const SHOWN: usize = 20;
    let mut text = ids
        .iter()
        .take(SHOWN)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if ids.len() > SHOWN {
        let _ = write!(text, " ... ({} more)", ids.len() - SHOWN);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "a": {
        "1.1.1": {"behavior": "OK", "behaviorClose": "OK", "duration": 2},
        "1.1.2": {"behavior": "INFORMATIONAL", "behaviorClose": "INFORMATIONAL"},
        "2.10": {"behavior": "NON-STRICT", "behaviorClose": "OK"},
        "2.2": {"behavior": "OK", "behaviorClose": "WRONG CODE"}
      },
      "b": {
        "1.1.1": {"behavior": "OK", "behaviorClose": "OK"},
        "1.1.2": {"behavior": "OK", "behaviorClose": "OK"}
      }
    }"#;

    fn ids(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn strict_bar_and_case_order() {
        let index = parse(SAMPLE).unwrap();
        let summary = AgentSummary::new(&index, "a", &ids(&["1.1.1", "1.1.2", "2.2", "2.10"]));
        assert!(!summary.passed());
        let failed: Vec<&str> = summary.failures().iter().map(|(id, _)| *id).collect();
        assert_eq!(failed, ["2.2", "2.10"]);
        let line = summary.line();
        assert!(line.contains("4/4 cases"), "{line}");
        assert!(
            line.contains("OK=2 NON-STRICT=1 INFORMATIONAL=1 FAILED=0 UNIMPLEMENTED=0"),
            "{line}"
        );
        assert!(
            line.contains("close: OK=2 INFORMATIONAL=1 WRONG CODE=1"),
            "{line}"
        );
        assert!(line.ends_with("FAIL"), "{line}");
        let problems = summary.problem_lines();
        assert_eq!(
            problems,
            [
                "a: behavior=NON-STRICT behaviorClose=OK (1 cases): 2.10",
                "a: behavior=OK behaviorClose=WRONG CODE (1 cases): 2.2",
            ]
        );
    }

    #[test]
    fn all_ok_passes_only_with_the_expected_cases() {
        let index = parse(SAMPLE).unwrap();
        let exact = AgentSummary::new(&index, "b", &ids(&["1.1.1", "1.1.2"]));
        assert!(exact.passed(), "{}", exact.line());
        assert!(exact.line().ends_with("PASS"));

        let short = AgentSummary::new(&index, "b", &ids(&["1.1.1", "1.1.2", "1.1.3"]));
        assert!(!short.passed());
        assert!(short.line().contains("1 missing"), "{}", short.line());

        let extra = AgentSummary::new(&index, "b", &ids(&["1.1.1"]));
        assert!(!extra.passed());
        assert!(extra.line().contains("1 not selected"), "{}", extra.line());
    }

    #[test]
    fn absent_agent_fails() {
        let index = parse(SAMPLE).unwrap();
        let summary = AgentSummary::new(&index, "c", &ids(&["1.1.1"]));
        assert!(!summary.passed());
        assert!(summary.line().contains("MISSING"));
    }

    #[test]
    fn malformed_index_is_an_error() {
        assert!(parse("[]").is_err());
        assert!(parse(r#"{"a": {"1.1.1": {"behavior": "OK"}}}"#).is_err());
        assert!(parse("{").is_err());
    }
}
