//! Keeps OpenGL drivers out of Till's own process.
//!
//! The first time Till loads a page, WebKitGTK 2.50 opens an EGL display in Till's
//! process, whatever the app's settings, to learn which buffers its web process may hand
//! over. Opening it loads the system's driver: Mesa, which links all of LLVM. LLVM's
//! relocated data alone is 8 MiB that stays dirty for as long as the library is loaded,
//! which is for the life of the tray app. Till draws its pages without GPU compositing
//! (`WEBKIT_DISABLE_COMPOSITING_MODE`, set in `src-tauri/src/webengine.rs`), so that
//! display serves nothing: the page arrives as plain pixels through shared memory.
//!
//! libglvnd, the EGL dispatcher current distributions ship, picks its vendor libraries
//! (Mesa, NVIDIA's) once per process, at the first EGL call, from the JSON files that
//! `__EGL_VENDOR_LIBRARY_FILENAMES` lists when it is set. [`keep_drivers_out`] sets it to
//! a file that cannot exist, makes that first call, and puts the variable back as it
//! was. Till's process then has EGL with no vendor: WebKit finds no display and keeps to
//! shared memory. Processes started afterwards read the environment afresh, so WebKit's
//! web process, and any program Till starts, get the drivers as usual.
//!
//! Where the EGL library is not libglvnd (Mesa built without it), the variable means
//! nothing and the first call reports Mesa's own extensions: [`keep_drivers_out`] says
//! so, and Till behaves as it did before. Elsewhere than Linux it does nothing.

#[cfg(target_os = "linux")]
mod linux;

/// Why [`keep_drivers_out`] could not keep the drivers out. Till runs on either way;
/// the first page then loads the drivers into its process, as before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotKeptOut {
    /// No `libEGL.so.1` to open (`dlerror`'s text): WebKit will not find one either.
    NoLibrary(String),
    /// The library has no `eglQueryString`, so it is not an EGL library.
    NoEntryPoint,
    /// The dispatcher still saw a driver: it is not libglvnd, or it had already chosen
    /// its vendors. Holds the client extensions it reported.
    DriverStillVisible(String),
    /// This platform has no EGL dispatcher to steer.
    Unsupported,
}

impl std::fmt::Display for NotKeptOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoLibrary(reason) => write!(f, "no EGL library to open ({reason})"),
            Self::NoEntryPoint => f.write_str("the EGL library has no eglQueryString"),
            Self::DriverStillVisible(extensions) => write!(
                f,
                "the EGL library is not libglvnd or had chosen its drivers already \
                 (client extensions: {extensions})"
            ),
            Self::Unsupported => f.write_str("only Linux's EGL dispatcher can be steered"),
        }
    }
}

impl std::error::Error for NotKeptOut {}

/// Has this process's EGL dispatcher start with no vendor (see the crate's doc), and
/// leaves `__EGL_VENDOR_LIBRARY_FILENAMES` as it found it.
///
/// Call it first thing in `main`, before any other thread starts and before anything
/// makes an EGL call: it changes the process environment for the length of one call.
pub fn keep_drivers_out() -> Result<(), NotKeptOut> {
    #[cfg(target_os = "linux")]
    {
        linux::keep_drivers_out()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Err(NotKeptOut::Unsupported)
    }
}
