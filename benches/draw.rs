//! Drawing the browse screen with the users table focused, at 1,000 and 100,000 loaded users, on a
//! 160×45 `TestBackend` (product.md §5: drawing cost independent of the list length). The view
//! must build only the rows it shows, so the 1k and 100k figures should be about equal, also with
//! a filter active (highlights) and with the selection in the middle of the list.
//!
//! `keystroke_100k` measures what one key costs in the real path, the update function and then a
//! draw, as the loop runs them (the frame budget is 16 ms): a move, a page, a filter keystroke
//! that extends the query, one that shortens it (from scratch), and a sort. Measures only.

mod support;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use roster::app::keymap::KeyMap;
use roster::app::msg::Msg;
use roster::app::state::{ConnStatus, ConnectionState, Focus, State};
use roster::app::update::update;
use roster::domain::ServiceKind;
use roster::service::Capabilities;
use std::time::{Duration, Instant};

const SIZE: (u16, u16) = (160, 45);

/// The browser on one ready Looker connection of `rows` users, users table focused.
fn state(rows: usize) -> State {
    let connection = ConnectionState {
        name: "looker".to_owned(),
        kind: ServiceKind::Looker,
        server: None,
        read_only: false,
        capabilities: Some(Capabilities {
            attributes: true,
            multi_valued_attributes: false,
            update: true,
            replace: false,
            create: true,
        }),
        status: ConnStatus::Ready,
        users: support::users(rows),
        total: Some(rows),
        request: None,
    };
    let mut state = State::new(KeyMap::default(), vec![connection]);
    state.size = SIZE;
    state.refilter();
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Users, "Tab focuses the users table");
    state
}

fn key(state: &mut State, code: KeyCode) {
    let _ = update(
        state,
        Msg::Input(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))),
    );
}

fn draw(c: &mut Criterion) {
    let mut group = c.benchmark_group("draw_users_table");
    for rows in [1_000, 100_000] {
        let label = rows / 1_000;
        let plain = state(rows);
        let mut middle = state(rows);
        middle.users.selected = rows / 2;
        middle.keep_visible();
        let mut filtered = state(rows);
        key(&mut filtered, KeyCode::Char('/'));
        for c in "lov".chars() {
            key(&mut filtered, KeyCode::Char(c));
        }
        assert!(
            !filtered.users.visible.is_empty(),
            "the filter matches rows"
        );
        for (name, state) in [
            ("top", &plain),
            ("middle", &middle),
            ("filtered", &filtered),
        ] {
            let Ok(mut terminal) = Terminal::new(TestBackend::new(SIZE.0, SIZE.1));
            group.bench_function(format!("{label}k_rows_{name}"), |b| {
                b.iter(|| {
                    terminal
                        .draw(|frame| roster::view::draw(frame, state))
                        .is_ok()
                });
            });
        }
    }
    group.finish();
}

/// One key through `update` and a draw, from a state prepared by `setup` (cloned per iteration).
fn keystroke(c: &mut Criterion) {
    let mut group = c.benchmark_group("keystroke_100k");
    let rows = 100_000;
    let base = state(rows);
    let mut typed = state(rows);
    key(&mut typed, KeyCode::Char('/'));
    key(&mut typed, KeyCode::Char('l'));
    let cases: [(&str, &State, KeyCode); 6] = [
        ("down", &base, KeyCode::Char('j')),
        ("page_down", &base, KeyCode::PageDown),
        ("bottom", &base, KeyCode::Char('G')),
        ("filter_l_to_lo", &typed, KeyCode::Char('o')),
        ("filter_backspace", &typed, KeyCode::Backspace),
        ("sort", &base, KeyCode::Char('s')),
    ];
    for (name, start, code) in cases {
        let Ok(mut terminal) = Terminal::new(TestBackend::new(SIZE.0, SIZE.1));
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || start.clone(),
                |state| {
                    key(state, code);
                    terminal
                        .draw(|frame| roster::view::draw(frame, state))
                        .is_ok()
                },
                criterion::BatchSize::LargeInput,
            );
        });
    }
    // The same filter keystroke on one state kept between iterations, as the loop has it: the
    // state is not cloned before each key (a clone leaves the caches cold), and each timed `o`
    // follows an untimed Backspace that brings the query from "lo" back to "l".
    let Ok(mut terminal) = Terminal::new(TestBackend::new(SIZE.0, SIZE.1));
    let mut state = typed.clone();
    key(&mut state, KeyCode::Char('o'));
    group.bench_function("filter_l_to_lo_in_place", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                key(&mut state, KeyCode::Backspace);
                let _ = terminal.draw(|frame| roster::view::draw(frame, &state));
                let start = Instant::now();
                key(&mut state, KeyCode::Char('o'));
                let _ = terminal.draw(|frame| roster::view::draw(frame, &state));
                spent += start.elapsed();
            }
            spent
        });
    });
    group.finish();
}

criterion_group!(benches, draw, keystroke);
criterion_main!(benches);
