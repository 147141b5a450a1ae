//! Hands the kernel back the memory an idle Till holds but does not use.
//!
//! Till idles in the tray all day, and what it holds then is what users see in a system
//! monitor. Two things stay with the process long after they stopped being used:
//!
//! - **Code and read-only data it ran once.** Start-up runs through Till's own binary,
//!   GTK and WebKit's start-up code; opening the window runs WebKit's UI side and
//!   JavaScriptCore (Mesa and LLVM stay out: `till-quiet-gl`). Those pages stay mapped
//!   in Till's process until the kernel needs memory. `MADV_DONTNEED` unmaps them now.
//!   They stay in the kernel's page cache, so code run again later faults back in from
//!   memory, not from disk; the kernel can also reclaim them more readily once no
//!   process maps them.
//! - **Heap it freed.** glibc keeps freed heap in its arenas; `malloc_trim(0)` returns
//!   the whole free pages to the kernel.
//!
//! Why this is sound: `MADV_DONTNEED` on a private file mapping discards any page
//! written since it was mapped (copy-on-write) and reads the file's bytes back in its
//! place. So only mappings that cannot be written (no `w` in their permissions) and hold
//! no anonymous pages (`Anonymous: 0 kB` in `/proc/self/smaps`) are advised: their pages
//! are exactly the file's. A library's relocated data made read-only afterwards (RELRO)
//! holds anonymous pages and is left alone, as are devices (`/dev/…`), writable and
//! anonymous memory. Nothing is freed that is not, byte for byte, still in the file.
//!
//! Elsewhere than Linux with glibc, [`trim`] does nothing and says so.

#[cfg(target_os = "linux")]
mod linux;
mod smaps;

pub use smaps::{trimmable, Mapping};

/// What one [`trim`] handed back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Trimmed {
    /// Resident KiB of the read-only file mappings advised away.
    pub file_kib: u64,
    /// Mappings advised.
    pub mappings: usize,
    /// Mappings the kernel refused to advise (left as they were).
    pub refused: usize,
    /// Whether glibc returned free heap pages.
    pub heap_returned: bool,
}

/// Unmaps the clean pages of read-only file mappings and returns free heap pages to the
/// kernel (see the crate's doc). Cheap enough to call after each window close: one read
/// of `/proc/self/smaps` and one system call per mapping.
pub fn trim() -> std::io::Result<Trimmed> {
    #[cfg(target_os = "linux")]
    {
        linux::trim()
    }
    #[cfg(not(target_os = "linux"))]
    {
        Ok(Trimmed::default())
    }
}
