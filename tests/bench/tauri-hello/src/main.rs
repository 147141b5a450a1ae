//! A window showing one static page: what any Tauri app costs before doing anything.
#![forbid(unsafe_code)]

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("tauri-hello: {error}");
        std::process::exit(1);
    }
}
