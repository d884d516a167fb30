//! Quota-adaptive pacing as seen from the client: a 429 that comes with
//! traffic starts pacing the host, and later calls take slots `1 / rate`
//! apart before they are sent; a refusal after little traffic paces
//! nothing. The assertions read the pacer's state (the rate it learnt,
//! the slots it handed out), never a measured duration.

use std::sync::Arc;
use std::time::Duration;

use super::server::{reply, Server};
use super::{client, op};
use crate::google::pacing::Pacer;
use crate::google::GoogleClient;

const SECRET: &str = "projects/p/secrets/s";
const SECRET_JSON: &str = r#"{"name":"projects/1/secrets/s"}"#;
const EXHAUSTED: &str =
    r#"{"error":{"code":429,"message":"Quota exceeded","status":"RESOURCE_EXHAUSTED"}}"#;

/// The pacer `c` uses for the server's host.
fn pacer_of(c: &GoogleClient, server: &Server) -> Arc<Pacer> {
    let url = reqwest::Url::parse(&server.root).expect("url");
    c.inner.pacers.for_url(&url)
}

/// `answers` reads answered, then one refused (and retried), then answers only.
async fn refused_after(answers: usize) -> (Server, GoogleClient) {
    let mut script = vec![reply(200, SECRET_JSON); answers];
    script.push(reply(429, EXHAUSTED));
    script.push(reply(200, SECRET_JSON));
    let server = Server::start(script).await;
    let c = client(&server.root, None);
    let o = op(Duration::from_secs(60));
    for _ in 0..=answers {
        c.get_secret(&o, SECRET).await.expect("answered or retried");
    }
    assert_eq!(server.received().len(), answers + 2);
    (server, c)
}

/// Sends `calls` concurrent reads, all answered.
async fn burst(c: &GoogleClient, calls: usize) {
    let o = op(Duration::from_secs(60));
    let reads = (0..calls).map(|_| c.get_secret(&o, SECRET));
    for result in futures::future::join_all(reads).await {
        result.expect("answered");
    }
}

#[tokio::test]
async fn after_a_refusal_under_load_concurrent_calls_take_slots_at_the_quota() {
    // Forty answers, then a 429: the host is paced at 0.9 × the answers of
    // the last second (all forty on any machine that serves a loopback
    // read in under 25 ms; fewer on a slower one, which only paces lower).
    let (server, c) = refused_after(40).await;
    let pacer = pacer_of(&c, &server);
    let rate = pacer.rate().expect("a refusal with traffic paces the host");
    assert!(rate <= 0.9 * 41.0, "{rate}");

    // Ten concurrent reads each took a slot before being sent: the slots
    // handed out reach at least ten intervals past the burst's start.
    let start = tokio::time::Instant::now();
    burst(&c, 10).await;
    let reserved_until = pacer.next_slot().expect("slots were taken");
    // Each answer grows the rate a little (by 1/rate): at most +1 over ten.
    let interval = Duration::from_secs_f64(1.0 / (rate + 1.0));
    assert!(
        reserved_until >= start + interval * 10,
        "ten reads reserved slots only {:?} ahead",
        reserved_until.saturating_duration_since(start)
    );
}

#[tokio::test]
async fn a_refusal_with_little_traffic_paces_nothing() {
    // Three answers say nothing of a rate.
    let (server, c) = refused_after(3).await;
    let pacer = pacer_of(&c, &server);
    assert_eq!(pacer.rate(), None);
    burst(&c, 10).await;
    assert_eq!(pacer.next_slot(), None, "no call waited for a slot");
}
