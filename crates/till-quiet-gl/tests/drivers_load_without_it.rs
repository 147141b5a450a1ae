//! The control for keeps_drivers_out.rs: on the same machine, without the steering, the
//! same display loads the driver (so that test can fail).

#![cfg(target_os = "linux")]

mod support;

#[test]
fn without_it_a_display_loads_the_driver() {
    assert!(
        support::open_display(),
        "EGL could not initialise a display"
    );
    assert!(support::driver_loaded(), "no GL driver is mapped");
}
