//! The browser under `NO_COLOR=1`: the real loop on a `TestBackend` with the theme `roster`
//! chooses for it, against the simulator and a connection that cannot be reached. No cell may
//! carry a colour, and focus, selection, winners, losers, badges and errors must still be marked
//! by modifiers; the snapshot records the text with every styled run.
#![allow(clippy::unwrap_used)]

mod tui_support;

use std::ffi::OsStr;

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use roster::app::App;
use roster::cli::ColorChoice;
use roster::simulator::SimOptions;
use roster::view::Theme;
use tui_support::{Harness, buffer_text, closed_port_session, simulator_sessions};

/// The screen as text, then each run of cells sharing non-default modifiers as
/// `row x..end MODIFIERS "text"`.
fn styled_text(buffer: &Buffer) -> String {
    let mut text = buffer_text(buffer);
    text.push_str("--- styled runs ---\n");
    let area = buffer.area;
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let modifier = buffer[(x, y)].modifier;
            let start = x;
            let mut run = String::new();
            while x < area.width && buffer[(x, y)].modifier == modifier {
                run.push_str(buffer[(x, y)].symbol());
                x += 1;
            }
            if !modifier.is_empty() {
                text.push_str(&format!(
                    "{y:>2} {start:>3}..{x:<3} {modifier:?} {:?}\n",
                    run.trim_end()
                ));
            }
        }
    }
    text
}

/// The text with the closed port's number replaced (it changes on every run).
fn without_port(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        let (before, after) = rest.split_at(at + "127.0.0.1:".len());
        out.push_str(before);
        out.push_str("PORT");
        rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    out.push_str(rest);
    out
}

fn colours(buffer: &Buffer) -> Vec<(u16, u16, Color, Color)> {
    let area = buffer.area;
    let mut found = Vec::new();
    for y in 0..area.height {
        for x in 0..area.width {
            let cell = &buffer[(x, y)];
            if cell.fg != Color::Reset || cell.bg != Color::Reset {
                found.push((x, y, cell.fg, cell.bg));
            }
        }
    }
    found
}

fn modifiers(buffer: &Buffer, row_containing: &str) -> Modifier {
    let text = buffer_text(buffer);
    let y = text
        .lines()
        .position(|l| l.contains(row_containing))
        .unwrap_or_else(|| panic!("no row with {row_containing}:\n{text}"));
    (0..buffer.area.width).fold(Modifier::empty(), |all, x| {
        all | buffer[(x, y as u16)].modifier
    })
}

#[tokio::test]
async fn no_color_draws_without_colour_and_still_marks_everything() {
    let colours_on = ColorChoice::Auto.browser_colors(Some(OsStr::new("1")));
    assert!(!colours_on, "NO_COLOR=1 turns colour off");
    let sim = roster::simulator::start(&SimOptions::default())
        .await
        .unwrap();
    let mut sessions = simulator_sessions(&sim, &["looker"]);
    sessions.push(closed_port_session("offline").await);
    let app = App::new(sessions, &toml::Table::new())
        .unwrap()
        .with_theme(Theme::new(colours_on, &[]));
    let mut h = Harness::start(app, 120, 48);
    h.wait_for("both connections settled", |s| {
        s.contains("looker (looker)") && s.contains("ready,") && s.contains("error:")
    })
    .await;
    h.char(':');
    h.type_text("conn looker");
    h.key(KeyCode::Enter);
    h.char('/');
    h.type_text("priya");
    h.wait_text(" 1 match").await;
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    h.wait_for("the detail with its precedence", |s| {
        s.contains("attributes ──") && s.contains("▶ email")
    })
    .await;
    // The detail takes focus on the second Enter; its selected row is then reversed.
    let deadline = std::time::Instant::now() + tui_support::WAIT;
    let buffer = loop {
        let buffer = h.backend.buffer();
        if modifiers(&buffer, "▶ email").contains(Modifier::REVERSED) {
            break buffer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the selection is never reversed:\n{}",
            styled_text(&buffer)
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(colours(&buffer), [], "a colour under NO_COLOR");
    assert!(modifiers(&buffer, "error:").contains(Modifier::BOLD | Modifier::UNDERLINED));
    insta::assert_snapshot!("no_color_detail", without_port(&styled_text(&buffer)));
    h.char('q');
    h.ended().await.unwrap();
}
