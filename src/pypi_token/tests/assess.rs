//! Findings: which tokens draw errors and warnings, and what they say.

use super::super::{assess, Finding, Severity, CLOCK_SKEW_SECONDS, TOKEN_USERNAME};
use super::*;

fn findings(token: &str) -> Vec<Finding> {
    assess(&inspect(token), TOKEN_USERNAME, NOW)
}

#[test]
fn a_healthy_token_draws_nothing() {
    assert_eq!(
        findings(&user_token(NOW + 90 * DAY, NOW - DAY).token()),
        vec![]
    );
    assert_eq!(findings(&Mint::default().user("u").token()), vec![]);
}

#[test]
fn expired_token_is_an_error_naming_the_date() {
    let at = NOW - DAY;
    let found = findings(&user_token(at, NOW - 30 * DAY).token());
    assert_eq!(found, vec![Finding::Expired { at }]);
    assert_eq!(found[0].severity(), Severity::Error);
    assert!(
        found[0].detail().contains("2025-12-31T00:00:00Z"),
        "{}",
        found[0].detail()
    );
    assert!(found[0].detail().contains("Create a new API token"));
}

#[test]
fn a_token_expiring_this_second_has_expired() {
    // PyPI accepts a token while now < expires_at.
    let found = findings(&user_token(NOW, NOW - DAY).token());
    assert_eq!(found, vec![Finding::Expired { at: NOW }]);
}

#[test]
fn expiring_in_ten_days_is_a_warning_stating_the_date() {
    let at = NOW + 10 * DAY + 3600;
    let found = findings(&user_token(at, NOW - DAY).token());
    assert_eq!(found, vec![Finding::ExpiresSoon { at, days: 10 }]);
    assert_eq!(found[0].severity(), Severity::Warning);
    assert_eq!(found[0].summary(), "The PyPI token expires in 10 days");
    assert!(
        found[0].detail().contains("2026-01-11T01:00:00Z"),
        "{}",
        found[0].detail()
    );
}

#[test]
fn the_warning_window_is_thirty_days() {
    let day_30 = findings(&user_token(NOW + 30 * DAY, NOW).token());
    assert_eq!(
        day_30,
        vec![Finding::ExpiresSoon {
            at: NOW + 30 * DAY,
            days: 30
        }]
    );
    assert_eq!(
        findings(&user_token(NOW + 30 * DAY + 1, NOW).token()),
        vec![]
    );
    let hours = findings(&user_token(NOW + 3600, NOW).token());
    assert_eq!(
        hours,
        vec![Finding::ExpiresSoon {
            at: NOW + 3600,
            days: 0
        }]
    );
    assert_eq!(
        hours[0].summary(),
        "The PyPI token expires in less than a day"
    );
}

#[test]
fn not_before_in_the_future_is_an_error() {
    let from = NOW + 2 * DAY;
    let found = findings(&user_token(NOW + 90 * DAY, from).token());
    assert_eq!(found, vec![Finding::NotYetValid { from }]);
    assert_eq!(found[0].severity(), Severity::Error);
    assert!(found[0].detail().contains("2026-01-03T00:00:00Z"));
}

#[test]
fn not_before_within_clock_skew_is_tolerated() {
    let just_minted = user_token(NOW + 90 * DAY, NOW + CLOCK_SKEW_SECONDS).token();
    assert_eq!(findings(&just_minted), vec![]);
    let beyond = user_token(NOW + 90 * DAY, NOW + CLOCK_SKEW_SECONDS + 1).token();
    assert_eq!(findings(&beyond).len(), 1);
}

#[test]
fn trusted_publisher_token_is_an_error_without_an_expiry_warning() {
    let token = Mint::default()
        .trusted_publisher("publisher")
        .expiration(NOW + 900, NOW - 60)
        .token();
    let found = findings(&token);
    assert_eq!(found, vec![Finding::TrustedPublisher]);
    assert_eq!(found[0].severity(), Severity::Error);
}

#[test]
fn non_pypi_values_warn_only_with_pypis_username() {
    let inspection = inspect("private-index-token");
    assert_eq!(assess(&inspection, "ci-bot", NOW), vec![]);
    let found = assess(&inspection, TOKEN_USERNAME, NOW);
    assert_eq!(found, vec![Finding::NotPypiToken]);
    assert_eq!(found[0].severity(), Severity::Warning);
    assert!(found[0].detail().contains("pypi-"));
}

#[test]
fn unreadable_pypi_values_warn_whatever_the_username() {
    for username in [TOKEN_USERNAME, "someone"] {
        let found = assess(&inspect("pypi-not!base64"), username, NOW);
        assert_eq!(found, vec![Finding::Unreadable]);
        assert_eq!(found[0].severity(), Severity::Warning);
    }
}

#[test]
fn surrounding_whitespace_warns_alongside_other_findings() {
    let token = format!("{}\n", user_token(NOW - DAY, NOW - 9 * DAY).token());
    let found = findings(&token);
    assert_eq!(
        found,
        vec![
            Finding::Expired { at: NOW - DAY },
            Finding::SurroundingWhitespace
        ]
    );
    assert_eq!(found[1].severity(), Severity::Warning);
}

#[test]
fn every_finding_has_words() {
    let all = [
        Finding::Expired { at: NOW },
        Finding::NotYetValid { from: NOW },
        Finding::TrustedPublisher,
        Finding::ExpiresSoon { at: NOW, days: 1 },
        Finding::NotPypiToken,
        Finding::Unreadable,
        Finding::SurroundingWhitespace,
    ];
    for finding in all {
        assert!(!finding.summary().is_empty() && finding.detail().len() > finding.summary().len());
    }
}

#[test]
fn extreme_times_do_not_overflow() {
    let token = user_token(i64::MAX, i64::MIN).token();
    assert_eq!(assess(&inspect(&token), TOKEN_USERNAME, i64::MIN), vec![]);
    let token = user_token(i64::MIN, i64::MAX).token();
    let found = assess(&inspect(&token), TOKEN_USERNAME, i64::MAX);
    assert_eq!(found, vec![Finding::Expired { at: i64::MIN }]);
    assert!(found[0].detail().contains("Unix time"));
}
