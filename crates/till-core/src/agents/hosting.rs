//! Finding the running gateway: one per user, announced in a runtime file.
//!
//! Whoever hosts the gateway (the desktop app, `till gateway`, or `till run` for its
//! child's lifetime) writes `gateway.json` (owner-only) with its process id and port, and
//! removes it on exit. `till run` and `till agent mint` read it to point agents at the
//! running gateway instead of starting another. A file left by a crashed host is ignored:
//! its process is gone, or nothing answers on its port.

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::TillError;
use crate::paths::TillPaths;

/// What a running gateway announces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayInfo {
    pub pid: u32,
    pub port: u16,
    pub started_at: DateTime<Utc>,
}

impl GatewayInfo {
    /// The gateway's root URL, e.g. `http://127.0.0.1:8417`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// Where the announcement lives: the runtime directory (`$XDG_RUNTIME_DIR/till`, cleared
/// at logout, or the state directory under `TILL_HOME`).
pub fn runtime_file(paths: &TillPaths) -> PathBuf {
    paths.runtime_dir.join("gateway.json")
}

/// Announces this process's gateway.
pub fn announce(paths: &TillPaths, info: &GatewayInfo) -> Result<(), TillError> {
    let file = runtime_file(paths);
    if let Some(dir) = file.parent() {
        crate::paths::create_private_directory(dir)?;
    }
    let json = serde_json::to_vec_pretty(info).map_err(|e| TillError::Internal {
        what: e.to_string(),
    })?;
    crate::paths::write_private(&file, &json)
}

/// Removes the announcement if it is this process's.
pub fn withdraw(paths: &TillPaths) {
    let file = runtime_file(paths);
    if read(paths).is_some_and(|info| info.pid == std::process::id()) {
        let _ = std::fs::remove_file(file);
    }
}

fn read(paths: &TillPaths) -> Option<GatewayInfo> {
    let bytes = std::fs::read(runtime_file(paths)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The running gateway, if one is announced and answers on its port.
pub fn running(paths: &TillPaths) -> Option<GatewayInfo> {
    let info = read(paths)?;
    #[cfg(target_os = "linux")]
    if !std::path::Path::new(&format!("/proc/{}", info.pid)).exists() {
        return None;
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], info.port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300))
        .ok()
        .map(|_| info)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_announced_gateway_is_found_only_while_it_answers() {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        paths.ensure_exist().unwrap();
        assert!(running(&paths).is_none(), "nothing announced");

        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let info = GatewayInfo {
            pid: std::process::id(),
            port: listener.local_addr().unwrap().port(),
            started_at: Utc::now(),
        };
        announce(&paths, &info).unwrap();
        assert_eq!(running(&paths), Some(info.clone()));
        assert_eq!(info.base_url(), format!("http://127.0.0.1:{}", info.port));

        drop(listener);
        assert!(running(&paths).is_none(), "nothing answers on the port");
        withdraw(&paths);
        assert!(read(&paths).is_none(), "the announcement is gone");
    }
}
