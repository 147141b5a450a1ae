//! `till autostart`: the entry points at the desktop app beside `till`, survives paths
//! with spaces and quotes, and is read back the way the desktop reads it (GLib's
//! `gio launch`, where installed, starts exactly that app with `--hidden`).

#![allow(clippy::unwrap_used)] // test helpers: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

/// One test at a time: a binary being copied in one thread while another forks makes the
/// copy unexecutable for a moment ("text file busy").
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A `till` copied into a folder whose name needs quoting, with a stand-in desktop app
/// beside it that records how it was started.
struct Install {
    dir: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

impl Install {
    fn new() -> Self {
        let install = Self {
            _turn: ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner()),
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(install.bin()).unwrap();
        std::fs::copy(env!("CARGO_BIN_EXE_till"), install.bin().join("till")).unwrap();
        install
    }

    fn bin(&self) -> PathBuf {
        self.dir.path().join("My Apps/Till \"nightly\" $HOME")
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn entry(&self) -> PathBuf {
        self.config().join("autostart/till.desktop")
    }

    fn app(&self) -> PathBuf {
        self.bin().join("till-desktop")
    }

    /// A desktop app that writes its arguments and TILL_HOME to `started`.
    fn add_recording_app(&self) {
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" \"TILL_HOME=$TILL_HOME\" > '{}'\n",
            self.started().display()
        );
        std::fs::write(self.app(), script).unwrap();
        make_executable(&self.app());
    }

    fn started(&self) -> PathBuf {
        self.dir.path().join("started.txt")
    }

    fn till(&self, args: &[&str]) -> Output {
        Command::new(self.bin().join("till"))
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.config())
            .env_remove("TILL_HOME")
            .output()
            .unwrap()
    }
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn status_json(install: &Install) -> serde_json::Value {
    let out = install.till(&["autostart", "status", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn enable_status_disable_with_a_path_that_needs_quoting() {
    let install = Install::new();
    install.add_recording_app();

    let out = install.till(&["autostart", "status"]);
    assert!(out.status.success());
    assert!(
        text(&out.stdout).starts_with("autostart: off"),
        "off by default"
    );
    assert!(!install.entry().exists());

    let out = install.till(&["autostart", "enable"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let entry = std::fs::read_to_string(install.entry()).unwrap();
    assert!(
        entry.contains(r#"Exec="/"#)
            && entry.contains(r#"/My Apps/Till \\"nightly\\" \\$HOME/till-desktop" --hidden"#),
        "the path is quoted and escaped per the Desktop Entry spec:\n{entry}"
    );
    assert!(entry.starts_with("[Desktop Entry]\nType=Application\n"));

    let status = status_json(&install);
    assert_eq!(status["enabled"], true);
    assert_eq!(status["app"], install.app().to_str().unwrap());
    assert_eq!(status["app_missing"], false);
    let out = install.till(&["autostart", "status"]);
    assert!(
        text(&out.stdout).contains(&format!("on, starts {}", install.app().display())),
        "{}",
        text(&out.stdout)
    );

    let out = install.till(&["autostart", "disable"]);
    assert!(out.status.success());
    assert!(!install.entry().exists());
    assert_eq!(status_json(&install)["enabled"], false);
    let out = install.till(&["autostart", "disable"]);
    assert!(out.status.success(), "disabling twice is fine");
    assert!(text(&out.stderr).contains("nothing to do"));
}

#[test]
fn the_desktop_starts_the_entry_as_written() {
    if !Path::new("/usr/bin/gio").exists() {
        eprintln!("skipped: GLib's gio (libglib2.0-bin) is not installed");
        return;
    }
    let install = Install::new();
    install.add_recording_app();
    let home = install.dir.path().join("Vault Home");
    let out = install.till(&["--home", home.to_str().unwrap(), "autostart", "enable"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let launched = Command::new("/usr/bin/gio")
        .arg("launch")
        .arg(install.entry())
        .env("HOME", install.dir.path())
        .output()
        .unwrap();
    assert!(launched.status.success(), "{}", text(&launched.stderr));
    // gio starts the app and returns; wait (bounded) for the app to have run.
    let mut started = String::new();
    for _ in 0..200 {
        started = std::fs::read_to_string(install.started()).unwrap_or_default();
        if started.ends_with('\n') {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    assert_eq!(
        started,
        format!("--hidden\nTILL_HOME={}\n", home.display()),
        "GLib ran the app with --hidden and the portable vault's TILL_HOME"
    );
}

#[test]
fn a_moved_app_is_reported_and_a_missing_one_named() {
    let install = Install::new();
    if !Path::new("/usr/bin/till-desktop").exists() {
        let out = install.till(&["autostart", "enable"]);
        assert_eq!(out.status.code(), Some(12), "not_found");
        let error = text(&out.stderr);
        assert!(
            error.contains(install.app().to_str().unwrap())
                && error.contains("/usr/bin/till-desktop"),
            "names where it looked: {error}"
        );
        assert!(!install.entry().exists(), "nothing written");
    }
    install.add_recording_app();
    assert!(install.till(&["autostart", "enable"]).status.success());
    std::fs::remove_file(install.app()).unwrap();
    let status = status_json(&install);
    assert_eq!(
        (status["enabled"].clone(), status["app_missing"].clone()),
        (true.into(), true.into())
    );
    let out = install.till(&["autostart", "status"]);
    assert!(text(&out.stdout).contains("is gone: run `till autostart enable`"));
}
