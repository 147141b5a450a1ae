//! The two system calls behind [`crate::trim`], on Linux.

use crate::{smaps::trimmable, Trimmed};

pub fn trim() -> std::io::Result<Trimmed> {
    let smaps = std::fs::read_to_string("/proc/self/smaps")?;
    let mut trimmed = Trimmed::default();
    for mapping in trimmable(&smaps) {
        // SAFETY: `mapping` is a whole mapping of this process that cannot be written and
        // held no anonymous (copy-on-write) page when read just now: every resident page
        // is a clean copy of its file, so dropping it loses nothing and the next access
        // reads the same bytes back from the page cache. No Rust reference can point into
        // memory whose contents this changes, because it changes none.
        #[allow(unsafe_code)]
        let advised = unsafe {
            libc::madvise(
                mapping.start as *mut libc::c_void,
                mapping.end - mapping.start,
                libc::MADV_DONTNEED,
            )
        };
        if advised == 0 {
            trimmed.mappings += 1;
            trimmed.file_kib += mapping.rss_kib;
        } else {
            // Locked or special mappings: they stay as they were.
            trimmed.refused += 1;
        }
    }
    trimmed.heap_returned = trim_heap();
    Ok(trimmed)
}

#[cfg(target_env = "gnu")]
fn trim_heap() -> bool {
    // SAFETY: malloc_trim only returns free memory of glibc's own arenas to the kernel;
    // it takes the arenas' locks itself and touches no allocated block.
    #[allow(unsafe_code)]
    let returned = unsafe { libc::malloc_trim(0) };
    returned == 1
}

#[cfg(not(target_env = "gnu"))]
fn trim_heap() -> bool {
    false
}
