//! Builds the initial [`State`] from a [`Config`]; also what
//! `POST /_emulator/reset` returns to.

use crate::artifactregistry::model::{new_repository_fields, normalize_body};
use crate::clock::now_rfc3339;
use crate::config::Config;
use crate::iam::Policy;
use crate::propagation::PolicyHistory;
use crate::secretmanager::model::new_secret_fields;
use crate::settings::Settings;
use crate::state::{Project, Repository, Secret, State, VersionState};
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// The world described by `config`, or why the seed is inconsistent.
pub fn build_state(config: &Config) -> Result<State, String> {
    let settings = Settings {
        iam_propagation_ms: config.iam_propagation_ms,
        ..Settings::default()
    };
    let mut state = State::new(config.seed.principals.clone(), settings);
    for p in &config.seed.projects {
        if state.project(&p.id).is_some() || state.project(&p.number.0).is_some() {
            return Err(format!(
                "project {} / {} is declared twice",
                p.id, p.number.0
            ));
        }
        let policy = match &p.iam_policy {
            Some(v) => Policy::from_seed(v).map_err(|e| format!("project {}: {e}", p.id))?,
            None => Policy::default(),
        };
        let policy = PolicyHistory::new(policy);
        state.projects.push(Project {
            id: p.id.clone(),
            number: p.number.0.clone(),
            service_agent: p.service_agent,
            policy,
            parent: p.parent.clone(),
            create_time: now_rfc3339(),
        });
    }
    for r in &config.seed.repositories {
        let where_ = format!(
            "repository {}/{}/{}",
            r.project, r.location, r.repository_id
        );
        let project = state
            .project(&r.project)
            .cloned()
            .ok_or_else(|| format!("{where_}: unknown project"))?;
        let body = normalize_body(&Value::Object(r.fields.clone()))
            .and_then(|body| new_repository_fields(&r.location, &r.repository_id, body.fields))
            .map_err(|e| format!("{where_}: {}", e.message))?;
        let mut repo = Repository::new(&project.id, &r.location, &r.repository_id, body);
        if let Some(policy) = &r.iam_policy {
            repo.policy = Policy::from_seed(policy).map_err(|e| format!("{where_}: {e}"))?;
        }
        let key = (
            project.id.clone(),
            r.location.clone(),
            r.repository_id.clone(),
        );
        if state.repositories.insert(key, repo).is_some() {
            return Err(format!("{where_} is declared twice"));
        }
    }
    for s in &config.seed.secrets {
        let where_ = format!("secret {}/{}", s.project, s.secret_id);
        let number = state
            .project(&s.project)
            .map(|p| p.number.clone())
            .ok_or_else(|| format!("{where_}: unknown project"))?;
        let mut body = Map::new();
        body.insert(
            "replication".into(),
            s.replication
                .clone()
                .unwrap_or_else(|| json!({"automatic": {}})),
        );
        body.insert("labels".into(), Value::Object(s.labels.clone()));
        body.insert("annotations".into(), Value::Object(s.annotations.clone()));
        let fields = new_secret_fields(&s.secret_id, &Value::Object(body))
            .map_err(|e| format!("{where_}: {}", e.message))?;
        let etag = state.next_resource_etag();
        let mut secret = Secret::new(&number, &s.secret_id, fields, etag);
        for (i, v) in s.versions.iter().enumerate() {
            let data = base64::engine::general_purpose::STANDARD
                .decode(&v.data)
                .map_err(|_| format!("{where_}: version {} data is not base64", i + 1))?;
            let version_state = match v.state.as_deref() {
                None => VersionState::Enabled,
                Some(text) => VersionState::parse(text).ok_or_else(|| {
                    format!("{where_}: version {} has unknown state {text}", i + 1)
                })?,
            };
            let etag = state.next_resource_etag();
            secret.push_version(data, false, version_state, etag);
        }
        if let Some(policy) = &s.iam_policy {
            let policy = Policy::from_seed(policy).map_err(|e| format!("{where_}: {e}"))?;
            secret.policy = PolicyHistory::new(policy);
        }
        if state
            .secrets
            .insert((number, s.secret_id.clone()), secret)
            .is_some()
        {
            return Err(format!("{where_} is declared twice"));
        }
    }
    Ok(state)
}
