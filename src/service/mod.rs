//! Service clients behind one small interface over domain types.
//!
//! Each API has its own module (wire types, auth, paging, mapping to the domain); [`AnyDirectory`]
//! dispatches to them so that the command line and the browser never name a service's types.
//! Nothing here draws or prints.

pub mod crowd;
pub mod error;
pub mod http;
pub mod looker;
pub mod numbers;
pub mod pace;
pub mod paging;
pub mod plan;
pub mod probe;
pub mod scim;
pub mod target;
pub mod window;

use std::time::Duration;

use crate::config::Connection;
use crate::domain::{Edit, ServiceKind, UserRecord, UserSummary};
pub use error::ServiceError;
use http::HttpClient;
pub use plan::{Observed, PlannedRequest, WritePlan};

/// Options that apply to every connection of a run.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Refuse every write (the global `--read-only`).
    pub read_only: bool,
    /// Allow plain `http://` to hosts other than loopback.
    pub insecure: bool,
    /// Where waits for rate limits are announced (the browser shows them).
    pub notices: Option<http::Notices>,
    /// The overall deadline of each operation (a listing, a read, a write with its retries), the
    /// global `--timeout`; it overrides the connection's own `timeout`.
    pub timeout: Option<Duration>,
}

/// What a listing asks for.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    /// Text to search for (server-side where the service can, then locally).
    pub filter: Option<String>,
    /// Stop after this many users.
    pub limit: Option<usize>,
    /// Held back by a consumer that queues the users (an audit): such a listing lasts as long as
    /// its consumer, so the overall deadline bounds each of its waits instead of the whole.
    pub pace: Option<pace::Pace>,
}

/// One page of a listing, delivered as it arrives.
#[derive(Debug, Clone)]
pub struct UsersPage {
    /// The users of this page, in service order.
    pub users: Vec<UserSummary>,
    /// The total the service announced, when it announces a believable one. When the listing
    /// ends and the total proved wrong, one last page without users carries the number actually
    /// listed, so "N of M" never shows a total the service lied about.
    pub total: Option<usize>,
    /// Users of this page that an earlier page had listed already; they were removed.
    pub duplicates_removed: usize,
}

/// The kinds of edit a service offers, so editors show only what works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Attribute set and unset.
    pub attributes: bool,
    /// An attribute may hold several values.
    pub multi_valued_attributes: bool,
    /// Partial update of user fields.
    pub update: bool,
    /// Full replace of the resource.
    pub replace: bool,
    /// Creating users.
    pub create: bool,
}

/// The operations the command line and the browser use, implemented once per service.
pub trait Directory {
    /// Which service this is.
    fn kind(&self) -> ServiceKind;

    /// The edits this service offers.
    fn capabilities(&self) -> Capabilities;

    /// Lists users page by page, calling `on_page` as each page arrives (in order).
    fn list_users(
        &self,
        query: &ListQuery,
        on_page: &mut (dyn FnMut(UsersPage) + Send),
    ) -> impl Future<Output = Result<(), ServiceError>> + Send;

    /// Finds one user by id, username or email and reads the full record.
    fn find_user(&self, key: &str)
    -> impl Future<Output = Result<UserRecord, ServiceError>> + Send;

    /// Reads the full record of a user by the service's id.
    fn read_user(&self, id: &str) -> impl Future<Output = Result<UserRecord, ServiceError>> + Send;

    /// Builds the requests for an edit of `record` (None for a create); sends nothing.
    fn plan(
        &self,
        record: Option<&UserRecord>,
        edit: &Edit,
    ) -> impl Future<Output = Result<WritePlan, ServiceError>> + Send;

    /// Sends one request of a plan, as planned (the HTTP layer retries it only when it is
    /// idempotent). For the request that creates a user, the answer's id of the new user.
    fn send(
        &self,
        request: &PlannedRequest,
    ) -> impl Future<Output = Result<Sent, ServiceError>> + Send;

    /// The ids of the users that a create request would make, found now by the request's
    /// unique key with exact matching (SCIM `userName`, Crowd `name`, Looker email — or first
    /// and last name when the create has no email). Read before and after a create whose
    /// answer was lost, it tells whether the create happened without sending it again.
    fn created_candidates(
        &self,
        request: &PlannedRequest,
    ) -> impl Future<Output = Result<Vec<String>, ServiceError>> + Send;

    /// The value of one field of a plan's changes, read from a record the way the plan shows
    /// `before` and `after`, so that a record read after a write can be compared with the plan.
    fn observe(&self, record: &UserRecord, field: &str) -> Observed;
}

/// What a service answered to one request of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sent {
    /// The id of the user a create made, when the answer named it.
    pub created_id: Option<String>,
}

/// The most requests in flight on a connection of `kind` whose config sets no `max_concurrency`;
/// each default and its source are documented beside it in the service's client.
pub fn default_max_concurrency(kind: ServiceKind) -> usize {
    match kind {
        ServiceKind::Crowd => crowd::client::DEFAULT_MAX_CONCURRENCY,
        ServiceKind::Looker => looker::client::DEFAULT_MAX_CONCURRENCY,
        ServiceKind::Scim => scim::client::DEFAULT_MAX_CONCURRENCY,
    }
}

/// One open connection of any kind.
#[derive(Debug, Clone)]
pub enum AnyDirectory {
    /// An Atlassian Crowd `usermanagement/1` connection.
    Crowd(crowd::Client),
    /// A Looker API 4.0 connection.
    Looker(looker::Client),
    /// An Atlassian Cloud user provisioning (SCIM 2.0) connection.
    Scim(scim::Client),
}

macro_rules! dispatch {
    ($self:expr, $client:ident => $call:expr) => {
        match $self {
            AnyDirectory::Crowd($client) => $call,
            AnyDirectory::Looker($client) => $call,
            AnyDirectory::Scim($client) => $call,
        }
    };
}

/// Runs one operation of the service within the connection's overall deadline.
macro_rules! within_deadline {
    ($self:expr, $client:ident => $call:expr) => {
        dispatch!($self, $client => $client.http().within_deadline($call).await)
    };
}

impl AnyDirectory {
    /// Opens a connection: checks the transport and builds the client (no request is sent yet).
    ///
    /// The overall deadline of each operation is `--timeout`, else the connection's `timeout`,
    /// else [`http::Timeouts::default`]. Every request of the connection goes through one
    /// request window of at most the connection's `max_concurrency`, else its service's default
    /// (`DEFAULT_MAX_CONCURRENCY` in each client).
    pub fn open(connection: &Connection, options: OpenOptions) -> Result<Self, ServiceError> {
        http::check_transport(&connection.url, options.insecure).map_err(ServiceError::Invalid)?;
        let mut timeouts = http::Timeouts::default();
        if let Some(overall) = options.timeout.or(connection.timeout) {
            timeouts.overall = overall;
        }
        let http = HttpClient::new(&connection.name, options.read_only || connection.read_only)?
            .with_timeouts(timeouts)?
            .for_server(&connection.url)
            .with_notices(options.notices)
            .with_max_concurrency(
                connection
                    .max_concurrency
                    .unwrap_or_else(|| default_max_concurrency(connection.kind)),
            );
        Ok(match connection.kind {
            ServiceKind::Crowd => Self::Crowd(crowd::Client::new(http, connection)?),
            ServiceKind::Looker => Self::Looker(looker::Client::new(http, connection)?),
            ServiceKind::Scim => Self::Scim(scim::Client::new(http, connection)?),
        })
    }

    /// Which service this is.
    pub fn kind(&self) -> ServiceKind {
        dispatch!(self, c => c.kind())
    }

    /// The connection's request window: how many requests may be in flight now, and at most.
    pub fn window(&self) -> &window::Window {
        dispatch!(self, c => c.http().window())
    }

    /// The overall deadline of one operation of this connection.
    pub fn overall_deadline(&self) -> Duration {
        dispatch!(self, c => c.http().timeouts().overall)
    }

    /// How many reads a caller may start at once on this connection (the bound of a stream's
    /// `buffered`): the window's maximum. The window decides how many of them reach the server;
    /// a smaller bound would keep it from ever widening to its maximum.
    pub fn reads_in_flight(&self) -> usize {
        self.window().max()
    }

    /// True when the connection refuses every write (per connection or `--read-only`).
    pub fn refuses_writes(&self) -> bool {
        dispatch!(self, c => c.http().is_read_only())
    }

    /// See [`Directory::capabilities`].
    pub fn capabilities(&self) -> Capabilities {
        dispatch!(self, c => c.capabilities())
    }

    /// See [`Directory::list_users`].
    pub async fn list_users(
        &self,
        query: &ListQuery,
        on_page: &mut (dyn FnMut(UsersPage) + Send),
    ) -> Result<(), ServiceError> {
        if query.pace.is_some() {
            // Page requests are bounded by their attempts, waits for room by the pace.
            return dispatch!(self, c => c.list_users(query, on_page).await);
        }
        within_deadline!(self, c => c.list_users(query, on_page))
    }

    /// Lists users into one vector.
    pub async fn collect_users(&self, query: &ListQuery) -> Result<Vec<UserSummary>, ServiceError> {
        let mut users = Vec::new();
        self.list_users(query, &mut |page| users.extend(page.users))
            .await?;
        Ok(users)
    }

    /// See [`Directory::find_user`].
    pub async fn find_user(&self, key: &str) -> Result<UserRecord, ServiceError> {
        within_deadline!(self, c => c.find_user(key))
    }

    /// See [`Directory::read_user`].
    pub async fn read_user(&self, id: &str) -> Result<UserRecord, ServiceError> {
        within_deadline!(self, c => c.read_user(id))
    }

    /// See [`Directory::plan`]. Changes of secret fields come back masked, whatever the service.
    pub async fn plan(
        &self,
        record: Option<&UserRecord>,
        edit: &Edit,
    ) -> Result<WritePlan, ServiceError> {
        let mut plan = within_deadline!(self, c => c.plan(record, edit))?;
        plan.mask_secret_changes();
        Ok(plan)
    }

    /// See [`Directory::send`]. Only the write engine (`crate::write`) calls this.
    pub async fn send(&self, request: &PlannedRequest) -> Result<Sent, ServiceError> {
        within_deadline!(self, c => Directory::send(c, request))
    }

    /// See [`Directory::created_candidates`].
    pub async fn created_candidates(
        &self,
        request: &PlannedRequest,
    ) -> Result<Vec<String>, ServiceError> {
        within_deadline!(self, c => c.created_candidates(request))
    }

    /// See [`Directory::observe`].
    pub fn observe(&self, record: &UserRecord, field: &str) -> Observed {
        dispatch!(self, c => c.observe(record, field))
    }
}
