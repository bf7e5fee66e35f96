//! The attribute screen (Looker): settings, group values by rank with how many users take each,
//! users per source, and — over it — a rank change's preview with its blast radius. Reads the
//! state only; every server text is cleaned before it is drawn.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::widgets::dialog_area;
use super::{Theme, clean};
use crate::app::attribute::{AttributeScreen, Waiting};
use crate::domain::resolution::ValueSource;
use crate::write::attribute::preview::describe_radius;

/// The attribute screen, and the preview of a planned change over it.
pub fn draw(frame: &mut Frame<'_>, area: Rect, screen: &AttributeScreen, theme: &Theme) {
    let waiting = match screen.request.map(|(_, w)| w) {
        Some(Waiting::Reading) => " · reading…",
        Some(Waiting::Planning) => " · computing the blast radius…",
        Some(Waiting::Writing) => " · writing…",
        None => "",
    };
    let block = Block::bordered()
        .title(format!(" Attribute {}{waiting} ", clean(&screen.name)))
        .title_bottom(
            Line::from(
                " j/k select · K/J move up/down · e group value · d default · r reread · Esc back ",
            )
            .right_aligned(),
        )
        .border_style(theme.focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(error) = &screen.error {
        lines.push(Line::styled(clean(error), theme.error));
        lines.push(Line::default());
    }
    if let Some(read) = &screen.read {
        let d = &read.snapshot.definition;
        let yes_no = |on: bool| if on { "yes" } else { "no" };
        let default = if d.value_is_hidden {
            "(hidden)".to_owned()
        } else {
            d.default_value
                .as_deref()
                .map_or_else(|| "—".to_owned(), clean)
        };
        lines.push(Line::from(vec![
            Span::styled("type ", theme.dim),
            Span::raw(clean(d.value_type.as_deref().unwrap_or("string"))),
            Span::styled("  default ", theme.dim),
            Span::raw(default),
            Span::styled("  hidden ", theme.dim),
            Span::raw(yes_no(d.value_is_hidden)),
            Span::styled("  user can view ", theme.dim),
            Span::raw(yes_no(d.user_can_view)),
            Span::styled("  user can edit ", theme.dim),
            Span::raw(yes_no(d.user_can_edit)),
        ]));
        if let Some(allowlist) = &d.hidden_value_domain_whitelist {
            lines.push(Line::from(vec![
                Span::styled("allow-list ", theme.dim),
                Span::raw(clean(allowlist)),
            ]));
        }
        lines.push(Line::default());
        lines.push(Line::styled(
            "RANK  GROUP                 VALUE                 USERS",
            theme.header,
        ));
        for (index, group) in read.snapshot.groups.iter().enumerate() {
            let users = screen
                .sources
                .iter()
                .find(|c| matches!(&c.source, ValueSource::Group { id, .. } if *id == group.id))
                .map_or(0, |c| c.users);
            let marker = if index == screen.selected {
                "▶ "
            } else {
                "  "
            };
            let text = format!(
                "{marker}{:<4}{:<22}{:<22}{users}",
                group.rank,
                clean(&group.name),
                group
                    .value
                    .as_deref()
                    .map_or_else(|| "(hidden)".to_owned(), clean),
            );
            let style = if index == screen.selected {
                theme.selected
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::styled(text, style));
        }
        lines.push(Line::default());
        let sources: Vec<String> = screen
            .sources
            .iter()
            .map(|c| format!("{} {}", clean(&c.source.to_string()), c.users))
            .collect();
        lines.push(Line::from(vec![
            Span::styled("users per source: ", theme.dim),
            Span::raw(sources.join(" · ")),
        ]));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some(preview) = &screen.preview {
        draw_preview(frame, area, preview, theme);
    }
}

/// The planned change: its requests (hidden values masked) and its blast radius.
fn draw_preview(
    frame: &mut Frame<'_>,
    area: Rect,
    preview: &crate::write::attribute::AttributePrepared,
    theme: &Theme,
) {
    // What changes and who changes first; the exact requests after them.
    let mut lines: Vec<Line<'_>> = Vec::new();
    for item in &preview.items {
        lines.push(Line::styled(clean(&item.plan.summary), theme.header));
        for change in &item.plan.changes {
            let shown =
                |v: &Option<String>| v.as_deref().map_or_else(|| "(unset)".to_owned(), clean);
            lines.push(Line::from(vec![
                Span::raw(format!("  {}: ", clean(&change.field))),
                Span::styled(shown(&change.before), theme.error),
                Span::raw(" → "),
                Span::styled(shown(&change.after), theme.good),
            ]));
        }
    }
    lines.push(Line::default());
    let radius = describe_radius(&preview.radius());
    for (index, line) in radius.lines().enumerate() {
        let style = if index == 0 {
            theme.warn
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::styled(clean(line), style));
    }
    for item in &preview.items {
        for request in &item.plan.requests {
            lines.push(Line::default());
            for line in request.describe(item.plan.auth_scheme).lines() {
                lines.push(Line::styled(clean(line), theme.dim));
            }
        }
    }
    let width = area.width.saturating_sub(4).max(20);
    let dialog = dialog_area(area, width, area.height);
    let [dialog] = Layout::vertical([Constraint::Fill(1)]).areas(dialog);
    frame.render_widget(Clear, dialog);
    let block = Block::bordered()
        .title(format!(
            " Preview · {} · blast radius {} ",
            clean(preview.name()),
            preview.radius().count()
        ))
        .title_bottom(
            Line::from(" y/Enter send · Esc back · nothing is sent until you confirm ")
                .right_aligned(),
        )
        .border_style(theme.warn);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        dialog,
    );
}
