//! A minimal blocking HTTP/1.1 client for talking to the local emulator.
//! The tests need plain HTTP on loopback only; a std-only client keeps them
//! usable from both plain `#[test]` and `#[tokio::test]` functions (an async
//! client would need its own runtime, which cannot nest inside another).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A decoded HTTP response.
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Response body bytes (chunked encoding already removed).
    pub body: Vec<u8>,
}

/// Sends one request to `base_url` (`http://HOST:PORT`) + `path` and reads the
/// whole response. Panics with the request line on transport failures, which
/// in a test always mean the emulator died.
pub fn request(
    base_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Response {
    let authority = base_url
        .strip_prefix("http://")
        .unwrap_or(base_url)
        .trim_end_matches('/');
    let mut stream = TcpStream::connect(authority)
        .unwrap_or_else(|e| panic!("{method} {base_url}{path}: connect failed: {e}"));
    // Generous: guards against a hung emulator, never a timing assertion.
    let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nAccept: application/json\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    stream
        .write_all(&raw)
        .unwrap_or_else(|e| panic!("{method} {base_url}{path}: write failed: {e}"));

    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader
        .read_line(&mut status_line)
        .unwrap_or_else(|e| panic!("{method} {base_url}{path}: read failed: {e}"));
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("{method} {base_url}{path}: bad status line {status_line:?}"));

    let mut chunked = false;
    let mut length: Option<usize> = None;
    loop {
        let mut line = String::new();
        reader
            .read_line(&mut line)
            .unwrap_or_else(|e| panic!("{method} {base_url}{path}: read failed: {e}"));
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("transfer-encoding")
                && value.eq_ignore_ascii_case("chunked")
            {
                chunked = true;
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().ok();
            }
        }
    }

    let mut body = Vec::new();
    if chunked {
        loop {
            let mut size_line = String::new();
            reader
                .read_line(&mut size_line)
                .unwrap_or_else(|e| panic!("{method} {base_url}{path}: read failed: {e}"));
            let size_hex = size_line.trim().split(';').next().unwrap_or("0");
            let size = usize::from_str_radix(size_hex, 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader
                .read_exact(&mut chunk)
                .unwrap_or_else(|e| panic!("{method} {base_url}{path}: read failed: {e}"));
            chunk.truncate(size);
            body.extend_from_slice(&chunk);
        }
    } else if let Some(n) = length {
        body.resize(n, 0);
        reader
            .read_exact(&mut body)
            .unwrap_or_else(|e| panic!("{method} {base_url}{path}: read failed: {e}"));
    } else {
        reader
            .read_to_end(&mut body)
            .unwrap_or_else(|e| panic!("{method} {base_url}{path}: read failed: {e}"));
    }
    Response { status, body }
}
