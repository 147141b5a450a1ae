//! Opening a web page in the user's browser, for provider consoles.
//!
//! Only URLs from the provider catalog come here. Failing to open one (no browser, a
//! headless session) is logged; the window shows the link so it can be copied.

/// Opens `url` with the desktop's default handler, without waiting for it.
pub fn open(url: &str) {
    #[cfg(target_os = "macos")]
    let mut command = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut command = {
        let mut command = std::process::Command::new("explorer");
        command.arg("/c").arg("start");
        command
    };
    #[cfg(not(any(target_os = "macos", target_os = "windows")))]
    let mut command = std::process::Command::new("xdg-open");
    #[cfg(target_os = "linux")]
    crate::webengine::clean_child_environment(&mut command);
    let spawned = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        // Reap it in the background so it does not linger as a zombie.
        Ok(mut child) => {
            std::thread::spawn(move || child.wait());
        }
        Err(error) => tracing::warn!(%error, url, "could not open the browser"),
    }
}
