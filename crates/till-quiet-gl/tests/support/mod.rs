//! What WebKit's UI side does with EGL on a page's first load, done by hand: open a
//! display and initialise it, which is when the dispatcher loads the driver.

#![allow(unsafe_code)]

use std::ffi::{c_int, c_void, CStr};

/// `EGL_PLATFORM_SURFACELESS_MESA`: a display that needs no window system, so the tests
/// run with or without X.
const PLATFORM_SURFACELESS: u32 = 0x31DD;

type GetPlatformDisplay = unsafe extern "C" fn(u32, *mut c_void, *const isize) -> *mut c_void;
type Initialize = unsafe extern "C" fn(*mut c_void, *mut c_int, *mut c_int) -> u32;

/// Opens and initialises an EGL display; true when EGL has a driver to do it with.
pub fn open_display() -> bool {
    // SAFETY: NUL-terminated names; the handle stays open for the test's life.
    let library = unsafe { libc::dlopen(c"libEGL.so.1".as_ptr(), libc::RTLD_NOW) };
    assert!(!library.is_null(), "libEGL.so.1 is not installed");
    let symbol = |name: &CStr| {
        // SAFETY: a live handle and a NUL-terminated name.
        let found = unsafe { libc::dlsym(library, name.as_ptr()) };
        assert!(!found.is_null(), "libEGL has no {name:?}");
        found
    };
    // SAFETY: the EGL 1.5 signatures, from EGL/egl.h.
    let get_display = unsafe {
        std::mem::transmute::<*mut c_void, GetPlatformDisplay>(symbol(c"eglGetPlatformDisplay"))
    };
    // SAFETY: as above.
    let initialize =
        unsafe { std::mem::transmute::<*mut c_void, Initialize>(symbol(c"eglInitialize")) };
    // SAFETY: the surfaceless platform takes EGL_DEFAULT_DISPLAY (null) and no attributes.
    let display =
        unsafe { get_display(PLATFORM_SURFACELESS, std::ptr::null_mut(), std::ptr::null()) };
    if display.is_null() {
        return false;
    }
    let (mut major, mut minor) = (0, 0);
    // SAFETY: a display EGL returned, and two writable ints.
    unsafe { initialize(display, &mut major, &mut minor) == 1 }
}

/// Whether this process maps a GL driver or LLVM.
pub fn driver_loaded() -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").expect("read /proc/self/maps");
    maps.lines().any(|line| {
        line.contains("/dri/") || line.contains("libLLVM") || line.contains("libgallium")
    })
}
