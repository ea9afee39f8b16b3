//! config → telemetry → database → migrate → seed → serve, until Ctrl-C or SIGTERM.

use std::{net::SocketAddr, process::ExitCode, sync::Arc};

use digikoord::{
    AppState, Clock, Config, app,
    db::{
        self,
        private::{Durability, PrivatePostgres},
    },
    seed, telemetry,
};

#[tokio::main]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("digikoord: {e}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(config.log_format);
    let mut private = None;
    let result = run(config, &mut private).await;
    if let Some(mut pg) = private {
        tracing::info!("stopping the private PostgreSQL");
        pg.stop();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("digikoord: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config, private: &mut Option<PrivatePostgres>) -> Result<(), String> {
    let url = match &config.database_url {
        Some(url) => url.clone(),
        None => {
            let dir = config.data_dir.clone();
            let pg = tokio::task::spawn_blocking(move || {
                PrivatePostgres::start(&dir, Durability::Durable)
            })
            .await
            .map_err(|e| e.to_string())??;
            let pg = private.insert(pg);
            pg.wait_until_ready().await?;
            db::ensure_database(&pg.url("postgres"), "digikoord")
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(dir = %config.data_dir.display(), "private PostgreSQL running");
            pg.url("digikoord")
        }
    };
    let pool = db::connect(&url, 10)
        .await
        .map_err(|e| format!("connecting to the database: {e}"))?;
    db::MIGRATOR
        .run(&pool)
        .await
        .map_err(|e| format!("migrating the database: {e}"))?;
    seed::programme(&pool)
        .await
        .map_err(|e| format!("loading the programme: {e}"))?;
    let demo = if config.demo {
        let logins = seed::demo_users(&pool)
            .await
            .map_err(|e| format!("loading demo users: {e:?}"))?;
        seed::demo_requisitions(&pool)
            .await
            .map_err(|e| format!("loading demo requisitions: {e:?}"))?;
        seed::demo_reports(&pool)
            .await
            .map_err(|e| format!("loading demo reports: {e:?}"))?;
        seed::demo_repayments(&pool)
            .await
            .map_err(|e| format!("loading demo repayments: {e:?}"))?;
        Some(logins)
    } else {
        None
    };

    // Expired sessions and old failed logins are swept now and then.
    let sweeper = pool.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let swept = sqlx::query(
                "WITH s AS (DELETE FROM sessions WHERE expires_at < now()
                                OR last_seen_at < now() - make_interval(mins => $1))
                 DELETE FROM login_attempts WHERE attempted_at < now() - interval '1 day'",
            )
            .bind(digikoord::auth::session::IDLE_TIMEOUT_MINUTES as i32)
            .execute(&sweeper)
            .await;
            if let Err(e) = swept {
                tracing::warn!(error = %e, "sweeping sessions failed");
            }
        }
    });

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
            println!("  {:<48} {}{}", l.email, l.role.label(), org);
        }
    }
    println!("\nAvsluta med Ctrl-C.\n");
    let state = AppState {
        db: pool,
        config: Arc::new(config),
        clock: Clock::System,
    };
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("serving: {e}"))
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
