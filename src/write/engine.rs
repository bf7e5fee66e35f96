//! The write engine: the one path every write takes, from the command line and the browser alike.
//!
//! `prepare` resolves the target exactly, reads it and lets the service plan each edit (nothing
//! is sent); the front end shows the plans and asks for confirmation in its own way; `execute`
//! then, holding the target's lock, re-reads the record and re-plans (a change since the preview
//! stops everything), checks any precondition (undo's "still as that write left it"), journals
//! each write as `pending` and flushes it, sends its requests one by one, classifies each answer
//! — and, when an answer is lost, reads the record (or looks a create up by its unique key) to
//! learn whether it landed instead of guessing — reads the record after the write to verify every
//! field, and completes the journal entry with a truthful outcome.

use serde_json::Value;

use super::interrupt::Interrupt;
use super::lock::{TargetLock, TargetLocks};
use super::lost_user::ReadTheUser;
use super::sequence::Sequence;
use super::verify;
use crate::domain::{Edit, UserRecord};
use crate::journal::{
    FieldCheck, Journal, JournalEntry, JournalError, JournalRequest, Outcome, RequestStatus,
    ServerIdentity, UndoRecipe,
};
use crate::service::plan::{conflict, scrub, shown_url};
use crate::service::{AnyDirectory, PlannedRequest, ServiceError, WritePlan};

/// A write that could not be made; nothing was sent.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// The service failed or refused before any write was sent (lookup, read, plan), or the
    /// record changed since the preview (`ServiceError::Conflict`).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// The journal could not record the write, so it was not sent.
    #[error("{0}; nothing was sent")]
    Journal(#[from] JournalError),
    /// A precondition refused the write (undo: the fields no longer hold what that write left;
    /// the entry belongs to another server; another process holds the user).
    #[error("{0}")]
    Refused(String),
}

/// One edit and the plan the service made for it.
#[derive(Debug, Clone)]
pub struct PreparedItem {
    /// The edit, re-planned from a fresh read just before sending.
    pub edit: Edit,
    /// The plan that was previewed and confirmed.
    pub plan: WritePlan,
}

/// A precondition checked on the fresh record just before sending.
#[derive(Debug, Clone)]
pub struct StillAsWritten {
    /// The journal entry being reverted.
    pub entry: u64,
    /// The changes of that entry that landed: each field must still hold its `after`.
    pub changes: Vec<crate::domain::FieldChange>,
}

/// Everything a write will do, planned and not yet sent.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The user written, as read for the plan (None for a create).
    pub target: Option<UserRecord>,
    /// One item per edit, sent in order.
    pub items: Vec<PreparedItem>,
    /// The journal's action, when it is not the edit's verb (`undo 12`).
    pub action: Option<String>,
    /// What the preview is titled (undo names the entry it reverts).
    pub title: Option<String>,
    /// A check on the fresh record before sending (undo).
    pub precondition: Option<StillAsWritten>,
    /// The bulk edit the items belong to.
    pub batch: Option<String>,
}

impl Prepared {
    /// The plans, in order.
    pub fn plans(&self) -> impl Iterator<Item = &WritePlan> {
        self.items.iter().map(|i| &i.plan)
    }

    /// The preview: the title, then every plan (requests with secrets masked).
    pub fn describe(&self) -> String {
        let mut text = String::new();
        if let Some(title) = &self.title {
            text.push_str(title);
            text.push_str("\n\n");
        }
        text.push_str(
            &self
                .plans()
                .map(WritePlan::describe)
                .collect::<Vec<_>>()
                .join("\n"),
        );
        text
    }

    /// How many requests it sends.
    pub fn request_count(&self) -> usize {
        self.plans().map(|p| p.requests.len()).sum()
    }
}

/// What became of one item.
#[derive(Debug, Clone)]
pub struct ItemReport {
    /// The plan's summary.
    pub summary: String,
    /// The journal entry as completed (None when the item was not sent).
    pub entry: Option<JournalEntry>,
    /// The reason the item was not sent, when it was not.
    pub not_sent: Option<String>,
    /// Things people should know: an answer that was lost, a field that did not stick.
    pub notes: Vec<String>,
}

impl ItemReport {
    /// The item's outcome (None when it was not sent).
    pub fn outcome(&self) -> Option<Outcome> {
        self.entry.as_ref().map(|e| e.outcome)
    }

    /// The fields read back after the write.
    pub fn checks(&self) -> &[FieldCheck] {
        self.entry.as_ref().map_or(&[], |e| &e.verification)
    }
}

/// What a confirmed write did.
#[derive(Debug, Clone)]
pub struct Executed {
    /// One report per prepared item, in order.
    pub items: Vec<ItemReport>,
    /// The user as read after the last write, when it could be read.
    pub after: Option<UserRecord>,
    /// The exit code of the signal that interrupted the write, if one did.
    pub interrupted: Option<i32>,
}

impl Executed {
    /// True when every item was written.
    pub fn all_written(&self) -> bool {
        self.items
            .iter()
            .all(|i| i.outcome() == Some(Outcome::Written))
    }

    /// True when a field read back after a write is not as intended.
    pub fn any_unstuck(&self) -> bool {
        self.items.iter().any(|i| {
            i.entry
                .as_ref()
                .is_some_and(|e| e.unstuck().next().is_some())
        })
    }

    /// The id of the user a create made.
    pub fn created_id(&self) -> Option<&str> {
        self.items
            .iter()
            .find_map(|i| i.entry.as_ref()?.user_id.as_deref())
    }
}

/// The engine of one connection.
#[derive(Debug, Clone)]
pub struct WriteEngine {
    directory: AnyDirectory,
    journal: Journal,
    locks: TargetLocks,
    connection: String,
    server: ServerIdentity,
}

/// What became of one request.
enum Delivery {
    Landed(Option<String>),
    NotApplied(String),
    Unknown(String),
}

impl WriteEngine {
    /// The engine for one open connection, journaling to `journal`.
    pub fn new(
        directory: AnyDirectory,
        journal: Journal,
        connection: &str,
        server: ServerIdentity,
    ) -> Self {
        let locks = TargetLocks::in_dir(
            journal
                .path()
                .parent()
                .map_or_else(|| std::path::PathBuf::from("locks"), |d| d.join("locks")),
        );
        Self {
            directory,
            journal,
            locks,
            connection: connection.to_owned(),
            server,
        }
    }

    /// The connection's service.
    pub fn directory(&self) -> &AnyDirectory {
        &self.directory
    }

    /// The journal it writes to.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The connection's name.
    pub fn connection(&self) -> &str {
        &self.connection
    }

    /// The server it writes to.
    pub fn server(&self) -> &ServerIdentity {
        &self.server
    }

    /// Finds the one user `key` names (exactly), reads it and plans every edit.
    pub async fn prepare(&self, key: &str, edits: Vec<Edit>) -> Result<Prepared, WriteError> {
        let record = self.directory.find_user(key).await?;
        self.prepare_for(record, edits).await
    }

    /// Plans every edit of a user already read.
    pub async fn prepare_for(
        &self,
        record: UserRecord,
        edits: Vec<Edit>,
    ) -> Result<Prepared, WriteError> {
        let mut items = Vec::with_capacity(edits.len());
        for edit in edits {
            let plan = self.directory.plan(Some(&record), &edit).await?;
            items.push(PreparedItem { edit, plan });
        }
        Ok(Prepared {
            target: Some(record),
            items,
            action: None,
            title: None,
            precondition: None,
            batch: None,
        })
    }

    /// Plans a create.
    pub async fn prepare_create(&self, resource: Value) -> Result<Prepared, WriteError> {
        let edit = Edit::Create { resource };
        let plan = self.directory.plan(None, &edit).await?;
        Ok(Prepared {
            target: None,
            items: vec![PreparedItem { edit, plan }],
            action: None,
            title: None,
            precondition: None,
            batch: None,
        })
    }

    /// Sends a confirmed write: re-read, re-plan, check, journal, send, resolve, verify,
    /// complete. Returns `Err` only when nothing was sent.
    pub async fn execute(
        &self,
        prepared: &Prepared,
        interrupt: &Interrupt,
    ) -> Result<Executed, WriteError> {
        if self.directory.refuses_writes() {
            let (method, path) = prepared
                .plans()
                .flat_map(|p| p.requests.first())
                .next()
                .map_or_else(Default::default, |r| {
                    (r.method.to_string(), r.url.path().to_owned())
                });
            return Err(ServiceError::ReadOnly {
                connection: self.connection.clone(),
                method,
                path,
            }
            .into());
        }
        match &prepared.target {
            Some(record) => self.execute_on(prepared, record, interrupt).await,
            None => self.execute_create(prepared, interrupt).await,
        }
    }

    pub(super) async fn lock(&self, user_id: &str) -> Result<TargetLock, WriteError> {
        self.locks
            .acquire(&self.server.url, user_id)
            .await
            .map_err(WriteError::Refused)
    }

    async fn execute_on(
        &self,
        prepared: &Prepared,
        record: &UserRecord,
        interrupt: &Interrupt,
    ) -> Result<Executed, WriteError> {
        let _lock = self.lock(&record.id).await?;
        // Re-read and re-plan everything before sending anything.
        let mut current = self.directory.read_user(&record.id).await?;
        let mut plans = Vec::with_capacity(prepared.items.len());
        for item in &prepared.items {
            let now = self.directory.plan(Some(&current), &item.edit).await?;
            if let Some(conflict) = conflict(&item.plan, &now) {
                return Err(ServiceError::Conflict(conflict).into());
            }
            plans.push(now);
        }
        if let Some(precondition) = &prepared.precondition {
            self.check_still_as_written(&current, precondition)?;
        }
        let mut run = Sequence::default();
        for (index, item) in prepared.items.iter().enumerate() {
            if run.skipped(&item.plan) {
                continue;
            }
            let plan = if index == 0 {
                plans[0].clone()
            } else {
                // The previous write changed the record (and its version): plan again from it.
                match replanned(
                    &plans[index],
                    self.directory.plan(Some(&current), &item.edit).await,
                ) {
                    Ok(now) => now,
                    Err(why) => {
                        run.refused(&item.plan, why);
                        continue;
                    }
                }
            };
            let entry = self
                .begin(prepared, Some(&current), &item.edit, &plan)
                .await?;
            let sent = self
                .send_item(entry, &plan, Some(&current.id), Vec::new(), interrupt)
                .await;
            if let Some(record) = sent.after {
                current = record;
            }
            run.sent(sent.report, sent.interrupted);
        }
        let after = self.directory.read_user(&record.id).await.ok();
        Ok(run.finish(after))
    }

    async fn execute_create(
        &self,
        prepared: &Prepared,
        interrupt: &Interrupt,
    ) -> Result<Executed, WriteError> {
        let item = prepared
            .items
            .first()
            .ok_or_else(|| WriteError::Refused("nothing to create".to_owned()))?;
        // The users the create's unique key finds before it is sent, so that a lost answer can
        // be resolved by looking again: a new one among them is the user it made.
        let mut existing = Vec::new();
        if let Some(create) = item.plan.requests.iter().find(|r| r.creates_user) {
            existing = self.directory.created_candidates(create).await?;
        }
        let entry = self.begin(prepared, None, &item.edit, &item.plan).await?;
        let run = self
            .send_item(entry, &item.plan, None, existing, interrupt)
            .await;
        Ok(Executed {
            items: vec![run.report],
            after: run.after,
            interrupted: run.interrupted,
        })
    }

    fn check_still_as_written(
        &self,
        record: &UserRecord,
        precondition: &StillAsWritten,
    ) -> Result<(), WriteError> {
        verify::still_as_written(&|field| self.directory.observe(record, field), precondition)
            .map_err(WriteError::Refused)
    }

    /// Journals the write as pending (flushed) before anything is sent.
    async fn begin(
        &self,
        prepared: &Prepared,
        record: Option<&UserRecord>,
        edit: &Edit,
        plan: &WritePlan,
    ) -> Result<JournalEntry, WriteError> {
        let entry = JournalEntry {
            id: 0,
            time: crate::time::now_rfc3339(),
            connection: self.connection.clone(),
            server: Some(self.server.clone()),
            attribute: None,
            user: record.and_then(|r| r.username.clone()),
            user_id: record.map(|r| r.id.clone()),
            action: prepared
                .action
                .clone()
                .unwrap_or_else(|| edit.verb().to_owned()),
            summary: plan.summary.clone(),
            changes: plan.changes.clone(),
            requests: journal_requests(plan),
            outcome: Outcome::Pending,
            error: None,
            batch: prepared.batch.clone(),
            verification: Vec::new(),
            completed: None,
            undo: UndoRecipe::for_edit(record, edit),
        };
        Ok(self.journal.begin_shared(entry).await?)
    }

    /// Sends the requests of one journaled plan and completes its entry.
    async fn send_item(
        &self,
        mut entry: JournalEntry,
        plan: &WritePlan,
        user_id: Option<&str>,
        existing: Vec<String>,
        interrupt: &Interrupt,
    ) -> ItemRun {
        let secrets = plan.secret_values();
        let mut notes = Vec::new();
        let mut learner = ReadTheUser {
            plan,
            user_id: user_id.map(str::to_owned),
            existing: &existing,
        };
        let interrupted = self
            .send_requests(&mut entry, plan, &mut learner, &mut notes, interrupt)
            .await;
        let user_id = learner.user_id;
        if entry.user_id.is_none() {
            entry.user_id.clone_from(&user_id);
        }
        // Read the record after the write and check every field that landed.
        let mut after = None;
        let landed: Vec<String> = entry
            .requests
            .iter()
            .filter(|r| r.status == Some(RequestStatus::Landed))
            .flat_map(|r| r.fields.iter().cloned())
            .collect();
        if interrupted.is_none()
            && let Some(id) = &user_id
        {
            match self.directory.read_user(id).await {
                Ok(record) => {
                    if entry.user.is_none() {
                        entry.user.clone_from(&record.username);
                    }
                    entry.verification = verify::checks(&self.directory, &record, plan, &landed);
                    notes.extend(verify::describe_unstuck(&entry.verification));
                    after = Some(record);
                }
                Err(error) if !landed.is_empty() => notes.push(format!(
                    "the user could not be read after the write to verify it: {}",
                    scrub(&error.to_string(), &secrets)
                )),
                Err(_) => {}
            }
        }
        ItemRun {
            report: self.complete(entry, plan, notes).await,
            after,
            interrupted,
        }
    }

    /// Sends the requests of a journaled plan in order until one does not land, recording each
    /// one's status and the entry's outcome and error; `learn` reads the target back when an
    /// answer is lost. Returns the code of a signal that interrupted it.
    pub(super) async fn send_requests(
        &self,
        entry: &mut JournalEntry,
        plan: &WritePlan,
        learn: &mut impl LostAnswers,
        notes: &mut Vec<String>,
        interrupt: &Interrupt,
    ) -> Option<i32> {
        let secrets = plan.secret_values();
        let mut errors = Vec::new();
        let mut interrupted = None;
        for (index, request) in plan.requests.iter().enumerate() {
            entry.requests[index].status = Some(RequestStatus::Sent);
            let delivery = tokio::select! {
                biased;
                code = interrupt.fired() => {
                    interrupted = Some(code);
                    Delivery::Unknown(
                        "interrupted before the answer came; read it back to learn whether it landed"
                            .to_owned(),
                    )
                }
                delivery = self.deliver(request, index, learn, notes) => delivery,
            };
            let status = match delivery {
                Delivery::Landed(created) => {
                    learn.landed(created);
                    RequestStatus::Landed
                }
                Delivery::NotApplied(why) => {
                    errors.push(scrub(&why, &secrets));
                    RequestStatus::NotApplied
                }
                Delivery::Unknown(why) => {
                    errors.push(scrub(&why, &secrets));
                    RequestStatus::Unknown
                }
            };
            entry.requests[index].status = Some(status);
            if status != RequestStatus::Landed || interrupted.is_some() {
                break;
            }
        }
        entry.outcome = outcome_of(&entry.requests);
        entry.error = (!errors.is_empty()).then(|| errors.join("; "));
        interrupted
    }

    /// Completes a sent entry in the journal and reports it with its notes.
    pub(super) async fn complete(
        &self,
        mut entry: JournalEntry,
        plan: &WritePlan,
        mut notes: Vec<String>,
    ) -> ItemReport {
        entry.completed = Some(crate::time::now_rfc3339());
        if let Err(error) = self.journal.complete_shared(&entry).await {
            notes.push(format!(
                "the outcome could not be journaled ({error}); entry {} stays pending",
                entry.id
            ));
        }
        ItemReport {
            summary: plan.summary.clone(),
            entry: Some(entry),
            not_sent: None,
            notes,
        }
    }

    /// Sends one request until it lands, is refused, or its fate cannot be learned.
    ///
    /// The HTTP layer does not retry writes: a write whose answer is lost is never sent again
    /// blindly. Instead the user is read (a create is looked up by its unique key) and the
    /// request is sent again only when that shows it did not land; a rate limit is waited out
    /// (`Retry-After` honoured) and a refusal ends it. At most [`WRITE_ATTEMPTS`] sends.
    async fn deliver(
        &self,
        request: &PlannedRequest,
        index: usize,
        learn: &mut impl LostAnswers,
        notes: &mut Vec<String>,
    ) -> Delivery {
        let mut once = request.clone();
        once.idempotent = false;
        let mut attempt = 1;
        loop {
            let (outcome, wait) = match self.attempt(&once, index, learn, notes).await {
                Attempt::Landed(created) => return Delivery::Landed(created),
                Attempt::Unknown(why) => return Delivery::Unknown(why),
                Attempt::Refused(why) => return Delivery::NotApplied(why),
                Attempt::RateLimited(why, retry_after) => {
                    let wait = retry_after.map_or_else(|| backoff(attempt), |d| d.min(MAX_WAIT));
                    (why, wait)
                }
                Attempt::NotLanded(why) => (why, backoff(attempt)),
            };
            if attempt >= WRITE_ATTEMPTS {
                return Delivery::NotApplied(format!("{outcome} (after {attempt} attempts)"));
            }
            tracing::warn!(
                connection = %self.connection,
                attempt,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "a write did not land; sending it again"
            );
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One send, and what it taught: a failure whose answer may have been lost goes to `learn`,
    /// which reads the target to learn whether it landed.
    async fn attempt(
        &self,
        request: &PlannedRequest,
        index: usize,
        learn: &mut impl LostAnswers,
        notes: &mut Vec<String>,
    ) -> Attempt {
        let error = match self.directory.send(request).await {
            Ok(sent) => return Attempt::Landed(sent.created_id),
            Err(error) => error,
        };
        if let ServiceError::RateLimited { retry_after, .. } = &error {
            return Attempt::RateLimited(error.to_string(), *retry_after);
        }
        if !answer_may_be_lost(&error) {
            return Attempt::Refused(error.to_string());
        }
        learn.learn(self, index, error, notes).await
    }
}

/// How many times one write request is sent at most (each after learning the last did not land).
const WRITE_ATTEMPTS: u32 = 8;
/// The longest wait between two sends of a write, `Retry-After` included.
const MAX_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The wait before send number `attempt + 1`: 250 ms, doubling, at most 4 s.
fn backoff(attempt: u32) -> std::time::Duration {
    std::time::Duration::from_millis(250)
        .saturating_mul(1_u32 << attempt.saturating_sub(1).min(4))
        .min(std::time::Duration::from_secs(4))
}

/// How a write whose answer may have been lost learns whether it landed: by reading what it
/// wrote (a user, an attribute's group values).
pub(super) trait LostAnswers: Send {
    /// What reading shows about request `index` of the plan, which failed with `error`; what
    /// people should know goes to `notes`.
    fn learn(
        &mut self,
        engine: &WriteEngine,
        index: usize,
        error: ServiceError,
        notes: &mut Vec<String>,
    ) -> impl std::future::Future<Output = Attempt> + Send;

    /// A request landed (a create names the new user).
    fn landed(&mut self, _created: Option<String>) {}
}

/// What one send of a write taught.
pub(super) enum Attempt {
    /// It landed (the answer said so, or reading showed it); a create's new id.
    Landed(Option<String>),
    /// The service refused it: it did not land, and sending it again will not help.
    Refused(String),
    /// The service asked to wait: it did not land; send again after the wait.
    RateLimited(String, Option<std::time::Duration>),
    /// The answer was lost and reading showed it did not land: sending again is safe.
    NotLanded(String),
    /// Whether it landed cannot be learned.
    Unknown(String),
}

/// One item's run: its report, the record read after it, and an interruption.
struct ItemRun {
    report: ItemReport,
    after: Option<UserRecord>,
    interrupted: Option<i32>,
}

/// A plan made again from a fresh read between two items of one run: the new plan, or why the
/// run stops (it could not be made, or it differs from the confirmed one).
pub(super) fn replanned(
    confirmed: &WritePlan,
    now: Result<WritePlan, ServiceError>,
) -> Result<WritePlan, String> {
    let now = now.map_err(|error| error.to_string())?;
    match conflict(confirmed, &now) {
        None => Ok(now),
        Some(why) => Err(why),
    }
}

pub(super) fn not_sent(plan: &WritePlan, why: &str) -> ItemReport {
    ItemReport {
        summary: plan.summary.clone(),
        entry: None,
        not_sent: Some(why.to_owned()),
        notes: Vec::new(),
    }
}

/// True when a failed request may still have been applied: its answer was lost, cut, could
/// not be read, or was a server error, a timeout or a failed precondition (412, which SCIM's
/// client reports as a conflict: a retry of our own write that already landed meets it). A
/// refusal (other 4xx, rate limit, auth) means it was not.
fn answer_may_be_lost(error: &ServiceError) -> bool {
    match error {
        ServiceError::Transport { .. }
        | ServiceError::Decode { .. }
        | ServiceError::Conflict(_) => true,
        ServiceError::Status(status) => status.status >= 500 || matches!(status.status, 408 | 412),
        _ => false,
    }
}

/// A plan's requests as the journal records them before sending: masked bodies, not sent yet.
pub(super) fn journal_requests(plan: &WritePlan) -> Vec<JournalRequest> {
    plan.requests
        .iter()
        .enumerate()
        .map(|(index, request)| JournalRequest {
            method: request.method.to_string(),
            url: shown_url(&request.url),
            body: request.shown_body(),
            status: Some(RequestStatus::NotSent),
            fields: plan.fields_of(index),
        })
        .collect()
}

/// The entry's outcome from its requests' statuses.
fn outcome_of(requests: &[JournalRequest]) -> Outcome {
    let status = |r: &JournalRequest| r.status.unwrap_or(RequestStatus::NotSent);
    let landed = requests
        .iter()
        .filter(|r| status(r) == RequestStatus::Landed)
        .count();
    if requests
        .iter()
        .any(|r| matches!(status(r), RequestStatus::Unknown | RequestStatus::Sent))
    {
        Outcome::Unknown
    } else if landed == requests.len() {
        Outcome::Written
    } else if landed == 0 {
        Outcome::NotApplied
    } else {
        Outcome::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(status: RequestStatus) -> JournalRequest {
        JournalRequest {
            method: "PUT".to_owned(),
            url: "http://h".to_owned(),
            body: None,
            status: Some(status),
            fields: Vec::new(),
        }
    }

    #[test]
    fn outcomes_follow_the_requests() {
        use RequestStatus::*;
        let of = |statuses: &[RequestStatus]| {
            outcome_of(&statuses.iter().map(|s| request(*s)).collect::<Vec<_>>())
        };
        assert_eq!(of(&[Landed, Landed]), Outcome::Written);
        assert_eq!(of(&[Landed, NotApplied]), Outcome::Partial);
        assert_eq!(of(&[Landed, NotApplied, NotSent]), Outcome::Partial);
        assert_eq!(of(&[NotApplied, NotSent]), Outcome::NotApplied);
        assert_eq!(of(&[Landed, Unknown]), Outcome::Unknown);
        assert_eq!(of(&[Sent]), Outcome::Unknown);
    }

    #[test]
    fn only_unclear_failures_are_resolved_by_reading() {
        let status = |code| ServiceError::from_response(code, None, b"");
        assert!(answer_may_be_lost(&ServiceError::Transport {
            url: String::new(),
            message: "broken".to_owned()
        }));
        assert!(answer_may_be_lost(&status(502)));
        assert!(answer_may_be_lost(&status(412)));
        assert!(!answer_may_be_lost(&status(422)));
        assert!(!answer_may_be_lost(&status(429)));
        assert!(!answer_may_be_lost(&status(401)));
    }
}
