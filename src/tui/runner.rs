//! The effect runner: performs each [`Effect`] as a tokio task that sends its result back as a
//! [`Msg`] on the loop's one channel.
//!
//! This is the only place the browser talks to services or writes files, and it only ever calls
//! `AnyDirectory` methods. It decides nothing: which replies still matter is the update
//! function's business (by request id). Every task runs inside `catch_unwind`: a panic becomes
//! [`Msg::TaskFailed`] (an error on screen), never a dead task that leaves its connection
//! "connecting…" or a half-restored terminal. The tasks live in one `JoinSet`, so they all stop
//! when the loop ends and drops the runner.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::{FutureExt, StreamExt};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;

use crate::app::audit::{ExportFormat, render_export};
use crate::app::msg::{Effect, Msg, PersonLookup, RequestId};
use crate::domain::UserRecord;
use crate::domain::audit::audit_user;
use crate::journal::{Journal, ServerIdentity};
use crate::service::{AnyDirectory, ListQuery, ServiceError};
use crate::write::{Interrupt, InterruptHandle, Prepared, PreparedItem, WriteEngine};

/// How many records an audit or person lookup reads at once per connection.
pub const READ_CONCURRENCY: usize = 8;
/// The pause in typing after which the filter text is searched on the server.
const SEARCH_DEBOUNCE: std::time::Duration = std::time::Duration::from_millis(300);
/// The most users a server-side search brings in.
const SEARCH_LIMIT: usize = 200;
/// How many audit records travel in one message at most.
const AUDIT_BATCH: usize = 16;

/// Runs effects against the open connections.
#[derive(Debug)]
pub struct Runner {
    directories: Vec<Option<AnyDirectory>>,
    tx: UnboundedSender<Msg>,
    latest_search: std::sync::Arc<std::sync::atomic::AtomicU64>,
    journal: Option<Journal>,
    names: Vec<String>,
    servers: Vec<Option<ServerIdentity>>,
    tasks: JoinSet<()>,
    /// The stop handles of running batches, by run request.
    stops: std::collections::HashMap<RequestId, InterruptHandle>,
}

impl Runner {
    /// A runner over these connections (None where a connection could not be opened).
    pub fn new(directories: Vec<Option<AnyDirectory>>, tx: UnboundedSender<Msg>) -> Self {
        Self {
            directories,
            tx,
            latest_search: std::sync::Arc::default(),
            journal: None,
            names: Vec::new(),
            servers: Vec::new(),
            tasks: JoinSet::new(),
            stops: std::collections::HashMap::new(),
        }
    }

    /// Sends a message to the loop (for effects the loop performs itself).
    pub fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg);
    }

    /// Spawns one task; a panic in it is caught and reported for `conn` and `request`.
    fn spawn(
        &mut self,
        conn: Option<usize>,
        request: RequestId,
        task: impl Future<Output = ()> + Send + 'static,
    ) {
        while self.tasks.try_join_next().is_some() {}
        let tx = self.tx.clone();
        let caught = crate::terminal::panics_caught(AssertUnwindSafe(task).catch_unwind());
        self.tasks.spawn(async move {
            if let Err(payload) = caught.await {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a task panicked".to_owned());
                let _ = tx.send(Msg::TaskFailed {
                    conn,
                    request,
                    message,
                });
            }
        });
    }

    /// Journals every write (with the connections' names and servers) to `journal`.
    pub fn with_journal(
        mut self,
        journal: Option<Journal>,
        names: Vec<String>,
        servers: Vec<Option<ServerIdentity>>,
    ) -> Self {
        self.journal = journal;
        self.names = names;
        self.servers = servers;
        self
    }

    /// How many items of a bulk edit on `conn` are under way at once: as many as the
    /// connection's request window can ever allow (the window decides what is sent).
    fn item_window(&self, conn: usize) -> usize {
        self.directory(conn)
            .map_or(1, |directory| directory.reads_in_flight())
            .max(1)
    }

    /// The write engine of a connection: every browser write goes through it. Without a
    /// journal or a known server there is none, and the write is refused.
    fn engine(&self, conn: usize) -> Result<WriteEngine, String> {
        let directory = self.directory(conn).ok_or("the connection is not open")?;
        let journal = self
            .journal
            .clone()
            .ok_or("no journal: this browser session cannot record writes, so it makes none")?;
        let server = self
            .servers
            .get(conn)
            .cloned()
            .flatten()
            .ok_or("the connection's server is not known, so writes cannot be journaled")?;
        let name = self.names.get(conn).cloned().unwrap_or_default();
        Ok(WriteEngine::new(directory, journal, &name, server))
    }

    fn directory(&self, conn: usize) -> Option<AnyDirectory> {
        self.directories.get(conn).cloned().flatten()
    }

    /// Starts one effect. The loop performs [`Effect::Copy`] and [`Effect::EditExternally`] itself
    /// (they need the terminal); here they do nothing.
    pub fn run(&mut self, effect: Effect) {
        let tx = self.tx.clone();
        match effect {
            Effect::LoadUsers { conn, request } => {
                let Some(directory) = self.directory(conn) else {
                    return;
                };
                self.spawn(Some(conn), request, async move {
                    let pages = tx.clone();
                    let result = directory
                        .list_users(&ListQuery::default(), &mut |page| {
                            let _ = pages.send(Msg::UsersPage {
                                conn,
                                request,
                                page,
                            });
                        })
                        .await;
                    let _ = tx.send(Msg::UsersListed {
                        conn,
                        request,
                        result,
                    });
                });
            }
            Effect::ReadUser { conn, request, id } => {
                let Some(directory) = self.directory(conn) else {
                    return;
                };
                self.spawn(Some(conn), request, async move {
                    let result = directory.read_user(&id).await.map(Box::new);
                    let _ = tx.send(Msg::UserRead {
                        conn,
                        request,
                        result,
                    });
                });
            }
            Effect::FindUser { conn, request, key } => {
                let Some(directory) = self.directory(conn) else {
                    return;
                };
                self.spawn(Some(conn), request, async move {
                    let result = directory.find_user(&key).await.map(Box::new);
                    let _ = tx.send(Msg::UserRead {
                        conn,
                        request,
                        result,
                    });
                });
            }
            Effect::Plan {
                conn,
                request,
                record,
                edit,
            } => {
                let Some(directory) = self.directory(conn) else {
                    return;
                };
                self.spawn(Some(conn), request, async move {
                    let result = directory.plan(record.as_deref(), &edit).await.map(Box::new);
                    let _ = tx.send(Msg::Planned { request, result });
                });
            }
            Effect::Search {
                conn,
                request,
                text,
            } => {
                let Some(directory) = self.directory(conn) else {
                    return;
                };
                let latest = self.latest_search.clone();
                latest.store(request, std::sync::atomic::Ordering::SeqCst);
                self.spawn(Some(conn), request, async move {
                    tokio::time::sleep(SEARCH_DEBOUNCE).await;
                    if latest.load(std::sync::atomic::Ordering::SeqCst) != request {
                        return;
                    }
                    let query = ListQuery {
                        filter: Some(text),
                        limit: Some(SEARCH_LIMIT),
                        ..ListQuery::default()
                    };
                    let result = directory.collect_users(&query).await;
                    let _ = tx.send(Msg::SearchDone {
                        conn,
                        request,
                        result,
                    });
                });
            }
            Effect::FindUndo { conn, request } => {
                let engine = self.engine(conn);
                self.spawn(Some(conn), request, async move {
                    let result = match engine {
                        Ok(engine) => find_undo(&engine).await,
                        Err(why) => Err(why),
                    };
                    let _ = tx.send(Msg::UndoFound {
                        request,
                        conn,
                        result,
                    });
                });
            }
            Effect::Apply {
                conn,
                request,
                plan,
                user_id,
                edit,
            } => {
                let engine = self.engine(conn);
                self.spawn(Some(conn), request, async move {
                    let result = match engine {
                        Ok(engine) => {
                            send_confirmed(&engine, user_id.as_deref(), edit, *plan).await
                        }
                        Err(why) => Err(ServiceError::Invalid(why)),
                    };
                    let _ = tx.send(Msg::Applied { request, result });
                });
            }
            Effect::PlanAttribute {
                conn,
                request,
                name,
                edits,
            } => {
                let engine = self.engine(conn);
                self.spawn(Some(conn), request, async move {
                    let result = match engine {
                        Ok(engine) => engine
                            .prepare_attribute(&name, edits)
                            .await
                            .map(Box::new)
                            .map_err(|e| e.to_string()),
                        Err(why) => Err(why),
                    };
                    let _ = tx.send(Msg::AttributePlanned { request, result });
                });
            }
            Effect::ApplyAttribute {
                conn,
                request,
                prepared,
            } => {
                let engine = self.engine(conn);
                self.spawn(Some(conn), request, async move {
                    let result = match engine {
                        Ok(engine) => engine
                            .execute_attribute(&prepared, &Interrupt::never())
                            .await
                            .map(|executed| attribute_outcomes(&executed))
                            .map_err(|e| e.to_string()),
                        Err(why) => Err(why),
                    };
                    let _ = tx.send(Msg::AttributeApplied { request, result });
                });
            }
            Effect::Audit { request, targets } => {
                for (conn, ids) in targets {
                    let Some(directory) = self.directory(conn) else {
                        continue;
                    };
                    let task = audit(directory, tx.clone(), request, conn, ids);
                    self.spawn(Some(conn), request, task);
                }
            }
            Effect::FindPerson { request, lookups } => {
                for (conn, lookup) in lookups {
                    let Some(directory) = self.directory(conn) else {
                        continue;
                    };
                    let tx = tx.clone();
                    self.spawn(Some(conn), request, async move {
                        let result = find_person(&directory, lookup).await;
                        let _ = tx.send(Msg::PersonFound {
                            request,
                            conn,
                            result,
                        });
                    });
                }
            }
            Effect::Export { path, findings } => {
                self.spawn(None, 0, async move {
                    let result = match ExportFormat::for_path(&path) {
                        Ok(format) => tokio::fs::write(&path, render_export(format, &findings))
                            .await
                            .map(|()| path.clone())
                            .map_err(|e| format!("cannot write {}: {e}", path.display())),
                        Err(why) => Err(why),
                    };
                    let _ = tx.send(Msg::Exported { result });
                });
            }
            Effect::ExpireToast { id, after } => {
                self.spawn(None, id, async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Msg::ToastExpired(id));
                });
            }
            Effect::Wake { request, after } => {
                self.spawn(None, request, async move {
                    tokio::time::sleep(after).await;
                    let _ = tx.send(Msg::Woken { request });
                });
            }
            Effect::PlanBatch {
                conn,
                request,
                action,
                keys,
                edits,
            } => {
                let work = super::batch::Work {
                    engine: self.engine(conn),
                    window: self.item_window(conn),
                    tx,
                    request,
                };
                let task = super::batch::plan(work, action, keys, edits);
                self.spawn(Some(conn), request, task);
            }
            Effect::PrepareUndo {
                conn,
                request,
                entry,
            } => {
                let work = super::batch::Work {
                    engine: self.engine(conn),
                    window: self.item_window(conn),
                    tx,
                    request,
                };
                let task = super::batch::prepare_undo(work, *entry);
                self.spawn(Some(conn), request, task);
            }
            Effect::RunBatch {
                conn,
                request,
                work,
            } => {
                let (handle, interrupt) = Interrupt::pair();
                self.stops.insert(request, handle);
                let task = super::batch::run(
                    super::batch::Work {
                        engine: self.engine(conn),
                        window: self.item_window(conn),
                        tx,
                        request,
                    },
                    work,
                    interrupt,
                );
                self.spawn(Some(conn), request, task);
            }
            Effect::StopBatch { request } => {
                // 130: what a Ctrl-C means; the batch stops after the items in flight.
                if let Some(handle) = self.stops.remove(&request) {
                    handle.fire(130);
                }
            }
            Effect::LoadJournal { request } => {
                let task = super::batch::load_journal(self.journal.clone(), tx, request);
                self.spawn(None, request, task);
            }
            Effect::Copy { .. } | Effect::EditExternally { .. } => {}
        }
    }
}

async fn audit(
    directory: AnyDirectory,
    tx: UnboundedSender<Msg>,
    request: RequestId,
    conn: usize,
    ids: Option<Vec<String>>,
) {
    let ids = match ids {
        Some(ids) => ids,
        None => match directory.collect_users(&ListQuery::default()).await {
            Ok(users) => users.into_iter().map(|u| u.id).collect(),
            Err(error) => {
                let _ = tx.send(Msg::AuditSized {
                    request,
                    conn,
                    result: Err(error),
                });
                return;
            }
        },
    };
    let _ = tx.send(Msg::AuditSized {
        request,
        conn,
        result: Ok(ids.len()),
    });
    // Each record is audited here and dropped: only its findings travel to the browser.
    let mut reads = futures::stream::iter(ids)
        .map(|id| {
            let directory = directory.clone();
            async move { directory.read_user(&id).await.map(|r| audit_user(&r)) }
        })
        .buffer_unordered(READ_CONCURRENCY)
        .ready_chunks(AUDIT_BATCH);
    while let Some(audits) = reads.next().await {
        if tx
            .send(Msg::AuditRead {
                request,
                conn,
                audits,
                last: false,
            })
            .is_err()
        {
            return;
        }
    }
    let _ = tx.send(Msg::AuditRead {
        request,
        conn,
        audits: Vec::new(),
        last: true,
    });
}

async fn find_person(
    directory: &AnyDirectory,
    lookup: PersonLookup,
) -> Result<Option<Box<UserRecord>>, ServiceError> {
    match lookup {
        PersonLookup::Read(id) => match directory.read_user(&id).await {
            Ok(record) => Ok(Some(Box::new(record))),
            Err(ServiceError::NotFound(_)) => Ok(None),
            Err(error) => Err(error),
        },
        PersonLookup::Find(keys) => {
            for key in keys {
                match directory.find_user(&key).await {
                    Ok(record) => {
                        let same = |v: &Option<String>| {
                            v.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(&key))
                        };
                        if same(&record.email) || same(&record.username) {
                            return Ok(Some(Box::new(record)));
                        }
                    }
                    Err(ServiceError::NotFound(_)) => {}
                    Err(error) => return Err(error),
                }
            }
            Ok(None)
        }
    }
}

/// Sends a confirmed plan through the write engine (which re-reads, re-plans, journals ahead,
/// sends, resolves and verifies). Returns the id of the user written.
async fn send_confirmed(
    engine: &WriteEngine,
    user_id: Option<&str>,
    edit: crate::domain::Edit,
    plan: crate::service::WritePlan,
) -> Result<Option<String>, ServiceError> {
    let target = match user_id {
        Some(id) => Some(engine.directory().read_user(id).await?),
        None => None,
    };
    let prepared = Prepared {
        target,
        items: vec![PreparedItem { edit, plan }],
        action: None,
        title: None,
        precondition: None,
        batch: None,
    };
    let executed = engine
        .execute(&prepared, &Interrupt::never())
        .await
        .map_err(|error| match error {
            crate::write::WriteError::Service(error) => error,
            other => ServiceError::Invalid(other.to_string()),
        })?;
    let item = executed.items.first();
    match item.and_then(|i| i.entry.as_ref()) {
        Some(entry) if entry.outcome == crate::journal::Outcome::Written => {
            Ok(entry.user_id.clone().or_else(|| user_id.map(str::to_owned)))
        }
        Some(entry) => Err(ServiceError::Invalid(format!(
            "{}: {}",
            entry.outcome.describe(),
            entry.error.clone().unwrap_or_default()
        ))),
        None => Err(ServiceError::Invalid(
            item.and_then(|i| i.not_sent.clone())
                .unwrap_or_else(|| "not sent".to_owned()),
        )),
    }
}

/// The last write of the engine's connection, planned for revert: its user as it is now and
/// the edit that reverts it (the engine refuses entries it cannot revert, and says why).
async fn find_undo(engine: &WriteEngine) -> Result<(Box<UserRecord>, crate::domain::Edit), String> {
    let entries = engine.journal().entries().map_err(|e| e.to_string())?;
    let entry = crate::write::undo::pick_entry(&entries, None, Some(engine.connection()))?;
    if let Some(attribute) = &entry.attribute {
        // An attribute-level revert has a blast radius: it is previewed in the journal view.
        return Err(format!(
            "entry {} changed the attribute {}: revert it in the journal view (L, then z)",
            entry.id,
            crate::text::sanitize(&attribute.name)
        ));
    }
    let prepared = engine
        .prepare_undo(entry)
        .await
        .map_err(|e| e.to_string())?;
    let edit = prepared
        .items
        .into_iter()
        .next()
        .map(|i| i.edit)
        .ok_or("the entry has nothing to revert")?;
    let record = prepared.target.ok_or("the entry names no user")?;
    Ok((Box::new(record), edit))
}

/// One line per item of an attribute-level write: its summary and what became of it.
fn attribute_outcomes(executed: &crate::write::Executed) -> Vec<String> {
    executed
        .items
        .iter()
        .map(|item| match (&item.entry, &item.not_sent) {
            (Some(entry), _) => format!(
                "{}: {} (journal entry {})",
                item.summary,
                entry.outcome.describe(),
                entry.id
            ),
            (None, Some(why)) => format!("{}: not sent: {why}", item.summary),
            (None, None) => format!("{}: not sent", item.summary),
        })
        .collect()
}
