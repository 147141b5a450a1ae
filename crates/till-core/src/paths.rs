//! Where Till keeps its files.
//!
//! By default Till follows the XDG base directories (`~/.local/share/till`,
//! `~/.config/till`, `~/.local/state/till`). `TILL_HOME` (or `till --home DIR`) puts all
//! three under one root instead, for tests, demos and portable use. The app and the CLI
//! resolve paths through this one function so they always agree.

use std::path::{Path, PathBuf};

use crate::error::TillError;

/// The environment variable that puts all of Till's files under one directory.
pub const TILL_HOME_VAR: &str = "TILL_HOME";

/// The directories Till reads and writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TillPaths {
    /// Vault and other data worth backing up.
    pub data_dir: PathBuf,
    /// Settings, never secrets.
    pub config_dir: PathBuf,
    /// Logs and runtime state, safe to delete.
    pub state_dir: PathBuf,
    /// Where running processes announce themselves (the gateway, the session socket):
    /// `$XDG_RUNTIME_DIR/till` (cleared at logout), else the state directory; under one
    /// root (`TILL_HOME`, tests) always the root's state directory.
    pub runtime_dir: PathBuf,
}

/// The environment values path resolution depends on, read once so tests can supply them.
#[derive(Debug, Default, Clone)]
pub struct PathEnv {
    pub till_home: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub xdg_state_home: Option<PathBuf>,
    pub xdg_runtime_dir: Option<PathBuf>,
}

impl PathEnv {
    /// Reads the variables from this process's environment; empty values count as unset.
    pub fn from_process() -> Self {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            till_home: var(TILL_HOME_VAR),
            home: var("HOME"),
            xdg_data_home: var("XDG_DATA_HOME"),
            xdg_config_home: var("XDG_CONFIG_HOME"),
            xdg_state_home: var("XDG_STATE_HOME"),
            xdg_runtime_dir: var("XDG_RUNTIME_DIR"),
        }
    }
}

impl TillPaths {
    /// All of Till's directories under one root.
    pub fn under_root(root: &Path) -> Result<Self, TillError> {
        if !root.is_absolute() {
            return Err(TillError::RelativePath {
                what: "TILL_HOME",
                path: root.to_owned(),
            });
        }
        Ok(Self {
            data_dir: root.join("data"),
            config_dir: root.join("config"),
            state_dir: root.join("state"),
            runtime_dir: root.join("state"),
        })
    }

    /// Resolves the directories: an explicit root (from `--home`) wins over `TILL_HOME`,
    /// which wins over XDG. Relative XDG values are ignored, as the XDG spec requires.
    pub fn resolve(explicit_root: Option<&Path>, env: &PathEnv) -> Result<Self, TillError> {
        if let Some(root) = explicit_root.or(env.till_home.as_deref()) {
            return Self::under_root(root);
        }
        let home = env.home.as_deref().ok_or(TillError::NoHomeDirectory)?;
        let xdg = |value: &Option<PathBuf>, fallback: &str| {
            value
                .as_deref()
                .filter(|p| p.is_absolute())
                .map(Path::to_path_buf)
                .unwrap_or_else(|| home.join(fallback))
                .join("till")
        };
        let state_dir = xdg(&env.xdg_state_home, ".local/state");
        let runtime_dir = env
            .xdg_runtime_dir
            .as_deref()
            .filter(|p| p.is_absolute())
            .map(|p| p.join("till"))
            .unwrap_or_else(|| state_dir.clone());
        Ok(Self {
            data_dir: xdg(&env.xdg_data_home, ".local/share"),
            config_dir: xdg(&env.xdg_config_home, ".config"),
            state_dir,
            runtime_dir,
        })
    }

    /// Resolves from this process's environment.
    pub fn from_env(explicit_root: Option<&Path>) -> Result<Self, TillError> {
        Self::resolve(explicit_root, &PathEnv::from_process())
    }

    /// Creates the directories (owner-only on Unix) if they are missing.
    pub fn ensure_exist(&self) -> Result<(), TillError> {
        for dir in [&self.data_dir, &self.config_dir, &self.state_dir] {
            create_private_dir(dir).map_err(|source| TillError::Storage {
                path: dir.clone(),
                source,
            })?;
        }
        Ok(())
    }
}

/// Creates `dir` and its missing parents, owner-only (0700 on Unix).
pub fn create_private_directory(dir: &Path) -> Result<(), TillError> {
    create_private_dir(dir).map_err(|source| TillError::Storage {
        path: dir.to_owned(),
        source,
    })
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Replaces `path` with `bytes`, readable and writable by the owner only (0600 on Unix),
/// atomically: the bytes go to a private temporary file beside it, reach the disk, then
/// take its name. For settings, state and anything else Till rewrites.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TillError> {
    use std::io::Write;
    let storage = |source| TillError::Storage {
        path: path.to_owned(),
        source,
    };
    let name = path.file_name().ok_or_else(|| TillError::InvalidInput {
        what: format!(
            "{} is not a file name: give a path to a file",
            path.display()
        ),
    })?;
    let mut temporary_name = std::ffi::OsString::from(".");
    temporary_name.push(name);
    temporary_name.push(format!(".tmp-{}", std::process::id()));
    let temporary = path.with_file_name(temporary_name);
    let written = private_options(true)
        .open(&temporary)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        // Best effort: the temporary file must not linger; the write's error is the news.
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(storage)
}

/// Writes `bytes` to a new file at `path`, owner-only (0600 on Unix); never replaces an
/// existing file. For exports and backups the user names.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<(), TillError> {
    use std::io::Write;
    let storage = |source| TillError::Storage {
        path: path.to_owned(),
        source,
    };
    let mut file = private_options(true)
        .open(path)
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::AlreadyExists => TillError::InvalidInput {
                what: format!(
                    "{} already exists: choose another name, Till will not overwrite it",
                    path.display()
                ),
            },
            _ => storage(source),
        })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(storage)
}

/// Opens `path` for appending, creating it owner-only (0600 on Unix); an existing file
/// that others could read is narrowed to 0600 too. For logs.
pub fn open_private_append(path: &Path) -> std::io::Result<std::fs::File> {
    let file = private_options(false).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata()?.permissions().mode();
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// Open options that create files with mode 0600 on Unix: `new_only` refuses an
/// existing file, otherwise it is appended to.
fn private_options(new_only: bool) -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    if new_only {
        options.write(true).create_new(true);
    } else {
        options.append(true).create(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_with_home() -> PathEnv {
        PathEnv {
            home: Some("/home/ada".into()),
            ..PathEnv::default()
        }
    }

    #[test]
    fn xdg_defaults_follow_home() {
        let paths = TillPaths::resolve(None, &env_with_home()).unwrap();
        assert_eq!(paths.data_dir, Path::new("/home/ada/.local/share/till"));
        assert_eq!(paths.config_dir, Path::new("/home/ada/.config/till"));
        assert_eq!(paths.state_dir, Path::new("/home/ada/.local/state/till"));
    }

    #[test]
    fn xdg_variables_are_honoured_but_relative_ones_ignored() {
        let env = PathEnv {
            xdg_data_home: Some("/srv/data".into()),
            xdg_config_home: Some("relative/config".into()),
            ..env_with_home()
        };
        let paths = TillPaths::resolve(None, &env).unwrap();
        assert_eq!(paths.data_dir, Path::new("/srv/data/till"));
        assert_eq!(paths.config_dir, Path::new("/home/ada/.config/till"));
    }

    #[test]
    fn till_home_puts_everything_under_one_root() {
        let env = PathEnv {
            till_home: Some("/tmp/t".into()),
            xdg_data_home: Some("/srv/data".into()),
            ..env_with_home()
        };
        let paths = TillPaths::resolve(None, &env).unwrap();
        assert_eq!(paths.data_dir, Path::new("/tmp/t/data"));
        assert_eq!(paths.state_dir, Path::new("/tmp/t/state"));
    }

    #[test]
    fn explicit_root_beats_till_home() {
        let env = PathEnv {
            till_home: Some("/tmp/t".into()),
            ..env_with_home()
        };
        let paths = TillPaths::resolve(Some(Path::new("/opt/till")), &env).unwrap();
        assert_eq!(paths.config_dir, Path::new("/opt/till/config"));
    }

    #[test]
    fn relative_root_and_missing_home_are_explained() {
        let err = TillPaths::resolve(Some(Path::new("here")), &PathEnv::default()).unwrap_err();
        assert!(err.to_string().contains("absolute"), "{err}");
        let err = TillPaths::resolve(None, &PathEnv::default()).unwrap_err();
        assert!(err.to_string().contains("TILL_HOME"), "{err}");
    }

    #[test]
    fn ensure_exist_creates_private_directories() {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        paths.ensure_exist().unwrap();
        assert!(paths.data_dir.is_dir() && paths.config_dir.is_dir() && paths.state_dir.is_dir());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&paths.data_dir)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn write_private_replaces_atomically_with_owner_only_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.toml");
        std::fs::write(&path, b"old").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn write_private_into_a_missing_directory_is_a_storage_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = write_private(&dir.path().join("missing/x"), b"x").unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::Storage);
    }

    #[test]
    fn create_private_is_owner_only_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("backup.till");
        create_private(&path, b"sealed").unwrap();
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let error = create_private(&path, b"other").unwrap_err();
        assert_eq!(error.code(), crate::ErrorCode::InvalidInput);
        assert!(error.to_string().contains("already exists"), "{error}");
        assert_eq!(std::fs::read(&path).unwrap(), b"sealed");
    }

    #[test]
    fn open_private_append_creates_0600_and_narrows_an_open_log() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("till-desktop.log");
        open_private_append(&path)
            .unwrap()
            .write_all(b"a\n")
            .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(mode(&path), 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
        open_private_append(&path)
            .unwrap()
            .write_all(b"b\n")
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a\nb\n");
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
    }
}
