//! Edits at the level of one attribute rather than one user: a change the resolver understands
//! (a group's value, its removal, a new rank order, a new default) or a change of the attribute's
//! flags, which moves nobody's effective value.
//!
//! Plain data, serialized in the journal as the recipe that reverts an attribute-level write; no
//! service wording and no I/O here.

use serde::{Deserialize, Serialize};

use super::resolution::AttributeChange;

/// New flags of an attribute; None leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagChange {
    /// Whether users may see their own value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_can_view: Option<bool>,
    /// Whether users may edit their own value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_can_edit: Option<bool>,
    /// Whether values are hidden (a hidden attribute never becomes visible again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_is_hidden: Option<bool>,
    /// The URLs hidden values may be sent to (Looker keeps the first one set for good).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hidden_value_domain_whitelist: Option<String>,
}

/// One edit of an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttributeEdit {
    /// A change of group values, ranks or the default: it has a blast radius.
    Change(AttributeChange),
    /// A change of flags: nobody's effective value moves.
    Flags(FlagChange),
}

impl AttributeEdit {
    /// The change the resolver computes a blast radius for (None for flags).
    pub fn change(&self) -> Option<&AttributeChange> {
        match self {
            Self::Change(change) => Some(change),
            Self::Flags(_) => None,
        }
    }

    /// A short verb for the journal (`set-group`, `unset-group`, `rank`, `set-default`, `flags`).
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Change(AttributeChange::SetGroupValue { .. }) => "set-group",
            Self::Change(AttributeChange::RemoveGroupValue { .. }) => "unset-group",
            Self::Change(AttributeChange::Rank { .. }) => "rank",
            Self::Change(AttributeChange::SetDefault { .. }) => "set-default",
            Self::Flags(_) => "flags",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_and_flags_read_back_as_what_they_were() {
        let edits = vec![
            AttributeEdit::Change(AttributeChange::Rank {
                group_ids: vec!["2".to_owned(), "1".to_owned()],
            }),
            AttributeEdit::Change(AttributeChange::SetDefault { value: None }),
            AttributeEdit::Flags(FlagChange {
                user_can_edit: Some(false),
                ..FlagChange::default()
            }),
        ];
        let text = serde_json::to_string(&edits).expect("serializes");
        assert!(text.contains(r#""kind":"rank""#), "{text}");
        let read: Vec<AttributeEdit> = serde_json::from_str(&text).expect("deserializes");
        assert_eq!(read, edits);
        assert_eq!(read[0].verb(), "rank");
        assert!(read[2].change().is_none());
    }
}
