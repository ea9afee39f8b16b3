//! The operator's commands besides serving: the first administrators, a health check
//! for container orchestration, and backup and restore with PostgreSQL's own tools.
//!
//! # The commands
//!
//! One binary does everything; `cargo run -- --help` (or `digikoord --help`) lists it:
//!
//! | command | what it does |
//! | --- | --- |
//! | `digikoord` or `digikoord serve` | serves on `LISTEN_ADDR` (migrating first) until Ctrl-C/SIGTERM (`crate::serve`) |
//! | `digikoord admin create --email E --name N` | creates an administrator at once and prints a one-time link to set the password (24 h) |
//! | `digikoord admin password-link --email E` | prints a new one-time link to set the password of an active account (24 h; earlier links stop working); links are never shown in the browser, so without `SMTP_URL` this is how a person gets one |
//! | `digikoord secrets new-key` | prints a new random key for `SECRETS_KEY` |
//! | `digikoord secrets rotate` | seals every kept secret with `SECRETS_KEY`, opening what `SECRETS_KEY_OLD` sealed (`crate::secrets`) |
//! | `digikoord healthcheck [--url http://host:port]` | exit 0 when `/healthz` answers 200 within 2 s, 1 otherwise (default: `LISTEN_ADDR`); the container health check |
//! | `digikoord backup FILE` | a complete, consistent dump (`pg_dump`, custom format: one snapshot) |
//! | `digikoord restore FILE` | restores such a dump into an **empty** database, then grants the server's role again |
//!
//! Every command works against `DATABASE_URL`, or, when it is unset, against the private
//! database under `DATA_DIR` (using the running one if `digikoord serve` has it started).
//! `backup` and `restore` use PostgreSQL's client tools of the installed server
//! (`/usr/lib/postgresql/*/bin`, else `PATH`; in the image, Debian's `postgresql-client`).
//!
//! # From an empty database to a working installation
//!
//! ```text
//! export DATABASE_URL=postgres://digikoord:…@db:5432/digikoord PUBLIC_URL=https://digikoord.example.se
//! export REPAYMENT_BANKGIRO=…   # Tillväxtverket's bankgiro: `serve` refuses to start without it
//! digikoord admin create --email anna.admin@tillvaxtverket.se --name "Anna Admin"   # prints a link
//! digikoord admin create --email bo.admin@tillvaxtverket.se --name "Bo Admin"       # the second
//! digikoord serve
//! ```
//!
//! 1. Each administrator opens their link, chooses a password, logs in and sets up the
//!    second step (a QR code for an authenticator app, and ten recovery codes to keep).
//! 2. An administrator creates the case officers and approvers (*Användare → Ny
//!    användare*); a **second** administrator confirms each staff role under
//!    *Behörigheter*. Until then the account is shut. Coordinators (bound to their region)
//!    need no confirmation.
//! 3. Check the programme (*Program*: periods, actors, each year's cap, budget state and
//!    deadlines) and that the repayment page shows the right bankgiro.
//!
//! Only the first two administrators should come from `admin create`: every later staff
//! role needs a second administrator, and `admin create` is recorded in the audit log as
//! the operator's (`users::create_first_administrator`: no confirmation, granted by the
//! operator). The server itself can't create a staff account in force: its role may insert
//! staff only inactive, awaiting confirmation (`users_staff_inserted_pending`). In
//! `docker-compose.yml`: `docker compose exec app /app/digikoord admin create …`.
//!
//! # Backup and restore
//!
//! ```text
//! digikoord backup /srv/backup/digikoord-$(date +%F).dump
//! DATABASE_URL=postgres://…/digikoord_new digikoord restore /srv/backup/digikoord-2026-11-23.dump
//! ```
//!
//! A backup is one consistent snapshot of every table, the audit log and the frozen
//! exports included. `restore` refuses a database that has any table in it; restore into a
//! new database (or, for the private one, a new `DATA_DIR`), check it, then point
//! `DATABASE_URL` at it. The test suite restores a backup into an empty database and
//! compares every table (`tests/it/operations.rs`). `SECRETS_KEY` is not in the backup:
//! keep it apart, since without it the sealed secrets can't be opened.
//!
//! The database's roles, and what happens when the database goes away: `crate::db`.
//! `docker-compose.yml` runs the app with a separate PostgreSQL as services; the image's
//! health check is `digikoord healthcheck`.

use std::{path::Path, process::Command, time::Duration};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    Config,
    db::{self, private},
    serve::Database,
};

/// Creates an administrator at once (no second administrator to confirm the first two)
/// and returns the one-time link to set a password.
pub async fn create_administrator(
    config: &Config,
    email: &str,
    name: &str,
) -> Result<String, String> {
    let database = Database::open(config).await?;
    let result = async {
        let owner = database.prepare().await?;
        let mut tx = owner.begin().await.map_err(|e| e.to_string())?;
        let id = crate::users::create_first_administrator(&mut tx, email, name)
            .await
            .map_err(|e| e.to_string())?;
        let link = crate::users::create_password_link(
            &mut tx,
            &config.public_url,
            id,
            crate::mail::PasswordLink::NewAccount,
        )
        .await
        .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        owner.close().await;
        Ok(link)
    }
    .await;
    database.stop();
    result
}

/// A new one-time link to set the password of the active account with this address (an
/// operator's way in when the server has no SMTP server; earlier links stop working).
pub async fn password_link(config: &Config, email: &str) -> Result<String, String> {
    let email = crate::input::parse_email(email).map_err(|e| format!("--email: {e}"))?;
    let database = Database::open(config).await?;
    let result = async {
        let owner = database.prepare().await?;
        let mut tx = owner.begin().await.map_err(|e| e.to_string())?;
        let id: uuid::Uuid = sqlx::query_scalar(
            "SELECT id FROM users WHERE email = $1 AND active AND user_role_confirmed(id, role)",
        )
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("det finns inget aktivt konto med adressen {email}"))?;
        let link = crate::users::create_password_link(
            &mut tx,
            &config.public_url,
            id,
            crate::mail::PasswordLink::NewLink,
        )
        .await
        .map_err(|e| e.to_string())?;
        crate::audit::Entry::new(None, "password.link_created", "user", id)
            .after(serde_json::json!({ "by": "operator" }))
            .record(&mut tx)
            .await
            .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        owner.close().await;
        Ok(link)
    }
    .await;
    database.stop();
    result
}

/// Seals every kept secret with `SECRETS_KEY`, opening what `SECRETS_KEY_OLD` sealed: the
/// second half of a key rotation (the server reads both keys meanwhile). Returns how many.
pub async fn rotate_secrets(config: &Config) -> Result<usize, String> {
    let sealer = config
        .sealer
        .clone()
        .ok_or("SECRETS_KEY is not set: the new key (and SECRETS_KEY_OLD the one it replaces)")?;
    let database = Database::open(config).await?;
    let result = async {
        let owner = database.prepare().await?;
        let sealed = crate::secrets::seal_stored(&owner, &sealer).await?;
        owner.close().await;
        Ok(sealed)
    }
    .await;
    database.stop();
    result
}

/// Whether the server at `url` answers `/healthz` with 200 within two seconds.
pub async fn healthy(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("--url must start with http:// (got {url:?})"))?;
    let host = rest.split('/').next().unwrap_or(rest);
    let check = async {
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .map_err(|e| format!("connecting to {host}: {e}"))?;
        stream
            .write_all(
                format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut head = [0u8; 64];
        let n = stream.read(&mut head).await.map_err(|e| e.to_string())?;
        let status_line = String::from_utf8_lossy(&head[..n]);
        if status_line.starts_with("HTTP/1.1 200 ") {
            Ok(())
        } else {
            Err(format!(
                "{host} answered {}",
                status_line.lines().next().unwrap_or("nothing")
            ))
        }
    };
    tokio::time::timeout(Duration::from_secs(2), check)
        .await
        .map_err(|_| format!("{host} did not answer within 2 s"))?
}

/// The URL the health check asks by default: `LISTEN_ADDR`, with an unspecified address
/// (0.0.0.0, ::) asked on loopback.
pub fn default_health_url(listen: std::net::SocketAddr) -> String {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr {
            std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{addr}")
}

/// A complete, consistent dump (pg_dump's custom format: one snapshot) of the database.
pub async fn backup(config: &Config, file: &Path) -> Result<(), String> {
    let database = Database::open(config).await?;
    let result = run_tool("pg_dump", &database.owner_url, |cmd| {
        cmd.args(["--format=custom", "--file"]).arg(file);
    });
    database.stop();
    result
}

/// Restores a dump into an empty database, then grants the server's role again.
pub async fn restore(config: &Config, file: &Path) -> Result<RestoreSummary, String> {
    if !file.is_file() {
        return Err(format!("{}: no such file", file.display()));
    }
    let database = Database::open(config).await?;
    let result = async {
        let owner = db::connect(&database.owner_url, 1)
            .await
            .map_err(|e| format!("connecting to the database: {e}"))?;
        let tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        )
        .fetch_one(&owner)
        .await
        .map_err(|e| e.to_string())?;
        if tables > 0 {
            return Err(format!(
                "the database is not empty ({tables} tables): restore into an empty one (a new DATABASE_URL, or a new DATA_DIR)"
            ));
        }
        run_tool("pg_restore", &database.owner_url, |cmd| {
            cmd.args([
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
            ])
            .arg(file);
        })?;
        db::prepare(&owner).await?;
        let summary = RestoreSummary {
            users: count(&owner, "users").await?,
            audit_entries: count(&owner, "audit_log").await?,
            exports: count(&owner, "summary_exports").await?,
        };
        owner.close().await;
        Ok(summary)
    }
    .await;
    database.stop();
    result
}

pub struct RestoreSummary {
    pub users: i64,
    pub audit_entries: i64,
    pub exports: i64,
}

async fn count(db: &sqlx::PgPool, table: &str) -> Result<i64, String> {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(db)
        .await
        .map_err(|e| e.to_string())
}

/// Runs a PostgreSQL client tool against `url`, the password passed in the environment
/// rather than on the command line.
fn run_tool(name: &str, url: &str, args: impl FnOnce(&mut Command)) -> Result<(), String> {
    let tool = private::find_client_tool(name).ok_or_else(|| {
        format!(
            "{name} was not found: install PostgreSQL's client tools (apt-get install postgresql-client)"
        )
    })?;
    let (url, password) = split_password(url);
    let mut cmd = Command::new(&tool);
    cmd.arg("--dbname").arg(url);
    if let Some(password) = password {
        cmd.env("PGPASSWORD", password);
    }
    args(&mut cmd);
    let out = cmd
        .output()
        .map_err(|e| format!("running {}: {e}", tool.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{name} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `postgres://user:secret@host/db` → (`postgres://user@host/db`, `secret`).
fn split_password(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return (url.to_string(), None);
    };
    match userinfo.split_once(':') {
        Some((user, password)) => (
            format!("{scheme}://{user}@{host}"),
            Some(percent_decode(password)),
        ),
        None => (url.to_string(), None),
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://digikoord:s%40cret@127.0.0.1:5432/digikoord"),
            (
                "postgres://digikoord@127.0.0.1:5432/digikoord".to_string(),
                Some("s@cret".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://db/x"),
            ("postgres://db/x".to_string(), None)
        );
    }

    #[test]
    fn an_unspecified_listen_address_is_checked_on_loopback() {
        assert_eq!(
            default_health_url("0.0.0.0:3000".parse().expect("addr")),
            "http://127.0.0.1:3000"
        );
        assert_eq!(
            default_health_url("[::]:8080".parse().expect("addr")),
            "http://[::1]:8080"
        );
        assert_eq!(
            default_health_url("127.0.0.1:3000".parse().expect("addr")),
            "http://127.0.0.1:3000"
        );
    }
}
