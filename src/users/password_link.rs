//! A set-password link, made and mailed in one step: to the person's own address, sealed in
//! the outbox (`mail::password_link`), never shown to anyone else. The operator's command
//! for the first administrators (`operator::create_administrator`) is the one place that
//! prints a link instead.

use sqlx::PgConnection;

use crate::{
    mail::{self, PasswordLink, db::Recipient},
    secrets::Sealer,
};

/// Makes a new link for the account (earlier ones stop working) and queues it to the
/// account's own address, in the caller's transaction.
pub async fn send(
    conn: &mut PgConnection,
    public_url: &str,
    sealer: &Sealer,
    to: &Recipient,
    why: PasswordLink,
) -> sqlx::Result<()> {
    let user_id = to.user_id.ok_or(sqlx::Error::RowNotFound)?;
    let link = super::db::create_password_link(&mut *conn, public_url, user_id, why).await?;
    mail::password_link(conn, public_url, sealer, to, &link, why).await
}
