//! Compiles the training content in: every `lessons/*.md` and `checklists/*.toml`, in
//! file-name order. Adding a lesson or a built-in checklist is adding a file.

use std::fmt::Write as _;
use std::path::Path;

fn listing(dir: &str, extension: &str, name: &str, out: &mut String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == extension))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let _ = writeln!(out, "pub const {name}: &[(&str, &str)] = &[");
    for path in files {
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    let _ = writeln!(out, "];");
}

fn main() {
    let mut out = String::new();
    listing("lessons", "md", "LESSON_FILES", &mut out);
    listing("checklists", "toml", "CHECKLIST_FILES", &mut out);
    let dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let dest = Path::new(&dir).join("training.rs");
    // A new file renamed into place, never a write through the old one: a target
    // directory seeded with hard links (as CI caches and worktrees do) shares that file
    // with other checkouts, and writing it in place would hand them this checkout's paths.
    let fresh = Path::new(&dir).join("training.rs.new");
    std::fs::write(&fresh, out).expect("write the training listing");
    std::fs::rename(&fresh, &dest).expect("move the training listing into place");
}
