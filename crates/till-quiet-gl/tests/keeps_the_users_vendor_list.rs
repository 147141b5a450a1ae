//! A vendor list the user set is back in place for the programs Till starts.

#![cfg(target_os = "linux")]

const USERS_LIST: &str = "/usr/share/glvnd/egl_vendor.d/50_mesa.json";

#[test]
fn the_users_vendor_list_is_restored() {
    std::env::set_var("__EGL_VENDOR_LIBRARY_FILENAMES", USERS_LIST);

    assert_eq!(till_quiet_gl::keep_drivers_out(), Ok(()));

    assert_eq!(
        std::env::var_os("__EGL_VENDOR_LIBRARY_FILENAMES").as_deref(),
        Some(std::ffi::OsStr::new(USERS_LIST))
    );
}
