//! Whether the directory walk would skip a path, for paths that come from elsewhere: a
//! file watcher reports every change, including those in `target/`, `node_modules/` or a
//! file a `.tillignore` names, and rescanning those would find what a full scan does not.
//!
//! The walk (`walk.rs`) honours `.tillignore`, `.ignore` and `.gitignore` in every folder
//! from the filesystem root down, git repository or not, and never enters `.git`. This
//! answers the same question for one path: the deepest folder with a rule about it
//! decides, and in one folder `.tillignore` outranks `.ignore`, which outranks
//! `.gitignore`. Git's global excludes are not read (the walk's are).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;

use crate::IGNORE_FILE;

/// The ignore files a folder may hold, strongest first.
const FILES: [&str; 3] = [IGNORE_FILE, ".ignore", ".gitignore"];

/// Answers "would the walk skip this path?", reading each folder's ignore files once.
#[derive(Debug, Default)]
pub struct Skips {
    folders: HashMap<PathBuf, Vec<Gitignore>>,
}

impl Skips {
    /// Whether a walk would leave `path` out (`is_dir`: whether it is a folder).
    pub fn skips(&mut self, path: &Path, is_dir: bool) -> bool {
        if path.components().any(|c| c.as_os_str() == ".git") {
            return true;
        }
        for folder in path.ancestors().skip(1) {
            for matcher in self.matchers(folder) {
                match matcher.matched_path_or_any_parents(path, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
        }
        false
    }

    fn matchers(&mut self, folder: &Path) -> &[Gitignore] {
        self.folders.entry(folder.to_owned()).or_insert_with(|| {
            FILES
                .iter()
                .map(|name| folder.join(name))
                .filter(|file| file.is_file())
                .filter_map(|file| {
                    let mut builder = GitignoreBuilder::new(folder);
                    // A malformed line is skipped, as the walk skips it.
                    let _ = builder.add(&file);
                    builder.build().ok()
                })
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_the_walk_skips_are_skipped_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for folder in ["target/debug", "src", "docs/fixtures", "logs", ".git"] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
        }
        std::fs::write(root.join(".gitignore"), "target/\n*.log\n").unwrap();
        std::fs::write(root.join("logs/.gitignore"), "!keep.log\n").unwrap();
        std::fs::write(root.join("docs/.tillignore"), "fixtures/\n").unwrap();
        let mut skips = Skips::default();
        let cases = [
            ("target/debug/app.d", false, true),
            ("target", true, true),
            ("src/main.rs", false, false),
            ("src/run.log", false, true),
            ("logs/keep.log", false, false),
            ("logs/other.log", false, true),
            ("docs/fixtures/keys.env", false, true),
            ("docs/guide.md", false, false),
            (".env", false, false),
            (".git/index", false, true),
        ];
        for (path, is_dir, skipped) in cases {
            assert_eq!(skips.skips(&root.join(path), is_dir), skipped, "{path}");
        }
    }

    #[test]
    fn the_answers_agree_with_the_walk() {
        use crate::walk::{scan_paths, Options};
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("build")).unwrap();
        std::fs::write(root.join(".gitignore"), "build/\n").unwrap();
        let key = "ghp_Zq8bW2nR5tY7uI9oP1aS3dF6gH4jK0lX2cV5";
        std::fs::write(root.join("build/out.txt"), key).unwrap();
        std::fs::write(root.join("app.txt"), key).unwrap();
        let scanner = crate::walk::tests::github_scanner();
        let found = scan_paths(
            &scanner,
            &crate::NoVault,
            &[root.to_owned()],
            Options::default(),
        )
        .unwrap()
        .findings;
        let mut skips = Skips::default();
        for name in ["build/out.txt", "app.txt"] {
            let walked = found.iter().any(|f| f.path.ends_with(name));
            assert_eq!(!skips.skips(&root.join(name), false), walked, "{name}");
        }
    }
}
