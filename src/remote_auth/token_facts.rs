//! What plan learns from the token itself, offline: its expiry and scope
//! (the computed `token_expires_at` and `token_scope`) and the diagnostics
//! [`crate::pypi_token::assess`] finds. The token is read in memory only;
//! neither it nor its signature reaches a diagnostic or a log.
//!
//! The diagnostics name the attribute in their text but carry no attribute
//! path: Terraform quotes the configuration at a diagnostic's path, and a
//! token written literally would be printed with it.

use crate::pypi_token::{self, Severity};
use crate::tfplugin::{Attr, Diagnostic, Diagnostics};

use super::model::Model;

/// Fills `token_expires_at` and `token_scope` in `planned` and adds the
/// findings about the configured token to `diags`.
///
/// When the plan stores a new token (`new_token`), both values come from
/// it (unknown while the token is unknown) and an expired, not yet valid or
/// trusted-publishing token is an error on its attribute. Otherwise the
/// stored values are kept (they change only when a new token is stored) and
/// every finding is a warning: the token in use is expiring, which blocks
/// nothing but should be known.
pub fn plan_token_facts(
    config: &Model,
    prior: &Model,
    new_token: bool,
    now_unix: i64,
    planned: &mut Model,
    diags: &mut Diagnostics,
) {
    let attribute = if config.token_wo.is_null() {
        "token"
    } else {
        "token_wo"
    };
    let token = config.configured_token();
    if new_token {
        match token {
            Some(t) => {
                let inspection = pypi_token::inspect(t.expose());
                planned.token_expires_at = inspection.token_expires_at().into();
                planned.token_scope = Attr::Known(inspection.token_scope());
            }
            None => {
                planned.token_expires_at = Attr::Unknown;
                planned.token_scope = Attr::Unknown;
            }
        }
    } else {
        planned.token_expires_at = prior.token_expires_at.known().cloned().into();
        planned.token_scope = prior.token_scope.known().cloned().into();
    }
    let Some(t) = token else { return };
    let username = config.username_or_default();
    let inspection = pypi_token::inspect(t.expose());
    for finding in pypi_token::assess(&inspection, &username, now_unix) {
        let error = new_token && finding.severity() == Severity::Error;
        let summary = format!("{} (`{attribute}`)", finding.summary());
        diags.push(if error {
            Diagnostic::error(summary, finding.detail())
        } else {
            Diagnostic::warning(summary, finding.detail())
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn config(token: &str) -> Model {
        Model {
            token: Attr::Known(token.into()),
            ..Model::default()
        }
    }

    #[test]
    fn a_private_index_token_draws_nothing_and_reads_unknown() {
        let mut planned = Model::default();
        let mut diags = Diagnostics::default();
        let mut c = config("s3cr3t-of-a-private-index");
        c.username = Attr::Known("robot".into());
        plan_token_facts(&c, &Model::default(), true, NOW, &mut planned, &mut diags);
        assert!(diags.0.is_empty(), "{diags:?}");
        assert_eq!(planned.token_scope, Attr::Known("unknown".into()));
        assert_eq!(planned.token_expires_at, Attr::Null);
    }

    #[test]
    fn a_non_pypi_value_with_pypis_username_warns_on_its_attribute() {
        let mut planned = Model::default();
        let mut diags = Diagnostics::default();
        plan_token_facts(
            &config("not-a-token"),
            &Model::default(),
            true,
            NOW,
            &mut planned,
            &mut diags,
        );
        assert!(!diags.has_errors());
        let shown = format!("{diags:?}");
        assert!(
            shown.contains("token") && shown.contains("pypi-"),
            "{shown}"
        );
        assert!(
            !shown.contains("not-a-token"),
            "the value never appears: {shown}"
        );
    }

    #[test]
    fn an_unchanged_token_keeps_the_stored_values() {
        let mut planned = Model::default();
        let mut diags = Diagnostics::default();
        let prior = Model {
            token_expires_at: Attr::Known("2030-01-01T00:00:00Z".into()),
            token_scope: Attr::Known("user".into()),
            ..Model::default()
        };
        plan_token_facts(
            &config("other"),
            &prior,
            false,
            NOW,
            &mut planned,
            &mut diags,
        );
        assert_eq!(planned.token_scope, Attr::Known("user".into()));
        assert!(
            !diags.has_errors(),
            "an unchanged token never blocks a plan"
        );
    }
}
