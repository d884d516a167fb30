//! How the emulated world behaves beyond its resources, changeable at run
//! time through `/_emulator/settings`: how long IAM changes take to reach
//! Artifact Registry's upstream check, and which PyPI tokens the upstream
//! rejects. Tokens are named by their CRC32C, never by their text, so that
//! no setting, listing or log ever holds one.

use crate::error::ApiError;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// The behaviour settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Milliseconds before a policy write is seen by the checks Google's
    /// services make on their own behalf (0: at once).
    pub iam_propagation_ms: u64,
    /// CRC32C of the payloads the upstream answers 403 for.
    pub rejected_tokens_crc32c: BTreeSet<u32>,
}

/// A `POST /_emulator/settings` body: the settings to change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Update {
    #[serde(default)]
    iam_propagation_ms: Option<u64>,
    #[serde(default)]
    rejected_tokens_crc32c: Option<BTreeSet<u32>>,
}

impl Settings {
    /// Applies the settings a body names; the others stay as they are.
    pub fn update(&mut self, body: &Value) -> Result<(), ApiError> {
        let update: Update = serde_json::from_value(body.clone())
            .map_err(|e| ApiError::invalid(format!("Invalid settings: {e}")))?;
        if let Some(ms) = update.iam_propagation_ms {
            self.iam_propagation_ms = ms;
        }
        if let Some(rejected) = update.rejected_tokens_crc32c {
            self.rejected_tokens_crc32c = rejected;
        }
        Ok(())
    }

    /// The settings as `GET /_emulator/settings` answers them.
    pub fn to_json(&self) -> Value {
        json!({
            "iam_propagation_ms": self.iam_propagation_ms,
            "rejected_tokens_crc32c": self.rejected_tokens_crc32c,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_only_what_the_body_names() {
        let mut settings = Settings::default();
        settings
            .update(&json!({"iam_propagation_ms": 8000}))
            .expect("update");
        settings
            .update(&json!({"rejected_tokens_crc32c": [2776802622u32]}))
            .expect("update");
        assert_eq!(
            settings.to_json(),
            json!({"iam_propagation_ms": 8000, "rejected_tokens_crc32c": [2776802622u32]})
        );
        for bad in [
            json!({"iam_propagation_ms": -1}),
            json!({"rejected_tokens_crc32c": [4294967296u64]}),
            json!({"rejected_tokens": ["pypi-..."]}),
        ] {
            assert!(settings.update(&bad).is_err(), "{bad}");
        }
        assert_eq!(
            settings.iam_propagation_ms, 8000,
            "a refused update changes nothing"
        );
    }
}
