//! One unlock serves a working session: while the desktop app is unlocked, the `till`
//! command opens the vault through it instead of asking for the master password again.
//!
//! The app listens on a Unix socket in the user's runtime directory (`session.sock`, in
//! a 0700 directory, itself 0600). A caller is answered only if the kernel says it runs
//! as the same user (`SO_PEERCRED`); it then gets the open vault's key, exactly what the
//! OS keyring gives a same-user caller for a keyring vault. While the app is locked it
//! answers "locked", and the CLI asks for the password as before. Each unlock through the
//! app is in the audit log ("with the desktop app's session").

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::crypto::{from_hex, hex, SecretKey};
use crate::error::TillError;
use crate::paths::TillPaths;

/// What a caller sends: one line.
const REQUEST: &str = "till-session v1 vault-key";

/// The open vault's key, as the app hands it to a same-user `till`.
pub struct SessionKey {
    pub(crate) vault_id: String,
    pub(crate) key: SecretKey,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionKey")
            .field("vault_id", &self.vault_id)
            .field("key", &"<redacted>")
            .finish()
    }
}

impl SessionKey {
    pub(crate) fn new(vault_id: &str, key: &SecretKey) -> Self {
        Self {
            vault_id: vault_id.to_owned(),
            key: SecretKey::from_bytes(key.expose()),
        }
    }

    /// Another copy, for one answer on the socket (each copy is wiped when dropped).
    pub fn duplicate(&self) -> Self {
        Self::new(&self.vault_id, &self.key)
    }
}

#[derive(Serialize, Deserialize)]
struct Answer {
    vault_id: Option<String>,
    key: Option<String>,
    error: Option<String>,
}

/// Where the app listens: the runtime directory, beside the gateway's announcement.
pub fn socket_path(paths: &TillPaths) -> PathBuf {
    paths.runtime_dir.join("session.sock")
}

/// Whether the peer of `stream` runs as this process's user.
fn same_user(stream: &UnixStream) -> bool {
    #[cfg(target_os = "linux")]
    {
        use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
        getsockopt(stream, PeerCredentials)
            .is_ok_and(|peer| peer.uid() == nix::unistd::getuid().as_raw())
    }
    #[cfg(not(target_os = "linux"))]
    {
        // Without a way to ask the kernel who called, nobody is answered.
        let _ = stream;
        false
    }
}

/// The app's side: answers same-user callers with what `current` returns (the open
/// vault's key, or `None` while locked). Runs on its own thread for the app's life.
#[derive(Debug)]
pub struct SessionServer {
    path: PathBuf,
}

impl SessionServer {
    /// Binds the socket (replacing a stale one) and serves on a background thread.
    pub fn start(
        paths: &TillPaths,
        current: impl Fn() -> Option<SessionKey> + Send + 'static,
    ) -> Result<Self, TillError> {
        let path = socket_path(paths);
        if let Some(dir) = path.parent() {
            crate::paths::create_private_directory(dir)?;
        }
        let storage = |source| TillError::Storage {
            path: path.clone(),
            source,
        };
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(storage(error)),
        }
        let listener = UnixListener::bind(&path).map_err(storage)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(storage)?;
        }
        std::thread::Builder::new()
            .name("till-session".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    answer(stream, &current);
                }
            })
            .map_err(|e| TillError::Internal {
                what: format!("could not start the session thread: {e}"),
            })?;
        Ok(Self { path })
    }
}

impl Drop for SessionServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn answer(stream: UnixStream, current: &dyn Fn() -> Option<SessionKey>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let mut reply = if !same_user(&stream) {
        Answer {
            vault_id: None,
            key: None,
            error: Some("another user".into()),
        }
    } else {
        let mut line = String::new();
        let read = BufReader::new(&stream)
            .take(128)
            .read_line(&mut line)
            .is_ok();
        match (read && line.trim() == REQUEST, current()) {
            (false, _) => Answer {
                vault_id: None,
                key: None,
                error: Some("unknown request".into()),
            },
            (true, None) => Answer {
                vault_id: None,
                key: None,
                error: Some("locked".into()),
            },
            (true, Some(session)) => Answer {
                vault_id: Some(session.vault_id.clone()),
                key: Some(hex(session.key.expose())),
                error: None,
            },
        }
    };
    if let Ok(mut json) = serde_json::to_vec(&reply) {
        json.push(b'\n');
        let mut stream = stream;
        let _ = stream.write_all(&json);
        zeroize::Zeroize::zeroize(&mut json);
    }
    if let Some(key) = reply.key.as_mut() {
        zeroize::Zeroize::zeroize(key);
    }
}

/// The CLI's side: the open vault's key from a running, unlocked desktop app, if there is
/// one (`None` when no app answers, it is locked, or anything is off).
pub fn ask(paths: &TillPaths) -> Option<SessionKey> {
    let mut stream = UnixStream::connect(socket_path(paths)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(2)))
        .ok()?;
    stream.write_all(format!("{REQUEST}\n").as_bytes()).ok()?;
    let mut line = zeroize::Zeroizing::new(String::new());
    BufReader::new(&stream).read_line(&mut line).ok()?;
    let mut answer: Answer = serde_json::from_str(&line).ok()?;
    let hex_key = zeroize::Zeroizing::new(answer.key.take()?);
    let key = zeroize::Zeroizing::new(from_hex(&hex_key)?);
    Some(SessionKey {
        vault_id: answer.vault_id?,
        key: SecretKey::from_slice(&key)?,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn a_same_user_caller_gets_the_key_while_unlocked_and_nothing_while_locked() {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        paths.ensure_exist().unwrap();
        let key = SecretKey::generate();
        let open: Arc<Mutex<Option<SecretKey>>> =
            Arc::new(Mutex::new(Some(SecretKey::from_bytes(key.expose()))));
        let shared = open.clone();
        let server = SessionServer::start(&paths, move || {
            shared
                .lock()
                .unwrap()
                .as_ref()
                .map(|k| SessionKey::new("vault-1", k))
        })
        .unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(socket_path(&paths))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let got = ask(&paths).expect("the unlocked app answers");
        assert_eq!(got.vault_id, "vault-1");
        assert_eq!(got.key.expose(), key.expose());

        *open.lock().unwrap() = None;
        assert!(ask(&paths).is_none(), "a locked app gives nothing");

        drop(server);
        assert!(
            !socket_path(&paths).exists(),
            "the socket goes with the app"
        );
        assert!(ask(&paths).is_none(), "no app, no answer");
    }

    #[test]
    fn a_malformed_request_gets_no_key() {
        let root = tempfile::tempdir().unwrap();
        let paths = TillPaths::under_root(root.path()).unwrap();
        paths.ensure_exist().unwrap();
        let key = SecretKey::generate();
        let copy = SecretKey::from_bytes(key.expose());
        let _server =
            SessionServer::start(&paths, move || Some(SessionKey::new("v", &copy))).unwrap();
        let mut stream = UnixStream::connect(socket_path(&paths)).unwrap();
        stream.write_all(b"give me everything\n").unwrap();
        let mut line = String::new();
        BufReader::new(&stream).read_line(&mut line).unwrap();
        assert!(line.contains("unknown request"), "{line}");
        assert!(!line.contains(&hex(key.expose())));
    }
}
