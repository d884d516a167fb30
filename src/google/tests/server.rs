//! A tiny canned-answer HTTP/1.1 server over `TcpListener` for the client
//! tests: records every request and answers from a script.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Canned {
    /// Answer with a status, extra headers and a body.
    Reply(u16, Vec<(&'static str, String)>, String),
    /// Close the connection without answering (a reset, as the client sees it).
    Close,
    /// Never answer.
    Hang,
}

/// Shorthand for a JSON answer without extra headers.
pub fn reply(status: u16, body: &str) -> Canned {
    Canned::Reply(status, Vec::new(), body.to_string())
}

/// A request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body text.
    pub body: String,
}

impl Recorded {
    /// The value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:PORT/`.
    pub root: String,
    /// Everything received so far.
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Server {
    /// Starts a server answering `script` in order; the last entry repeats.
    pub async fn start(script: Vec<Canned>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let root = format!("http://{}/", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        tokio::spawn(async move {
            let mut n = 0usize;
            while let Ok((mut socket, _)) = listener.accept().await {
                let Some(request) = read_request(&mut socket).await else {
                    continue;
                };
                let answer = script
                    .get(n)
                    .or(script.last())
                    .cloned()
                    .unwrap_or(Canned::Close);
                n += 1;
                log.lock().expect("lock").push(request);
                match answer {
                    Canned::Close => drop(socket),
                    Canned::Hang => {
                        tokio::spawn(async move {
                            let _keep = socket;
                            std::future::pending::<()>().await;
                        });
                    }
                    Canned::Reply(status, headers, body) => {
                        let mut head = format!(
                            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                            body.len()
                        );
                        for (k, v) in headers {
                            head.push_str(&format!("{k}: {v}\r\n"));
                        }
                        head.push_str("\r\n");
                        head.push_str(&body);
                        let _ = socket.write_all(head.as_bytes()).await;
                        let _ = socket.shutdown().await;
                    }
                }
            }
        });
        Server { root, requests }
    }

    /// Waits (bounded) until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) {
        for _ in 0..1000 {
            if self.requests.lock().expect("lock").len() >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("the server never received {n} requests");
    }

    /// A copy of the requests received.
    pub fn received(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }
}

/// Reads one request (head plus a `content-length` body).
async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
    })
}
