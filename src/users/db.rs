//! Reading and writing user accounts, their set-password links and the requests
//! for staff roles that a second administrator confirms.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{AccountChange, AccountStatus, GrantState, ValidUser};
use crate::{
    audit,
    auth::{Role, token},
    input::{parse_email, parse_name},
};

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    #[sqlx(default)]
    pub organisation_name: Option<String>,
    pub active: bool,
    #[serde(skip)]
    #[sqlx(default)]
    pub has_password: bool,
    #[serde(skip)]
    #[sqlx(default)]
    pub has_second_factor: bool,
    /// False for a new staff account whose role waits for confirmation or was refused.
    #[serde(skip)]
    #[sqlx(default)]
    pub role_confirmed: bool,
    /// The staff role waiting for a second administrator, if any.
    #[serde(skip)]
    #[sqlx(default)]
    pub pending_role: Option<Role>,
    /// Signs for their organisation (`crate::signatory`).
    #[sqlx(default)]
    pub signatory: bool,
}

impl User {
    /// The role the user has now; `None` while a new staff account's role is unconfirmed.
    pub fn role_in_force(&self) -> Option<Role> {
        self.role_confirmed.then_some(self.role)
    }

    pub fn status(&self) -> AccountStatus {
        AccountStatus::of(
            self.active,
            self.role_confirmed,
            self.pending_role,
            self.has_password,
        )
    }
}

/// Binds `GrantState::Pending` as `$1`: the queries that use it number theirs from `$2`.
const SELECT_USERS: &str =
    "SELECT u.id, u.email, u.name, u.role, u.organisation_id, o.name AS organisation_name,
        u.active, u.signatory, u.password_hash IS NOT NULL AS has_password,
        EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id) AS has_second_factor,
        user_role_confirmed(u.id, u.role) AS role_confirmed,
        (SELECT g.role FROM role_grants g WHERE g.user_id = u.id AND g.state = $1) AS pending_role
    FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id";

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT_USERS} WHERE u.id = $2"))
        .bind(GrantState::Pending)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The user, locked until the transaction ends: for a change decided from what it was.
pub async fn find_for_update(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT_USERS} WHERE u.id = $2 FOR UPDATE OF u"))
        .bind(GrantState::Pending)
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn all(db: &PgPool) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(&format!(
        "{SELECT_USERS} ORDER BY u.active DESC, u.role, o.name NULLS FIRST, u.name"
    ))
    .bind(GrantState::Pending)
    .fetch_all(db)
    .await
}

/// Inserts a new user; `users_email_key` tells that the address is taken.
pub async fn insert(conn: &mut PgConnection, user: &ValidUser, active: bool) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO users (id, email, name, role, organisation_id, active, signatory)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.role)
    .bind(user.organisation_id)
    .bind(active)
    .bind(user.signatory)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Saves the e-mail address, the name and whether the user signs for their organisation, and
/// the role and organisation when given. (A staff member's new address waits for a second
/// administrator: pass the address kept. Only a coordinator signs: `ValidUser` and
/// `users_signatory_is_coordinator` agree.)
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    user: &ValidUser,
    with_role: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET email = $2, name = $3, signatory = $7,
             role = CASE WHEN $6 THEN $4 ELSE role END,
             organisation_id = CASE WHEN $6 THEN $5 ELSE organisation_id END
         WHERE id = $1",
    )
    .bind(id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.role)
    .bind(user.organisation_id)
    .bind(with_role)
    .bind(user.signatory)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_active(conn: &mut PgConnection, id: Uuid, active: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(conn)
        .await?;
    Ok(())
}

/// Creates a one-time set-password link for the user; returns the link to show.
pub async fn create_password_link(
    conn: &mut PgConnection,
    public_url: &str,
    user_id: Uuid,
    why: crate::mail::PasswordLink,
) -> sqlx::Result<String> {
    let token = token::random();
    sqlx::query(
        "UPDATE password_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, expires_at)
         VALUES ($1, $2, now() + make_interval(hours => $3))",
    )
    .bind(token::hash(&token))
    .bind(user_id)
    .bind(why.valid_hours())
    .execute(conn)
    .await?;
    Ok(format!("{public_url}/losenord/{token}"))
}

/// Records a change to a user account in the audit log.
pub async fn record(
    conn: &mut PgConnection,
    actor: Option<Uuid>,
    action: &str,
    user_id: Uuid,
    before: Option<&User>,
    after: Option<Value>,
) -> sqlx::Result<()> {
    audit::Entry::new(actor, action, "user", user_id)
        .before(before.map(|u| json!(u)))
        .after(after)
        .record(conn)
        .await
}

/// A request for a staff role, with the names the pages show.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Grant {
    pub id: i64,
    pub user_id: Uuid,
    #[serde(skip)]
    pub user_name: String,
    #[serde(skip)]
    pub user_email: String,
    pub role: Role,
    pub from_role: Option<Role>,
    pub state: GrantState,
    pub requested_by: Option<Uuid>,
    #[serde(skip)]
    pub requested_by_name: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    #[serde(skip)]
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl Grant {
    /// The decision as the pages say it; a refusal by the one who asked is a withdrawal.
    pub fn decision_label(&self) -> &'static str {
        match self.state {
            GrantState::Pending => "Väntar på bekräftelse",
            GrantState::Confirmed => "Bekräftad",
            GrantState::Refused if self.decided_by == self.requested_by => "Tillbakadragen",
            GrantState::Refused => "Nekad",
        }
    }
}

const SELECT_GRANTS: &str = "SELECT g.id, g.user_id, u.name AS user_name, u.email AS user_email,
        g.role, g.from_role, g.state, g.requested_by, r.name AS requested_by_name, g.requested_at,
        COALESCE(g.confirmed_by, g.refused_by) AS decided_by, d.name AS decided_by_name,
        COALESCE(g.confirmed_at, g.refused_at) AS decided_at
    FROM role_grants g
    JOIN users u ON u.id = g.user_id
    LEFT JOIN users r ON r.id = g.requested_by
    LEFT JOIN users d ON d.id = COALESCE(g.confirmed_by, g.refused_by)";

pub async fn grant(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Grant>> {
    sqlx::query_as(&format!("{SELECT_GRANTS} WHERE g.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The requests waiting for a second administrator, oldest first.
pub async fn pending_grants(db: &PgPool) -> sqlx::Result<Vec<Grant>> {
    sqlx::query_as(&format!(
        "{SELECT_GRANTS} WHERE g.state = $1 ORDER BY g.requested_at, g.id"
    ))
    .bind(GrantState::Pending)
    .fetch_all(db)
    .await
}

/// The latest decided requests, newest first.
pub async fn decided_grants(db: &PgPool, limit: i64) -> sqlx::Result<Vec<Grant>> {
    sqlx::query_as(&format!(
        "{SELECT_GRANTS} WHERE g.state <> $2
         ORDER BY COALESCE(g.confirmed_at, g.refused_at) DESC, g.id DESC LIMIT $1"
    ))
    .bind(limit)
    .bind(GrantState::Pending)
    .fetch_all(db)
    .await
}

/// Roles and account changes waiting for a second administrator.
pub async fn count_pending_grants(db: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM role_grants WHERE state = $1)
              + (SELECT count(*) FROM account_requests WHERE state = $1)",
    )
    .bind(GrantState::Pending)
    .fetch_one(db)
    .await
}

/// Asks for a staff role for the user; `role_grants_one_pending` tells that one waits already.
pub async fn request_grant(
    conn: &mut PgConnection,
    user_id: Uuid,
    role: Role,
    from_role: Option<Role>,
    requested_by: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO role_grants (user_id, role, from_role, requested_by)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(user_id)
    .bind(role)
    .bind(from_role)
    .bind(requested_by)
    .fetch_one(conn)
    .await
}

/// Confirms a waiting request and gives the user its role: a new account is let in,
/// a coordinator leaves their organisation. False when it no longer waits (someone
/// else decided first). The schema refuses a confirmation by the one who asked.
pub async fn confirm_grant(
    conn: &mut PgConnection,
    grant: &Grant,
    confirmed_by: Uuid,
) -> sqlx::Result<bool> {
    let confirmed = sqlx::query(
        "UPDATE role_grants SET state = $3, confirmed_by = $2, confirmed_at = now()
         WHERE id = $1 AND state = $4",
    )
    .bind(grant.id)
    .bind(confirmed_by)
    .bind(GrantState::Confirmed)
    .bind(GrantState::Pending)
    .execute(&mut *conn)
    .await?;
    if confirmed.rows_affected() != 1 {
        return Ok(false);
    }
    // A staff member signs for no region: a coordinator's mark as signatory goes with the
    // organisation, and is recorded going.
    let was_signatory: bool = sqlx::query_scalar("SELECT signatory FROM users WHERE id = $1")
        .bind(grant.user_id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE users SET role = $2, organisation_id = NULL, signatory = false,
             active = active OR $3
         WHERE id = $1",
    )
    .bind(grant.user_id)
    .bind(grant.role)
    .bind(grant.from_role.is_none())
    .execute(&mut *conn)
    .await?;
    if was_signatory {
        record(
            conn,
            Some(confirmed_by),
            "user.signatory_set",
            grant.user_id,
            None,
            Some(json!({ "name": grant.user_name, "signatory": false, "role": grant.role })),
        )
        .await?;
    }
    Ok(true)
}

/// Refuses (or, by the one who asked, withdraws) a waiting request; the user keeps
/// the role in force. False when it no longer waits.
pub async fn refuse_grant(
    conn: &mut PgConnection,
    id: i64,
    refused_by: Uuid,
) -> sqlx::Result<bool> {
    let refused = sqlx::query(
        "UPDATE role_grants SET state = $3, refused_by = $2, refused_at = now()
         WHERE id = $1 AND state = $4",
    )
    .bind(id)
    .bind(refused_by)
    .bind(GrantState::Refused)
    .bind(GrantState::Pending)
    .execute(conn)
    .await?;
    Ok(refused.rows_affected() == 1)
}

/// A change to a staff account waiting for (or decided by) a second administrator.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct AccountRequest {
    pub id: i64,
    pub user_id: Uuid,
    #[serde(skip)]
    pub user_name: String,
    #[serde(skip)]
    pub user_email: String,
    pub change: AccountChange,
    pub new_email: Option<String>,
    pub identity_link: Option<Uuid>,
    #[serde(skip)]
    pub provider_name: Option<String>,
    pub state: GrantState,
    pub requested_by: Uuid,
    #[serde(skip)]
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    #[serde(skip)]
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl AccountRequest {
    /// What is asked for, as the pages say it.
    pub fn what(&self) -> String {
        match (&self.new_email, &self.provider_name) {
            (Some(email), _) => format!("{}: {email}", self.change.label()),
            (_, Some(provider)) => format!("{} ({provider})", self.change.label()),
            _ => self.change.label().to_string(),
        }
    }

    pub fn decision_label(&self) -> &'static str {
        match self.state {
            GrantState::Pending => "Väntar på bekräftelse",
            GrantState::Confirmed => "Bekräftad",
            GrantState::Refused if self.decided_by == Some(self.requested_by) => "Tillbakadragen",
            GrantState::Refused => "Nekad",
        }
    }
}

const SELECT_REQUESTS: &str = "SELECT r.id, r.user_id, u.name AS user_name, u.email AS user_email,
        r.change, r.new_email, r.identity_link, p.display_name AS provider_name, r.state,
        r.requested_by, a.name AS requested_by_name, r.requested_at,
        r.decided_by, d.name AS decided_by_name, r.decided_at
    FROM account_requests r
    JOIN users u ON u.id = r.user_id
    JOIN users a ON a.id = r.requested_by
    LEFT JOIN users d ON d.id = r.decided_by
    LEFT JOIN identity_links l ON l.id = r.identity_link
    LEFT JOIN identity_providers p ON p.id = l.provider_id";

pub async fn account_request(
    conn: &mut PgConnection,
    id: i64,
) -> sqlx::Result<Option<AccountRequest>> {
    sqlx::query_as(&format!("{SELECT_REQUESTS} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The account changes waiting, oldest first (all, or one user's).
pub async fn pending_requests(
    db: impl sqlx::PgExecutor<'_>,
    user: Option<Uuid>,
) -> sqlx::Result<Vec<AccountRequest>> {
    sqlx::query_as(&format!(
        "{SELECT_REQUESTS} WHERE r.state = $2 AND ($1::uuid IS NULL OR r.user_id = $1)
         ORDER BY r.requested_at, r.id"
    ))
    .bind(user)
    .bind(GrantState::Pending)
    .fetch_all(db)
    .await
}

/// The latest decided account changes, newest first.
pub async fn decided_requests(db: &PgPool, limit: i64) -> sqlx::Result<Vec<AccountRequest>> {
    sqlx::query_as(&format!(
        "{SELECT_REQUESTS} WHERE r.state <> $2 ORDER BY r.decided_at DESC, r.id DESC LIMIT $1"
    ))
    .bind(limit)
    .bind(GrantState::Pending)
    .fetch_all(db)
    .await
}

/// Asks a second administrator for a change to a staff account;
/// `account_requests_one_pending` tells that one of the kind waits already.
pub async fn request_change(
    conn: &mut PgConnection,
    user_id: Uuid,
    change: AccountChange,
    new_email: Option<&str>,
    identity_link: Option<Uuid>,
    requested_by: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO account_requests (user_id, change, new_email, identity_link, requested_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(user_id)
    .bind(change)
    .bind(new_email)
    .bind(identity_link)
    .bind(requested_by)
    .fetch_one(conn)
    .await
}

/// Decides a waiting request: `true` confirms, `false` refuses (or, by the one who asked,
/// withdraws). False when it no longer waits. The schema refuses a confirmation by the one
/// who asked or by the account's own user.
pub async fn decide_request(
    conn: &mut PgConnection,
    id: i64,
    confirm: bool,
    decided_by: Uuid,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE account_requests SET state = $3, decided_by = $2, decided_at = now()
         WHERE id = $1 AND state = $4",
    )
    .bind(id)
    .bind(decided_by)
    .bind(if confirm {
        GrantState::Confirmed
    } else {
        GrantState::Refused
    })
    .bind(GrantState::Pending)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Changes the user's address (a staff member's only in the transaction that confirms it:
/// `users_staff_email_confirmed`).
pub async fn set_email(conn: &mut PgConnection, id: Uuid, email: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET email = $2 WHERE id = $1")
        .bind(id)
        .bind(email)
        .execute(conn)
        .await?;
    Ok(())
}

/// Whether another user has this address.
pub async fn email_taken_by_another(
    conn: &mut PgConnection,
    id: Uuid,
    email: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $2 AND id <> $1)")
        .bind(id)
        .bind(email)
        .fetch_one(conn)
        .await
}

/// Why the operator's command could not create an administrator.
#[derive(Debug)]
pub enum FirstAdministratorError {
    /// What is wrong with the e-mail address or the name: (field, message), in Swedish.
    Invalid(Vec<(&'static str, &'static str)>),
    /// There is already a user with that e-mail address.
    EmailTaken,
    Database(sqlx::Error),
}

impl std::fmt::Display for FirstAdministratorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FirstAdministratorError::Invalid(problems) => {
                let lines: Vec<String> = problems
                    .iter()
                    .map(|(field, message)| format!("{field}: {message}"))
                    .collect();
                write!(f, "{}", lines.join("; "))
            }
            FirstAdministratorError::EmailTaken => {
                write!(f, "Det finns redan en användare med den e-postadressen.")
            }
            FirstAdministratorError::Database(e) => write!(f, "databasen: {e}"),
        }
    }
}

impl std::error::Error for FirstAdministratorError {}

impl From<sqlx::Error> for FirstAdministratorError {
    fn from(e: sqlx::Error) -> Self {
        if email_is_taken(&e) {
            FirstAdministratorError::EmailTaken
        } else {
            FirstAdministratorError::Database(e)
        }
    }
}

pub fn email_is_taken(e: &sqlx::Error) -> bool {
    crate::error::violated_constraint(e) == Some("users_email_key")
}

/// Creates an active administrator without a second administrator's confirmation:
/// for the operator's command that creates the first administrators, and for nothing
/// else. The e-mail address and name are checked as on the administrator's form; the
/// grant is recorded as given without a request, with its audit record. Run it in a
/// transaction and then call `create_password_link` for the new user in the same one.
pub async fn create_first_administrator(
    conn: &mut PgConnection,
    email: &str,
    name: &str,
) -> Result<Uuid, FirstAdministratorError> {
    let (email, name) = match (parse_email(email), parse_name(name)) {
        (Ok(email), Ok(name)) => (email, name),
        (email, name) => {
            let problems = [
                email.err().map(|m| ("e-postadress", m)),
                name.err().map(|m| ("namn", m)),
            ];
            return Err(FirstAdministratorError::Invalid(
                problems.into_iter().flatten().collect(),
            ));
        }
    };
    let user = ValidUser {
        email,
        name,
        role: Role::Admin,
        organisation_id: None,
        signatory: false,
    };
    let id = insert(&mut *conn, &user, true).await?;
    // Recorded by the schema as the owner inserts an active staff account
    // (`users_staff_grant_recorded`).
    let grant: i64 = sqlx::query_scalar(
        "SELECT id FROM role_grants WHERE user_id = $1 AND role = $2 AND state = $3",
    )
    .bind(id)
    .bind(Role::Admin)
    .bind(GrantState::Confirmed)
    .fetch_one(&mut *conn)
    .await?;
    let created = find(&mut *conn, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    record(
        conn,
        None,
        "user.created",
        id,
        None,
        Some(json!({ "user": created, "role_grant": grant, "by": "operator" })),
    )
    .await?;
    Ok(id)
}

/// A user's name.
pub async fn name_of(db: &PgPool, id: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await
}
