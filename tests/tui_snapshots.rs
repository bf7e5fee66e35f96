//! Every browser screen drawn on a fixed-size `TestBackend` (80×24 and 160×45) and compared with
//! a reviewed insta snapshot. The state is built from fixed data and driven by the update
//! function, so the snapshots hold no wall-clock text and no service dependence.
#![allow(clippy::unwrap_used)]

mod tui_support;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use reqwest::Method;
use roster::app::audit::AuditState;
use roster::app::editor::EditorState;
use roster::app::keymap::KeyMap;
use roster::app::msg::Msg;
use roster::app::person::{MatchKey, PersonCell, PersonColumn, PersonState};
use roster::app::state::{
    ConnStatus, ConnectionState, DetailState, Dialog, Focus, PreviewState, Screen, State,
};
use roster::app::update::update;
use roster::domain::attribute::AttributeMeta;
use roster::domain::audit::audit_user;
use roster::domain::precedence::{Unresolved, resolve};
use roster::domain::{Attribute, CandidateKind, FieldChange, ServiceKind, UserRecord, UserSummary};
use roster::service::{Capabilities, PlannedRequest, UsersPage, WritePlan};
use serde_json::json;
use tui_support::buffer_text;

const LOOKER_CAPABILITIES: Capabilities = Capabilities {
    attributes: true,
    multi_valued_attributes: false,
    update: true,
    replace: false,
    create: true,
};

fn user(id: &str, first: &str, last: &str, active: bool) -> UserSummary {
    let email = format!(
        "{}.{}@example.com",
        first.to_lowercase(),
        last.to_lowercase()
    );
    UserSummary {
        id: id.to_owned(),
        username: Some(email.clone()),
        display_name: Some(format!("{first} {last}")),
        email: Some(email),
        active,
    }
}

fn users() -> Vec<UserSummary> {
    vec![
        user("1", "Ada", "Lovelace", true),
        user("2", "Grace", "Hopper", true),
        user("3", "Alan", "Turing", false),
        user("4", "Edsger", "Dijkstra", true),
        user("5", "Barbara", "Liskov", true),
    ]
}

fn connection(name: &str, kind: ServiceKind, status: ConnStatus) -> ConnectionState {
    ConnectionState {
        name: name.to_owned(),
        kind,
        server: None,
        read_only: false,
        capabilities: Some(LOOKER_CAPABILITIES),
        status,
        users: Vec::new(),
        total: None,
        request: None,
    }
}

/// Three connections: Looker ready, Crowd half loaded and read-only, SCIM failed.
fn state() -> State {
    let mut looker = connection("looker", ServiceKind::Looker, ConnStatus::Ready);
    looker.users = users();
    looker.total = Some(5);
    let mut crowd = connection("corp-crowd", ServiceKind::Crowd, ConnStatus::Loading);
    crowd.users = users()[..2].to_vec();
    crowd.total = Some(10);
    crowd.read_only = true;
    let mut scim = connection(
        "atlassian",
        ServiceKind::Scim,
        ConnStatus::Failed(
            "cannot reach http://127.0.0.1:9/scim/Users: connection refused".to_owned(),
        ),
    );
    scim.capabilities = None;
    looker.server = Some("https://example.looker.com".to_owned());
    crowd.server = Some("https://crowd.example.com/crowd".to_owned());
    let mut state = State::new(KeyMap::default(), vec![looker, crowd, scim]);
    state.config_path = Some("~/.config/roster/config.toml".to_owned());
    state.refilter();
    state
}

fn chained(name: &str, chain: Vec<(CandidateKind, &str, Option<i64>, &str)>) -> Attribute {
    let candidates = resolve(
        chain
            .into_iter()
            .map(|(kind, source, rank, value)| Unresolved {
                kind,
                source: source.to_owned(),
                rank,
                values: if value.is_empty() {
                    Vec::new()
                } else {
                    vec![value.to_owned()]
                },
            })
            .collect(),
    );
    let mut attribute = Attribute::single(name, name, Vec::new(), "No Value");
    if let Some(winner) = candidates.first() {
        attribute.values = winner.values.clone();
        attribute.source = winner.source.clone();
        attribute.rank = winner.rank;
    }
    attribute.candidates = if candidates.is_empty() {
        attribute.candidates
    } else {
        candidates
    };
    if !attribute.is_set() || attribute.candidates[0].source == "No Value" {
        attribute.candidates.clear();
    }
    attribute.meta = AttributeMeta {
        definition_id: Some("7".to_owned()),
        ..AttributeMeta::default()
    };
    attribute
}

fn record() -> UserRecord {
    use CandidateKind::{Default, Group, User};
    let mut email = chained(
        "email",
        vec![(User, "System", None, "ada.lovelace@example.com")],
    );
    email.meta.system = true;
    let email = email.locked_because("system attribute: Looker sets it from the user's account");
    let mut region = chained(
        "region",
        vec![
            (Group, "Group: Support", Some(3), "EMEA"),
            (User, "User", None, "APAC"),
            (Default, "Default", None, "GLOBAL"),
            (Group, "Group: Sales", Some(2), "NA"),
        ],
    );
    region.label = "Region".to_owned();
    let mut secret = chained(
        "db_password",
        vec![(User, "User", None, ""), (Group, "Group: Ops", Some(1), "")],
    );
    secret.hidden = true;
    secret.meta.hidden_domain_allowlist = Some("https://*.example.com/*".to_owned());
    let mut team = chained("team", Vec::new());
    team.user_can_edit = false;
    UserRecord {
        connection: "looker".to_owned(),
        kind: ServiceKind::Looker,
        id: "1".to_owned(),
        username: Some("ada.lovelace@example.com".to_owned()),
        display_name: Some("Ada Lovelace".to_owned()),
        email: Some("ada.lovelace@example.com".to_owned()),
        active: true,
        attributes: vec![email, secret, region, team],
        groups: Vec::new(),
        raw: json!({"id": "1", "first_name": "Ada", "last_name": "Lovelace",
                    "email": "ada.lovelace@example.com", "is_disabled": false, "locale": "en"}),
    }
}

fn with_detail(mut state: State) -> State {
    state.detail = Some(DetailState {
        record: Some(Box::new(record())),
        selected: 2,
        ..DetailState::new(0, "1".to_owned())
    });
    state.focus = Focus::Detail;
    state
}

fn key(state: &mut State, code: KeyCode) {
    update(
        state,
        Msg::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))),
    );
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        key(state, KeyCode::Char(c));
    }
}

fn column(conn: usize, name: &str, cell: PersonCell, matched: Option<MatchKey>) -> PersonColumn {
    PersonColumn {
        conn,
        name: name.to_owned(),
        cell,
        matched,
    }
}

/// Draws the state at both sizes and compares each with its snapshot.
/// The screen drawn once at 80×24, as text.
fn screen_80x24(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| roster::view::draw(frame, state))
        .unwrap();
    buffer_text(terminal.backend().buffer())
}

fn snap(name: &str, state: &mut State) {
    for (size, text) in tui_support::drawn_at_snapshot_sizes(state) {
        insta::assert_snapshot!(format!("{name}_{size}"), text);
    }
}

#[test]
fn start_screen_focuses_the_first_connection() {
    let mut state = state();
    snap("start", &mut state);
}

#[test]
fn users_filtered_as_you_type() {
    let mut state = state();
    key(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "gr ho");
    assert_eq!(state.users.visible, [1]);
    snap("users_filtered", &mut state);
}

#[test]
fn users_of_a_loading_read_only_connection() {
    let mut state = state();
    key(&mut state, KeyCode::Down);
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.selected_conn, 1);
    update(
        &mut state,
        Msg::UsersPage {
            conn: 1,
            request: 99,
            page: UsersPage {
                users: Vec::new(),
                total: None,
                duplicates_removed: 0,
            },
        },
    );
    snap("users_loading", &mut state);
}

#[test]
fn detail_shows_the_precedence_chain_and_badges() {
    let mut state = with_detail(state());
    snap("detail", &mut state);
}

#[test]
fn detail_raw_json() {
    let mut state = with_detail(state());
    key(&mut state, KeyCode::Char('v'));
    snap("detail_raw", &mut state);
}

#[test]
fn attribute_editor() {
    let mut state = with_detail(state());
    key(&mut state, KeyCode::Char('e'));
    assert!(matches!(state.dialog, Some(Dialog::Editor(_))));
    snap("editor_attribute", &mut state);
}

#[test]
fn locked_attribute_is_refused_with_its_reason() {
    let mut state = with_detail(state());
    key(&mut state, KeyCode::Char('k'));
    key(&mut state, KeyCode::Char('k'));
    key(&mut state, KeyCode::Char('e'));
    assert!(state.dialog.is_none());
    assert!(
        state.toasts[0]
            .text
            .contains("`email` is locked: system attribute")
    );
    snap("locked_refused", &mut state);
}

#[test]
fn update_form() {
    let mut state = with_detail(state());
    key(&mut state, KeyCode::Char('u'));
    let Some(Dialog::Editor(editor)) = &mut state.dialog else {
        panic!("no editor");
    };
    editor.fields[2].error = Some("email: is already taken".to_owned());
    snap("editor_update", &mut state);
}

#[test]
fn create_form() {
    let mut state = state();
    key(&mut state, KeyCode::Char('n'));
    snap("editor_create", &mut state);
}

#[test]
fn preview_of_a_delete_with_fallback() {
    let mut state = with_detail(state());
    let url =
        url::Url::parse("http://127.0.0.1:4000/looker/api/4.0/users/1/attribute_values/7").unwrap();
    state.dialog = Some(Dialog::Preview(Box::new(PreviewState {
        conn: 0,
        plan: Box::new(WritePlan {
            summary: "remove the user's own `region` for ada.lovelace@example.com on looker"
                .to_owned(),
            changes: vec![FieldChange {
                field: "region".to_owned(),
                before: Some("APAC".to_owned()),
                after: Some("NA".to_owned()),
                note: Some("falls back to Group: Sales (rank 2)".to_owned()),
            }],
            requests: vec![PlannedRequest::new(Method::DELETE, url)],
            auth_scheme: "Bearer",
        }),
        editor: Some(Box::new(EditorState::update(0, &record()))),
        user_id: Some("1".to_owned()),
        edit: roster::domain::Edit::UnsetAttribute {
            name: "region".to_owned(),
        },
        applying: None,
        offset: 0,
    })));
    snap("preview", &mut state);
    key(&mut state, KeyCode::Esc);
    assert!(matches!(state.dialog, Some(Dialog::Editor(_))));
}

#[test]
fn audit_grouped_by_finding() {
    let mut state = state();
    let mut inactive = record();
    inactive.active = false;
    state.screen = Screen::Audit(Box::new(AuditState::new(7, vec![0])));
    update(
        &mut state,
        Msg::AuditSized {
            request: 7,
            conn: 0,
            result: Ok(1),
        },
    );
    update(
        &mut state,
        Msg::AuditRead {
            request: 7,
            conn: 0,
            audits: vec![Ok(audit_user(&inactive))],
            last: true,
        },
    );
    snap("audit", &mut state);
    key(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "region");
    snap("audit_filtered", &mut state);
}

#[test]
fn person_across_connections() {
    let mut state = state();
    let ada = record();
    let mut other = record();
    other.connection = "corp-crowd".to_owned();
    other.id = "ada".to_owned();
    other.username = Some("ada".to_owned());
    other.display_name = Some("Ada King".to_owned());
    other.active = false;
    state.screen = Screen::Person(Box::new(PersonState::new(
        3,
        "ada.lovelace@example.com".to_owned(),
        vec![
            column(
                0,
                "looker",
                PersonCell::Found(Box::new(ada)),
                Some(MatchKey::Selected),
            ),
            column(
                1,
                "corp-crowd",
                PersonCell::Found(Box::new(other)),
                Some(MatchKey::Username),
            ),
            column(2, "atlassian", PersonCell::Missing, None),
        ],
    )));
    snap("person", &mut state);
}

#[test]
fn help_is_generated_from_the_key_map() {
    let mut state = state();
    key(&mut state, KeyCode::Char('?'));
    snap("help", &mut state);
}

/// A terminal too short for the help scrolls it: `G` shows its last lines (the filter syntax),
/// `g` its first, and the title says which lines are shown.
#[test]
fn help_scrolls_where_the_terminal_is_short() {
    let mut state = state();
    state.size = (80, 24);
    key(&mut state, KeyCode::Char('?'));
    key(&mut state, KeyCode::Char('G'));
    snap("help_scrolled", &mut state);
    // The keys below act on an 80×24 terminal (the snapshot left the state at its last size).
    state.size = (80, 24);
    let bottom = screen_80x24(&state);
    assert!(bottom.contains("Filter: words all match"), "{bottom}");
    assert!(bottom.contains("j/k scroll"), "{bottom}");
    // At the bottom, one `k` scrolls up a line and one `j` comes back (the offset never runs
    // past the last screenful).
    key(&mut state, KeyCode::Char('k'));
    let up_one = screen_80x24(&state);
    assert_ne!(up_one, bottom);
    key(&mut state, KeyCode::Char('j'));
    key(&mut state, KeyCode::Char('j'));
    assert_eq!(screen_80x24(&state), bottom);
    key(&mut state, KeyCode::Char('g'));
    let top = screen_80x24(&state);
    assert!(top.contains("Here (connections):"), "{top}");
    assert!(!top.contains("Filter: words all match"), "{top}");
    key(&mut state, KeyCode::Esc);
    assert!(state.dialog.is_none());
}

#[test]
fn command_line() {
    let mut state = state();
    key(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "conn corp-crowd");
    snap("command", &mut state);
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.selected_conn, 1);
    assert_eq!(state.focus, Focus::Users);
}

#[test]
fn hostile_server_text_is_sanitised() {
    let mut state = state();
    state.connections[0].users[0].display_name =
        Some("Ada\u{1b}[2J\u{1b}]0;owned\u{7} Lovelace".to_owned());
    let text = screen_80x24(&state);
    assert!(text.contains("Ada Lovelace"), "{text}");
    assert!(!text.contains('\u{1b}') && !text.contains("owned"));
}

#[test]
fn users_sorted_by_name_descending() {
    let mut state = state();
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Char('s'));
    key(&mut state, KeyCode::Char('s'));
    key(&mut state, KeyCode::Char('S'));
    snap("users_sorted", &mut state);
}

#[test]
fn detail_says_whose_it_is_while_it_loads() {
    let mut state = state();
    key(&mut state, KeyCode::Tab);
    key(&mut state, KeyCode::Char('j'));
    assert!(state.record().is_none());
    snap("detail_loading", &mut state);
}

#[test]
fn detail_search_marks_matching_attributes() {
    let mut state = with_detail(state());
    key(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "reg");
    snap("detail_search", &mut state);
}

#[test]
fn copy_menu() {
    let mut state = with_detail(state());
    key(&mut state, KeyCode::Char('y'));
    snap("yank", &mut state);
}

#[test]
fn help_lists_the_screen_keys_first() {
    let mut state = with_detail(state());
    key(&mut state, KeyCode::Char('?'));
    snap("help_detail", &mut state);
}

#[test]
fn command_line_completion() {
    let mut state = state();
    key(&mut state, KeyCode::Char(':'));
    type_text(&mut state, "conn ");
    key(&mut state, KeyCode::Tab);
    snap("command_completion", &mut state);
}

#[test]
fn audit_collapsed_and_only_one_kind() {
    let mut state = state();
    let mut inactive = record();
    inactive.active = false;
    state.screen = Screen::Audit(Box::new(AuditState::new(7, vec![0])));
    update(
        &mut state,
        Msg::AuditRead {
            request: 7,
            conn: 0,
            audits: vec![Ok(audit_user(&inactive)), Ok(audit_user(&record()))],
            last: true,
        },
    );
    key(&mut state, KeyCode::Char(' '));
    snap("audit_collapsed", &mut state);
    key(&mut state, KeyCode::Char('f'));
    key(&mut state, KeyCode::Char('f'));
    snap("audit_one_kind", &mut state);
}

#[test]
fn person_filtered() {
    let mut state = state();
    let mut other = record();
    other.connection = "corp-crowd".to_owned();
    other.display_name = Some("Ada King".to_owned());
    state.screen = Screen::Person(Box::new(PersonState::new(
        3,
        "ada.lovelace@example.com".to_owned(),
        vec![
            column(
                0,
                "looker",
                PersonCell::Found(Box::new(record())),
                Some(MatchKey::Selected),
            ),
            column(
                1,
                "corp-crowd",
                PersonCell::Found(Box::new(other)),
                Some(MatchKey::DisplayName),
            ),
        ],
    )));
    key(&mut state, KeyCode::Char('/'));
    type_text(&mut state, "name");
    snap("person_filtered", &mut state);
}
