//! The browse screen: the connections pane and the users table. Only the rows that fit are
//! built. Reads the state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use super::widgets::highlighted;
use super::{Theme, clean};
use crate::app::browse::SortColumn;
use crate::app::filter::Filter;
use crate::app::layout::{TABLE_CHROME, rows_in};
use crate::app::state::{ConnStatus, ConnectionState, Focus, State, columns};

/// Below this width the users table leaves out the email column.
const NARROW_TABLE: u16 = 70;

/// The connections pane: name, kind, status and badges, in the connection's accent colour.
pub fn draw_connections(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Focus::Connections;
    let block = Block::bordered()
        .title(" Connections ")
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let first = state.connection_window();
    let lines: Vec<Line<'_>> = state
        .connections
        .iter()
        .enumerate()
        .skip(first)
        .take(usize::from(inner.height))
        .map(|(index, conn)| {
            connection_line(index, conn, index == state.selected_conn, focused, theme)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}

fn connection_line<'a>(
    index: usize,
    conn: &'a ConnectionState,
    selected: bool,
    focused: bool,
    theme: &Theme,
) -> Line<'a> {
    let accent = Style::new().fg(theme.accent(index));
    let marker = if selected { "▶ " } else { "  " };
    let mut name_style = accent.add_modifier(Modifier::BOLD);
    if selected && focused {
        name_style = name_style.add_modifier(Modifier::REVERSED);
    }
    let mut spans = vec![
        Span::styled(marker, accent),
        Span::styled(clean(&conn.name), name_style),
        Span::styled(format!(" ({})", conn.kind), theme.dim),
        Span::raw("  "),
    ];
    spans.push(match &conn.status {
        ConnStatus::Connecting => Span::styled("connecting…", theme.dim),
        ConnStatus::Loading => Span::styled(
            format!("loading {}", count_text(conn.users.len(), conn.total)),
            theme.warn,
        ),
        ConnStatus::Ready => Span::styled(format!("ready, {} users", conn.users.len()), theme.good),
        ConnStatus::Failed(why) => Span::styled(format!("error: {}", clean(why)), theme.error),
    });
    if conn.read_only {
        spans.push(Span::raw(" "));
        spans.push(Span::styled("[read-only]", theme.warn));
    }
    Line::from(spans)
}

fn count_text(loaded: usize, total: Option<usize>) -> String {
    match total {
        Some(total) => format!("{loaded} of {total}"),
        None => format!("{loaded}"),
    }
}

/// The users table: username, display name, email, active; with the filter and load counts.
pub fn draw_users(frame: &mut Frame<'_>, area: Rect, state: &State, theme: &Theme) {
    let focused = state.focus == Focus::Users;
    let Some(conn) = state.connection() else {
        frame.render_widget(Block::bordered().title(" Users "), area);
        return;
    };
    let accent = theme.accent(state.selected_conn);
    let list = &state.users;
    let loaded = match (&conn.status, conn.total) {
        (ConnStatus::Ready, _) => format!(" {} users ", conn.users.len()),
        (_, Some(total)) => format!(" {} of {total} loaded ", conn.users.len()),
        _ => format!(" {} loaded ", conn.users.len()),
    };
    let shown = if list.filter.is_empty() {
        String::new()
    } else {
        format!(" {} match ", list.visible.len())
    };
    let mut title = vec![
        Span::raw(" Users of "),
        Span::styled(clean(&conn.name), Style::new().fg(accent)),
        Span::raw(" "),
    ];
    if list.filtering || !list.filter.is_empty() {
        title.push(super::widgets::filter_title(
            &list.filter,
            list.filtering,
            theme,
        ));
    }
    let block = Block::bordered()
        .title(Line::from(title))
        .title_bottom(Line::from(format!("{loaded}{shown}")).right_aligned())
        .border_style(theme.border(focused));
    let height = rows_in(area, TABLE_CHROME);
    // Narrow tables leave out the email column (the username usually carries it).
    let with_email = area.width >= NARROW_TABLE;
    let mut filter = Filter::new(&list.filter);
    let rows: Vec<Row<'_>> = list
        .visible
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(height)
        .filter_map(|(position, index)| {
            let user = conn.users.get(*index)?;
            let cells = columns(user).map(clean);
            let marks = filter.highlights(&[&cells[0], &cells[1], &cells[2]]);
            let mut row: Vec<Cell<'_>> = cells
                .iter()
                .zip(marks)
                .take(if with_email { 3 } else { 2 })
                .map(|(text, marks)| Cell::from(highlighted(text, &marks, theme)))
                .collect();
            row.push(Cell::from(if user.active {
                Span::styled("yes", theme.good)
            } else {
                Span::styled("no", theme.error)
            }));
            let style = if position == list.selected {
                if focused {
                    theme.selected
                } else {
                    Style::new().add_modifier(Modifier::BOLD)
                }
            } else {
                Style::new()
            };
            Some(Row::new(row).style(style))
        })
        .collect();
    let empty = rows.is_empty();
    let (widths, shown) = if with_email {
        (
            vec![
                Constraint::Fill(3),
                Constraint::Fill(2),
                Constraint::Fill(3),
                Constraint::Length(8),
            ],
            &SortColumn::ALL[..],
        )
    } else {
        (
            vec![
                Constraint::Fill(3),
                Constraint::Fill(2),
                Constraint::Length(8),
            ],
            &[SortColumn::Username, SortColumn::Name, SortColumn::Active][..],
        )
    };
    // The sorted column says so, with its direction.
    let header: Vec<String> = shown
        .iter()
        .map(|column| match list.sort {
            Some(sort) if sort.column == *column => {
                format!(
                    "{} {}",
                    column.label(),
                    if sort.reverse { "▼" } else { "▲" }
                )
            }
            _ => column.label().to_owned(),
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header))
        .block(block);
    frame.render_widget(table, area);
    if empty {
        let message = match &conn.status {
            ConnStatus::Failed(why) => format!("cannot list users: {}", clean(why)),
            ConnStatus::Connecting => "connecting…".to_owned(),
            _ if !list.filter.is_empty() => "no user matches the filter".to_owned(),
            _ => "no users".to_owned(),
        };
        let inner = Rect {
            y: area.y + 2,
            height: area.height.saturating_sub(3),
            x: area.x + 2,
            width: area.width.saturating_sub(4),
        };
        frame.render_widget(
            Paragraph::new(message)
                .style(theme.dim)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
    }
}
