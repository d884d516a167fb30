//! The text form of a PyPI token: `pypi-` and the base64 of the macaroon's
//! bytes. PyPI writes the URL-safe alphabet without padding; people and
//! tools re-pad or re-encode tokens, so padding is optional and the
//! standard alphabet is tolerated too.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use super::error::ParseError;

/// The prefix PyPI puts before every API token.
pub const PYPI_PREFIX: &str = "pypi-";

/// Padding optional; trailing bits must be zero as in every encoder's output.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// Decodes the base64 text after the prefix. Allocates at most three
/// quarters of the text's length, however the text is formed.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, ParseError> {
    if text.is_empty() {
        return Err(ParseError::Empty);
    }
    // The crate's errors carry the offending byte: map them to one that
    // carries nothing of the token.
    URL_SAFE
        .decode(text)
        .or_else(|_| STANDARD.decode(text))
        .map_err(|_| ParseError::NotBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_alphabets_with_and_without_padding() {
        // 0xfb 0xff encodes as "-_8" (URL-safe) or "+/8" (standard).
        for text in ["-_8", "-_8=", "+/8", "+/8="] {
            assert_eq!(decode_base64(text), Ok(vec![0xfb, 0xff]), "{text}");
        }
    }

    #[test]
    fn rejects_what_is_not_base64() {
        for text in ["-_8+", "a", "ab$c", "ab c", "ab=c"] {
            assert_eq!(decode_base64(text), Err(ParseError::NotBase64), "{text}");
        }
        assert_eq!(decode_base64(""), Err(ParseError::Empty));
    }
}
