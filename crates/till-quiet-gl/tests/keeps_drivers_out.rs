//! With the dispatcher steered, a display opened afterwards (as WebKit opens one on the
//! first page) loads no driver, and the environment is as it was. One test per file:
//! the dispatcher picks its vendors once per process.

#![cfg(target_os = "linux")]

mod support;

#[test]
fn a_display_opened_afterwards_loads_no_driver_and_the_environment_is_unchanged() {
    assert_eq!(till_quiet_gl::keep_drivers_out(), Ok(()));

    assert_eq!(std::env::var_os("__EGL_VENDOR_LIBRARY_FILENAMES"), None);
    assert!(!support::open_display(), "EGL still initialised a display");
    assert!(!support::driver_loaded(), "a GL driver was loaded anyway");
}
