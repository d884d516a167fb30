//! Tokens pymacaroons 0.13.0 minted (the library PyPI itself uses), so the
//! decoder and the test mint are checked against the real format, not only
//! against each other. Made once, with the throw-away test key, by:
//!
//! ```python
//! from pymacaroons import Macaroon, MACAROON_V2
//! key = b"throw-away key for tests only"
//! m = Macaroon(location="registry.example", identifier="pymacaroons-fixture",
//!              key=key, version=MACAROON_V2)
//! m.add_first_party_caveat('[0,1893553445,1700000000]')
//! m.add_first_party_caveat('[1,["numpy","attrs"]]')
//! m.add_first_party_caveat('[2,["id-1","id-2"]]')
//! print("pypi-" + m.serialize())
//! m = Macaroon(location="registry.example", identifier="pymacaroons-legacy",
//!              key=key, version=MACAROON_V2)
//! m.add_first_party_caveat('{"version": 1, "permissions": "user"}')
//! m.add_third_party_caveat("third-party.example", b"another throw-away key",
//!                          "third-party-id")
//! print("pypi-" + m.serialize())
//! ```

use super::*;

/// Project-scoped, expiring 2030-01-02T03:04:05Z, valid from 2023-11-14T22:13:20Z.
const PROJECT_SCOPED: &str = "pypi-AgEQcmVnaXN0cnkuZXhhbXBsZQITcHltYWNhcm9vbnMtZml4dHVyZQACGVswLDE4OTM1NTM0NDUsMTcwMDAwMDAwMF0AAhVbMSxbIm51bXB5IiwiYXR0cnMiXV0AAhNbMixbImlkLTEiLCJpZC0yIl1dAAAGIB0OCdXjjzIsi3d3nbFWs8n4wRSRK29DnoUgCPecYtiS";

/// A legacy user caveat and a third-party caveat (its encrypted key makes it differ on every run).
const LEGACY_WITH_THIRD_PARTY: &str = "pypi-AgEQcmVnaXN0cnkuZXhhbXBsZQIScHltYWNhcm9vbnMtbGVnYWN5AAIleyJ2ZXJzaW9uIjogMSwgInBlcm1pc3Npb25zIjogInVzZXIifQABE3RoaXJkLXBhcnR5LmV4YW1wbGUCDnRoaXJkLXBhcnR5LWlkBEg2nvROo_NLkWd7SprmlBlsyGF4w30lW3Gwhoms5YDeMNGaRvNi9cSuTi1hCT3h-8OUHT_CIy7WzcriFaNSgp56hN3otxT5kiUAAAYgAlqBHEJ_tnVpR4H5J1Yzgggrppi2KdxEHJ22d3LMNB0";

#[test]
fn decodes_a_project_scoped_token_pymacaroons_made() {
    let inspection = inspect(PROJECT_SCOPED);
    assert_eq!(inspection.token_scope(), "projects:attrs,numpy");
    assert_eq!(
        inspection.token_expires_at().as_deref(),
        Some("2030-01-02T03:04:05Z")
    );
    assert_eq!(facts(PROJECT_SCOPED).not_before, Some(1_700_000_000));
}

#[test]
fn decodes_legacy_and_third_party_caveats_pymacaroons_made() {
    let facts = facts(LEGACY_WITH_THIRD_PARTY);
    assert_eq!(facts.scope, Scope::User);
    assert_eq!(facts.third_party_caveats, 1);
    assert_eq!(facts.expires_at, None);
}

#[test]
fn the_test_mint_writes_and_signs_as_pymacaroons_does() {
    let minted = Mint::new("pymacaroons-fixture")
        .caveat("[0,1893553445,1700000000]")
        .caveat(r#"[1,["numpy","attrs"]]"#)
        .caveat(r#"[2,["id-1","id-2"]]"#)
        .token();
    assert_eq!(minted, PROJECT_SCOPED);
}
