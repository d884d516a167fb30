//! Values that are not PyPI macaroons, or broken ones: each is named, and
//! none panics or allocates more than its own length.

use super::super::ParseError;
use super::*;

fn error(token: &str) -> ParseError {
    match inspect(token) {
        Inspection::Undecodable(error) => error,
        other => panic!("{token:?} decoded: {other:?}"),
    }
}

/// A valid macaroon's bytes, to break.
fn valid_bytes() -> Vec<u8> {
    user_token(NOW + DAY, NOW).bytes()
}

#[test]
fn values_without_the_prefix_are_not_pypi_tokens() {
    for value in [
        "",
        "secret",
        "PYPI-AgEB",
        "pypi",
        "pypi_AgEB",
        "ghp_abc",
        "x pypi-AgEB",
    ] {
        assert_eq!(inspect(value), Inspection::NotPypiToken, "{value:?}");
        assert_eq!(inspect(value).token_scope(), "unknown");
        assert_eq!(inspect(value).token_expires_at(), None);
    }
}

#[test]
fn malformed_base64() {
    let token = user_token(NOW + DAY, NOW).token();
    for broken in [
        format!("{token}!"),
        format!("{token}==="),
        token.replacen("pypi-", "pypi-$", 1),
        // A length no base64 text has (4n + 1).
        "pypi-AAAAA".to_string(),
        // Line-wrapped, as some terminals copy it.
        format!("{}\n{}", &token[..40], &token[40..]),
    ] {
        assert_eq!(error(&broken), ParseError::NotBase64, "{broken:?}");
    }
    assert_eq!(error("pypi-"), ParseError::Empty);
    assert_eq!(error("pypi-   "), ParseError::Empty);
}

#[test]
fn every_truncation_is_undecodable() {
    let bytes = valid_bytes();
    for length in 0..bytes.len() {
        let token = token_from_bytes(&bytes[..length]);
        assert!(
            matches!(inspect(&token), Inspection::Undecodable(_)),
            "a macaroon cut to {length} of {} bytes decoded",
            bytes.len()
        );
    }
}

#[test]
fn truncated_inside_a_field() {
    let bytes = valid_bytes();
    assert_eq!(
        error(&token_from_bytes(&bytes[..bytes.len() - 1])),
        ParseError::Truncated {
            offset: bytes.len() - 1
        }
    );
}

#[test]
fn trailing_garbage_after_the_signature() {
    let mut bytes = valid_bytes();
    bytes.extend_from_slice(b"garbage");
    assert_eq!(
        error(&token_from_bytes(&bytes)),
        ParseError::TrailingBytes { count: 7 }
    );
}

#[test]
fn huge_length_varints_allocate_nothing() {
    // Header: location field whose length claims u64::MAX, 2^63 and 2^32 bytes.
    for length in [
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01][..],
        &[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
        &[0x80, 0x80, 0x80, 0x80, 0x10],
    ] {
        let bytes = [&[2u8, 1][..], length, b"short"].concat();
        assert!(
            matches!(
                error(&token_from_bytes(&bytes)),
                ParseError::Truncated { .. }
            ),
            "{length:?}"
        );
    }
}

#[test]
fn varints_longer_than_64_bits() {
    // Eleven continuation bytes, and a tenth byte carrying more than bit 64.
    let endless = [&[2u8][..], &[0x80; 11], &[0x01]].concat();
    assert_eq!(
        error(&token_from_bytes(&endless)),
        ParseError::BadVarint { offset: 1 }
    );
    let too_big = [&[2u8][..], &[0xff; 9], &[0x02]].concat();
    assert_eq!(
        error(&token_from_bytes(&too_big)),
        ParseError::BadVarint { offset: 1 }
    );
}

#[test]
fn other_formats_are_not_v2() {
    // Version 1 (hex-length packets, as libmacaroons' first format), and a JSON macaroon.
    for bytes in [
        &b"0021location registry.example\n"[..],
        b"{\"v\":2}",
        &[1, 0, 0],
    ] {
        assert_eq!(
            error(&token_from_bytes(bytes)),
            ParseError::UnsupportedFormat
        );
    }
}

#[test]
fn structural_errors() {
    let signature = [&[6u8, 32][..], &[0u8; 32]].concat();
    let cases: Vec<(Vec<u8>, ParseError)> = vec![
        // Header without an identifier.
        (
            [&[2u8, 1, 1, b'l', 0, 0][..], &signature].concat(),
            ParseError::MissingIdentifier { offset: 1 },
        ),
        // Identifier before location: out of order.
        (
            vec![2, 2, 1, b'i', 1, 1, b'l', 0],
            ParseError::UnexpectedField {
                field: "location",
                offset: 4,
            },
        ),
        // A repeated identifier.
        (
            vec![2, 2, 1, b'i', 2, 1, b'j', 0],
            ParseError::UnexpectedField {
                field: "identifier",
                offset: 4,
            },
        ),
        // A field type the format does not have.
        (
            vec![2, 3, 1, b'x', 0],
            ParseError::UnexpectedField {
                field: "unknown",
                offset: 1,
            },
        ),
        // A verification-key id in the header.
        (
            vec![2, 2, 1, b'i', 4, 1, b'v', 0, 0, 6, 0],
            ParseError::UnexpectedField {
                field: "verification-key id",
                offset: 4,
            },
        ),
        // A location in a first-party caveat.
        (
            vec![2, 2, 1, b'i', 0, 1, 1, b'l', 2, 1, b'c', 0, 0],
            ParseError::UnexpectedField {
                field: "location",
                offset: 5,
            },
        ),
        // A caveat with a verification-key id but no identifier.
        (
            vec![2, 2, 1, b'i', 0, 4, 1, b'v', 0, 0],
            ParseError::MissingIdentifier { offset: 5 },
        ),
        // Something else where the signature belongs.
        (
            vec![2, 2, 1, b'i', 0, 0, 2, 1, b'x'],
            ParseError::UnexpectedField {
                field: "identifier",
                offset: 6,
            },
        ),
        // A signature of the wrong length.
        (
            [&[2u8, 2, 1, b'i', 0, 0, 6, 31][..], &[0u8; 31]].concat(),
            ParseError::SignatureLength { length: 31 },
        ),
        // No signature at all.
        (
            vec![2, 2, 1, b'i', 0, 0],
            ParseError::Truncated { offset: 6 },
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(error(&token_from_bytes(&bytes)), expected, "{bytes:?}");
    }
}

#[test]
fn the_smallest_valid_macaroon_decodes() {
    let bytes = [&[2u8, 2, 1, b'i', 0, 0, 6, 32][..], &[0u8; 32]].concat();
    assert_eq!(inspect(&token_from_bytes(&bytes)).token_scope(), "unknown");
}
