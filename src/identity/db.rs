//! Every query about identity providers, their links to users and the sign-ins under way.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Candidate, Provider, ProviderSettings};
use crate::{
    auth::Role,
    secrets::{Purpose, Sealer},
    users::model::GrantState,
};

const PROVIDER: &str = "SELECT id, key, display_name, issuer_url, client_id, client_secret,
        only_way_in, active, organisations, email_domains, signs_in_staff, trusts_mfa
    FROM identity_providers";

pub async fn providers(db: &PgPool) -> sqlx::Result<Vec<Provider>> {
    sqlx::query_as(&format!("{PROVIDER} ORDER BY display_name, key"))
        .fetch_all(db)
        .await
}

/// The providers the login page offers.
pub async fn active_providers(db: &PgPool) -> sqlx::Result<Vec<Provider>> {
    sqlx::query_as(&format!(
        "{PROVIDER} WHERE active ORDER BY display_name, key"
    ))
    .fetch_all(db)
    .await
}

pub async fn active_provider(db: &PgPool, key: &str) -> sqlx::Result<Option<Provider>> {
    sqlx::query_as(&format!("{PROVIDER} WHERE key = $1 AND active"))
        .bind(key)
        .fetch_optional(db)
        .await
}

pub async fn provider_by_key(
    db: impl sqlx::PgExecutor<'_>,
    key: &str,
) -> sqlx::Result<Option<Provider>> {
    sqlx::query_as(&format!("{PROVIDER} WHERE key = $1"))
        .bind(key)
        .fetch_optional(db)
        .await
}

pub async fn provider(db: impl sqlx::PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Provider>> {
    sqlx::query_as(&format!("{PROVIDER} WHERE id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Writes a provider's settings: a new one, or over the one with this id (a secret left
/// `None` keeps the one kept). The client secret is kept sealed (`secrets`). The server
/// writes a provider only as a second administrator confirms a change of it (`apply_change`,
/// `identity_providers_confirmed`); the operator's environment writes as the owner.
pub async fn save_provider(
    conn: &mut PgConnection,
    sealer: &Sealer,
    id: Uuid,
    s: &ProviderSettings,
) -> sqlx::Result<()> {
    let secret = s
        .client_secret
        .as_deref()
        .map(|secret| sealer.seal(Purpose::ClientSecret, secret));
    write_provider(conn, id, s, secret.as_deref()).await
}

async fn write_provider(
    conn: &mut PgConnection,
    id: Uuid,
    s: &ProviderSettings,
    sealed_secret: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO identity_providers
             (id, key, display_name, issuer_url, client_id, client_secret, only_way_in, active,
              organisations, email_domains, signs_in_staff, trusts_mfa)
         VALUES ($1, $2, $3, $4, $5, COALESCE($6, ''), $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET key = $2, display_name = $3, issuer_url = $4,
             client_id = $5, client_secret = COALESCE($6, identity_providers.client_secret),
             only_way_in = $7, active = $8, organisations = $9, email_domains = $10,
             signs_in_staff = $11, trusts_mfa = $12, updated_at = now()",
    )
    .bind(id)
    .bind(&s.key)
    .bind(&s.display_name)
    .bind(&s.issuer_url)
    .bind(&s.client_id)
    .bind(sealed_secret)
    .bind(s.only_way_in)
    .bind(s.active)
    .bind(&s.organisations)
    .bind(&s.email_domains)
    .bind(s.signs_in_staff)
    .bind(s.trusts_mfa)
    .execute(conn)
    .await?;
    Ok(())
}

/// Switches a provider off at once (no confirmation needed: it only takes trust away).
/// False when it is off already or gone.
pub async fn switch_off(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    Ok(
        sqlx::query("UPDATE identity_providers SET active = false WHERE id = $1 AND active")
            .bind(id)
            .execute(conn)
            .await?
            .rows_affected()
            == 1,
    )
}

/// A change of a provider's settings asked by one administrator, for another to confirm.
#[derive(Clone, sqlx::FromRow)]
pub struct ProviderChange {
    pub id: i64,
    pub provider_id: Uuid,
    pub key: String,
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    /// Sealed; `None`: the secret kept stays.
    pub client_secret: Option<String>,
    pub only_way_in: bool,
    pub active: bool,
    pub organisations: Vec<Uuid>,
    pub email_domains: Vec<String>,
    pub signs_in_staff: bool,
    pub trusts_mfa: bool,
    pub state: crate::users::model::GrantState,
    pub requested_by: Uuid,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Whether a provider with this id exists (else the change makes one).
    pub existing: bool,
}

impl std::fmt::Debug for ProviderChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderChange")
            .field("id", &self.id)
            .field("key", &self.key)
            .field("issuer_url", &self.issuer_url)
            .field("state", &self.state)
            .field("client_secret", &"<hidden>")
            .finish()
    }
}

impl ProviderChange {
    /// The settings asked for (the secret stays sealed).
    pub fn settings(&self) -> ProviderSettings {
        ProviderSettings {
            key: self.key.clone(),
            display_name: self.display_name.clone(),
            issuer_url: self.issuer_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: None,
            only_way_in: self.only_way_in,
            active: self.active,
            organisations: self.organisations.clone(),
            email_domains: self.email_domains.clone(),
            signs_in_staff: self.signs_in_staff,
            trusts_mfa: self.trusts_mfa,
        }
    }
}

const CHANGE: &str = "SELECT c.id, c.provider_id, c.key, c.display_name, c.issuer_url,
        c.client_id, c.client_secret, c.only_way_in, c.active, c.organisations, c.email_domains,
        c.signs_in_staff, c.trusts_mfa, c.state, c.requested_by, r.name AS requested_by_name,
        c.requested_at, c.decided_by, c.decided_at,
        EXISTS (SELECT 1 FROM identity_providers p WHERE p.id = c.provider_id) AS existing
    FROM identity_provider_changes c
    JOIN users r ON r.id = c.requested_by";

/// Asks for a change (a new provider when none has the id);
/// `identity_provider_changes_one_pending` and `…_one_pending_key` tell that one waits.
pub async fn ask_change(
    conn: &mut PgConnection,
    sealer: &Sealer,
    provider_id: Uuid,
    s: &ProviderSettings,
    requested_by: Uuid,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO identity_provider_changes
             (provider_id, key, display_name, issuer_url, client_id, client_secret, only_way_in,
              active, organisations, email_domains, signs_in_staff, trusts_mfa, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(provider_id)
    .bind(&s.key)
    .bind(&s.display_name)
    .bind(&s.issuer_url)
    .bind(&s.client_id)
    .bind(
        s.client_secret
            .as_deref()
            .map(|secret| sealer.seal(Purpose::ClientSecret, secret)),
    )
    .bind(s.only_way_in)
    .bind(s.active)
    .bind(&s.organisations)
    .bind(&s.email_domains)
    .bind(s.signs_in_staff)
    .bind(s.trusts_mfa)
    .bind(requested_by)
    .fetch_one(conn)
    .await
}

pub async fn change(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<ProviderChange>> {
    sqlx::query_as(&format!("{CHANGE} WHERE c.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The changes waiting for a second administrator, oldest first.
pub async fn pending_changes(db: &PgPool) -> sqlx::Result<Vec<ProviderChange>> {
    sqlx::query_as(&format!(
        "{CHANGE} WHERE c.state = $1 ORDER BY c.requested_at, c.id"
    ))
    .bind(GrantState::Pending)
    .fetch_all(db)
    .await
}

/// Decides a waiting change (`true` confirms); false when it no longer waits. The schema
/// refuses a confirmation by the one who asked.
pub async fn decide_change(
    conn: &mut PgConnection,
    id: i64,
    confirm: bool,
    by: Uuid,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE identity_provider_changes SET state = $3, decided_by = $2, decided_at = now()
         WHERE id = $1 AND state = $4",
    )
    .bind(id)
    .bind(by)
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

/// Writes a confirmed change to its provider, its secret sealed as it was asked.
pub async fn apply_change(conn: &mut PgConnection, c: &ProviderChange) -> sqlx::Result<()> {
    write_provider(
        conn,
        c.provider_id,
        &c.settings(),
        c.client_secret.as_deref(),
    )
    .await
}

/// A sign-in under way, as the redirect to the provider left it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LoginUnderWay {
    pub provider_id: Uuid,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Records a sign-in under way for the browser (a new one replaces its last), for 10 minutes;
/// sign-ins left unfinished are cleared on the way.
pub async fn start_login(
    conn: &mut PgConnection,
    browser_hash: &[u8],
    login: &LoginUnderWay,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM identity_logins WHERE expires_at < now()")
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO identity_logins (browser_hash, provider_id, state, nonce, pkce_verifier, expires_at)
         VALUES ($1, $2, $3, $4, $5, now() + interval '10 minutes')
         ON CONFLICT (browser_hash) DO UPDATE SET provider_id = EXCLUDED.provider_id,
             state = EXCLUDED.state, nonce = EXCLUDED.nonce,
             pkce_verifier = EXCLUDED.pkce_verifier, expires_at = EXCLUDED.expires_at",
    )
    .bind(browser_hash)
    .bind(login.provider_id)
    .bind(&login.state)
    .bind(&login.nonce)
    .bind(&login.pkce_verifier)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the browser's sign-in under way, once: a second answer finds nothing.
pub async fn take_login(
    conn: &mut PgConnection,
    browser_hash: &[u8],
) -> sqlx::Result<Option<LoginUnderWay>> {
    sqlx::query_as(
        "DELETE FROM identity_logins WHERE browser_hash = $1 AND expires_at > now()
         RETURNING provider_id, state, nonce, pkce_verifier",
    )
    .bind(browser_hash)
    .fetch_optional(conn)
    .await
}

/// Binds `Role::Coordinator` as `$3`: the queries that use it have two parameters of their own.
const CANDIDATE: &str = "u.id AS user_id, u.active, u.email, u.organisation_id,
        u.role <> $3 AS staff";

/// The user linked to the provider's subject, and whether the link is confirmed.
pub async fn linked(
    conn: &mut PgConnection,
    provider_id: Uuid,
    subject: &str,
) -> sqlx::Result<Option<Candidate>> {
    sqlx::query_as(&format!(
        "SELECT {CANDIDATE}, l.confirmed_at IS NOT NULL AS confirmed, false AS linked_elsewhere
         FROM identity_links l JOIN users u ON u.id = l.user_id
         WHERE l.provider_id = $1 AND l.subject = $2"
    ))
    .bind(provider_id)
    .bind(subject)
    .bind(Role::Coordinator)
    .fetch_optional(conn)
    .await
}

/// The user with this address, and whether another subject at the provider is linked to it
/// (a confirmed link: one still waiting gives way to the newest sign-in).
pub async fn by_email(
    conn: &mut PgConnection,
    provider_id: Uuid,
    email: &str,
) -> sqlx::Result<Option<Candidate>> {
    sqlx::query_as(&format!(
        "SELECT {CANDIDATE}, false AS confirmed,
                EXISTS (SELECT 1 FROM identity_links l
                        WHERE l.provider_id = $1 AND l.user_id = u.id
                          AND l.confirmed_at IS NOT NULL) AS linked_elsewhere
         FROM users u WHERE u.email = lower(btrim($2))"
    ))
    .bind(provider_id)
    .bind(email)
    .bind(Role::Coordinator)
    .fetch_optional(conn)
    .await
}

/// Links the provider's subject to the user, waiting for confirmation in the browser whose
/// cookie hashes to `pending_hash` (for 10 minutes there; an administrator may confirm it
/// until it is removed). A waiting link of the same subject is taken over; one of another
/// subject to the same user gives way. Returns the link's id.
pub async fn link_pending(
    conn: &mut PgConnection,
    provider_id: Uuid,
    subject: &str,
    user_id: Uuid,
    email: &str,
    pending_hash: &[u8],
    id_token: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query(
        "DELETE FROM identity_links WHERE provider_id = $1 AND user_id = $2
           AND confirmed_at IS NULL AND subject <> $3",
    )
    .bind(provider_id)
    .bind(user_id)
    .bind(subject)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar(
        "INSERT INTO identity_links (id, provider_id, subject, user_id, email, pending_hash,
             pending_until, pending_id_token)
         VALUES ($1, $2, $3, $4, lower(btrim($5)), $6, now() + interval '10 minutes', $7)
         ON CONFLICT (provider_id, subject) DO UPDATE
             SET pending_hash = $6, pending_until = now() + interval '10 minutes',
                 pending_id_token = $7
             WHERE identity_links.confirmed_at IS NULL
         RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(provider_id)
    .bind(subject)
    .bind(user_id)
    .bind(email)
    .bind(pending_hash)
    .bind(id_token)
    .fetch_one(conn)
    .await
}

/// A link waiting for the person to confirm it, in the browser that signed in.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PendingLink {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub subject: String,
    pub user_id: Uuid,
    pub email: String,
    pub user_name: String,
    pub staff: bool,
    pub has_password: bool,
    pub has_second_factor: bool,
    pub id_token: Option<String>,
}

pub async fn pending_link(
    conn: &mut PgConnection,
    pending_hash: &[u8],
) -> sqlx::Result<Option<PendingLink>> {
    sqlx::query_as(
        "SELECT l.id, l.provider_id, l.subject, l.user_id, u.email, u.name AS user_name,
                u.role <> $2 AS staff, u.password_hash IS NOT NULL AS has_password,
                EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id) AS has_second_factor,
                l.pending_id_token AS id_token
         FROM identity_links l JOIN users u ON u.id = l.user_id
         WHERE l.pending_hash = $1 AND l.pending_until > now() AND l.confirmed_at IS NULL
           AND u.active",
    )
    .bind(pending_hash)
    .bind(Role::Coordinator)
    .fetch_optional(conn)
    .await
}

pub async fn link_used(
    conn: &mut PgConnection,
    provider_id: Uuid,
    subject: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE identity_links SET last_used_at = now() WHERE provider_id = $1 AND subject = $2",
    )
    .bind(provider_id)
    .bind(subject)
    .execute(conn)
    .await?;
    Ok(())
}

/// A link as an administrator sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkRow {
    pub id: Uuid,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub subject: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub user_email: String,
    pub user_role: crate::auth::Role,
    pub linked_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub confirmed_at: Option<DateTime<Utc>>,
    /// An administrator's confirmation of it waits for a second one (a staff member's).
    pub confirmation_asked: bool,
}

/// Binds `GrantState::Pending` as `$1`: the queries that use it number theirs from `$2`.
const LINK_ROW: &str = "SELECT l.id, p.id AS provider_id, p.display_name AS provider_name,
        l.subject, u.id AS user_id, u.name AS user_name, u.email AS user_email,
        u.role AS user_role, l.linked_at, l.last_used_at, l.confirmed_at,
        EXISTS (SELECT 1 FROM account_requests r WHERE r.identity_link = l.id
                AND r.state = $1) AS confirmation_asked
    FROM identity_links l
    JOIN identity_providers p ON p.id = l.provider_id
    JOIN users u ON u.id = l.user_id";

pub async fn links(db: &PgPool) -> sqlx::Result<Vec<LinkRow>> {
    sqlx::query_as(&format!(
        "{LINK_ROW} ORDER BY l.confirmed_at IS NOT NULL, u.name, u.email, p.display_name"
    ))
    .bind(GrantState::Pending)
    .fetch_all(db)
    .await
}

pub async fn link(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<LinkRow>> {
    sqlx::query_as(&format!("{LINK_ROW} WHERE l.id = $2"))
        .bind(GrantState::Pending)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Removes a link: the provider's person must be linked anew (by a verified address).
pub async fn unlink(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<LinkRow>> {
    sqlx::query_as(
        "WITH gone AS (DELETE FROM identity_links WHERE id = $1 RETURNING *)
         SELECT g.id, p.id AS provider_id, p.display_name AS provider_name, g.subject,
                u.id AS user_id, u.name AS user_name, u.email AS user_email,
                u.role AS user_role, g.linked_at, g.last_used_at, g.confirmed_at,
                false AS confirmation_asked
         FROM gone g JOIN identity_providers p ON p.id = g.provider_id
         JOIN users u ON u.id = g.user_id",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The provider that is the only way in for this user, if one is.
pub async fn only_way_in(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT p.display_name FROM identity_links l
         JOIN identity_providers p ON p.id = l.provider_id
         WHERE l.user_id = $1 AND p.only_way_in AND p.active
         ORDER BY p.display_name LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await
}

/// Whether signing in needs Digikoord's second step for this user (staff always, and anyone
/// who has turned it on), and whether the user has a second factor yet.
pub async fn second_step(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<(bool, bool)> {
    let (staff, has_factor): (bool, bool) = sqlx::query_as(
        "SELECT u.role <> $2,
                EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id)
         FROM users u WHERE u.id = $1",
    )
    .bind(user_id)
    .bind(Role::Coordinator)
    .fetch_one(conn)
    .await?;
    Ok((staff || has_factor, has_factor))
}

/// Confirms a link waiting for confirmation (by the person, or by an administrator `by`).
/// False when it is gone or confirmed already.
pub async fn confirm_link(conn: &mut PgConnection, id: Uuid, by: Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE identity_links SET confirmed_at = now(), confirmed_by = $2,
             pending_hash = NULL, pending_until = NULL, pending_id_token = NULL
         WHERE id = $1 AND confirmed_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The user's password hash, if they have a password.
pub async fn password_hash(db: &PgPool, user_id: Uuid) -> sqlx::Result<Option<String>> {
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?
            .flatten(),
    )
}

/// The organisation of this name (a provider from the environment names its organisations).
pub async fn organisation_named(
    conn: &mut sqlx::PgConnection,
    name: &str,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_optional(conn)
        .await
}
