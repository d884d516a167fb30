//! `fake_echo`: a resource with an attribute of every Terraform type whose
//! PlanResourceChange returns the proposed state unchanged, so what comes
//! back is exactly what the server decoded and re-encoded. Its validation
//! reports every unknown value at its attribute path.

use async_trait::async_trait;
use terraform_provider_pypi::tfplugin::provider::{
    ApplyResponse, CreateRequest, DeleteRequest, DeleteResponse, ImportRequest, ImportResponse,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, UpdateRequest, ValidateRequest,
};
use terraform_provider_pypi::tfplugin::schema::NestedAttributes;
use terraform_provider_pypi::tfplugin::{
    Attribute, AttributePath, Block, CallContext, Diagnostic, Diagnostics, NestedBlock, Nesting,
    Resource, Schema, Type, Value,
};

/// The echo resource (stateless: every answer derives from the request).
pub struct EchoResource;

fn attr(name: &str, ty: Type) -> Attribute {
    Attribute {
        name: name.into(),
        ty: Some(ty),
        ..Default::default()
    }
}

fn nested(name: &str, nesting: Nesting, attributes: Vec<Attribute>) -> Attribute {
    Attribute {
        name: name.into(),
        nested: Some(NestedAttributes {
            nesting,
            attributes,
        }),
        ..Default::default()
    }
}

fn list(t: Type) -> Type {
    Type::List(Box::new(t))
}

/// `object({name = string, inner = object({x = number})})`.
pub fn object_type() -> Type {
    let inner = Type::Object {
        attrs: [("x".to_string(), Type::Number)].into(),
        optional: Vec::new(),
    };
    Type::Object {
        attrs: [
            ("name".to_string(), Type::String),
            ("inner".to_string(), inner),
        ]
        .into(),
        optional: Vec::new(),
    }
}

/// Every type: primitives, dynamic, collections, structural types, nested
/// attributes (list and single nesting) and a nested block (set nesting).
pub fn echo_schema() -> Schema {
    Schema {
        version: 0,
        block: Block {
            attributes: vec![
                attr("bool", Type::Bool),
                attr("number", Type::Number),
                attr("big", Type::Number),
                attr("negative", Type::Number),
                attr("string", Type::String),
                attr("refined", Type::String),
                attr("dynamic", Type::Dynamic),
                attr("list", list(Type::String)),
                attr("set", Type::Set(Box::new(Type::Number))),
                attr("map", Type::Map(Box::new(Type::String))),
                attr("object", object_type()),
                attr(
                    "tuple",
                    Type::Tuple(vec![Type::String, Type::Number, Type::Bool]),
                ),
                nested(
                    "items",
                    Nesting::List,
                    vec![attr("name", Type::String), attr("value", Type::Number)],
                ),
                nested("single", Nesting::Single, vec![attr("name", Type::String)]),
            ],
            blocks: vec![NestedBlock {
                name: "rule".into(),
                nesting: Nesting::Set,
                block: Block {
                    attributes: vec![attr("port", Type::Number), attr("proto", Type::String)],
                    ..Default::default()
                },
                min_items: 0,
                max_items: 0,
            }],
            ..Default::default()
        },
    }
}

/// Paths of the unknown values in `value`. Set elements have no path step
/// in the protocol, so an unknown inside a set is reported at the set.
pub fn unknown_paths(value: &Value, at: &AttributePath, out: &mut Vec<AttributePath>) {
    match value {
        Value::Unknown => out.push(at.clone()),
        Value::Set(_) if !value.is_wholly_known() => out.push(at.clone()),
        Value::List(items) | Value::Tuple(items) => {
            for (i, item) in items.iter().enumerate() {
                let i = i64::try_from(i).unwrap_or(i64::MAX);
                unknown_paths(item, &at.clone().index(i), out);
            }
        }
        Value::Map(m) => {
            for (k, v) in m {
                unknown_paths(v, &at.clone().key(k), out);
            }
        }
        Value::Object(m) => {
            for (k, v) in m {
                unknown_paths(v, &at.clone().then(k), out);
            }
        }
        Value::Dynamic(_, inner) => unknown_paths(inner, at, out),
        _ => {}
    }
}

#[async_trait]
impl Resource for EchoResource {
    fn schema(&self) -> Schema {
        echo_schema()
    }
    /// One warning per unknown value, at its path, plus a pathless error counting them.
    async fn validate(&self, _ctx: &CallContext, req: ValidateRequest) -> Diagnostics {
        let mut paths = Vec::new();
        unknown_paths(&req.config, &AttributePath::default(), &mut paths);
        let mut d = Diagnostics::default();
        for p in &paths {
            d.push(Diagnostic::warning("Unknown value", p.to_string()).at(p.clone()));
        }
        d.error(format!("{} unknown values", paths.len()), "");
        d
    }
    async fn plan(&self, _ctx: &CallContext, req: PlanRequest) -> PlanResponse {
        PlanResponse {
            planned_state: req.proposed_new_state,
            ..Default::default()
        }
    }
    async fn create(&self, _ctx: &CallContext, req: CreateRequest) -> ApplyResponse {
        ApplyResponse {
            new_state: req.planned_state,
            ..Default::default()
        }
    }
    async fn update(&self, _ctx: &CallContext, req: UpdateRequest) -> ApplyResponse {
        ApplyResponse {
            new_state: req.planned_state,
            ..Default::default()
        }
    }
    async fn delete(&self, _ctx: &CallContext, _req: DeleteRequest) -> DeleteResponse {
        DeleteResponse::default()
    }
    async fn read(&self, _ctx: &CallContext, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            ..Default::default()
        }
    }
    async fn import(&self, _ctx: &CallContext, _req: ImportRequest) -> ImportResponse {
        let mut diagnostics = Diagnostics::default();
        diagnostics.error("Not importable", "fake_echo cannot be imported");
        ImportResponse {
            diagnostics,
            ..Default::default()
        }
    }
}
