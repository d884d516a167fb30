//! The schema model the framework serves in GetProviderSchema and uses to
//! encode and decode values. It mirrors tfplugin6's `Schema` message with the
//! parts this provider needs: attributes, nested attributes, nested blocks,
//! write-only and sensitive flags, descriptions and identity schemas.

use std::collections::BTreeMap;

use super::value::Type;

/// How a description is formatted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StringKind {
    /// Plain text.
    Plain,
    /// Markdown (what the Registry renders).
    #[default]
    Markdown,
}

/// A versioned schema for the provider configuration, a resource or a data source.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// Bumped when the stored state shape changes; UpgradeResourceState sees the old number.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// A configuration block: attributes plus nested blocks.
#[derive(Debug, Clone, Default)]
pub struct Block {
    /// Attributes in declaration order (docs keep this order within each section).
    pub attributes: Vec<Attribute>,
    /// Nested block types.
    pub blocks: Vec<NestedBlock>,
    /// Markdown description of the whole block.
    pub description: String,
    /// Whether the description is Markdown.
    pub description_kind: StringKind,
    /// Marks the whole block deprecated.
    pub deprecated: bool,
}

/// How often an attribute's value must or may be configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Presence {
    /// Must be set in configuration.
    Required,
    /// May be set; null otherwise.
    #[default]
    Optional,
    /// May be set; the provider fills it when not set.
    OptionalComputed,
    /// Never set by the user; the provider fills it.
    Computed,
}

/// One attribute of a block.
#[derive(Debug, Clone, Default)]
pub struct Attribute {
    /// Attribute name as written in HCL.
    pub name: String,
    /// Value type; ignored when `nested` is set.
    pub ty: Option<Type>,
    /// Nested attribute object (exclusive with `ty`).
    pub nested: Option<NestedAttributes>,
    /// Required / optional / computed.
    pub presence: Presence,
    /// Hidden from plan output and logs by Terraform.
    pub sensitive: bool,
    /// Never persisted in plan or state (protocol 6.8+).
    pub write_only: bool,
    /// Terraform warns when it is set.
    pub deprecated: bool,
    /// Markdown description (docs and language servers show it).
    pub description: String,
    /// Changing it forces replacement: used by PlanResourceChange helpers and docs.
    pub requires_replace: bool,
}

impl Attribute {
    /// An attribute of type `ty` with everything else at its default.
    pub fn new(name: &str, ty: Type, presence: Presence, description: &str) -> Attribute {
        Attribute {
            name: name.into(),
            ty: Some(ty),
            presence,
            description: description.into(),
            ..Attribute::default()
        }
    }
}

/// Nesting mode of nested attributes and blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    /// Exactly one object, or null.
    Single,
    /// Like `Single`, but never null (blocks only).
    Group,
    /// An ordered list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects keyed by label.
    Map,
}

/// An attribute whose value is an object (or collection of objects) with its own attributes.
#[derive(Debug, Clone)]
pub struct NestedAttributes {
    /// How the objects are collected.
    pub nesting: Nesting,
    /// The attributes of each object.
    pub attributes: Vec<Attribute>,
}

/// A nested block type such as `timeouts { ... }`.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    /// Block type name.
    pub name: String,
    /// How instances are collected.
    pub nesting: Nesting,
    /// The block's contents.
    pub block: Block,
    /// Minimum number of instances (List/Set).
    pub min_items: i64,
    /// Maximum number of instances (List/Set); 0 means no limit.
    pub max_items: i64,
}

/// The resource identity schema (protocol 6.9+): what `import { identity = {...} }` takes.
#[derive(Debug, Clone, Default)]
pub struct IdentitySchema {
    /// Bumped when the identity shape changes.
    pub version: i64,
    /// Identity attributes; only primitive types and lists of primitives are allowed.
    pub attributes: Vec<IdentityAttribute>,
}

/// One identity attribute.
#[derive(Debug, Clone)]
pub struct IdentityAttribute {
    /// Name.
    pub name: String,
    /// Primitive type.
    pub ty: Type,
    /// Must be given when importing by identity.
    pub required_for_import: bool,
    /// May be given when importing by identity.
    pub optional_for_import: bool,
    /// Markdown description.
    pub description: String,
}

impl Block {
    /// The object type of values conforming to this block.
    pub fn object_type(&self) -> Type {
        let mut attrs = BTreeMap::new();
        for a in &self.attributes {
            attrs.insert(a.name.clone(), a.value_type());
        }
        for b in &self.blocks {
            let inner = b.block.object_type();
            let ty = match b.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::List(Box::new(inner)),
                Nesting::Set => Type::Set(Box::new(inner)),
                Nesting::Map => Type::Map(Box::new(inner)),
            };
            attrs.insert(b.name.clone(), ty);
        }
        Type::Object {
            attrs,
            optional: Vec::new(),
        }
    }

    /// The attribute called `name`, if any.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }
}

impl Attribute {
    /// The type of this attribute's value, nested attributes included.
    pub fn value_type(&self) -> Type {
        match &self.nested {
            Some(n) => {
                let mut attrs = BTreeMap::new();
                for a in &n.attributes {
                    attrs.insert(a.name.clone(), a.value_type());
                }
                let optional = n
                    .attributes
                    .iter()
                    .filter(|a| a.presence != Presence::Required)
                    .map(|a| a.name.clone())
                    .collect();
                let obj = Type::Object { attrs, optional };
                match n.nesting {
                    Nesting::Single | Nesting::Group => obj,
                    Nesting::List => Type::List(Box::new(obj)),
                    Nesting::Set => Type::Set(Box::new(obj)),
                    Nesting::Map => Type::Map(Box::new(obj)),
                }
            }
            None => self.ty.clone().unwrap_or(Type::Dynamic),
        }
    }
}

impl IdentitySchema {
    /// The object type of identity values.
    pub fn object_type(&self) -> Type {
        Type::Object {
            attrs: self
                .attributes
                .iter()
                .map(|a| (a.name.clone(), a.ty.clone()))
                .collect(),
            optional: Vec::new(),
        }
    }
}
