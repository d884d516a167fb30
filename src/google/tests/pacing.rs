//! Quota-adaptive pacing as seen on the wire: after a refusal that came
//! with traffic, concurrent calls to the host are spaced out instead of
//! sent in one burst.

use std::time::Duration;

use super::server::{reply, Server};
use super::{client, op};

const SECRET: &str = "projects/p/secrets/s";
const SECRET_JSON: &str = r#"{"name":"projects/1/secrets/s"}"#;
const EXHAUSTED: &str =
    r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#;

/// Sends `calls` concurrent reads; returns how far apart the first and the
/// last of them reached the server.
async fn burst(server: &Server, c: &crate::google::GoogleClient, calls: usize) -> Duration {
    let before = server.received().len();
    let o = op(Duration::from_secs(60));
    let reads = (0..calls).map(|_| c.get_secret(&o, SECRET));
    for result in futures::future::join_all(reads).await {
        result.expect("answered");
    }
    let received = server.received();
    let arrivals: Vec<_> = received[before..].iter().map(|r| r.at).collect();
    assert_eq!(arrivals.len(), calls);
    let first = arrivals.iter().min().copied().expect("some");
    let last = arrivals.iter().max().copied().expect("some");
    last.duration_since(first)
}

#[tokio::test]
async fn after_a_refusal_under_load_concurrent_calls_are_spaced_to_the_quota() {
    // Twenty answers, one 429 (the quota allowed about twenty per second),
    // then answers only.
    let mut script = vec![reply(200, SECRET_JSON); 20];
    script.push(reply(429, EXHAUSTED));
    script.push(reply(200, SECRET_JSON));
    let server = Server::start(script).await;
    let c = client(&server.root, None);
    let o = op(Duration::from_secs(60));

    // Unpaced: ten concurrent reads arrive together.
    let unpaced = burst(&server, &c, 10).await;
    for _ in 0..10 {
        c.get_secret(&o, SECRET).await.expect("answered");
    }
    // The 429, retried.
    c.get_secret(&o, SECRET).await.expect("retried");
    assert_eq!(server.received().len(), 22);

    // Paced at 0.9 × 20 = 18 per second: ten reads span at least 9/18 s
    // (a slower machine only spreads them further). Unpaced, they arrive
    // within milliseconds.
    let paced = burst(&server, &c, 10).await;
    assert!(
        paced >= Duration::from_millis(400),
        "ten concurrent reads after a refusal arrived within {paced:?} (unpaced: {unpaced:?})"
    );
}

#[tokio::test]
async fn a_refusal_with_little_traffic_does_not_slow_later_calls() {
    let mut script = vec![reply(200, SECRET_JSON); 3];
    script.push(reply(429, EXHAUSTED));
    script.push(reply(200, SECRET_JSON));
    let server = Server::start(script).await;
    let c = client(&server.root, None);
    let o = op(Duration::from_secs(60));
    for _ in 0..4 {
        c.get_secret(&o, SECRET).await.expect("answered or retried");
    }
    // Three answers say nothing of a rate: a burst is still sent as a
    // burst. The bound is loose (a loaded machine may serve ten reads
    // slowly); paced at 0.9 × 3 per second they would take over 3 s.
    let spread = burst(&server, &c, 10).await;
    assert!(spread < Duration::from_secs(2), "{spread:?}");
}
