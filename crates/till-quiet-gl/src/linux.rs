//! The libglvnd steps behind [`crate::keep_drivers_out`].

use std::ffi::{c_char, c_int, c_void, CStr};

use crate::NotKeptOut;

/// The variable libglvnd reads its vendor list from, once per process.
const VENDOR_FILES: &str = "__EGL_VENDOR_LIBRARY_FILENAMES";
/// A vendor file that cannot exist (`/dev/null` is no directory), so the list is empty.
const NO_VENDOR: &str = "/dev/null/till-has-no-egl-vendor.json";
const EGL_LIBRARY: &CStr = c"libEGL.so.1";
const QUERY_STRING: &CStr = c"eglQueryString";
/// `EGL_EXTENSIONS` from `EGL/egl.h`.
const EGL_EXTENSIONS: c_int = 0x3055;
/// Every driver-backed EGL offers one of these client extensions; an empty dispatcher
/// offers none.
const DRIVER_EXTENSIONS: [&str; 2] = ["EGL_KHR_platform_", "EGL_MESA_platform_"];

type QueryString = unsafe extern "C" fn(*mut c_void, c_int) -> *const c_char;

pub fn keep_drivers_out() -> Result<(), NotKeptOut> {
    let previous = std::env::var_os(VENDOR_FILES);
    std::env::set_var(VENDOR_FILES, NO_VENDOR);
    let extensions = first_egl_call();
    match previous {
        Some(value) => std::env::set_var(VENDOR_FILES, value),
        None => std::env::remove_var(VENDOR_FILES),
    }
    let extensions = extensions?;
    if DRIVER_EXTENSIONS
        .iter()
        .any(|prefix| extensions.contains(prefix))
    {
        return Err(NotKeptOut::DriverStillVisible(extensions));
    }
    Ok(())
}

/// Opens the EGL library and asks it for its client extensions, the one call that needs
/// no display, which makes libglvnd choose its vendors. The library stays open: WebKit
/// (through libepoxy) opens the same one later and finds it loaded.
fn first_egl_call() -> Result<String, NotKeptOut> {
    // SAFETY: dlopen takes a NUL-terminated name and returns a handle or null; libEGL's
    // constructors only set up its own dispatch tables.
    #[allow(unsafe_code)]
    let library = unsafe { libc::dlopen(EGL_LIBRARY.as_ptr(), libc::RTLD_NOW | libc::RTLD_LOCAL) };
    if library.is_null() {
        return Err(NotKeptOut::NoLibrary(last_dl_error()));
    }
    // SAFETY: a live handle and a NUL-terminated symbol name.
    #[allow(unsafe_code)]
    let symbol = unsafe { libc::dlsym(library, QUERY_STRING.as_ptr()) };
    if symbol.is_null() {
        return Err(NotKeptOut::NoEntryPoint);
    }
    // SAFETY: `eglQueryString` has this signature in every EGL (EGL 1.0, `EGL/egl.h`):
    // `const char *eglQueryString(EGLDisplay dpy, EGLint name)`.
    #[allow(unsafe_code)]
    let query_string = unsafe { std::mem::transmute::<*mut c_void, QueryString>(symbol) };
    // SAFETY: EGL_NO_DISPLAY (null) with EGL_EXTENSIONS is the documented query for
    // client extensions (EGL_EXT_client_extensions); it returns a static string or null.
    #[allow(unsafe_code)]
    let extensions = unsafe { query_string(std::ptr::null_mut(), EGL_EXTENSIONS) };
    if extensions.is_null() {
        return Ok(String::new());
    }
    // SAFETY: non-null, NUL-terminated, owned by the library for the process's life.
    #[allow(unsafe_code)]
    let extensions = unsafe { CStr::from_ptr(extensions) };
    Ok(extensions.to_string_lossy().into_owned())
}

fn last_dl_error() -> String {
    // SAFETY: dlerror returns null or a NUL-terminated message valid until the next dl call.
    #[allow(unsafe_code)]
    let message = unsafe { libc::dlerror() };
    if message.is_null() {
        return "no reason given".to_owned();
    }
    // SAFETY: non-null and NUL-terminated, read before any other dl call.
    #[allow(unsafe_code)]
    unsafe { CStr::from_ptr(message) }
        .to_string_lossy()
        .into_owned()
}
