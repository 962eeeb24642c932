//! Finding (and if needed installing) the `wstest` launcher.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use crate::proc::Guarded;
use crate::workspace::Workspace;

/// Where scripts/install-wstest.sh puts the launcher by default.
const DEFAULT_WSTEST: &str = "/opt/wstest/bin/wstest";

/// Upper bound for one installer run (it takes about 20 s with a good network).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The wstest launcher: `$WSTEST` if set (never installed over), else
/// /opt/wstest/bin/wstest, installed by scripts/install-wstest.sh if missing.
pub(crate) fn locate(ws: &Workspace) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("WSTEST") {
        let path = PathBuf::from(path);
        if !path.is_file() {
            bail!("WSTEST={} does not exist", path.display());
        }
        return Ok(path);
    }
    let default = PathBuf::from(DEFAULT_WSTEST);
    if default.is_file() {
        return Ok(default);
    }
    install(ws)
}

/// Runs the installer and returns the launcher path it prints last.
fn install(ws: &Workspace) -> Result<PathBuf> {
    let script = ws.root.join("scripts/install-wstest.sh");
    eprintln!(
        "xtask: {DEFAULT_WSTEST} is missing; running {}",
        script.display()
    );
    let out_path = ws.target_dir.join("install-wstest.out");
    std::fs::create_dir_all(&ws.target_dir)?;
    let out = std::fs::File::create(&out_path)
        .with_context(|| format!("cannot create {}", out_path.display()))?;
    let mut child = Guarded::spawn(
        "install-wstest.sh",
        Command::new("bash")
            .arg(&script)
            .stdout(Stdio::from(out))
            .stderr(Stdio::inherit()),
    )?;
    child.wait_success(INSTALL_TIMEOUT)?;
    let printed = std::fs::read_to_string(&out_path)?;
    let path = printed
        .lines()
        .last()
        .map(PathBuf::from)
        .context("install-wstest.sh printed no launcher path")?;
    if !path.is_file() {
        bail!(
            "install-wstest.sh reported {}, which does not exist",
            path.display()
        );
    }
    Ok(path)
}
