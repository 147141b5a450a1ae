//! What every command gets: where the files are, the clock, the settings and how to unlock.
//!
//! Its own module so the command modules depend on it without depending on `cli.rs`,
//! which depends on them: `cli → commands → context`.

use std::path::Path;
use std::sync::Arc;

use till_core::clock::clock_from_env;
use till_core::settings::Settings;
use till_core::{Clock, TillError, TillPaths};

/// What every command gets: where the files are, the clock, and how to unlock.
#[derive(Clone)]
pub struct Context {
    pub paths: TillPaths,
    pub clock: Arc<dyn Clock>,
    pub password_stdin: bool,
    /// `settings.toml`, or the defaults if it is missing or unusable (said on stderr).
    pub settings: Settings,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("paths", &self.paths)
            .field("password_stdin", &self.password_stdin)
            .finish_non_exhaustive()
    }
}

impl Context {
    /// Resolves the paths (`--home`, `TILL_HOME`, XDG), the clock (`TILL_NOW`) and the
    /// settings; unusable settings fall back to the defaults, said once on stderr.
    pub fn from_env(home: Option<&Path>, password_stdin: bool) -> Result<Self, TillError> {
        let paths = TillPaths::from_env(home)?;
        let settings = Settings::load(&paths).unwrap_or_else(|error| {
            eprintln!("till: {error}; using the default settings");
            Settings::default()
        });
        Ok(Self {
            paths,
            clock: Arc::from(clock_from_env()?),
            password_stdin,
            settings,
        })
    }
}
