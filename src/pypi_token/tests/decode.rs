//! Tokens that decode: what their caveats say.

use super::*;

#[test]
fn user_scoped_token_with_expiry() {
    let token = user_token(NOW + 10 * DAY, NOW - DAY).token();
    let inspection = inspect(&token);
    assert_eq!(
        inspection,
        Inspection::Macaroon(TokenFacts {
            expires_at: Some(NOW + 10 * DAY),
            not_before: Some(NOW - DAY),
            scope: Scope::User,
            surrounding_whitespace: false,
            unrecognised_caveats: 0,
            third_party_caveats: 0,
        })
    );
    assert_eq!(inspection.token_scope(), "user");
    assert_eq!(
        inspection.token_expires_at().as_deref(),
        Some("2026-01-11T00:00:00Z")
    );
}

#[test]
fn token_without_expiry_has_none() {
    let inspection = inspect(&Mint::default().user("u").token());
    assert_eq!(inspection.token_expires_at(), None);
    assert_eq!(inspection.token_scope(), "user");
}

#[test]
fn project_scoped_token_lists_names_sorted() {
    // PyPI writes the names and the IDs of the projects.
    let token = Mint::default()
        .user("u")
        .project_names(&["zope", "attrs", "numpy"])
        .project_ids(&["id-3", "id-1", "id-2"])
        .token();
    assert_eq!(
        facts(&token).scope,
        Scope::Projects(vec!["attrs".into(), "numpy".into(), "zope".into()])
    );
    assert_eq!(inspect(&token).token_scope(), "projects:attrs,numpy,zope");
}

#[test]
fn several_project_caveats_narrow_to_their_intersection() {
    let token = Mint::default()
        .project_names(&["a", "b", "c"])
        .project_names(&["c", "b", "b"])
        .token();
    assert_eq!(inspect(&token).token_scope(), "projects:b,c");
}

#[test]
fn several_expirations_narrow_the_window() {
    let token = Mint::default()
        .expiration(NOW + 5 * DAY, NOW - 3 * DAY)
        .expiration(NOW + 9 * DAY, NOW - DAY)
        .token();
    let facts = facts(&token);
    assert_eq!(facts.expires_at, Some(NOW + 5 * DAY));
    assert_eq!(facts.not_before, Some(NOW - DAY));
}

#[test]
fn project_ids_alone_are_an_unknown_scope() {
    let token = Mint::default().project_ids(&["b", "a"]).token();
    assert_eq!(
        facts(&token).scope,
        Scope::ProjectIds(vec!["a".into(), "b".into()])
    );
    assert_eq!(inspect(&token).token_scope(), "unknown");
}

#[test]
fn trusted_publisher_token() {
    // Trusted publishing also writes project IDs and a short expiry.
    let token = Mint::default()
        .trusted_publisher("publisher-uuid")
        .project_ids(&["id-1"])
        .expiration(NOW + 900, NOW)
        .token();
    assert_eq!(facts(&token).scope, Scope::TrustedPublisher);
    assert_eq!(inspect(&token).token_scope(), "trusted-publisher");
}

#[test]
fn legacy_user_caveat() {
    let token = Mint::default()
        .caveat(r#"{"version": 1, "permissions": "user"}"#)
        .token();
    assert_eq!(inspect(&token).token_scope(), "user");
}

#[test]
fn legacy_project_caveat() {
    let token = Mint::default()
        .caveat(r#"{"version": 1, "permissions": {"projects": ["requests", "flask"]}}"#)
        .token();
    assert_eq!(inspect(&token).token_scope(), "projects:flask,requests");
}

#[test]
fn legacy_expiry_caveat() {
    let token = Mint::default()
        .caveat(r#"{"version": 1, "permissions": "user"}"#)
        .caveat(&format!(r#"{{"exp": {}, "nbf": {}}}"#, NOW + DAY, NOW))
        .token();
    assert_eq!(facts(&token).expires_at, Some(NOW + DAY));
}

#[test]
fn padded_and_unpadded_tokens_read_alike() {
    let mint = user_token(NOW + DAY, NOW);
    let (unpadded, padded) = (mint.token(), mint.padded_token());
    assert!(
        padded.ends_with('='),
        "the fixture must need padding: {padded}"
    );
    assert!(!unpadded.ends_with('='));
    assert_eq!(inspect(&padded), inspect(&unpadded));
    assert!(matches!(inspect(&padded), Inspection::Macaroon(_)));
}

#[test]
fn standard_alphabet_is_tolerated() {
    let token = user_token(NOW + DAY, NOW).token();
    let body = token.strip_prefix("pypi-").expect("minted with the prefix");
    let standard = format!("pypi-{}", body.replace('-', "+").replace('_', "/"));
    assert_ne!(
        standard, token,
        "the fixture must use a letter only URL-safe base64 has"
    );
    assert_eq!(inspect(&standard), inspect(&token));
    assert!(matches!(inspect(&standard), Inspection::Macaroon(_)));
}

#[test]
fn surrounding_whitespace_is_read_and_recorded() {
    let token = user_token(NOW + DAY, NOW).token();
    for wrapped in [
        format!("{token}\n"),
        format!("  {token}"),
        format!("\t{token} \r\n"),
    ] {
        let facts = facts(&wrapped);
        assert!(facts.surrounding_whitespace, "{wrapped:?}");
        assert_eq!(facts.scope, Scope::User);
    }
    assert!(!facts(&token).surrounding_whitespace);
}

#[test]
fn unknown_caveats_are_counted_and_ignored() {
    let token = Mint::default()
        .user("u")
        .caveat("account = alice")
        .caveat("[99, 1]")
        .token();
    let facts = facts(&token);
    assert_eq!(facts.unrecognised_caveats, 2);
    assert_eq!(facts.scope, Scope::User);
}

#[test]
fn third_party_caveats_are_counted_and_skipped() {
    let token = Mint::default()
        .user("u")
        .third_party("elsewhere.example", "their-caveat", b"encrypted key")
        .expiration(NOW + DAY, NOW)
        .token();
    let facts = facts(&token);
    assert_eq!(facts.third_party_caveats, 1);
    assert_eq!(facts.expires_at, Some(NOW + DAY));
    assert_eq!(facts.scope, Scope::User);
}

#[test]
fn macaroon_without_caveats_is_unknown_scope() {
    let inspection = inspect(&Mint::default().token());
    assert_eq!(inspection.token_scope(), "unknown");
    assert_eq!(inspection.token_expires_at(), None);
}

#[test]
fn expiry_past_year_9999_has_no_rfc3339_form() {
    let token = Mint::default().expiration(i64::MAX, 0).token();
    assert_eq!(facts(&token).expires_at, Some(i64::MAX));
    assert_eq!(inspect(&token).token_expires_at(), None);
}
