//! Why a `pypi-` token could not be read. The messages name what was wrong
//! and where, never the bytes found there: a token that fails to decode may
//! still be a live secret with one character mistyped.

/// A value after `pypi-` that is not a binary V2 macaroon.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Nothing follows the `pypi-` prefix.
    #[error("nothing follows the `pypi-` prefix")]
    Empty,
    /// The text is not base64 in either the URL-safe or the standard alphabet.
    #[error("the text after `pypi-` is not base64")]
    NotBase64,
    /// The first byte is not the V2 format's version byte (2).
    #[error("the macaroon is not in the binary V2 format")]
    UnsupportedFormat,
    /// A field's type or length does not fit in a 64-bit varint.
    #[error("a field header at byte {offset} is not a valid varint")]
    BadVarint {
        /// Offset of the varint in the decoded bytes.
        offset: usize,
    },
    /// The bytes end inside a field or before the signature.
    #[error("the macaroon ends early, at byte {offset}")]
    Truncated {
        /// Length of the decoded bytes, where reading stopped.
        offset: usize,
    },
    /// A field the V2 format does not allow where it appears (out of order,
    /// repeated, or of an unknown type).
    #[error("unexpected {field} field at byte {offset}")]
    UnexpectedField {
        /// The field's kind by name (`location`, `identifier`,
        /// `verification-key id`, `signature`, `end-of-section` or
        /// `unknown`): a misread type number would be token bytes.
        field: &'static str,
        /// Offset of the field in the decoded bytes.
        offset: usize,
    },
    /// The macaroon or a caveat has no identifier field.
    #[error("a section at byte {offset} has no identifier")]
    MissingIdentifier {
        /// Offset of the section in the decoded bytes.
        offset: usize,
    },
    /// The signature is not the 32 bytes of an HMAC-SHA256.
    #[error("the signature is {length} bytes, not 32")]
    SignatureLength {
        /// Length of the signature field found.
        length: usize,
    },
    /// Bytes follow the signature.
    #[error("{count} bytes follow the signature")]
    TrailingBytes {
        /// How many bytes follow.
        count: usize,
    },
}
