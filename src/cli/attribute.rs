//! `roster attribute`: one Looker attribute's settings, group values by rank and sources, and the
//! edits of its group values, ranks, default and settings, each previewed with its blast radius.
//!
//! The command line only asks and tells: the group names are resolved exactly by the Looker
//! client, the plan, the radius and the write are the write engine's (`crate::write::attribute`),
//! and confirmation is the same as every write's (`--dry-run`, `--yes`, a question on a terminal).

use serde::Serialize;

use super::args::{AttributeCommand, ShowFormat, WriteFlags};
use super::commands::parse_assignments;
use super::write::{engine, finish, report};
use super::{CliError, Globals, confirm, output, signals};
use crate::domain::attribute_edit::{AttributeEdit, FlagChange};
use crate::domain::resolution::{AttributeChange, AttributeState, SourceCount};
use crate::journal::JournalEntry;
use crate::service::looker::{Client, wire};
use crate::text::sanitize_lines;
use crate::write::WriteEngine;
use crate::write::attribute::{AttributePrepared, looker_client};

/// Runs one `roster attribute` command.
pub async fn run(command: AttributeCommand, globals: &Globals) -> Result<(), CliError> {
    let (attribute, flags, edit) = match command {
        AttributeCommand::Show { attribute, format } => {
            return show(globals, &attribute.conn, &attribute.name, format).await;
        }
        AttributeCommand::SetGroup {
            attribute,
            assignments,
            flags,
        } => (
            attribute,
            flags,
            Planned::SetGroups(parse_assignments(&assignments)?),
        ),
        AttributeCommand::UnsetGroup {
            attribute,
            groups,
            flags,
        } => (attribute, flags, Planned::UnsetGroups(groups)),
        AttributeCommand::Rank {
            attribute,
            groups,
            flags,
        } => (attribute, flags, Planned::Rank(groups)),
        AttributeCommand::SetDefault {
            attribute,
            value,
            flags,
        } => (attribute, flags, Planned::SetDefault(value)),
        AttributeCommand::Set {
            attribute,
            settings,
            flags,
        } => (
            attribute,
            flags,
            Planned::Settings(settings_change(&parse_assignments(&settings)?)?),
        ),
    };
    let engine = engine(globals, &attribute.conn)?;
    let client = looker_client(engine.directory(), &attribute.conn)?;
    let edits = edit.edits(client).await?;
    let prepared = engine.prepare_attribute(&attribute.name, edits).await?;
    confirm_and_send(&engine, &prepared, flags.format, &flags.write).await
}

/// What a command asks for, with groups still named as people gave them.
enum Planned {
    SetGroups(Vec<(String, String)>),
    UnsetGroups(Vec<String>),
    Rank(Vec<String>),
    SetDefault(String),
    Settings(FlagChange),
}

impl Planned {
    /// The edits, each group named exactly (an unknown or shared name is refused).
    async fn edits(self, client: &Client) -> Result<Vec<AttributeEdit>, CliError> {
        let changes = match self {
            Self::SetGroups(pairs) => {
                let mut changes = Vec::with_capacity(pairs.len());
                for (group, value) in pairs {
                    let group_id = client.group_id_named(&group).await?;
                    changes.push(AttributeChange::SetGroupValue { group_id, value });
                }
                changes
            }
            Self::UnsetGroups(names) => group_ids(client, &names)
                .await?
                .into_iter()
                .map(|group_id| AttributeChange::RemoveGroupValue { group_id })
                .collect(),
            Self::Rank(names) => vec![AttributeChange::Rank {
                group_ids: group_ids(client, &names).await?,
            }],
            Self::SetDefault(value) => vec![AttributeChange::SetDefault { value: Some(value) }],
            Self::Settings(flags) => return Ok(vec![AttributeEdit::Flags(flags)]),
        };
        Ok(changes.into_iter().map(AttributeEdit::Change).collect())
    }
}

/// The settings `roster attribute set` changes.
const SETTINGS: &str =
    "user_can_view, user_can_edit, value_is_hidden (true or false), hidden_value_domain_whitelist";

/// `KEY=VALUE` settings as one change of the attribute's flags; an unknown key, a key given
/// twice or a flag that is not `true`/`false` is a usage error that says what is accepted.
fn settings_change(pairs: &[(String, String)]) -> Result<FlagChange, CliError> {
    let mut change = FlagChange::default();
    for (key, value) in pairs {
        let flag = || match value.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(CliError::Usage(format!(
                "`{key}` is true or false, not `{value}`"
            ))),
        };
        let twice = match key.as_str() {
            "user_can_view" => change.user_can_view.replace(flag()?).is_some(),
            "user_can_edit" => change.user_can_edit.replace(flag()?).is_some(),
            "value_is_hidden" => change.value_is_hidden.replace(flag()?).is_some(),
            "hidden_value_domain_whitelist" => change
                .hidden_value_domain_whitelist
                .replace(value.clone())
                .is_some(),
            _ => {
                return Err(CliError::Usage(format!(
                    "`{key}` is not a setting `roster attribute set` changes: {SETTINGS} (the default has `roster attribute set-default`)"
                )));
            }
        };
        if twice {
            return Err(CliError::Usage(format!("`{key}` is given twice")));
        }
    }
    Ok(change)
}

/// The ids of groups named exactly, in order.
async fn group_ids(client: &Client, names: &[String]) -> Result<Vec<String>, CliError> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        ids.push(client.group_id_named(name).await?);
    }
    Ok(ids)
}

/// Reverts an attribute-level journal entry (`roster undo N` on such an entry).
pub async fn undo(
    globals: &Globals,
    entry: &JournalEntry,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let engine = engine(globals, &entry.connection)?;
    let prepared = engine.prepare_attribute_undo(entry).await?;
    confirm_and_send(&engine, &prepared, ShowFormat::Table, flags).await
}

/// Prints the preview (text, or the JSON of product.md), asks, sends and reports.
async fn confirm_and_send(
    engine: &WriteEngine,
    prepared: &AttributePrepared,
    format: ShowFormat,
    flags: &WriteFlags,
) -> Result<(), CliError> {
    let preview = sanitize_lines(&prepared.describe());
    match format {
        ShowFormat::Json => output::print(&output::json(&prepared.json())),
        ShowFormat::Table if flags.dry_run || flags.yes => output::print(&preview),
        ShowFormat::Table => {}
    }
    if flags.dry_run {
        eprintln!("(dry run: nothing was sent)");
        return Ok(());
    }
    if !confirm::ask(&preview, prepared.request_count(), flags)? {
        return Ok(());
    }
    let signals = signals::WriteSignals::install();
    let executed = engine
        .execute_attribute(prepared, signals.interrupt())
        .await?;
    report(&executed);
    finish(&executed, flags)
}

/// One group value in `roster attribute show --format json`.
#[derive(Debug, Serialize)]
struct GroupValueJson {
    group: String,
    group_id: String,
    rank: i64,
    /// Null for a hidden attribute.
    value: Option<String>,
    /// How many users take their effective value from it.
    users: usize,
}

/// `roster attribute show --format json`.
#[derive(Debug, Serialize)]
struct AttributeJson {
    id: String,
    name: String,
    label: Option<String>,
    #[serde(rename = "type")]
    value_type: Option<String>,
    /// Null for a hidden attribute (never read).
    default_value: Option<String>,
    value_is_hidden: bool,
    user_can_view: bool,
    user_can_edit: bool,
    hidden_value_domain_whitelist: Option<String>,
    group_values: Vec<GroupValueJson>,
    sources: Vec<SourceCount>,
}

fn users_of(counts: &[SourceCount], group_id: &str) -> usize {
    counts
        .iter()
        .find(|c| matches!(&c.source, crate::domain::resolution::ValueSource::Group { id, .. } if id == group_id))
        .map_or(0, |c| c.users)
}

fn attribute_json(definition: &wire::UserAttribute, state: &AttributeState) -> AttributeJson {
    let hidden = definition.value_is_hidden;
    let sources = state.source_counts();
    AttributeJson {
        id: definition.id.clone(),
        name: definition.name.clone(),
        label: definition.label.clone(),
        value_type: definition.value_type.clone(),
        default_value: definition.default_value.clone().filter(|_| !hidden),
        value_is_hidden: hidden,
        user_can_view: definition.user_can_view,
        user_can_edit: definition.user_can_edit,
        hidden_value_domain_whitelist: definition.hidden_value_domain_whitelist.clone(),
        group_values: state
            .group_values()
            .iter()
            .map(|g| GroupValueJson {
                group: g.group_name.clone(),
                group_id: g.group_id.clone(),
                rank: g.rank,
                value: g.value.text().map(str::to_owned),
                users: users_of(&sources, &g.group_id),
            })
            .collect(),
        sources,
    }
}

/// `roster attribute show`: settings, group values by rank, users per source.
async fn show(
    globals: &Globals,
    conn: &str,
    name: &str,
    format: ShowFormat,
) -> Result<(), CliError> {
    let config = globals.load_config()?;
    let directory = globals.open(&config, conn)?;
    let client = looker_client(&directory, conn)?;
    let (definition, state) = client.attribute_state(name).await?;
    let shown = attribute_json(&definition, &state);
    if format == ShowFormat::Json {
        output::print(&output::json(&shown));
        return Ok(());
    }
    let yes_no = |on: bool| if on { "yes" } else { "no" }.to_owned();
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".to_owned());
    let default = if shown.value_is_hidden {
        "(hidden)".to_owned()
    } else {
        or_dash(&shown.default_value)
    };
    let settings = output::table(
        &["SETTING", "VALUE"],
        [
            vec!["name".to_owned(), shown.name.clone()],
            vec!["id".to_owned(), shown.id.clone()],
            vec!["label".to_owned(), or_dash(&shown.label)],
            vec!["type".to_owned(), or_dash(&shown.value_type)],
            vec!["default".to_owned(), default],
            vec!["hidden".to_owned(), yes_no(shown.value_is_hidden)],
            vec!["user can view".to_owned(), yes_no(shown.user_can_view)],
            vec!["user can edit".to_owned(), yes_no(shown.user_can_edit)],
            vec![
                "allow-list".to_owned(),
                or_dash(&shown.hidden_value_domain_whitelist),
            ],
        ],
    );
    let groups = output::table(
        &["RANK", "GROUP", "ID", "VALUE", "USERS"],
        shown.group_values.iter().map(|g| {
            vec![
                g.rank.to_string(),
                g.group.clone(),
                g.group_id.clone(),
                g.value.clone().unwrap_or_else(|| "(hidden)".to_owned()),
                g.users.to_string(),
            ]
        }),
    );
    let sources = output::table(
        &["SOURCE", "USERS"],
        shown
            .sources
            .iter()
            .map(|c| vec![c.source.to_string(), c.users.to_string()]),
    );
    output::print(&format!(
        "{settings}\nGroup values by rank (lowest wins):\n{groups}\nUsers per source:\n{sources}"
    ));
    Ok(())
}
