//! The person view in the update function: looking the selected person up on every connection,
//! and the lookups' replies. No I/O.

use crossterm::event::{KeyEvent, MouseEvent, MouseEventKind};

use super::{Typed, audit, page_rows, type_into};
use crate::app::keymap::Action;
use crate::app::motion::Motion;
use crate::app::msg::{Effect, PersonLookup, RequestId};
use crate::app::person::{MatchKey, PersonCell, PersonColumn, PersonState, locate};
use crate::app::state::{ConnStatus, Screen, State};
use crate::domain::UserRecord;
use crate::service::ServiceError;

/// Who the person view is about: the user whose detail is shown, else the selected row.
struct Person {
    id: String,
    email: Option<String>,
    username: Option<String>,
    display_name: Option<String>,
}

/// Opens the person view for the user whose detail is shown (or the selected user).
pub fn open(state: &mut State) -> Vec<Effect> {
    let from_detail = state.shown_detail().and_then(|detail| {
        let row = state
            .connection()?
            .users
            .iter()
            .find(|u| u.id == detail.user_id)
            .cloned();
        let summary = detail.record.as_ref().map(|r| r.summary()).or(row)?;
        Some(summary)
    });
    let Some(user) = from_detail.or_else(|| state.selected_user().cloned()) else {
        return state.toast("select a user first".to_owned(), true);
    };
    let person = Person {
        id: user.id,
        email: user.email,
        username: user.username,
        display_name: user.display_name,
    };
    run(state, state.selected_conn, person)
}

fn run(state: &mut State, source: usize, person: Person) -> Vec<Effect> {
    let request = state.next_id();
    let mut columns = Vec::new();
    let mut lookups = Vec::new();
    for (conn, c) in state.connections.iter().enumerate() {
        let mut matched = None;
        let cell = if c.capabilities.is_none() {
            PersonCell::Failed(match &c.status {
                ConnStatus::Failed(why) => why.clone(),
                _ => "not open".to_owned(),
            })
        } else if conn == source {
            lookups.push((conn, PersonLookup::Read(person.id.clone())));
            matched = Some(MatchKey::Selected);
            PersonCell::Pending
        } else if let Some((index, key)) = locate(
            &c.users,
            person.email.as_deref(),
            person.username.as_deref(),
            person.display_name.as_deref(),
        ) {
            lookups.push((conn, PersonLookup::Read(c.users[index].id.clone())));
            matched = Some(key);
            PersonCell::Pending
        } else if c.complete() {
            PersonCell::Missing
        } else {
            let keys = person
                .email
                .iter()
                .chain(person.username.iter())
                .cloned()
                .collect();
            lookups.push((conn, PersonLookup::Find(keys)));
            PersonCell::Pending
        };
        columns.push(PersonColumn {
            conn,
            name: c.name.clone(),
            cell,
            matched,
        });
    }
    let who = person.email.or(person.username).unwrap_or(person.id);
    state.screen = Screen::Person(Box::new(PersonState::new(request, who, columns)));
    vec![Effect::FindPerson { request, lookups }]
}

/// A person lookup on one connection ended.
pub fn person_found(
    state: &mut State,
    request: RequestId,
    conn: usize,
    result: Result<Option<Box<UserRecord>>, ServiceError>,
) {
    let Screen::Person(person) = &mut state.screen else {
        return;
    };
    if person.request != request {
        return;
    }
    let who = person.who.to_lowercase();
    if let Some(column) = person.columns.iter_mut().find(|c| c.conn == conn) {
        column.cell = match result {
            Ok(Some(record)) => {
                if column.matched.is_none() {
                    let same = |v: &Option<String>| {
                        v.as_deref().map(str::to_lowercase) == Some(who.clone())
                    };
                    column.matched = Some(if same(&record.email) {
                        MatchKey::Email
                    } else {
                        MatchKey::Username
                    });
                }
                PersonCell::Found(record)
            }
            Ok(None) => PersonCell::Missing,
            Err(error) => PersonCell::Failed(error.to_string()),
        };
    }
}

/// Keys in the person view: move or page through the rows, filter them, look again, go back.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    let page = page_rows(state);
    let Screen::Person(person) = &mut state.screen else {
        return Vec::new();
    };
    if let Some(motion) = Motion::of(action) {
        let rows = person.rows().0.len();
        person.offset = motion.target(person.offset, rows, page);
        return Vec::new();
    }
    match action {
        Action::Filter => person.filtering = true,
        Action::Back if !person.filter.is_empty() => {
            person.filter.clear();
            person.offset = 0;
        }
        Action::Back => state.screen = Screen::Browse,
        Action::Refresh => return open(state),
        Action::Audit => return audit::open(state, false),
        _ => {}
    }
    Vec::new()
}

/// Typing the person view's filter.
pub fn filter_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Screen::Person(person) = &mut state.screen {
        match type_into(&mut person.filter, &key) {
            Typed::Changed => person.offset = 0,
            Typed::Kept | Typed::Cleared => person.filtering = false,
            Typed::Moved(delta) => person.offset = person.offset.saturating_add_signed(delta),
            Typed::Ignored => {}
        }
    }
    Vec::new()
}

/// The wheel scrolls the person view.
pub fn mouse(state: &mut State, mouse: MouseEvent) {
    if let Screen::Person(person) = &mut state.screen {
        match mouse.kind {
            MouseEventKind::ScrollDown => person.offset += 1,
            MouseEventKind::ScrollUp => person.offset = person.offset.saturating_sub(1),
            _ => {}
        }
    }
}
