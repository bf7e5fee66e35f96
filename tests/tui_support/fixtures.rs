//! The browser state fixtures shared by the pure update tests: two connections (the second one
//! failed to open), the first listed with 30 users, and keys sent through the update function.
#![allow(clippy::unwrap_used, dead_code)]

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use roster::app::keymap::KeyMap;
use roster::app::msg::{Effect, Msg};
use roster::app::state::{ConnStatus, ConnectionState, DetailState, Focus, State};
use roster::app::update::{start, update};
use roster::domain::{Attribute, ServiceKind, UserRecord, UserSummary};
use roster::service::{Capabilities, UsersPage};

pub const CAPABILITIES: Capabilities = Capabilities {
    attributes: true,
    multi_valued_attributes: false,
    update: true,
    replace: false,
    create: true,
};

pub fn summary(id: &str) -> UserSummary {
    UserSummary {
        id: id.to_owned(),
        username: Some(format!("user{id}@example.com")),
        display_name: Some(format!("User {id}")),
        email: Some(format!("user{id}@example.com")),
        active: true,
    }
}

pub fn connection(name: &str, open: bool) -> ConnectionState {
    ConnectionState {
        name: name.to_owned(),
        kind: ServiceKind::Looker,
        server: None,
        read_only: false,
        capabilities: open.then_some(CAPABILITIES),
        status: if open {
            ConnStatus::Connecting
        } else {
            ConnStatus::Failed("bad url".to_owned())
        },
        users: Vec::new(),
        total: None,
        request: None,
    }
}

pub fn record(id: &str) -> UserRecord {
    UserRecord {
        connection: "a".to_owned(),
        kind: ServiceKind::Looker,
        id: id.to_owned(),
        username: Some(format!("user{id}@example.com")),
        display_name: Some(format!("User {id}")),
        email: Some(format!("user{id}@example.com")),
        active: true,
        attributes: vec![Attribute::single(
            "region",
            "Region",
            vec!["EMEA".into()],
            "User",
        )],
        groups: Vec::new(),
        raw: serde_json::json!({"first_name": "User", "email": format!("user{id}@example.com")}),
    }
}

pub fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    update(
        state,
        Msg::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))),
    )
}

/// Two connections (the second failed to open), the first listed with 30 users.
pub fn loaded() -> State {
    let mut state = State::new(
        KeyMap::default(),
        vec![connection("a", true), connection("b", false)],
    );
    let effects = start(&mut state);
    let [Effect::LoadUsers { conn: 0, request }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let request = *request;
    update(
        &mut state,
        Msg::UsersPage {
            conn: 0,
            request,
            page: UsersPage {
                users: (1..=30).map(|i| summary(&i.to_string())).collect(),
                total: Some(30),
                duplicates_removed: 0,
            },
        },
    );
    update(
        &mut state,
        Msg::UsersListed {
            conn: 0,
            request,
            result: Ok(()),
        },
    );
    state
}

pub fn opened(state: &mut State, id: &str) {
    state.detail = Some(DetailState {
        record: Some(Box::new(record(id))),
        ..DetailState::new(0, id.to_owned())
    });
    state.focus = Focus::Detail;
}

pub fn ctrl(state: &mut State, c: char) -> Vec<Effect> {
    update(
        state,
        Msg::Input(Event::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        ))),
    )
}

pub fn typed(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}
