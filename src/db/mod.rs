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
