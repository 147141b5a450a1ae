//! Starts `tests/support/fake_providers.py`: a loopback server that answers like each
//! provider's live-check endpoint, so checks run for real over HTTP without the internet.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// A running fake; killed on drop.
pub struct FakeProviders {
    child: Child,
    pub port: u16,
}

impl FakeProviders {
    pub fn start() -> Self {
        let script =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/fake_providers.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs tests/support/fake_providers.py");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().expect("the fake prints its port");
        Self { child, port }
    }

    /// The base URL that stands in for `provider`.
    pub fn base_url(&self, provider: &str) -> String {
        format!("http://127.0.0.1:{}/{provider}", self.port)
    }

    /// Every request the fake received: `[{provider, method, path, authorized}]`.
    pub fn requests(&self) -> serde_json::Value {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .write_all(b"GET /_requests HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        let body = reply.split_once("\r\n\r\n").map_or("", |(_, body)| body);
        serde_json::from_str(body).unwrap()
    }
}

impl Drop for FakeProviders {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
