//! ```no_run
//! use platen_redis::testing::RedisServer;
//!
//! // `None` (after a note) when `redis-server` is not on PATH; a panic
//! // instead when the `CI` variable is set.
//! let Some(server) = RedisServer::start() else {
//!     return;
//! };
//! assert_eq!(server.command(&["PING"]).unwrap(), "PONG");
//! println!("{}", server.url()); // redis://127.0.0.1:<port>/0
//! ```
//!
//! The server runs with `--bind 127.0.0.1 --save "" --appendonly no` (it
//! keeps nothing on disk) and is killed when its [`RedisServer`] is dropped.
//! Every wait is bounded: a server that does not answer `PING` within
//! [`START_TIMEOUT`] is a panic, never a hang.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant};

/// How long a started server has to answer `PING`.
pub const START_TIMEOUT: Duration = Duration::from_secs(10);

/// How long [`RedisServer::command`] waits to connect, and then for the
/// reply.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

/// A `redis-server` child process on a free port of 127.0.0.1, killed on
/// drop.
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    binary: PathBuf,
    port: u16,
}

impl RedisServer {
    /// A fresh server on a free port, answering `PING`.
    ///
    /// `None`, after a note on stderr, when `redis-server` is not on PATH;
    /// when the `CI` variable is set (to anything) that is a panic instead,
    /// since CI must run the Redis tests.
    ///
    /// # Panics
    ///
    /// Under CI without `redis-server`, and when the server cannot be
    /// spawned or does not answer within [`START_TIMEOUT`].
    pub fn start() -> Option<RedisServer> {
        let mut server = RedisServer::reserve()?;
        server.restart();
        Some(server)
    }

    /// A fresh server like [`start`](Self::start), but never a panic: for
    /// a benchmark, which measures what it can. `None` when `redis-server`
    /// is not on PATH (under CI too), and, after a note on stderr, when it
    /// does not start.
    pub fn start_if_available() -> Option<RedisServer> {
        let binary = find_binary()?;
        let mut server = RedisServer {
            child: None,
            binary,
            port: free_port(),
        };
        match server.launch() {
            Ok(()) => Some(server),
            Err(e) => {
                eprintln!("note: {e}");
                None
            }
        }
    }

    /// A free port and the `redis-server` binary, but no server yet:
    /// [`restart`](Self::restart) starts it. `None` and a panic under CI as
    /// for [`start`](Self::start).
    ///
    /// # Panics
    ///
    /// Under CI without `redis-server`.
    pub fn reserve() -> Option<RedisServer> {
        let Some(binary) = find_binary() else {
            if std::env::var_os("CI").is_some() {
                panic!(
                    "redis-server is not on PATH; CI must run the Redis tests (install redis-server)"
                );
            }
            eprintln!("note: redis-server is not on PATH; skipping this Redis test");
            return None;
        };
        Some(RedisServer {
            child: None,
            binary,
            port: free_port(),
        })
    }

    /// (Re)starts the server on the same port and waits, at most
    /// [`START_TIMEOUT`], until it answers `PING`. A running server is
    /// killed first.
    ///
    /// # Panics
    ///
    /// When the server cannot be spawned or does not answer in time.
    pub fn restart(&mut self) {
        if let Err(e) = self.launch() {
            panic!("{e}");
        }
    }

    /// Kills the server (a no-op when it is not running); the port stays
    /// this server's, for [`restart`](Self::restart).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The server's port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's URL, database 0: `redis://127.0.0.1:<port>/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A plain synchronous connection, as a foreign process would use, with
    /// read and write timeouts of [`COMMAND_TIMEOUT`].
    pub fn connection(&self) -> redis::RedisResult<redis::Connection> {
        let connection =
            redis::Client::open(self.url())?.get_connection_with_timeout(COMMAND_TIMEOUT)?;
        connection.set_read_timeout(Some(COMMAND_TIMEOUT))?;
        connection.set_write_timeout(Some(COMMAND_TIMEOUT))?;
        Ok(connection)
    }

    /// Runs one command on a new connection: the reply as text (an array's
    /// items one per line, nil as the empty string, `OK` for a plain
    /// success). A connection failure, a timeout or an error reply is an
    /// error.
    pub fn command(&self, args: &[&str]) -> std::io::Result<String> {
        let (name, rest) = args.split_first().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "an empty command")
        })?;
        let mut connection = self.connection().map_err(std::io::Error::other)?;
        let reply: redis::Value = redis::cmd(name)
            .arg(rest)
            .query(&mut connection)
            .map_err(std::io::Error::other)?;
        Ok(text(reply))
    }

    /// Spawns the server and waits for its `PONG`.
    fn launch(&mut self) -> Result<(), String> {
        self.kill();
        let child = Command::new(&self.binary)
            .args(["--port", &self.port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.binary.display()))?;
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if pong(self.port) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        Err(format!(
            "redis-server did not answer PING on port {} within {START_TIMEOUT:?}",
            self.port
        ))
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// `redis-server` on PATH.
fn find_binary() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

/// A free port, never one handed out before in this process (a killed
/// server's port must not go to another server while the first one waits
/// for it).
fn free_port() -> u16 {
    static USED: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port on 127.0.0.1")
            .port();
        let mut used = USED.lock().unwrap_or_else(|e| e.into_inner());
        if !used.contains(&port) {
            used.push(port);
            return port;
        }
    }
}

/// Whether a server on `port` answers `PING`, each step bounded.
fn pong(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let step = Duration::from_millis(200);
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, step) else {
        return false;
    };
    let mut buf = [0u8; 7];
    stream.set_read_timeout(Some(step)).is_ok()
        && stream.set_write_timeout(Some(step)).is_ok()
        && stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut buf).is_ok()
        && &buf == b"+PONG\r\n"
}

/// A reply as text.
fn text(value: redis::Value) -> String {
    use redis::Value;
    match value {
        Value::Nil => String::new(),
        Value::Int(n) => n.to_string(),
        Value::BulkString(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Value::SimpleString(s) => s,
        Value::Okay => "OK".to_owned(),
        Value::Array(items) | Value::Set(items) => {
            items.into_iter().map(text).collect::<Vec<_>>().join("\n")
        }
        Value::Double(x) => x.to_string(),
        Value::Boolean(b) => b.to_string(),
        Value::VerbatimString { text, .. } => text,
        other => format!("{other:?}"),
    }
}
