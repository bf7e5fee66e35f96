//! The detail pane: every attribute of the user with its value, source, precedence chain and
//! badges (hidden, locked, not user-editable, system), or the record's raw JSON.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, clean, clean_or_dash};
use crate::app::state::{Focus, State};
use crate::domain::{Attribute, Candidate, UserRecord};

/// Draws the detail pane.
pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Focus::Detail;
    let raw = state.detail.as_ref().is_some_and(|d| d.raw);
    let block = Block::bordered()
        .title(if raw {
            " Detail · raw JSON "
        } else {
            " Detail "
        })
        .border_style(theme.border(focused));
    let height = usize::from(area.height.saturating_sub(2));
    let lines = match &state.detail {
        Some(detail) if detail.conn == state.selected_conn => match &detail.record {
            Some(record) if detail.raw => raw_lines(record, detail.offset, height),
            Some(record) => {
                let mut lines = header_lines(record, theme);
                if detail.request.is_some() {
                    lines.push(Line::styled("refreshing…", theme.dim));
                }
                let (body, selected) = attribute_lines(record, detail.selected, focused, theme);
                let room = height.saturating_sub(lines.len()).max(1);
                let start = selected.end.saturating_sub(room).min(selected.start);
                lines.extend(body.into_iter().skip(start));
                lines
            }
            None => match &detail.error {
                Some(error) => vec![Line::styled(
                    format!("cannot read the user: {}", clean(error)),
                    theme.error,
                )],
                None => vec![Line::styled("loading…", theme.dim)],
            },
        },
        _ => summary_lines(state, theme),
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn summary_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    match state.selected_user() {
        Some(user) => vec![
            Line::styled(clean_or_dash(user.username.as_deref()), theme.header),
            Line::from(clean_or_dash(user.display_name.as_deref())),
            Line::from(clean_or_dash(user.email.as_deref())),
            Line::default(),
            Line::styled(
                format!(
                    "{} to open",
                    state.keys.keys_of(crate::app::keymap::Action::Open)
                ),
                theme.dim,
            ),
        ],
        None => vec![Line::styled("no user selected", theme.dim)],
    }
}

fn header_lines(record: &UserRecord, theme: &Theme) -> Vec<Line<'static>> {
    let status = if record.active {
        Span::styled("active", theme.good)
    } else {
        Span::styled("disabled", theme.error)
    };
    vec![
        Line::from(vec![
            Span::styled(clean_or_dash(record.username.as_deref()), theme.header),
            Span::styled(format!(" · id {} · ", clean(&record.id)), theme.dim),
            status,
        ]),
        Line::from(format!(
            "{} <{}>",
            clean_or_dash(record.display_name.as_deref()),
            clean_or_dash(record.email.as_deref())
        )),
        Line::styled(
            format!("── {} attributes ──", record.attributes.len()),
            theme.dim,
        ),
    ]
}

/// The lines of every attribute, and the line range of the selected one.
fn attribute_lines(
    record: &UserRecord,
    selected: usize,
    focused: bool,
    theme: &Theme,
) -> (Vec<Line<'static>>, std::ops::Range<usize>) {
    let mut lines = Vec::new();
    let mut range = 0..0;
    for (index, attribute) in record.attributes.iter().enumerate() {
        let start = lines.len();
        attribute_block(attribute, index == selected, focused, theme, &mut lines);
        if index == selected {
            range = start..lines.len();
        }
    }
    (lines, range)
}

fn attribute_block(
    attribute: &Attribute,
    selected: bool,
    focused: bool,
    theme: &Theme,
    lines: &mut Vec<Line<'static>>,
) {
    let mut name_style = theme.header;
    if selected && focused {
        name_style = name_style.add_modifier(Modifier::REVERSED);
    }
    let mut first = vec![
        Span::raw(if selected { "▶ " } else { "  " }),
        Span::styled(clean(&attribute.name), name_style),
        Span::raw("  "),
    ];
    for (shown, badge) in [
        (attribute.hidden, "hidden"),
        (attribute.locked, "locked"),
        (!attribute.user_can_edit, "no self-edit"),
        (attribute.meta.system, "system"),
        (attribute.meta.multi_valued, "multi"),
    ] {
        if shown {
            first.push(Span::styled(format!("[{badge}]"), theme.warn));
            first.push(Span::raw(" "));
        }
    }
    if !attribute.is_set() {
        first.push(Span::styled("(unset)", theme.dim));
    } else if attribute.hidden {
        first.push(Span::styled("••••", theme.warn));
    } else {
        first.push(Span::raw(
            attribute
                .values
                .iter()
                .map(|v| clean(v))
                .collect::<Vec<_>>()
                .join(", "),
        ));
    }
    first.push(Span::styled(
        format!("  ← {}", source_text(&attribute.source, attribute.rank)),
        theme.dim,
    ));
    lines.push(Line::from(first));
    if attribute.label.to_lowercase().replace(' ', "_") != attribute.name.to_lowercase() {
        lines.push(Line::styled(
            format!("    label: {}", clean(&attribute.label)),
            theme.dim,
        ));
    }
    if let Some(reason) = attribute
        .lock_reason
        .as_deref()
        .filter(|_| attribute.locked)
    {
        lines.push(Line::styled(
            format!("    locked: {}", clean(reason)),
            theme.warn,
        ));
    }
    if let Some(allowlist) = &attribute.meta.hidden_domain_allowlist {
        lines.push(Line::styled(
            format!("    allowed domains: {}", clean(allowlist)),
            theme.warn,
        ));
    }
    if attribute.candidates.len() > 1 {
        for (rank, candidate) in attribute.candidates.iter().enumerate() {
            lines.push(candidate_line(rank + 1, candidate, attribute.hidden, theme));
        }
    }
}

fn candidate_line(
    position: usize,
    candidate: &Candidate,
    hidden: bool,
    theme: &Theme,
) -> Line<'static> {
    let value = if hidden {
        "••••".to_owned()
    } else if candidate.values.is_empty() {
        "(empty)".to_owned()
    } else {
        candidate
            .values
            .iter()
            .map(|v| clean(v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let source = source_text(&candidate.source, candidate.rank);
    if candidate.effective {
        Line::from(vec![
            Span::styled("    ✓ ".to_owned(), theme.good),
            Span::styled(format!("{source}: "), theme.good),
            Span::styled(value, theme.good.add_modifier(Modifier::BOLD)),
            Span::styled("  (wins)".to_owned(), theme.good),
        ])
    } else {
        Line::styled(format!("    {position}. {source}: {value}"), theme.dim)
    }
}

fn source_text(source: &str, rank: Option<i64>) -> String {
    clean(&crate::domain::attribute::describe_source(source, rank))
}

fn raw_lines(record: &UserRecord, offset: usize, height: usize) -> Vec<Line<'static>> {
    let text = serde_json::to_string_pretty(&record.raw).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    let start = offset.min(all.len().saturating_sub(height));
    all.iter()
        .skip(start)
        .take(height)
        .map(|line| Line::styled(clean(line), Style::new()))
        .collect()
}
