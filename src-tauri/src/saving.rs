//! Saving a file where the user chooses: a native save dialog, opened from Rust.
//!
//! The webview never names a path: it asks for "save the backup", Rust shows the dialog
//! (tauri-plugin-dialog, modal to the window), and only the place the user picked is
//! written, owner-only, by `till_core::export::Destination`. So the window's capability
//! needs no dialog permission, and a compromised page still cannot write anywhere it
//! likes. The dialog asks before replacing a file; Rust replaces only a file that was
//! there when the user confirmed (see `Destination::chosen_in_dialog`).
//!
//! [`SaveDialog`] is the seam: tests answer it without a display.

use std::path::{Path, PathBuf};

use tauri::WebviewWindow;
use tauri_plugin_dialog::DialogExt;
use till_core::export::Destination;
use till_core::TillError;

/// What the dialog shows: its title, the suggested name and the file type.
#[derive(Debug, Clone, Copy)]
pub struct SaveRequest {
    pub title: &'static str,
    pub file_name: &'static str,
    /// The file type's name in the dialog's filter, and its extension.
    pub kind: (&'static str, &'static str),
}

/// Asks the user where to save; `None` when they cancel.
pub trait SaveDialog {
    fn ask(&self, request: &SaveRequest) -> Option<PathBuf>;
}

/// The platform's save dialog, modal to `window` (GTK's asks before replacing a file).
#[derive(Debug)]
pub struct NativeDialog(pub WebviewWindow);

impl SaveDialog for NativeDialog {
    fn ask(&self, request: &SaveRequest) -> Option<PathBuf> {
        let (kind, extension) = request.kind;
        self.0
            .dialog()
            .file()
            .set_parent(&self.0)
            .set_title(request.title)
            .set_file_name(request.file_name)
            .add_filter(kind, &[extension])
            .blocking_save_file()
            .and_then(|picked| picked.into_path().ok())
    }
}

/// Asks where, makes the file's bytes for that place (`make` may audit the export with
/// its path), and writes them owner-only. Returns the path written, or `None` when the
/// user cancelled (then nothing is made: no audit entry for an export that did not
/// happen).
pub fn save(
    dialog: &impl SaveDialog,
    request: &SaveRequest,
    make: impl FnOnce(&Path) -> Result<Vec<u8>, TillError>,
) -> Result<Option<String>, TillError> {
    let Some(path) = dialog.ask(request) else {
        return Ok(None);
    };
    let destination = Destination::chosen_in_dialog(path);
    let bytes = make(destination.path())?;
    destination.write(&bytes)?;
    Ok(Some(destination.path().display().to_string()))
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::cell::Cell;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    const REQUEST: SaveRequest = SaveRequest {
        title: "Save the team report",
        file_name: "till-team-report.md",
        kind: ("Markdown", "md"),
    };

    /// Answers as a user would: a path, or cancel.
    struct Answer(Option<PathBuf>);

    impl SaveDialog for Answer {
        fn ask(&self, request: &SaveRequest) -> Option<PathBuf> {
            assert_eq!(request.file_name, "till-team-report.md");
            self.0.clone()
        }
    }

    #[test]
    fn a_cancelled_dialog_makes_and_writes_nothing() {
        let made = Cell::new(false);
        let saved = save(&Answer(None), &REQUEST, |_| {
            made.set(true);
            Ok(b"report".to_vec())
        });
        assert_eq!(saved.unwrap(), None);
        assert!(!made.get(), "no export is made (or audited) for a cancel");
    }

    #[test]
    fn the_chosen_place_gets_the_file_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Team report.md");
        let saved = save(&Answer(Some(path.clone())), &REQUEST, |to| {
            assert_eq!(to, path);
            Ok(b"# Report\n".to_vec())
        })
        .unwrap();
        assert_eq!(saved.as_deref(), path.to_str());
        assert_eq!(std::fs::read(&path).unwrap(), b"# Report\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn replacing_needs_the_dialogs_confirmation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.md");
        // There when the dialog answered: the dialog asked, the user said replace.
        std::fs::write(&path, b"old").unwrap();
        save(&Answer(Some(path.clone())), &REQUEST, |_| {
            Ok(b"new".to_vec())
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        // Appeared while the file was being made: nobody agreed to lose it.
        let other = dir.path().join("other.md");
        let error = save(&Answer(Some(other.clone())), &REQUEST, |to| {
            std::fs::write(to, b"someone else's").unwrap();
            Ok(b"new".to_vec())
        })
        .unwrap_err();
        assert_eq!(error.code(), till_core::ErrorCode::InvalidInput);
        assert_eq!(std::fs::read(&other).unwrap(), b"someone else's");
    }
}
