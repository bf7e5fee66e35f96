//! The batch dialog: planning progress, the combined preview of a bulk edit (or of a revert from
//! the journal), then a gauge with written, failed, unknown and skipped counts and an ETA, and
//! the result with how to resume. Reads the state only.

use std::time::Duration;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Gauge, Paragraph, Wrap};

use super::widgets::{DIALOG_WIDTH, connection_name, dialog_area, scrolled_dialog};
use super::{Theme, clean};
use crate::app::batch::{BatchDialog, BatchPhase, Progress};
use crate::app::state::State;

/// Draws the batch dialog.
pub fn draw(
    frame: &mut Frame<'_>,
    whole: Rect,
    state: &State,
    dialog: &BatchDialog,
    theme: &Theme,
) {
    let conn = connection_name(state, dialog.conn);
    let footer = match &dialog.phase {
        BatchPhase::Planning { .. } => " Esc cancel · nothing is sent ".to_owned(),
        BatchPhase::Preview { sends: 0, .. } => " nothing to send · Esc close ".to_owned(),
        BatchPhase::Preview { sends, .. } => {
            format!(" y/Enter send to {sends} · Esc cancel · nothing is sent until you confirm ")
        }
        BatchPhase::Running {
            stopping: false, ..
        } => " Esc/Ctrl-C stop after the items in flight ".to_owned(),
        BatchPhase::Running { stopping: true, .. } => {
            " stopping after the items in flight… ".to_owned()
        }
        BatchPhase::Finished { .. } => " Enter/Esc close ".to_owned(),
    };
    let block = Block::bordered()
        .title(format!(" {} on {conn} ", clean(&dialog.title)))
        .title_bottom(Line::from(footer).right_aligned())
        .border_style(Style::new().fg(theme.accent(dialog.conn)));
    match &dialog.phase {
        BatchPhase::Planning { done, total } => {
            let progress = Progress {
                total: *total,
                done: *done,
                ..Progress::default()
            };
            let text = format!("reading and planning each user: {done}/{total}");
            draw_gauge(frame, whole, block, &progress, vec![Line::raw(text)], theme);
        }
        BatchPhase::Preview { text, .. } => {
            let lines: Vec<Line<'_>> = text
                .lines()
                .enumerate()
                .map(|(index, line)| {
                    if index == 0 {
                        Line::styled(clean(line), theme.header)
                    } else if line.trim_start().starts_with("refused")
                        || line.trim_start().starts_with("skip ")
                    {
                        Line::styled(clean(line), theme.warn)
                    } else {
                        Line::raw(clean(line))
                    }
                })
                .collect();
            scrolled_dialog(frame, whole, block, lines, dialog.offset);
        }
        BatchPhase::Running { progress, .. } => {
            let lines = counts_lines(progress, dialog.batch.as_deref(), theme);
            draw_gauge(frame, whole, block, progress, lines, theme);
        }
        BatchPhase::Finished { progress, summary } => {
            let mut lines = counts_lines(progress, None, theme);
            lines.push(Line::styled(clean(summary), theme.header));
            draw_gauge(frame, whole, block, progress, lines, theme);
        }
    }
}

/// The counts under the gauge, the ETA, and the last reason an item was not written.
fn counts_lines(progress: &Progress, batch: Option<&str>, theme: &Theme) -> Vec<Line<'static>> {
    let eta = progress.eta().map_or_else(|| "—".to_owned(), clock);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("written {}", progress.written), theme.good),
        Span::raw(" · "),
        Span::styled(format!("failed {}", progress.failed), theme.error),
        Span::raw(" · "),
        Span::styled(format!("unknown {}", progress.unknown), theme.warn),
        Span::raw(format!(
            " · skipped {} · refused {} · ETA {eta} · elapsed {}",
            progress.skipped,
            progress.refused,
            clock(progress.elapsed)
        )),
    ])];
    if let Some(batch) = batch {
        lines.push(Line::styled(
            format!(
                "batch {}: a stopped batch resumes with `roster batch resume {}`",
                clean(batch),
                clean(batch)
            ),
            theme.dim,
        ));
    }
    if let Some(error) = &progress.last_error {
        lines.push(Line::styled(
            format!("last error: {}", clean(error)),
            theme.error,
        ));
    }
    lines
}

/// A gauge of done/total over some lines of text, in a dialog.
fn draw_gauge(
    frame: &mut Frame<'_>,
    whole: Rect,
    block: Block<'_>,
    progress: &Progress,
    lines: Vec<Line<'_>>,
    theme: &Theme,
) {
    // Lines wrap inside the dialog: it is as tall as the wrapped text.
    let inner_width = usize::from(DIALOG_WIDTH.min(whole.width).saturating_sub(2)).max(1);
    let rows: usize = lines
        .iter()
        .map(|line| line.width().div_ceil(inner_width).max(1))
        .sum();
    let area = dialog_area(whole, DIALOG_WIDTH, rows as u16 + 5);
    frame.render_widget(Clear, area);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [gauge, _, text] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(
        Gauge::default()
            .ratio(progress.ratio())
            .label(format!("{}/{}", progress.done, progress.total))
            .gauge_style(theme.highlight)
            .use_unicode(true),
        gauge,
    );
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text);
}

/// A duration as `m:ss` (or `h:mm:ss`).
fn clock(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 3600 {
        format!(
            "{}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    } else {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    }
}
