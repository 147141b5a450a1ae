//! `trim` lowers this process's resident file pages, and the code it dropped runs again.
//!
//! The only test in its binary, so its process: a test running beside it in the same
//! process would fault code pages back in between the trim and the measurement (seen
//! once on CI: 2,420 KiB resident before, 1,508 KiB after, as the smaps tests ran).
#![cfg(target_os = "linux")]

/// Resident KiB of this process's file-backed pages (`RssFile` in /proc/self/status):
/// only the madvise part of `trim` lowers it, not `malloc_trim`.
fn file_resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("RssFile:"))
        .and_then(|v| v.trim().strip_suffix("kB")?.trim().parse().ok())
        .expect("RssFile")
}

#[test]
fn trimming_drops_resident_file_pages_and_the_process_runs_on() {
    let before = file_resident_kib();
    let trimmed = till_working_set::trim().expect("trim");
    let after = file_resident_kib();
    assert!(trimmed.mappings > 0 && trimmed.file_kib > 0, "{trimmed:?}");
    assert!(
        after < before / 2,
        "file pages resident: {before} KiB before, {after} KiB after"
    );
    // The code just dropped runs again: it faults back in from the page cache.
    let again = till_working_set::trim().expect("a second trim runs the same code");
    assert!(again.mappings > 0, "{again:?}");
}
