//! wstest spec files (the JSON given to `wstest -s`).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde_json::{json, Value};

/// One testee server that wstest's fuzzingclient connects to.
#[derive(Debug, Clone)]
pub(crate) struct ServerAgent {
    /// Agent name in the report.
    pub(crate) agent: String,
    /// WebSocket URL of the testee server.
    pub(crate) url: String,
}

/// Spec for `wstest -m fuzzingclient`: test `servers`, write reports to `outdir`.
/// `agent_excludes` maps an agent to the exact case ids it skips (wstest
/// anchors those patterns at both ends, so plain ids match only themselves).
pub(crate) fn fuzzing_client(
    servers: &[ServerAgent],
    cases: &[String],
    exclude: &[String],
    agent_excludes: &BTreeMap<String, Vec<String>>,
    outdir: &Path,
) -> Value {
    let servers: Vec<Value> = servers
        .iter()
        .map(|s| json!({ "agent": s.agent, "url": s.url }))
        .collect();
    json!({
        "outdir": outdir.display().to_string(),
        "servers": servers,
        "cases": cases,
        "exclude-cases": exclude,
        "exclude-agent-cases": agent_excludes,
    })
}

/// Spec for `wstest -m fuzzingserver`: listen on `url`, write reports to `outdir`.
pub(crate) fn fuzzing_server(
    url: &str,
    cases: &[String],
    exclude: &[String],
    agent_excludes: &BTreeMap<String, Vec<String>>,
    outdir: &Path,
) -> Value {
    json!({
        "url": url,
        "outdir": outdir.display().to_string(),
        "cases": cases,
        "exclude-cases": exclude,
        "exclude-agent-cases": agent_excludes,
    })
}

/// Writes a spec as pretty JSON.
pub(crate) fn write(path: &Path, spec: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(spec)?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_spec_lists_agents_and_selection() {
        let servers = [ServerAgent {
            agent: "a".into(),
            url: "ws://127.0.0.1:9002".into(),
        }];
        let skip = BTreeMap::from([("a".to_owned(), vec!["13.1.2".to_owned()])]);
        let spec = fuzzing_client(
            &servers,
            &["*".into()],
            &["12.*".into()],
            &skip,
            Path::new("/r"),
        );
        assert_eq!(spec["exclude-agent-cases"]["a"], json!(["13.1.2"]));
        assert_eq!(spec["servers"][0]["agent"], "a");
        assert_eq!(spec["servers"][0]["url"], "ws://127.0.0.1:9002");
        assert_eq!(spec["cases"], json!(["*"]));
        assert_eq!(spec["exclude-cases"], json!(["12.*"]));
        assert_eq!(spec["outdir"], "/r");
    }

    #[test]
    fn server_spec_has_url() {
        let spec = fuzzing_server(
            "ws://127.0.0.1:9001",
            &["1.*".into()],
            &[],
            &BTreeMap::new(),
            Path::new("/r"),
        );
        assert_eq!(spec["exclude-agent-cases"], json!({}));
        assert_eq!(spec["url"], "ws://127.0.0.1:9001");
        assert_eq!(spec["exclude-cases"], json!([]));
    }
}
