//! What the window-cycle examples share: the plain app they run in, and the memory they
//! print.

use tauri::AppHandle;

/// `RssAnon` from /proc/self/status, in KiB.
pub fn anonymous_resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let value = status.lines().find_map(|l| l.strip_prefix("RssAnon:"))?;
    value.trim().strip_suffix("kB")?.trim().parse().ok()
}

/// Runs the hello-world app with `cycle` on a thread of its own; `cycle` ends the process.
pub fn run(name: &'static str, cycle: fn(&AppHandle)) {
    let built = tauri::Builder::default()
        .setup(move |app| {
            let handle = app.handle().clone();
            std::thread::spawn(move || cycle(&handle));
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(error) = built {
        eprintln!("{name}: {error}");
        std::process::exit(1);
    }
}
