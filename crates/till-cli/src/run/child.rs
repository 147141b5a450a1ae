//! Starting the command and standing between it and the world until it ends: signals
//! forwarded, output masked when it is not a terminal, its exit status returned.
//!
//! `till run` should be invisible to whoever drives it: a supervisor's SIGTERM, a CI
//! runner's SIGINT or a terminal's hang-up reach the command, and the status is the
//! command's own (128+N when signal N killed it, as a shell reports). With a controlling
//! terminal the child stays in our process group, so it can read the terminal and gets
//! Ctrl-C from it directly; then only signals *sent* to us (`kill`) are forwarded, not
//! the ones the terminal already delivered to the whole group. Without one, the child
//! gets its own process group and every signal goes to that group, reaching whatever it
//! started as well.

use std::ffi::{OsStr, OsString};
use std::io::IsTerminal;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, killpg, Signal};
use nix::sys::wait::{waitid, Id, WaitPidFlag};
use nix::unistd::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::exfiltrator::WithOrigin;
use signal_hook::iterator::SignalsInfo;
use signal_hook::low_level::siginfo::Cause;

use super::mask::{pump, Masker};

/// The signals forwarded to the child.
pub const FORWARDED: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// How long output from the child's pipes may still be drained after it exits (only a
/// background process it left behind can keep them open that long).
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Why a command could not be started; the status is a shell's (127 missing, 126 not
/// executable).
#[derive(Debug)]
pub struct StartFailure {
    pub status: u8,
    pub message: String,
}

/// Finds `program` as a shell would: a name with a `/` is a path, anything else is
/// searched on `path` (the child's `PATH`).
pub fn find_program(program: &OsStr, path: Option<&OsStr>) -> Result<PathBuf, StartFailure> {
    let shown = Path::new(program).display().to_string();
    let executable = |candidate: &Path| {
        use std::os::unix::fs::PermissionsExt;
        candidate
            .metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.as_encoded_bytes().contains(&b'/') {
        let candidate = PathBuf::from(program);
        return match candidate.metadata() {
            Ok(_) if executable(&candidate) => Ok(candidate),
            Ok(_) => Err(StartFailure {
                status: 126,
                message: format!("{shown} is not an executable file"),
            }),
            Err(_) => Err(not_found(&shown, "no such file")),
        };
    }
    std::env::split_paths(path.unwrap_or_default())
        .map(|dir| dir.join(program))
        .find(|candidate| executable(candidate))
        .ok_or_else(|| not_found(&shown, "not found on PATH"))
}

fn not_found(shown: &str, why: &str) -> StartFailure {
    StartFailure {
        status: 127,
        message: format!("command not found: {shown} ({why}); nothing was started"),
    }
}

/// What to start.
#[derive(Debug)]
pub struct Launch {
    pub program: PathBuf,
    /// As typed (the child's `argv[0]`), then the arguments.
    pub argv: Vec<OsString>,
    /// The child's whole environment (nothing else is inherited).
    pub env: Vec<(OsString, OsString)>,
}

/// Starts the child, forwards signals, masks piped output and waits. Returns the exit
/// status `till run` should exit with.
pub fn run(launch: Launch, make_masker: impl Fn() -> Masker) -> Result<u8, StartFailure> {
    let own_group = !has_controlling_terminal();
    let mut command = Command::new(&launch.program);
    if let Some((argv0, args)) = launch.argv.split_first() {
        command.arg0(argv0).args(args);
    }
    command.env_clear().envs(launch.env).stdin(Stdio::inherit());
    let mask_stdout = !std::io::stdout().is_terminal() && !make_masker().is_empty();
    let mask_stderr = !std::io::stderr().is_terminal() && !make_masker().is_empty();
    command.stdout(if mask_stdout {
        Stdio::piped()
    } else {
        Stdio::inherit()
    });
    command.stderr(if mask_stderr {
        Stdio::piped()
    } else {
        Stdio::inherit()
    });
    if own_group {
        command.process_group(0);
    }
    // Subscribed before the spawn, so a signal that arrives meanwhile is queued for the
    // child instead of killing us with our own default action.
    let mut signals = SignalsInfo::<WithOrigin>::new(FORWARDED).map_err(|e| StartFailure {
        status: 126,
        message: format!("cannot watch for signals: {e}"),
    })?;
    let mut child = command.spawn().map_err(|e| StartFailure {
        status: if e.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        },
        message: format!("cannot start {}: {e}", launch.program.display()),
    })?;
    drop(command);

    let mut pumps: Vec<JoinHandle<()>> = Vec::new();
    if let Some(out) = child.stdout.take() {
        let masker = make_masker();
        pumps.push(std::thread::spawn(move || {
            pump(out, std::io::stdout(), masker)
        }));
    }
    if let Some(err) = child.stderr.take() {
        let masker = make_masker();
        pumps.push(std::thread::spawn(move || {
            pump(err, std::io::stderr(), masker)
        }));
    }

    let pid = Pid::from_raw(i32::try_from(child.id()).unwrap_or(i32::MAX));
    // True while the child's pid is ours to signal: cleared (under the lock) after it
    // exits and before it is reaped, so a forwarded signal can never reach a reused pid.
    let alive = Arc::new(Mutex::new(true));
    let handle = signals.handle();
    let forwarder = {
        let alive = Arc::clone(&alive);
        std::thread::spawn(move || {
            for origin in signals.forever() {
                // The terminal already sent its own signals to our whole group.
                if !own_group && origin.cause == Cause::Kernel {
                    continue;
                }
                let Ok(signal) = Signal::try_from(origin.signal) else {
                    continue;
                };
                let guard = alive.lock().unwrap_or_else(|p| p.into_inner());
                if *guard {
                    let _ = if own_group {
                        killpg(pid, signal)
                    } else {
                        kill(pid, signal)
                    };
                }
            }
        })
    };

    // Wait for the exit without reaping, close the forwarding window, then reap.
    while let Err(nix::errno::Errno::EINTR) =
        waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
    {}
    *alive.lock().unwrap_or_else(|p| p.into_inner()) = false;
    let status = child.wait();
    handle.close();
    let _ = forwarder.join();

    let deadline = Instant::now() + DRAIN_GRACE;
    for pump in pumps {
        while !pump.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        if pump.is_finished() {
            let _ = pump.join();
        }
    }
    let status = status.map_err(|e| StartFailure {
        status: 1,
        message: format!("lost track of the command: {e}"),
    })?;
    Ok(exit_status(status))
}

/// The child's exit code, or 128+N when signal N ended it.
fn exit_status(status: std::process::ExitStatus) -> u8 {
    match (status.code(), status.signal()) {
        (Some(code), _) => u8::try_from(code & 0xff).unwrap_or(1),
        (None, Some(signal)) => u8::try_from(128 + (signal & 0x7f)).unwrap_or(255),
        (None, None) => 1,
    }
}

/// True when this process has a controlling terminal.
fn has_controlling_terminal() -> bool {
    std::fs::File::open("/dev/tty").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_on_path_like_a_shell_finds_them() {
        let found = find_program(
            OsStr::new("sh"),
            Some(OsStr::new("/nonexistent:/bin:/usr/bin")),
        )
        .unwrap();
        assert!(found.ends_with("sh"));
        let missing =
            find_program(OsStr::new("no-such-tool-x"), Some(OsStr::new("/bin"))).unwrap_err();
        assert_eq!(missing.status, 127);
        assert!(missing
            .message
            .contains("command not found: no-such-tool-x"));
        let not_exec = find_program(OsStr::new("/etc/passwd"), None).unwrap_err();
        assert_eq!(not_exec.status, 126);
        assert_eq!(
            find_program(OsStr::new("./nope"), None).unwrap_err().status,
            127
        );
    }
}
