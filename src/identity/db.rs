//! Every query about identity providers, their links to users and the sign-ins under way.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Candidate, Provider, ProviderSettings};
use crate::secrets::{Purpose, Sealer};

const PROVIDER: &str = "SELECT id, key, display_name, issuer_url, client_id, client_secret,
        only_way_in, active FROM identity_providers";

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

/// The client secret is kept sealed (`secrets`).
pub async fn insert_provider(
    conn: &mut PgConnection,
    sealer: &Sealer,
    id: Uuid,
    s: &ProviderSettings,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO identity_providers
             (id, key, display_name, issuer_url, client_id, client_secret, only_way_in, active)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(&s.key)
    .bind(&s.display_name)
    .bind(&s.issuer_url)
    .bind(&s.client_id)
    .bind(sealer.seal(
        Purpose::ClientSecret,
        s.client_secret.as_deref().unwrap_or_default(),
    ))
    .bind(s.only_way_in)
    .bind(s.active)
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves an edit; a secret left empty keeps the one kept. False if there is no such provider.
pub async fn update_provider(
    conn: &mut PgConnection,
    sealer: &Sealer,
    id: Uuid,
    s: &ProviderSettings,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE identity_providers SET key = $2, display_name = $3, issuer_url = $4,
             client_id = $5, client_secret = COALESCE($6, client_secret), only_way_in = $7,
             active = $8, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
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
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
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

/// The user linked to the provider's subject.
pub async fn linked(
    conn: &mut PgConnection,
    provider_id: Uuid,
    subject: &str,
) -> sqlx::Result<Option<Candidate>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.active, false AS linked_elsewhere
         FROM identity_links l JOIN users u ON u.id = l.user_id
         WHERE l.provider_id = $1 AND l.subject = $2",
    )
    .bind(provider_id)
    .bind(subject)
    .fetch_optional(conn)
    .await
}

/// The user with this address, and whether another subject at the provider is linked to it.
pub async fn by_email(
    conn: &mut PgConnection,
    provider_id: Uuid,
    email: &str,
) -> sqlx::Result<Option<Candidate>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.active,
                EXISTS (SELECT 1 FROM identity_links l
                        WHERE l.provider_id = $1 AND l.user_id = u.id) AS linked_elsewhere
         FROM users u WHERE u.email = lower(btrim($2))",
    )
    .bind(provider_id)
    .bind(email)
    .fetch_optional(conn)
    .await
}

pub async fn link(
    conn: &mut PgConnection,
    id: Uuid,
    provider_id: Uuid,
    subject: &str,
    user_id: Uuid,
    email: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO identity_links (id, provider_id, subject, user_id, email)
         VALUES ($1, $2, $3, $4, lower(btrim($5)))",
    )
    .bind(id)
    .bind(provider_id)
    .bind(subject)
    .bind(user_id)
    .bind(email)
    .execute(conn)
    .await?;
    Ok(())
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
    pub provider_name: String,
    pub subject: String,
    pub user_id: Uuid,
    pub user_name: String,
    pub user_email: String,
    pub linked_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn links(db: &PgPool) -> sqlx::Result<Vec<LinkRow>> {
    sqlx::query_as(
        "SELECT l.id, p.display_name AS provider_name, l.subject, u.id AS user_id,
                u.name AS user_name, u.email AS user_email, l.linked_at, l.last_used_at
         FROM identity_links l
         JOIN identity_providers p ON p.id = l.provider_id
         JOIN users u ON u.id = l.user_id
         ORDER BY u.name, u.email, p.display_name",
    )
    .fetch_all(db)
    .await
}

/// Removes a link: the provider's person must be linked anew (by a verified address).
pub async fn unlink(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<LinkRow>> {
    sqlx::query_as(
        "WITH gone AS (DELETE FROM identity_links WHERE id = $1 RETURNING *)
         SELECT g.id, p.display_name AS provider_name, g.subject, u.id AS user_id,
                u.name AS user_name, u.email AS user_email, g.linked_at, g.last_used_at
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
        "SELECT u.role <> 'coordinator',
                EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id)
         FROM users u WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await?;
    Ok((staff || has_factor, has_factor))
}

/// Confirms a link waiting for confirmation (by the person, or by an administrator `by`).
/// False when it is gone or confirmed already.
pub async fn confirm_link(conn: &mut PgConnection, id: Uuid, by: Uuid) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE identity_links SET confirmed_at = now(), confirmed_by = $2,
             pending_hash = NULL, pending_until = NULL
         WHERE id = $1 AND confirmed_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}
