//! The copy menu (`y`) in the update function: what can be copied where the user is, and the
//! key that copies it. A hidden value is never offered. No I/O: copying is an effect.

use crossterm::event::{KeyCode, KeyEvent};

use crate::app::audit::AuditLine;
use crate::app::msg::Effect;
use crate::app::state::{Dialog, Focus, Screen, State};
use crate::app::yank::YankMenu;

/// `y`: opens the copy menu for the selected row, attribute or finding.
pub fn open(state: &mut State) -> Vec<Effect> {
    let menu = match &state.screen {
        Screen::Audit(audit) => match audit.selected_line() {
            AuditLine::Row(index) => audit.rows.get(index).map(|row| {
                let f = &row.finding;
                let user = f.user.clone().unwrap_or_default();
                YankMenu::new([
                    ('u', format!("user {user}"), Some(user.clone())),
                    ('i', format!("id of {user}"), Some(row.user_id.clone())),
                    ('a', "attribute name".to_owned(), Some(f.attribute.clone())),
                    ('d', "finding detail".to_owned(), Some(f.detail.clone())),
                ])
            }),
            AuditLine::Summary(index) => {
                let attribute = audit.summary(index).attribute.clone();
                Some(YankMenu::new([(
                    'a',
                    "attribute name".to_owned(),
                    Some(attribute),
                )]))
            }
            AuditLine::Header(..) => None,
        },
        Screen::Person(person) => Some(YankMenu::new([(
            'w',
            "who is compared".to_owned(),
            Some(person.who.clone()),
        )])),
        Screen::Browse => browse_menu(state),
    };
    match menu.filter(|m| !m.choices.is_empty()) {
        Some(menu) => {
            state.dialog = Some(Dialog::Yank(menu));
            Vec::new()
        }
        None => state.toast("nothing to copy here".to_owned(), true),
    }
}

/// On the browse screen: the selected attribute's value (never a hidden one) in the detail pane,
/// then the user's id, username and email.
fn browse_menu(state: &State) -> Option<YankMenu> {
    let mut entries = Vec::new();
    let detail = state
        .shown_detail()
        .filter(|_| state.focus == Focus::Detail);
    if let Some(attribute) = detail
        .and_then(|d| d.record.as_ref()?.attributes.get(d.selected))
        .filter(|a| !a.hidden && a.is_set())
    {
        entries.push((
            'v',
            format!("value of {}", attribute.name),
            Some(attribute.display_value()),
        ));
        entries.push((
            'a',
            "attribute name".to_owned(),
            Some(attribute.name.clone()),
        ));
    }
    let user = match detail.and_then(|d| d.record.as_ref()) {
        Some(record) => record.summary(),
        None => state.selected_user()?.clone(),
    };
    let name = user.username.clone().unwrap_or_else(|| user.id.clone());
    entries.push(('i', format!("id of {name}"), Some(user.id.clone())));
    entries.push(('u', format!("username of {name}"), user.username.clone()));
    entries.push(('e', format!("email of {name}"), user.email.clone()));
    entries.push(('n', format!("name of {name}"), user.display_name.clone()));
    Some(YankMenu::new(entries))
}

/// A key in the copy menu: a choice's key copies it; anything else closes the menu.
pub fn key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(Dialog::Yank(menu)) = state.dialog.take() else {
        return Vec::new();
    };
    let KeyCode::Char(pressed) = key.code else {
        return Vec::new();
    };
    match menu.choices.into_iter().find(|c| c.key == pressed) {
        Some(choice) => vec![Effect::Copy {
            what: choice.label,
            text: choice.text,
        }],
        None => Vec::new(),
    }
}
