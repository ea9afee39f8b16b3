//! Connecting to PostgreSQL, migrating, and the private cluster for `cargo run` and tests.
//!
//! # The database's roles
//!
//! Migrations run as the owner (`DATABASE_OWNER_URL`, else `DATABASE_URL`). After every
//! migration and restore the owner creates and grants the role `digikoord_app`
//! (`server_role.sql`): it reads and writes data but cannot change the schema, and cannot
//! update, delete or truncate the audit log or the kept summary exports (it may only mark an
//! export submitted; a trigger keeps that final). The server runs every connection as
//! `digikoord_app` (`SET ROLE`), and the schema's guards (four eyes on payouts, refunds,
//! roles, account changes and identity providers) hold against that role.
//!
//! A login that owns the schema or is a superuser can `RESET ROLE` and step past every
//! guard, so production runs the server as `digikoord_server`, `NOINHERIT` and a member of
//! `digikoord_app` only (after `RESET ROLE` it can read nothing):
//!
//! ```text
//! CREATE ROLE digikoord_server LOGIN NOINHERIT PASSWORD '…';   -- or let the first start make it
//! GRANT digikoord_app TO digikoord_server;
//! ```
//!
//! with `DATABASE_URL=postgres://digikoord_server:…@db/digikoord` and the owner as
//! `DATABASE_OWNER_URL`. When `DATABASE_URL` names `digikoord_server` beside an owner URL,
//! the first start makes the login with that password if it is missing. The server warns at
//! start when its login is a superuser, owns the schema or inherits rights. `cargo run`'s
//! private database and the tests serve through such a login too; `docker-compose.yml` is
//! set up so.
//!
//! # When the database goes away
//!
//! A request waits at most 3 s for a database connection; `/healthz` answers within 2 s,
//! 503 while the database is unreachable, and pages show *Tjänsten är tillfälligt
//! otillgänglig* (503). No request runs longer than 10 s (tower-http timeouts; a request
//! body may pause 10 s at most). Connections are made again as soon as the database is
//! back: nothing to restart. If the private PostgreSQL dies, the server starts it again on
//! the same port within a few seconds and serves on.
//!
//! # The private cluster (`private.rs`)
//!
//! Found on `PATH` or under `/usr/lib/postgresql/*/bin`. It lives under `DATA_DIR`
//! (`data/postgres`, its password in `data/postgres.password`, its port and log), listens
//! only on 127.0.0.1 with that generated password, is created by `initdb` on first run and
//! reused afterwards, and is stopped on Ctrl-C/SIGTERM (and, should Digikoord die, by the
//! kernel's parent-death signal). Run as root, it runs as the `postgres` user, which must be
//! able to reach `DATA_DIR`. Without `DATABASE_URL`, every command (serving, the operator's)
//! uses it, or the running one if `digikoord serve` has it started. The test suite starts
//! one throwaway cluster in the system temp dir, migrates and seeds a template database
//! once, and copies it for each test.

pub mod private;

use std::time::Duration;

use sqlx::{
    PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The role the server runs as: no schema changes, no changes to the audit log or kept
/// exports. Created and granted by `prepare` after every migration.
pub const SERVER_ROLE: &str = "digikoord_app";

/// The server's own login: a member of `SERVER_ROLE` only, `NOINHERIT`, so it has no rights
/// of its own and `RESET ROLE` gives it nothing (as the owner's login would give it all).
/// Made by `ensure_server_login` for the private cluster and the tests; in production the
/// operator makes it (README, Security).
pub const SERVER_LOGIN: &str = "digikoord_server";

/// Makes the server's own login when it is missing, with this password, and makes sure it
/// is what it must be (NOINHERIT, no other powers, a member of `SERVER_ROLE`). With `reset`,
/// the password is set even if the login exists (the private cluster and the tests, whose
/// password is theirs); otherwise an existing login's password is the operator's.
/// Roles are the cluster's: run as the owner, after `prepare`.
pub async fn ensure_server_login(
    owner: &PgPool,
    password: &str,
    reset: bool,
) -> Result<(), String> {
    if password.is_empty() || password.contains(['\'', '\\']) {
        return Err("the server login's password must not be empty nor hold a quote".into());
    }
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)")
            .bind(SERVER_LOGIN)
            .fetch_one(owner)
            .await
            .map_err(|e| e.to_string())?;
    let mut sql = String::new();
    if !exists {
        sql.push_str(&format!(
            "CREATE ROLE {SERVER_LOGIN} LOGIN NOINHERIT PASSWORD '{password}';"
        ));
    } else if reset {
        sql.push_str(&format!("ALTER ROLE {SERVER_LOGIN} PASSWORD '{password}';"));
    }
    let checked: Option<(bool, bool)> = sqlx::query_as(
        "SELECT r.rolinherit OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls,
                pg_has_role(r.oid, $2, 'MEMBER')
         FROM pg_roles r WHERE r.rolname = $1",
    )
    .bind(SERVER_LOGIN)
    .bind(SERVER_ROLE)
    .fetch_optional(owner)
    .await
    .map_err(|e| e.to_string())?;
    if checked.is_none_or(|(weak, _)| weak) {
        sql.push_str(&format!(
            "ALTER ROLE {SERVER_LOGIN} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;"
        ));
    }
    if checked.is_none_or(|(_, member)| !member) {
        sql.push_str(&format!("GRANT {SERVER_ROLE} TO {SERVER_LOGIN};"));
    }
    if sql.is_empty() {
        return Ok(());
    }
    sqlx::raw_sql(&sql)
        .execute(owner)
        .await
        .map_err(|e| format!("making the server's login {SERVER_LOGIN}: {e}"))?;
    Ok(())
}

/// Why the server's login could undo its role, if it could: a superuser, or a login that
/// inherits rights beyond `SERVER_ROLE` (the schema's owner, say). `None` when it holds.
pub async fn server_login_weakness(server: &PgPool) -> sqlx::Result<Option<String>> {
    let (login, superuser, owner, inherits, member_of): (String, bool, bool, bool, Vec<String>) =
        sqlx::query_as(
            "SELECT r.rolname::text, r.rolsuper,
                    EXISTS (SELECT 1 FROM pg_class c WHERE c.relowner = r.oid
                            AND c.relnamespace = 'public'::regnamespace),
                    r.rolinherit,
                    ARRAY(SELECT g.rolname::text FROM pg_auth_members m
                          JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid)
             FROM pg_roles r WHERE r.rolname = session_user",
        )
        .fetch_one(server)
        .await?;
    let others: Vec<&String> = member_of.iter().filter(|r| *r != SERVER_ROLE).collect();
    Ok(if superuser {
        Some(format!("{login} is a superuser"))
    } else if owner {
        Some(format!("{login} owns the schema's tables"))
    } else if inherits {
        Some(format!("{login} inherits rights (make it NOINHERIT)"))
    } else if !others.is_empty() {
        Some(format!("{login} is also a member of {others:?}"))
    } else {
        None
    })
}

/// How long a request waits for a database connection before it is told the service is
/// unavailable: short, so `/healthz` and pages answer promptly while the database is away.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Migrates the database and grants the server's role, as the owner.
pub async fn prepare(owner: &PgPool) -> Result<(), String> {
    MIGRATOR
        .run(owner)
        .await
        .map_err(|e| format!("migrating the database: {e}"))?;
    sqlx::raw_sql(include_str!("server_role.sql"))
        .execute(owner)
        .await
        .map_err(|e| format!("granting the server's role {SERVER_ROLE}: {e}"))?;
    Ok(())
}

/// Whether the database answers (the health check).
pub async fn ping(db: &PgPool) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(db).await.map(|_| ())
}

/// A transaction that is one read-only view of a single moment: every read in it sees the
/// same data (a year's summary, a document's figures), whatever is written meanwhile. Begun
/// in one round trip (the isolation level in its BEGIN).
pub async fn begin_snapshot(
    pool: &PgPool,
) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
}

/// The server's pool: every connection runs as `SERVER_ROLE`. It connects lazily and
/// again after the database comes back, and a request never waits long for it.
pub fn server_pool(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.parse()?;
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::query(&format!("SET ROLE {SERVER_ROLE}"))
                    .execute(&mut *conn)
                    .await?;
                // The server's statements are prepared once per connection and run with
                // a plan made once: planning the bigger queries afresh at each run (the
                // default for their first five runs, and after if PostgreSQL guesses the
                // generic plan dearer) cost more than running them (issue 14).
                sqlx::query("SET plan_cache_mode = force_generic_plan")
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect_lazy_with(options))
}

/// Connects, retrying for a while: a database that was just started may not answer yet.
pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool, sqlx::Error> {
    let options: PgConnectOptions = url.parse()?;
    let mut attempts = 0;
    loop {
        match PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await
        {
            Ok(pool) => return Ok(pool),
            Err(e) if attempts < 100 => {
                attempts += 1;
                tracing::debug!(error = %e, attempts, "database not ready yet");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Creates the database `name` on the server behind `admin_url` unless it exists.
pub async fn ensure_database(admin_url: &str, name: &str) -> Result<(), sqlx::Error> {
    let admin = connect(admin_url, 1).await?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&admin)
            .await?;
    if !exists {
        sqlx::query(&format!("CREATE DATABASE \"{}\"", name.replace('"', "")))
            .execute(&admin)
            .await?;
    }
    admin.close().await;
    Ok(())
}
