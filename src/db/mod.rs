//! Connecting to PostgreSQL, migrating, and the private cluster for `cargo run` and tests.

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
