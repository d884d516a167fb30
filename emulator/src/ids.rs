//! Naming rules Google applies to more than one kind of resource.

use std::ops::RangeInclusive;

/// Whether `c` may appear in a lowercase id or a location: a lowercase
/// letter, a digit or a hyphen.
pub fn is_lowercase_id_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

/// The rule project and repository ids share: `length` characters of
/// lowercase letters, digits and hyphens, starting with a letter and not
/// ending with a hyphen.
pub fn is_lowercase_id(id: &str, length: RangeInclusive<usize>) -> bool {
    length.contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && id.chars().all(is_lowercase_id_char)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_ids_follow_googles_rule() {
        assert!(is_lowercase_id("demo-project", 6..=30));
        assert!(is_lowercase_id("a", 1..=63));
        assert!(!is_lowercase_id("short", 6..=30), "too short");
        assert!(!is_lowercase_id("1project", 6..=30), "starts with a digit");
        assert!(!is_lowercase_id("project-", 6..=30), "ends with a hyphen");
        assert!(!is_lowercase_id("Project1", 6..=30), "uppercase");
        assert!(!is_lowercase_id("pypi_remote", 1..=63), "underscore");
    }
}
