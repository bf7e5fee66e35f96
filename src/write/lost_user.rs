//! How a user write whose answer was lost learns whether it landed: by reading the user back
//! and comparing each field with the plan, or, for a create, by looking the new user up by its
//! unique key. The engine's delivery asks this only after a failure that may hide a landed write;
//! nothing here sends a write.

use super::engine::{Attempt, LostAnswers, WriteEngine};
use super::verify::{self, Evidence};
use crate::service::{PlannedRequest, ServiceError, WritePlan};
use crate::text::sanitize;

impl WriteEngine {
    /// Learns, by reading the user (or looking a create up by its unique key), whether a user
    /// write whose answer was lost landed.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn learn_user(
        &self,
        error: ServiceError,
        request: &PlannedRequest,
        plan: &WritePlan,
        index: usize,
        user_id: Option<&str>,
        existing: &[String],
        notes: &mut Vec<String>,
    ) -> Attempt {
        // A failed precondition (SCIM 412) is a refusal, unless it met our own write: a retry
        // after an answer that was lost finds the version that write made.
        let refused_precondition = matches!(error, ServiceError::Conflict(_));
        let lost = error.to_string();
        if request.creates_user {
            return match self.directory().created_candidates(request).await {
                Ok(found) => {
                    let new: Vec<String> = found
                        .into_iter()
                        .filter(|id| !existing.contains(id))
                        .collect();
                    match new.as_slice() {
                        [id] => {
                            notes.push(format!(
                                "the answer was lost ({lost}); the user exists now (id {}), so the create happened and was not sent again",
                                sanitize(id)
                            ));
                            Attempt::Landed(Some(id.clone()))
                        }
                        [] => Attempt::NotLanded(format!(
                            "{lost}; no such user exists, so the create did not happen"
                        )),
                        several => Attempt::Unknown(format!(
                            "{lost}; {} new users match the create ({}), roster cannot tell which it made",
                            several.len(),
                            several.join(", ")
                        )),
                    }
                }
                Err(lookup) => Attempt::Unknown(format!(
                    "{lost}; looking the user up failed too ({lookup}): check in the service whether it exists"
                )),
            };
        }
        let Some(id) = user_id else {
            return Attempt::Unknown(lost);
        };
        match self.directory().read_user(id).await {
            Ok(record) => {
                match verify::evidence(self.directory(), &record, plan, &plan.fields_of(index)) {
                    Evidence::Landed => {
                        notes.push(format!(
                            "the answer was lost ({lost}); reading the user shows the change was made"
                        ));
                        Attempt::Landed(None)
                    }
                    _ if refused_precondition => Attempt::Refused(lost),
                    Evidence::NotApplied => Attempt::NotLanded(format!(
                        "{lost}; reading the user shows the change was not made"
                    )),
                    Evidence::Unclear(why) => Attempt::Unknown(format!(
                        "{lost}; reading the user cannot tell whether it landed ({why}): `roster show` it to check"
                    )),
                }
            }
            Err(read) => Attempt::Unknown(format!(
                "{lost}; the user could not be read to learn whether it landed ({read}): `roster show` it to check"
            )),
        }
    }
}

/// Learns about a user write by reading the user (or looking a create up).
pub(super) struct ReadTheUser<'a> {
    /// The plan being sent.
    pub plan: &'a WritePlan,
    /// The user written (a create's new id, once it landed).
    pub user_id: Option<String>,
    /// The users a create's unique key found before it was sent.
    pub existing: &'a [String],
}

impl LostAnswers for ReadTheUser<'_> {
    fn learn(
        &mut self,
        engine: &WriteEngine,
        index: usize,
        error: ServiceError,
        notes: &mut Vec<String>,
    ) -> impl std::future::Future<Output = Attempt> + Send {
        engine.learn_user(
            error,
            &self.plan.requests[index],
            self.plan,
            index,
            self.user_id.as_deref(),
            self.existing,
            notes,
        )
    }

    fn landed(&mut self, created: Option<String>) {
        if created.is_some() {
            self.user_id = created;
        }
    }
}
