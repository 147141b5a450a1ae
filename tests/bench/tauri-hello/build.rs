//! Standard Tauri build script, no app commands.

fn main() {
    tauri_build::build();
}
