//! The copy menu (`y`): what can be copied from where the user is, one key per choice, like
//! lazygit's copy menu. The texts are taken when the menu opens; a hidden value is never among
//! them. Plain data.

/// One thing the menu can copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YankChoice {
    /// The key that copies it.
    pub key: char,
    /// What it is ("username of ada").
    pub label: String,
    /// The text copied.
    pub text: String,
}

/// The open copy menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YankMenu {
    /// The choices, in menu order.
    pub choices: Vec<YankChoice>,
}

impl YankMenu {
    /// A menu of (key, what, text) entries, leaving out empty texts.
    pub fn new(entries: impl IntoIterator<Item = (char, String, Option<String>)>) -> Self {
        let choices = entries
            .into_iter()
            .filter_map(|(key, label, text)| {
                text.filter(|t| !t.is_empty())
                    .map(|text| YankChoice { key, label, text })
            })
            .collect();
        Self { choices }
    }
}
