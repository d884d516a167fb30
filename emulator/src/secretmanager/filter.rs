//! The `filter` of `versions.list`, in the syntax of Secret Manager's
//! filtering docs: terms `field OP value` on `state` and `create_time`,
//! joined by `AND` (or juxtaposition), `OR`, `NOT` / `-` and parentheses;
//! values bare or in double quotes, e.g.
//! `create_time>"2024-01-30T18:54:07.478393Z" AND state:ENABLED`.

use crate::clock;
use crate::error::ApiError;
use crate::state::{Version, VersionState};
use time::OffsetDateTime;

/// A parsed filter: which versions a list answers.
#[derive(Debug, Clone, PartialEq)]
pub enum VersionFilter {
    /// Every version (an empty filter).
    All,
    /// All of these hold.
    And(Vec<VersionFilter>),
    /// One of these holds.
    Or(Vec<VersionFilter>),
    /// This does not hold.
    Not(Box<VersionFilter>),
    /// `state` equals (or, with `negated`, differs from) this state.
    State {
        /// The state compared with.
        state: VersionState,
        /// `!=` rather than `:` / `=`.
        negated: bool,
    },
    /// `create_time` compares so with this instant.
    CreateTime(Comparison, OffsetDateTime),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `:` or `=`.
    Equal,
    /// `!=`.
    NotEqual,
    /// `<`.
    Less,
    /// `<=`.
    LessOrEqual,
    /// `>`.
    Greater,
    /// `>=`.
    GreaterOrEqual,
}

impl VersionFilter {
    /// Parses `text`; the error names what the emulator could not read.
    pub fn parse(text: &str) -> Result<VersionFilter, ApiError> {
        let mut parser = Parser { text, pos: 0 };
        parser.skip_space();
        if parser.at_end() {
            return Ok(VersionFilter::All);
        }
        parser
            .expr()
            .and_then(|filter| {
                if parser.at_end() {
                    Ok(filter)
                } else {
                    Err(format!("unexpected {:?}", parser.rest()))
                }
            })
            .map_err(|why| ApiError::invalid(format!("Invalid filter '{text}': {why}.")))
    }

    /// Whether `version` passes the filter.
    pub fn matches(&self, version: &Version) -> bool {
        match self {
            VersionFilter::All => true,
            VersionFilter::And(all) => all.iter().all(|f| f.matches(version)),
            VersionFilter::Or(any) => any.iter().any(|f| f.matches(version)),
            VersionFilter::Not(inner) => !inner.matches(version),
            VersionFilter::State { state, negated } => (version.state == *state) != *negated,
            VersionFilter::CreateTime(cmp, t) => {
                let created = version.create_time;
                match cmp {
                    Comparison::Equal => created == *t,
                    Comparison::NotEqual => created != *t,
                    Comparison::Less => created < *t,
                    Comparison::LessOrEqual => created <= *t,
                    Comparison::Greater => created > *t,
                    Comparison::GreaterOrEqual => created >= *t,
                }
            }
        }
    }
}

/// A recursive-descent reader over the filter text.
struct Parser<'a> {
    /// The whole filter.
    text: &'a str,
    /// Byte offset of the next unread character.
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn at_end(&self) -> bool {
        self.rest().is_empty()
    }

    fn skip_space(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.text.len() - trimmed.len();
    }

    /// Whether `keyword` stands next as a whole word.
    fn sees_keyword(&self, keyword: &str) -> bool {
        self.rest().strip_prefix(keyword).is_some_and(|after| {
            after.is_empty() || after.starts_with(|c: char| c.is_whitespace() || c == '(')
        })
    }

    /// Consumes `keyword` when it stands next as a whole word.
    fn keyword(&mut self, keyword: &str) -> bool {
        let seen = self.sees_keyword(keyword);
        if seen {
            self.pos += keyword.len();
            self.skip_space();
        }
        seen
    }

    /// `and ("OR" and)*`.
    fn expr(&mut self) -> Result<VersionFilter, String> {
        let mut any = vec![self.and()?];
        while self.keyword("OR") {
            any.push(self.and()?);
        }
        Ok(if any.len() == 1 {
            any.remove(0)
        } else {
            VersionFilter::Or(any)
        })
    }

    /// `unary (["AND"] unary)*`: juxtaposed terms are ANDed.
    fn and(&mut self) -> Result<VersionFilter, String> {
        let mut all = vec![self.unary()?];
        loop {
            if self.keyword("AND") {
                all.push(self.unary()?);
            } else if self.at_end() || self.rest().starts_with(')') || self.sees_keyword("OR") {
                break;
            } else {
                all.push(self.unary()?);
            }
        }
        Ok(if all.len() == 1 {
            all.remove(0)
        } else {
            VersionFilter::And(all)
        })
    }

    /// `"NOT" unary | "-" unary | "(" expr ")" | term`.
    fn unary(&mut self) -> Result<VersionFilter, String> {
        if self.keyword("NOT") {
            return Ok(VersionFilter::Not(Box::new(self.unary()?)));
        }
        if let Some(rest) = self.rest().strip_prefix('-') {
            self.pos = self.text.len() - rest.len();
            return Ok(VersionFilter::Not(Box::new(self.unary()?)));
        }
        if let Some(rest) = self.rest().strip_prefix('(') {
            self.pos = self.text.len() - rest.len();
            self.skip_space();
            let inner = self.expr()?;
            let Some(rest) = self.rest().strip_prefix(')') else {
                return Err("a '(' is never closed".to_string());
            };
            self.pos = self.text.len() - rest.len();
            self.skip_space();
            return Ok(inner);
        }
        self.term()
    }

    /// `field op value`.
    fn term(&mut self) -> Result<VersionFilter, String> {
        let field_len = self
            .rest()
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(self.rest().len());
        if field_len == 0 {
            return Err(format!("expected a field at {:?}", self.rest()));
        }
        let field = &self.text[self.pos..self.pos + field_len];
        self.pos += field_len;
        let cmp = self.comparison()?;
        let value = self.value()?;
        self.skip_space();
        match field {
            "state" => {
                let negated = match cmp {
                    Comparison::Equal => false,
                    Comparison::NotEqual => true,
                    _ => return Err("state compares only with ':', '=' or '!='".to_string()),
                };
                let state = VersionState::parse(&value.to_ascii_uppercase())
                    .ok_or_else(|| format!("unknown state {value:?}"))?;
                Ok(VersionFilter::State { state, negated })
            }
            "create_time" | "createTime" => {
                let t = clock::parse(&value)
                    .ok_or_else(|| format!("{value:?} is not an RFC 3339 timestamp"))?;
                Ok(VersionFilter::CreateTime(cmp, t))
            }
            other => Err(format!(
                "the emulator filters versions on state and create_time, not {other:?}"
            )),
        }
    }

    fn comparison(&mut self) -> Result<Comparison, String> {
        const OPERATORS: [(&str, Comparison); 7] = [
            (">=", Comparison::GreaterOrEqual),
            ("<=", Comparison::LessOrEqual),
            ("!=", Comparison::NotEqual),
            (":", Comparison::Equal),
            ("=", Comparison::Equal),
            (">", Comparison::Greater),
            ("<", Comparison::Less),
        ];
        let rest = self.rest().trim_start();
        let (op, cmp) = OPERATORS
            .iter()
            .find(|(op, _)| rest.starts_with(op))
            .ok_or_else(|| format!("expected an operator at {rest:?}"))?;
        self.pos = self.text.len() - rest.len() + op.len();
        Ok(*cmp)
    }

    /// A double-quoted string or a bare run up to a space or parenthesis.
    fn value(&mut self) -> Result<String, String> {
        let rest = self.rest().trim_start();
        self.pos = self.text.len() - rest.len();
        if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted
                .find('"')
                .ok_or_else(|| "a quoted value is never closed".to_string())?;
            self.pos += end + 2;
            return Ok(quoted[..end].to_string());
        }
        let len = rest
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .unwrap_or(rest.len());
        if len == 0 {
            return Err("a value is missing".to_string());
        }
        self.pos += len;
        Ok(rest[..len].to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(state: VersionState, time: &str) -> Version {
        Version {
            number: 1,
            state,
            payload: Vec::new(),
            client_checksum: false,
            create_time: clock::parse(time).expect("time"),
            destroy_time: None,
            etag: String::new(),
        }
    }

    fn keeps(filter: &str, v: &Version) -> bool {
        VersionFilter::parse(filter).expect(filter).matches(v)
    }

    #[test]
    fn state_and_create_time_terms_combine() {
        let old = version(VersionState::Enabled, "2024-01-01T00:00:00.000001Z");
        let new = version(VersionState::Disabled, "2024-01-01T00:00:00.000002Z");
        let cut = "create_time>\"2024-01-01T00:00:00.000001Z\"";
        assert!(!keeps(cut, &old) && keeps(cut, &new), "strictly after");
        assert!(keeps("create_time>=2024-01-01T00:00:00.000001Z", &old));
        assert!(keeps("state:ENABLED", &old) && !keeps("state:ENABLED", &new));
        assert!(keeps("state=disabled", &new), "enum values in any case");
        assert!(keeps("state!=ENABLED", &new));
        let both = format!("{cut} AND state:ENABLED");
        assert!(!keeps(&both, &old) && !keeps(&both, &new));
        assert!(
            keeps(&format!("{cut} state:DISABLED"), &new),
            "implicit AND"
        );
        let either = "state:ENABLED OR state:DISABLED";
        assert!(keeps(either, &old) && keeps(either, &new));
        assert!(keeps("NOT state:DISABLED", &old) && !keeps("-state:ENABLED", &old));
        assert!(keeps(
            "(state:DESTROYED OR state:ENABLED) AND create_time<2030-01-01T00:00:00Z",
            &old
        ));
        assert!(keeps("  ", &old), "empty filter keeps all");
    }

    #[test]
    fn unreadable_filters_are_invalid_argument() {
        for bad in [
            "state",
            "state:BOGUS",
            "state>ENABLED",
            "create_time>yesterday",
            "name:versions/1",
            "(state:ENABLED",
            "create_time>\"2024-01-01T00:00:00Z",
            "state:ENABLED )",
        ] {
            let err = VersionFilter::parse(bad).expect_err(bad);
            assert_eq!(err.status, "INVALID_ARGUMENT", "{bad}");
            assert!(err.message.contains(bad), "{}", err.message);
        }
    }
}
