//! Serving: the database (the private cluster or `DATABASE_URL`), migrations, the
//! programme and the demo, then HTTP until Ctrl-C or SIGTERM. A private PostgreSQL that
//! dies is started again; a database that goes away is reconnected to when it is back.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::{
    AppState, Clock, Config, app,
    db::{
        self,
        private::{Durability, PrivatePostgres},
    },
    seed,
};

/// The database the commands work on, and the private cluster if we started one.
pub struct Database {
    /// The schema's owner: migrations, seeding, backup and restore.
    pub owner_url: String,
    /// What the server connects with (as `db::SERVER_ROLE`).
    pub server_url: String,
    /// The server's own login, made by `prepare` when missing: its password, and whether it
    /// is set again at each start (the private cluster's, whose password is ours).
    server_login: Option<(String, bool)>,
    pub private: Option<Arc<Mutex<PrivatePostgres>>>,
}

impl Database {
    /// `DATABASE_URL` (and `DATABASE_OWNER_URL`) when set; otherwise the private cluster
    /// under `DATA_DIR`, started now or found running.
    pub async fn open(config: &Config) -> Result<Database, String> {
        if let Some(url) = &config.database_url {
            // A server login named in DATABASE_URL beside the owner's is made at the first
            // start, with the password the URL gives.
            let options: sqlx::postgres::PgConnectOptions =
                url.parse().map_err(|e| format!("DATABASE_URL: {e}"))?;
            let server_login = (config.database_owner_url.is_some()
                && options.get_username() == db::SERVER_LOGIN)
                .then(|| {
                    reqwest::Url::parse(url).ok().and_then(|u| {
                        u.password()
                            .map(|p| crate::web::url_decode(p).unwrap_or_default())
                    })
                })
                .flatten()
                .map(|password| (password, false));
            return Ok(Database {
                owner_url: config.database_owner_url.clone().unwrap_or(url.clone()),
                server_url: url.clone(),
                server_login,
                private: None,
            });
        }
        let dir = config.data_dir.clone();
        let pg =
            tokio::task::spawn_blocking(move || PrivatePostgres::start(&dir, Durability::Durable))
                .await
                .map_err(|e| e.to_string())??;
        pg.wait_until_ready().await?;
        db::ensure_database(&pg.url("postgres"), "digikoord")
            .await
            .map_err(|e| e.to_string())?;
        let database = Database {
            owner_url: pg.url("digikoord"),
            server_url: pg.server_url("digikoord"),
            server_login: Some((pg.server_password(), true)),
            private: Some(Arc::new(Mutex::new(pg))),
        };
        tracing::info!(dir = %config.data_dir.display(), "private PostgreSQL running");
        Ok(database)
    }

    /// Stops the private cluster if this process started it.
    pub fn stop(&self) {
        if let Some(pg) = &self.private {
            let mut pg = match pg.lock() {
                Ok(pg) => pg,
                Err(poisoned) => poisoned.into_inner(),
            };
            tracing::info!("stopping the private PostgreSQL");
            pg.stop();
        }
    }

    /// Connects as the owner, migrates and grants the server's role.
    pub async fn prepare(&self) -> Result<sqlx::PgPool, String> {
        let owner = db::connect(&self.owner_url, 2)
            .await
            .map_err(|e| format!("connecting to the database: {e}"))?;
        db::prepare(&owner).await?;
        if let Some((password, reset)) = &self.server_login {
            db::ensure_server_login(&owner, password, *reset).await?;
        }
        Ok(owner)
    }
}

pub async fn run(config: Config) -> Result<(), String> {
    crate::memory::limit_arenas();
    if let Some(reason) = config.demo_refusal() {
        return Err(format!("refusing to start: {reason}"));
    }
    if let Some(reason) = config.start_refusal() {
        return Err(format!("refusing to start: {reason}"));
    }
    if config.database_url.is_some() && config.sealer.is_none() {
        return Err("SECRETS_KEY is not set: with DATABASE_URL, the key that seals the secrets kept in the database must be given (64 hexadecimal digits, kept outside the database; `digikoord secrets new-key` makes one)".into());
    }
    let database = Database::open(&config).await?;
    let result = serve(config, &database).await;
    database.stop();
    result
}

async fn serve(mut config: Config, database: &Database) -> Result<(), String> {
    if config.sealer.is_none() && database.private.is_some() {
        config.sealer = Some(crate::secrets::private_key(&config.data_dir)?);
    }
    let owner = database.prepare().await?;
    seed::programme(&owner)
        .await
        .map_err(|e| format!("loading the programme: {e}"))?;
    let demo = if config.demo {
        Some(
            seed::demo(&owner, Clock::System.today())
                .await
                .map_err(|e| format!("loading the demo: {e:?}"))?,
        )
    } else {
        let deactivated = seed::deactivate_demo_users(&owner)
            .await
            .map_err(|e| format!("deactivating demo users: {e}"))?;
        if deactivated > 0 {
            println!("{deactivated} demoanvändare inaktiverades (DEMO är av).");
        }
        None
    };
    let sealer = config
        .sealer
        .clone()
        .ok_or_else(|| "SECRETS_KEY is not set".to_string())?;
    let providers =
        crate::identity::keep_from_environment(&owner, &sealer, &config.identity_providers)
            .await
            .map_err(|e| format!("OIDC_PROVIDERS: {e}"))?;
    if providers > 0 {
        println!("{providers} inloggningsleverantörer sparades från miljön (OIDC_PROVIDERS).");
    }
    // What was kept before sealing (and what the demo just wrote) is sealed now.
    let sealed = crate::secrets::seal_stored(&owner, &sealer)
        .await
        .map_err(|e| format!("sealing the secrets kept: {e}"))?;
    if sealed > 0 {
        tracing::info!(sealed, "secrets sealed with SECRETS_KEY");
    }
    owner.close().await;

    let pool =
        db::server_pool(&database.server_url, 10).map_err(|e| format!("DATABASE_URL: {e}"))?;
    if let Some(pg) = &database.private {
        tokio::spawn(keep_alive(pg.clone()));
    }
    // The schema's guards hold against the server's role; a login that can leave the role
    // (RESET ROLE) can leave them too.
    match db::server_login_weakness(&pool).await {
        Ok(Some(weakness)) => tracing::warn!(
            %weakness,
            "DATABASE_URL's login can undo the server's role: give the server its own NOINHERIT login, a member of {} only (README, Security)",
            db::SERVER_ROLE
        ),
        Ok(None) => {}
        Err(e) => tracing::warn!(error = %e, "the server's login could not be checked"),
    }
    tokio::spawn(sweep(pool.clone()));

    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|e| format!("listening on {}: {e}", config.listen_addr))?;
    println!("\nDigikoord körs på {}", config.public_url);
    if let Some(logins) = demo {
        println!(
            "\nDemoinloggningar (lösenord för alla: {}):",
            seed::DEMO_PASSWORD
        );
        println!(
            "Tillväxtverkets konton loggar in i två steg: lägg in demonyckeln {} i en autentiseringsapp\n(tidsbaserad, 6 siffror, 30 sekunder) och ange koden den visar.",
            seed::DEMO_TOTP_SECRET
        );
        for l in logins {
            let org = l.organisation.map(|o| format!(", {o}")).unwrap_or_default();
            let signs = if l.signatory { " (firmatecknare)" } else { "" };
            println!("  {:<48} {}{}{}", l.email, l.role.label(), signs, org);
        }
    }
    println!("\nAvsluta med Ctrl-C.\n");
    let state = AppState::new(pool, config, Clock::System)?;
    let mailer = crate::mail::Mailer::from_config(&state.config)?;
    crate::mail::spawn_workers(&state, mailer);
    crate::privacy::spawn_worker(&state);
    let pool = state.db.clone();
    let served = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("serving: {e}"));
    // Closed before the private PostgreSQL stops, so that the programme cache's listener
    // knows the server is stopping and does not warn of a lost connection.
    pool.close().await;
    served
}

/// Starts the private PostgreSQL again whenever it dies, until we stop it ourselves.
async fn keep_alive(pg: Arc<Mutex<PrivatePostgres>>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let Ok(mut pg) = pg.lock() else {
            return;
        };
        if pg.has_died() {
            tracing::warn!("the private PostgreSQL died; starting it again");
            if let Err(e) = pg.restart() {
                tracing::error!(error = %e, "starting the private PostgreSQL again failed");
            }
        }
    }
}

/// Expired sessions and old login attempts are swept now and then. An ended session is
/// remembered as long as a form posted into it would be kept (`auth::kept`), so that its
/// user is known then.
async fn sweep(pool: sqlx::PgPool) {
    let mut tick = tokio::time::interval(Duration::from_secs(600));
    loop {
        tick.tick().await;
        let swept = sqlx::query(
            "WITH s AS (DELETE FROM sessions WHERE expires_at < now() - make_interval(mins => $2)
                            OR last_seen_at < now() - make_interval(mins => $1 + $2)),
                  k AS (DELETE FROM kept_posts WHERE kept_at < now() - make_interval(mins => $2))
             DELETE FROM login_attempts WHERE attempted_at < now() - interval '1 day'",
        )
        .bind(crate::auth::session::IDLE_TIMEOUT_MINUTES as i32)
        .bind(crate::auth::kept::KEPT_FOR_MINUTES as i32)
        .execute(&pool)
        .await;
        if let Err(e) = swept {
            tracing::warn!(error = %e, "sweeping sessions failed");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
