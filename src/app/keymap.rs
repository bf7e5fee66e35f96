//! The key map: which key triggers which browser action, remappable from the config's `[keys]`.
//!
//! Defaults follow product.md §1. A `[keys]` entry names an action and gives one key or a list of
//! keys (`quit = "x"`, `up = ["Up", "k"]`); it replaces that action's default keys. Unknown actions,
//! unreadable keys and one key bound to two actions are errors that name the entry, except for the
//! pairs in [`SHARED_KEYS`], which the screen tells apart (`n` is the next match while a filter is
//! set, create otherwise). The help screen and the status line are generated from this map.
//! Nothing here draws or does I/O.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Something the user can ask the browser to do with one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Focus the next pane (connections → users → detail).
    NextPane,
    /// Focus the previous pane.
    PrevPane,
    /// Open the selected item.
    Open,
    /// Go back or close a dialog.
    Back,
    /// Filter the focused list as you type.
    Filter,
    /// Open the `:` command line.
    Command,
    /// Show the help generated from this map.
    Help,
    /// Edit the selected attribute.
    Edit,
    /// Update the user's fields.
    Update,
    /// Replace the whole resource.
    Replace,
    /// Create a user.
    Create,
    /// Delete the selected attribute's value.
    Delete,
    /// Open the audit view.
    Audit,
    /// Open the person view (the same person across connections).
    Person,
    /// Toggle the raw JSON of the record in the detail pane.
    Raw,
    /// Reload the focused data.
    Refresh,
    /// Revert the last journaled write on the selected connection (through the preview).
    Undo,
    /// Leave the browser.
    Quit,
    /// Move a page up.
    PageUp,
    /// Move a page down.
    PageDown,
    /// Move half a page up.
    HalfPageUp,
    /// Move half a page down.
    HalfPageDown,
    /// Go to the first row.
    Top,
    /// Go to the last row.
    Bottom,
    /// Go to the next row that matches the filter or search.
    NextMatch,
    /// Go to the previous row that matches the filter or search.
    PrevMatch,
    /// Sort the users table by the next column.
    Sort,
    /// Reverse the sort.
    SortReverse,
    /// Copy an id, username, email or value (never a hidden one).
    Yank,
    /// Edit the create or replace JSON in `$EDITOR`.
    ExternalEdit,
    /// Collapse or expand an audit group.
    Collapse,
    /// Jump to the next audit group.
    NextGroup,
    /// Jump to the previous audit group.
    PrevGroup,
    /// Show one kind of audit finding, then the next, then all.
    KindFilter,
}

/// Pairs of actions that may share a key: the screen decides which one a key means.
pub const SHARED_KEYS: [(Action, Action); 1] = [(Action::NextMatch, Action::Create)];

impl Action {
    /// Every action, in help order.
    pub const ALL: [Action; 36] = [
        Self::Up,
        Self::Down,
        Self::NextPane,
        Self::PrevPane,
        Self::Open,
        Self::Back,
        Self::Filter,
        Self::Command,
        Self::Help,
        Self::Edit,
        Self::Update,
        Self::Replace,
        Self::Create,
        Self::Delete,
        Self::Audit,
        Self::Person,
        Self::Raw,
        Self::Refresh,
        Self::Undo,
        Self::Quit,
        Self::PageUp,
        Self::PageDown,
        Self::HalfPageUp,
        Self::HalfPageDown,
        Self::Top,
        Self::Bottom,
        Self::NextMatch,
        Self::PrevMatch,
        Self::Sort,
        Self::SortReverse,
        Self::Yank,
        Self::ExternalEdit,
        Self::Collapse,
        Self::NextGroup,
        Self::PrevGroup,
        Self::KindFilter,
    ];

    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::NextPane => "next_pane",
            Self::PrevPane => "prev_pane",
            Self::Open => "open",
            Self::Back => "back",
            Self::Filter => "filter",
            Self::Command => "command",
            Self::Help => "help",
            Self::Edit => "edit",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Create => "create",
            Self::Delete => "delete",
            Self::Audit => "audit",
            Self::Person => "person",
            Self::Raw => "raw",
            Self::Refresh => "refresh",
            Self::Undo => "undo",
            Self::Quit => "quit",
            Self::PageUp => "page_up",
            Self::PageDown => "page_down",
            Self::HalfPageUp => "half_page_up",
            Self::HalfPageDown => "half_page_down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::NextMatch => "next_match",
            Self::PrevMatch => "prev_match",
            Self::Sort => "sort",
            Self::SortReverse => "sort_reverse",
            Self::Yank => "yank",
            Self::ExternalEdit => "external_edit",
            Self::Collapse => "collapse",
            Self::NextGroup => "next_group",
            Self::PrevGroup => "prev_group",
            Self::KindFilter => "kind_filter",
        }
    }

    /// What the action does, for help and the status line.
    pub fn description(self) -> &'static str {
        match self {
            Self::Up => "move up",
            Self::Down => "move down",
            Self::NextPane => "next pane",
            Self::PrevPane => "previous pane",
            Self::Open => "open",
            Self::Back => "back / close",
            Self::Filter => "filter",
            Self::Command => "command line",
            Self::Help => "help",
            Self::Edit => "edit attribute",
            Self::Update => "update user",
            Self::Replace => "replace resource",
            Self::Create => "create user",
            Self::Delete => "delete value",
            Self::Audit => "audit",
            Self::Person => "person view",
            Self::Raw => "raw JSON",
            Self::Refresh => "refresh",
            Self::Undo => "undo last write",
            Self::Quit => "quit",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::HalfPageUp => "half page up",
            Self::HalfPageDown => "half page down",
            Self::Top => "first",
            Self::Bottom => "last",
            Self::NextMatch => "next match",
            Self::PrevMatch => "previous match",
            Self::Sort => "sort by column",
            Self::SortReverse => "reverse sort",
            Self::Yank => "copy",
            Self::ExternalEdit => "JSON in $EDITOR",
            Self::Collapse => "fold group",
            Self::NextGroup => "next group",
            Self::PrevGroup => "previous group",
            Self::KindFilter => "kind filter",
        }
    }

    /// A shorter description for the status line, where room is scarce.
    pub fn hint(self) -> &'static str {
        match self {
            Self::Edit => "edit",
            Self::Update => "update",
            Self::Replace => "replace",
            Self::Create => "create",
            Self::Delete => "delete",
            Self::Person => "person",
            Self::Raw => "raw",
            Self::Undo => "undo",
            Self::Sort => "sort",
            Self::SortReverse => "reverse",
            Self::ExternalEdit => "$EDITOR",
            Self::Down => "down",
            Self::NextPane => "pane",
            Self::Command => "command",
            Self::Back => "back",
            Self::PageDown => "page",
            Self::Collapse => "fold",
            Self::NextGroup | Self::PrevGroup => "group",
            Self::KindFilter => "kind",
            other => other.description(),
        }
    }

    fn default_keys(self) -> &'static [&'static str] {
        match self {
            Self::Up => &["Up", "k"],
            Self::Down => &["Down", "j"],
            Self::NextPane => &["Tab"],
            Self::PrevPane => &["Shift-Tab"],
            Self::Open => &["Enter"],
            Self::Back => &["Esc"],
            Self::Filter => &["/"],
            Self::Command => &[":"],
            Self::Help => &["?"],
            Self::Edit => &["e"],
            Self::Update => &["u"],
            Self::Replace => &["R"],
            Self::Create => &["n"],
            Self::Delete => &["d"],
            Self::Audit => &["a"],
            Self::Person => &["p"],
            Self::Raw => &["v"],
            Self::Refresh => &["r"],
            Self::Undo => &["z"],
            Self::Quit => &["q"],
            Self::PageUp => &["PageUp"],
            Self::PageDown => &["PageDown"],
            Self::HalfPageUp => &["Ctrl-u"],
            Self::HalfPageDown => &["Ctrl-d"],
            Self::Top => &["Home", "g"],
            Self::Bottom => &["End", "G"],
            Self::NextMatch => &["n"],
            Self::PrevMatch => &["N"],
            Self::Sort => &["s"],
            Self::SortReverse => &["S"],
            Self::Yank => &["y"],
            Self::ExternalEdit => &["E"],
            Self::Collapse => &["Space"],
            Self::NextGroup => &["]"],
            Self::PrevGroup => &["["],
            Self::KindFilter => &["f"],
        }
    }

    /// True for the actions that write (never offered on a read-only connection).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Self::Edit | Self::Update | Self::Replace | Self::Create | Self::Delete | Self::Undo
        )
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// One key with its modifiers, compared the way terminals report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeySpec {
    code: KeyCode,
    modifiers: KeyModifiers,
}

impl KeySpec {
    /// Reads a key as written in the config: `x`, `A`, `Enter`, `Shift-Tab`, `Ctrl-c`, `F5`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.chars().count() > 1 && lower.starts_with("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = &rest[5..];
            } else if rest.chars().count() > 1 && lower.starts_with("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = &rest[4..];
            } else if rest.chars().count() > 1 && lower.starts_with("shift-") {
                modifiers |= KeyModifiers::SHIFT;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                    modifiers -= KeyModifiers::SHIFT;
                    KeyCode::BackTab
                }
                "tab" => KeyCode::Tab,
                "backtab" => KeyCode::BackTab,
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "delete" | "del" => KeyCode::Delete,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                f if f.starts_with('f') => KeyCode::F(f[1..].parse().ok().filter(|n| *n >= 1)?),
                _ => return None,
            },
        };
        Some(Self { code, modifiers }.normalized())
    }

    /// The spec for a key event as a terminal reports it.
    pub fn from_event(event: &KeyEvent) -> Self {
        Self {
            code: event.code,
            modifiers: event.modifiers,
        }
        .normalized()
    }

    /// Shift is implied by the character itself (`A`, `?`, `:`), so it is not part of the match.
    fn normalized(mut self) -> Self {
        if let KeyCode::Char(_) | KeyCode::BackTab = self.code {
            self.modifiers -= KeyModifiers::SHIFT;
        }
        self
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.modifiers.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other}"),
        }
    }
}

/// A `[keys]` entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[keys] {0}")]
pub struct KeyMapError(pub String);

/// Which keys trigger which action.
#[derive(Debug, Clone)]
pub struct KeyMap {
    bindings: Vec<(Action, Vec<KeySpec>)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        let bindings = Action::ALL
            .into_iter()
            .map(|action| {
                let keys = action
                    .default_keys()
                    .iter()
                    .filter_map(|k| KeySpec::parse(k))
                    .collect();
                (action, keys)
            })
            .collect();
        Self { bindings }
    }
}

impl KeyMap {
    /// The defaults with the config's `[keys]` entries applied.
    pub fn from_config(table: &toml::Table) -> Result<Self, KeyMapError> {
        let mut map = Self::default();
        for (name, value) in table {
            let action = Action::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                KeyMapError(format!(
                    "unknown action `{name}` (known: {})",
                    known.join(", ")
                ))
            })?;
            let texts: Vec<&str> = match value {
                toml::Value::String(text) => vec![text.as_str()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|item| {
                        item.as_str().ok_or_else(|| {
                            KeyMapError(format!("`{name}`: every key must be a string"))
                        })
                    })
                    .collect::<Result<_, _>>()?,
                _ => {
                    return Err(KeyMapError(format!(
                        "`{name}`: expected a key like \"x\" or a list of keys"
                    )));
                }
            };
            if texts.is_empty() {
                return Err(KeyMapError(format!("`{name}`: no key given")));
            }
            let keys = texts
                .iter()
                .map(|text| {
                    KeySpec::parse(text).ok_or_else(|| {
                        KeyMapError(format!("`{name}`: cannot read the key `{text}`"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(slot) = map.bindings.iter_mut().find(|(a, _)| *a == action) {
                slot.1 = keys;
            }
        }
        map.check_conflicts()?;
        Ok(map)
    }

    fn check_conflicts(&self) -> Result<(), KeyMapError> {
        for (i, (action, keys)) in self.bindings.iter().enumerate() {
            for key in keys {
                if let Some((other, _)) = self.bindings[i + 1..].iter().find(|(other, keys)| {
                    keys.contains(key)
                        && !SHARED_KEYS
                            .iter()
                            .any(|pair| *pair == (*action, *other) || *pair == (*other, *action))
                }) {
                    return Err(KeyMapError(format!(
                        "the key `{key}` is bound to both `{}` and `{}`",
                        action.name(),
                        other.name()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The action a key event triggers, if any (the first, for a key in [`SHARED_KEYS`]).
    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.actions(event).next()
    }

    /// Every action bound to a key event (two only for a pair in [`SHARED_KEYS`]).
    pub fn actions(&self, event: &KeyEvent) -> impl Iterator<Item = Action> + '_ {
        let spec = KeySpec::from_event(event);
        self.bindings
            .iter()
            .filter(move |(_, keys)| keys.contains(&spec))
            .map(|(action, _)| *action)
    }

    /// The keys of an action as shown to people (`k/Up`).
    pub fn keys_of(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .map(|(_, keys)| {
                keys.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }

    /// The shortest key of an action, for the status line (`j` rather than `Down`).
    pub fn short_key(&self, action: Action) -> String {
        self.bindings
            .iter()
            .find(|(a, _)| *a == action)
            .and_then(|(_, keys)| keys.iter().map(ToString::to_string).min_by_key(String::len))
            .unwrap_or_default()
    }

    /// Every action with its keys and description, in help order.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        self.help_for(&Action::ALL)
    }

    /// These actions with their keys and descriptions, in the order given.
    pub fn help_for(&self, actions: &[Action]) -> Vec<(String, &'static str)> {
        actions
            .iter()
            .map(|action| (self.keys_of(*action), action.description()))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_follow_the_product_spec() {
        let map = KeyMap::default();
        let plain = |c| key(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(map.action(&plain('j')), Some(Action::Down));
        assert_eq!(map.action(&plain('k')), Some(Action::Up));
        assert_eq!(
            map.action(&key(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Replace)
        );
        assert_eq!(
            map.action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PrevPane)
        );
        assert_eq!(
            map.action(&key(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(map.action(&plain('x')), None);
        assert_eq!(map.keys_of(Action::Up), "Up/k");
    }

    #[test]
    fn config_entries_replace_defaults() {
        let table: toml::Table = toml::from_str("quit = \"x\"\naudit = [\"A\", \"F2\"]").unwrap();
        let map = KeyMap::from_config(&table).unwrap();
        let plain = |c| key(KeyCode::Char(c), KeyModifiers::NONE);
        assert_eq!(map.action(&plain('x')), Some(Action::Quit));
        assert_eq!(map.action(&plain('q')), None);
        assert_eq!(map.action(&plain('A')), Some(Action::Audit));
        assert_eq!(
            map.action(&key(KeyCode::F(2), KeyModifiers::NONE)),
            Some(Action::Audit)
        );
        assert_eq!(map.action(&plain('a')), None);
    }

    #[test]
    fn bad_entries_name_the_key() {
        let error = |text: &str| {
            KeyMap::from_config(&toml::from_str(text).unwrap())
                .unwrap_err()
                .to_string()
        };
        assert!(error("quitt = \"x\"").contains("unknown action `quitt`"));
        assert!(error("quit = \"Hyper-x\"").contains("`quit`: cannot read the key `Hyper-x`"));
        assert!(error("quit = 3").contains("`quit`"));
        assert!(error("quit = \"j\"").contains("`j` is bound to both `down` and `quit`"));
    }

    #[test]
    fn modifiers_are_parsed() {
        let spec = KeySpec::parse("Ctrl-c").unwrap();
        assert_eq!(
            spec,
            KeySpec::from_event(&key(KeyCode::Char('c'), KeyModifiers::CONTROL))
        );
        assert_eq!(spec.to_string(), "Ctrl-c");
        assert_eq!(KeySpec::parse("F0"), None);
    }
}
