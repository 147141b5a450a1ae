//! Reads `/proc/self/smaps` into the mappings [`crate::trim`] may advise away.

/// A mapping whose pages are exactly its file's, safe to drop (see the crate's doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// First address.
    pub start: usize,
    /// One past the last address.
    pub end: usize,
    /// Resident KiB when read.
    pub rss_kib: u64,
}

/// One mapping's header and the fields that decide it.
#[derive(Debug)]
struct Entry {
    start: usize,
    end: usize,
    readonly: bool,
    file_backed: bool,
    rss_kib: u64,
    anonymous_kib: u64,
}

impl Entry {
    /// Parses a header line: `start-end perms offset dev inode [path]`.
    fn from_header(line: &str) -> Option<Entry> {
        let mut fields = line.split_whitespace();
        let (start, end) = fields.next()?.split_once('-')?;
        let perms = fields.next()?;
        let _offset = fields.next()?;
        let _device = fields.next()?;
        let inode: u64 = fields.next()?.parse().ok()?;
        let path = fields.next().unwrap_or("");
        Some(Entry {
            start: usize::from_str_radix(start, 16).ok()?,
            end: usize::from_str_radix(end, 16).ok()?,
            readonly: perms.len() == 4 && !perms.contains('w'),
            file_backed: inode != 0 && path.starts_with('/') && !path.starts_with("/dev/"),
            rss_kib: 0,
            anonymous_kib: 0,
        })
    }

    fn trimmable(&self) -> Option<Mapping> {
        // Copy-on-write pages are anonymous. `Private_Dirty` is no guide: it also counts
        // file pages not yet written back to disk (a binary just built), which are the
        // file's own bytes all the same.
        let copy_on_write = self.anonymous_kib > 0;
        (self.readonly && self.file_backed && !copy_on_write && self.rss_kib > 0).then_some(
            Mapping {
                start: self.start,
                end: self.end,
                rss_kib: self.rss_kib,
            },
        )
    }
}

/// The mappings in `smaps` (the text of `/proc/PID/smaps`) whose resident pages are all
/// clean copies of a file's, in address order.
pub fn trimmable(smaps: &str) -> Vec<Mapping> {
    let mut found = Vec::new();
    let mut current: Option<Entry> = None;
    for line in smaps.lines() {
        if let Some(entry) = Entry::from_header(line) {
            found.extend(current.take().and_then(|e| e.trimmable()));
            current = Some(entry);
            continue;
        }
        let Some(entry) = current.as_mut() else {
            continue;
        };
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let kib = || {
            value
                .trim()
                .strip_suffix("kB")
                .and_then(|n| n.trim().parse().ok())
        };
        match name {
            "Rss" => entry.rss_kib = kib().unwrap_or(0),
            // Unreadable means unknown: count it as dirty so the mapping stays.
            "Anonymous" => entry.anonymous_kib = kib().unwrap_or(u64::MAX),
            _ => {}
        }
    }
    found.extend(current.and_then(|e| e.trimmable()));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mapping as the kernel prints it, with the fields `trimmable` reads.
    fn mapping(header: &str, rss: u64, anonymous: u64) -> String {
        format!(
            "{header}\nSize:               2048 kB\nRss:                {rss} kB\n\
             Pss:                {rss} kB\nPrivate_Dirty:      {rss} kB\n\
             Anonymous:          {anonymous} kB\nVmFlags: rd mr mw me\n"
        )
    }

    #[test]
    fn keeps_only_clean_read_only_file_mappings() {
        let smaps = [
            mapping(
                "7f0000000000-7f0000200000 r-xp 00000000 fe:00 123 /usr/lib/libwebkit.so",
                900,
                0,
            ),
            mapping(
                "7f0000200000-7f0000300000 r--p 00200000 fe:00 123 /usr/lib/libwebkit.so",
                64,
                0,
            ),
            // RELRO: read-only now, but relocated (copy-on-write) pages in it.
            mapping(
                "7f0000300000-7f0000340000 r--p 00300000 fe:00 123 /usr/lib/libwebkit.so",
                256,
                256,
            ),
            mapping(
                "7f0000340000-7f0000350000 rw-p 00340000 fe:00 123 /usr/lib/libwebkit.so",
                64,
                64,
            ),
            mapping("7f0000350000-7f0000360000 r--p 00000000 00:00 0", 16, 16),
            mapping(
                "7f0000360000-7f0000370000 rw-p 00000000 00:00 0                          [heap]",
                40,
                40,
            ),
            mapping(
                "7f0000370000-7f0000380000 rw-s 00000000 00:01 77 /SYSV00000000 (deleted)",
                40,
                0,
            ),
            mapping(
                "7f0000380000-7f0000390000 r--s 00000000 00:06 5 /dev/dri/renderD128",
                40,
                0,
            ),
            mapping(
                "7f0000390000-7f00003a0000 r-xp 00000000 fe:00 124 /usr/lib/libcold.so",
                0,
                0,
            ),
            mapping(
                "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0                          [vdso]",
                8,
                0,
            ),
        ]
        .concat();

        let found = trimmable(&smaps);

        assert_eq!(
            found,
            vec![
                Mapping {
                    start: 0x7f00_0000_0000,
                    end: 0x7f00_0020_0000,
                    rss_kib: 900
                },
                Mapping {
                    start: 0x7f00_0020_0000,
                    end: 0x7f00_0030_0000,
                    rss_kib: 64
                },
            ],
            "code and read-only data only: not relocated, writable, anonymous, shared \
             writable, device, non-resident or kernel mappings"
        );
    }

    #[test]
    fn a_field_it_cannot_read_keeps_the_mapping() {
        let smaps = "7f0000000000-7f0000200000 r-xp 00000000 fe:00 123 /usr/lib/a.so\n\
                     Rss:                900 kB\nAnonymous:          ? kB\n";
        assert!(trimmable(smaps).is_empty());
    }

    #[test]
    fn reads_this_process_and_finds_its_own_code() {
        let smaps = std::fs::read_to_string("/proc/self/smaps").expect("smaps");
        let found = trimmable(&smaps);
        let here = reads_this_process_and_finds_its_own_code as *const () as usize;
        assert!(
            found.iter().any(|m| m.start <= here && here < m.end),
            "the running test's own code is a clean read-only file mapping"
        );
    }
}
