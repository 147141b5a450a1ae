//! The training content compiled in by `build.rs`: lesson and built-in checklist files.

include!(concat!(env!("OUT_DIR"), "/training.rs"));
