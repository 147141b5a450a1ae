//! What the user told the scanner to leave alone: a `till:allow` comment on a line, and
//! `.tillignore` (gitignore syntax) at the scan root for whole files and directories.
//!
//! The directory walk also honours `.tillignore` files below the root, as it does
//! `.gitignore`; git scans (staged blobs, history) have no walk and use [`TillIgnore`].

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// The inline marker that keeps a line out of the results.
pub const ALLOW_MARKER: &[u8] = b"till:allow";

/// The name of the ignore file.
pub const IGNORE_FILE: &str = ".tillignore";

/// Whether the line holding `offset` carries a `till:allow` marker.
pub fn line_allows(data: &[u8], offset: usize) -> bool {
    let offset = offset.min(data.len());
    let start = memchr::memrchr(b'\n', &data[..offset]).map_or(0, |p| p + 1);
    let end = memchr::memchr(b'\n', &data[offset..]).map_or(data.len(), |p| offset + p);
    memchr::memmem::find(&data[start..end], ALLOW_MARKER).is_some()
}

/// The `.tillignore` at a root, for paths that do not come from a walk.
#[derive(Debug)]
pub struct TillIgnore(Option<Gitignore>);

impl TillIgnore {
    /// Reads `ROOT/.tillignore`; no file means nothing is ignored.
    pub fn at(root: &Path) -> Result<Self, crate::ScanError> {
        let file = root.join(IGNORE_FILE);
        if !file.is_file() {
            return Ok(Self(None));
        }
        let mut builder = GitignoreBuilder::new(root);
        if let Some(error) = builder.add(&file) {
            return Err(crate::ScanError::Setup(format!(
                "{}: {error}",
                file.display()
            )));
        }
        let matcher = builder
            .build()
            .map_err(|e| crate::ScanError::Setup(format!("{}: {e}", file.display())))?;
        Ok(Self(Some(matcher)))
    }

    /// Whether `relative` (a path inside the root, `/`-separated) is ignored.
    pub fn ignores(&self, relative: &str) -> bool {
        self.0
            .as_ref()
            .is_some_and(|m| m.matched_path_or_any_parents(relative, false).is_ignore())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_counts_only_on_its_own_line() {
        let text = b"a = 1\nkey = x # till:allow\nb = 2";
        assert!(line_allows(text, 8));
        assert!(line_allows(text, 26));
        assert!(!line_allows(text, 2));
        assert!(!line_allows(text, text.len() - 1));
        assert!(!line_allows(b"", 0));
    }

    #[test]
    fn tillignore_uses_gitignore_syntax() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(IGNORE_FILE),
            "fixtures/\n*.snap\n!keep.snap\n",
        )
        .unwrap();
        let ignore = TillIgnore::at(dir.path()).unwrap();
        assert!(ignore.ignores("fixtures/keys.env"));
        assert!(ignore.ignores("a/b/c.snap"));
        assert!(!ignore.ignores("keep.snap"));
        assert!(!ignore.ignores("src/main.rs"));
        assert!(!TillIgnore::at(&dir.path().join("none"))
            .unwrap()
            .ignores("x"));
    }
}
