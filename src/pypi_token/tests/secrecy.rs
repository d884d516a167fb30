//! No output of the decoder repeats the token, its identifier or its
//! signature, in any encoding, whether the token decodes or not.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use super::super::{assess, TOKEN_USERNAME};
use super::*;

/// Everything printable about one token: its inspection and findings, in
/// Debug and Display form, and the attribute strings.
fn everything_said(token: &str) -> String {
    let inspection = inspect(token);
    let mut said = format!(
        "{inspection:?} {:?} {}",
        inspection.token_expires_at(),
        inspection.token_scope()
    );
    if let Inspection::Undecodable(error) = &inspection {
        said += &format!(" {error} {error:?}");
    }
    for finding in assess(&inspection, TOKEN_USERNAME, NOW) {
        said += &format!(" {finding:?} {} {}", finding.summary(), finding.detail());
    }
    said
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn nothing_said_repeats_the_secret_parts() {
    let identifier = "identifier-7f3a91c2";
    let mint = Mint::new(identifier)
        .user("u")
        .expiration(NOW - DAY, NOW - 9 * DAY);
    let signature = mint.signature();
    let token = mint.token();
    let body = token.strip_prefix("pypi-").expect("minted with the prefix");
    let mut truncated = mint.bytes();
    truncated.pop();
    let mut trailing = mint.bytes();
    trailing.push(0);
    let values = [
        token.clone(),
        format!("{token}\n"),
        format!("{token}!"),
        token_from_bytes(&truncated),
        token_from_bytes(&trailing),
        body.to_string(),
    ];
    let secrets = [
        body.to_string(),
        identifier.to_string(),
        hex(&signature),
        URL_SAFE_NO_PAD.encode(signature),
        STANDARD.encode(signature),
        format!("{:?}", &signature[..8]),
        format!("{:?}", identifier.as_bytes()),
    ];
    for value in &values {
        let said = everything_said(value);
        assert!(said.len() > 20, "nothing was said about {value:?}");
        for secret in &secrets {
            assert!(
                !said.contains(secret.as_str()),
                "output repeats {secret:?}: {said}"
            );
        }
    }
}
