//! The detail pane: every attribute of the user with its value, source, precedence chain and
//! badges (hidden, locked, not user-editable, system), or the record's raw JSON. Its title names
//! the user it belongs to, also while the record loads. Sources read the same for every service
//! ("user", "group Sales (rank 2)", "default", "core" or the schema URN); timestamps show as
//! local dates. Reads the state only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Theme, clean, clean_or_dash};
use crate::app::filter::Filter;
use crate::app::state::{Focus, State};
use crate::domain::{Attribute, Candidate, CandidateKind, UserRecord};

/// Draws the detail pane.
pub fn draw(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Focus::Detail;
    let raw = state.detail.as_ref().is_some_and(|d| d.raw);
    let who = state
        .detail_user_label()
        .map(|label| format!(" · {}", clean(&label)))
        .unwrap_or_default();
    let mut title = format!(" Detail{who} ");
    if raw {
        title.push_str("· raw JSON ");
    }
    let mut title = vec![Span::raw(title)];
    if let Some(detail) = state
        .shown_detail()
        .filter(|d| d.searching || !d.search.is_empty())
    {
        title.push(super::widgets::filter_title(
            &detail.search,
            detail.searching,
            theme,
        ));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .border_style(theme.border(focused));
    let height = usize::from(area.height.saturating_sub(2));
    let lines = match state.shown_detail() {
        Some(detail) => match &detail.record {
            Some(record) if detail.raw => raw_lines(record, detail.offset, height),
            Some(record) => {
                let mut lines = header_lines(record, theme);
                if detail.request.is_some() {
                    lines.push(Line::styled("refreshing…", theme.dim));
                }
                let look = Look {
                    focused,
                    zone: &state.time_zone,
                    search: &detail.search,
                    theme,
                };
                let (body, selected) = attribute_lines(record, detail.selected, &look);
                let room = height.saturating_sub(lines.len()).max(1);
                let start = selected.end.saturating_sub(room).min(selected.start);
                lines.extend(body.into_iter().skip(start));
                lines
            }
            None => {
                let mut lines = summary_lines(state, theme);
                lines.push(match &detail.error {
                    Some(error) => Line::styled(
                        format!("cannot read the user: {}", clean(error)),
                        theme.error,
                    ),
                    None => Line::styled("loading…", theme.dim),
                });
                lines
            }
        },
        None => summary_lines(state, theme),
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// How attributes are drawn: focus, time zone, the search to mark, the theme.
struct Look<'a> {
    focused: bool,
    zone: &'a jiff::tz::TimeZone,
    search: &'a str,
    theme: &'a Theme,
}

/// The row of the user the detail is about (the selected row when there is no detail yet).
fn summary_lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let row = match state.shown_detail() {
        Some(_) => state.detail_row(),
        None => state.selected_user(),
    };
    match row {
        Some(user) => {
            let mut lines = vec![
                Line::styled(clean_or_dash(user.username.as_deref()), theme.header),
                Line::from(clean_or_dash(user.display_name.as_deref())),
                Line::from(clean_or_dash(user.email.as_deref())),
                Line::default(),
            ];
            if state.shown_detail().is_none() {
                lines.push(Line::styled(
                    format!(
                        "{} to open",
                        state.keys.keys_of(crate::app::keymap::Action::Open)
                    ),
                    theme.dim,
                ));
            }
            lines
        }
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
    look: &Look<'_>,
) -> (Vec<Line<'static>>, std::ops::Range<usize>) {
    let mut lines = Vec::new();
    let mut range = 0..0;
    let mut search = (!look.search.is_empty()).then(|| Filter::new(look.search));
    for (index, attribute) in record.attributes.iter().enumerate() {
        let start = lines.len();
        let found = search
            .as_mut()
            .is_some_and(|f| f.matches(crate::app::detail::searched_text(attribute)));
        attribute_block(attribute, index == selected, found, look, &mut lines);
        if index == selected {
            range = start..lines.len();
        }
    }
    (lines, range)
}

fn attribute_block(
    attribute: &Attribute,
    selected: bool,
    found: bool,
    look: &Look<'_>,
    lines: &mut Vec<Line<'static>>,
) {
    let theme = look.theme;
    let mut name_style = if found { theme.highlight } else { theme.header };
    if selected && look.focused {
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
        first.push(Span::raw(values_text(
            attribute,
            &attribute.values,
            look.zone,
        )));
    }
    let kind = attribute.candidates.first().map(|c| c.kind);
    first.push(Span::styled(
        format!(
            "  ← {}",
            source_words(&attribute.source, kind, attribute.rank)
        ),
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
            lines.push(candidate_line(rank + 1, attribute, candidate, look));
        }
    }
}

/// Values for one line; a timestamp attribute's values read as local dates.
fn values_text(attribute: &Attribute, values: &[String], zone: &jiff::tz::TimeZone) -> String {
    let timestamps = attribute.meta.system
        || attribute.name.starts_with("meta.")
        || attribute.meta.value_type.as_deref() == Some("datetime");
    values
        .iter()
        .map(|v| {
            timestamps
                .then(|| crate::time::local_text(v, zone))
                .flatten()
                .unwrap_or_else(|| clean(v))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A source in the browser's one wording for every service: "user", "group Sales (rank 2)",
/// "default", the SCIM schema URN or "core", anything else lower-cased.
pub fn source_words(source: &str, kind: Option<CandidateKind>, rank: Option<i64>) -> String {
    let source = clean(source);
    let ranked = |text: String| match rank {
        Some(rank) => format!("{text} (rank {rank})"),
        None => text,
    };
    if source.starts_with("urn:") || source == "core" {
        return source;
    }
    let lower = source.to_lowercase();
    match kind {
        Some(CandidateKind::Group) => {
            let name = source
                .split_once(':')
                .filter(|(head, _)| head.trim().eq_ignore_ascii_case("group"))
                .map_or(source.as_str(), |(_, name)| name.trim());
            ranked(format!("group {name}"))
        }
        Some(CandidateKind::Default) => "default".to_owned(),
        _ if lower == "no value" => "no value".to_owned(),
        _ => ranked(lower),
    }
}

fn candidate_line(
    position: usize,
    attribute: &Attribute,
    candidate: &Candidate,
    look: &Look<'_>,
) -> Line<'static> {
    let theme = look.theme;
    let value = if attribute.hidden {
        "••••".to_owned()
    } else if candidate.values.is_empty() {
        "(empty)".to_owned()
    } else {
        values_text(attribute, &candidate.values, look.zone)
    };
    let source = source_words(&candidate.source, Some(candidate.kind), candidate.rank);
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
