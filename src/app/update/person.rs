//! The person view in the update function: looking the selected person up on every connection,
//! and the lookups' replies. No I/O.

use super::audit;
use crate::app::keymap::Action;
use crate::app::msg::{Effect, PersonLookup, RequestId};
use crate::app::person::{PersonCell, PersonColumn, PersonState, locate};
use crate::app::state::{ConnStatus, Focus, Screen, State};
use crate::domain::UserRecord;
use crate::service::ServiceError;

/// Opens the person view for the selected user (or the user in the detail pane).
pub fn open(state: &mut State) -> Vec<Effect> {
    let from_detail = state
        .record()
        .filter(|_| state.focus == Focus::Detail)
        .map(|r| (r.id.clone(), r.email.clone(), r.username.clone()));
    let from_list = || {
        state
            .selected_user()
            .map(|u| (u.id.clone(), u.email.clone(), u.username.clone()))
    };
    let Some((id, email, username)) = from_detail.or_else(from_list) else {
        return state.toast("select a user first".to_owned(), true);
    };
    person_run(state, state.selected_conn, id, email, username)
}

fn person_run(
    state: &mut State,
    source: usize,
    id: String,
    email: Option<String>,
    username: Option<String>,
) -> Vec<Effect> {
    let request = state.next_id();
    let mut columns = Vec::new();
    let mut lookups = Vec::new();
    for (conn, c) in state.connections.iter().enumerate() {
        let cell = if c.capabilities.is_none() {
            PersonCell::Failed(match &c.status {
                ConnStatus::Failed(why) => why.clone(),
                _ => "not open".to_owned(),
            })
        } else if conn == source {
            lookups.push((conn, PersonLookup::Read(id.clone())));
            PersonCell::Pending
        } else if let Some(index) = locate(&c.users, email.as_deref(), username.as_deref()) {
            lookups.push((conn, PersonLookup::Read(c.users[index].id.clone())));
            PersonCell::Pending
        } else if c.complete() {
            PersonCell::Missing
        } else {
            let keys = email.iter().chain(username.iter()).cloned().collect();
            lookups.push((conn, PersonLookup::Find(keys)));
            PersonCell::Pending
        };
        columns.push(PersonColumn {
            conn,
            name: c.name.clone(),
            cell,
        });
    }
    let who = email.or(username).unwrap_or(id);
    state.screen = Screen::Person(Box::new(PersonState {
        request,
        who,
        columns,
    }));
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
    if let Some(column) = person.columns.iter_mut().find(|c| c.conn == conn) {
        column.cell = match result {
            Ok(Some(record)) => PersonCell::Found(record),
            Ok(None) => PersonCell::Missing,
            Err(error) => PersonCell::Failed(error.to_string()),
        };
    }
}

/// Keys in the person view: Back returns, Refresh looks again, Open shows the first record.
pub fn action(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Back => state.screen = Screen::Browse,
        Action::Refresh => return open(state),
        Action::Audit => return audit::open(state, false),
        _ => {}
    }
    Vec::new()
}
