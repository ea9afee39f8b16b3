//! Operating Digikoord: the `digikoord` binary's commands run for real (serve, admin
//! create, healthcheck, backup, restore), the demo policy, a server that heals when its
//! database dies, the server's database role, and the embedded static files.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    time::{Duration, Instant},
};

use digikoord::{
    auth::Role,
    db::{
        self,
        private::{Durability, PrivatePostgres},
    },
};
use reqwest::StatusCode;

use crate::{PASSWORD, TestApp, empty_database, scratch_dir, steps::password_path};

/// The `digikoord` binary, with none of the caller's settings leaking in.
fn digikoord(envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_digikoord"));
    for key in [
        "DATABASE_URL",
        "DATABASE_OWNER_URL",
        "DEMO",
        "LISTEN_ADDR",
        "PUBLIC_URL",
        "DATA_DIR",
        "COOKIE_SECURE",
        "TRUSTED_PROXIES",
        "SECRETS_KEY",
        "SECRETS_KEY_OLD",
        "REPAYMENT_BANKGIRO",
    ] {
        cmd.env_remove(key);
    }
    cmd.env("RUST_LOG", "warn")
        .env("SECRETS_KEY", crate::SECRETS_KEY)
        .env("REPAYMENT_BANKGIRO", crate::REPAYMENT_BANKGIRO)
        .envs(envs.iter().copied());
    cmd
}

/// Runs a command to its end without blocking the runtime, which serves the test's own
/// in-process server meanwhile.
async fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null());
    tokio::process::Command::from(std::mem::replace(cmd, Command::new("true")))
        .output()
        .await
        .expect("run digikoord")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// A `digikoord serve` process; stopped with SIGTERM (and waited for) when dropped.
pub(crate) struct Server {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Server {
    pub(crate) fn start(dir: &Path, envs: &[(&str, &str)]) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let log = dir.join("digikoord.log");
        let out = std::fs::File::create(&log).expect("log file");
        let mut all = vec![("LISTEN_ADDR", listen.as_str())];
        all.extend_from_slice(envs);
        let child = digikoord(&all)
            .arg("serve")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("log"))
            .stderr(out)
            .spawn()
            .expect("start digikoord serve");
        Server {
            child,
            url: format!("http://{listen}"),
            log,
        }
    }

    /// Asks `/healthz`; every answer must come well within the client's 5 s.
    pub(crate) async fn health(&self) -> StatusCode {
        health_of(&self.url).await
    }

    /// Waits until `/healthz` says `want`, at most `limit`.
    pub(crate) async fn wait_for(&mut self, want: StatusCode, limit: Duration) {
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("digikoord exited ({status}): {}", self.log());
            }
            let got = self.health().await;
            if got == want {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "/healthz still {got} after {limit:?}, not {want}: {}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// A new browser for this server; `db` (the owner's, at `db_url`) for checking.
    pub(crate) fn browser(&self, db: &sqlx::PgPool, db_url: &str) -> TestApp {
        TestApp {
            addr: self.addr(),
            db: db.clone(),
            db_url: db_url.to_string(),
            server_url: db_url.to_string(),
            client: TestApp::new_client(),
            heavy: None,
        }
    }

    /// The same browser (its cookies, so its session) pointed at this server.
    pub(crate) fn carry(&self, browser: &TestApp) -> TestApp {
        TestApp {
            addr: self.addr(),
            db: browser.db.clone(),
            db_url: browser.db_url.clone(),
            server_url: browser.server_url.clone(),
            client: browser.client.clone(),
            heavy: None,
        }
    }

    fn addr(&self) -> std::net::SocketAddr {
        self.url
            .trim_start_matches("http://")
            .parse()
            .expect("addr")
    }

    fn stop(&mut self) {
        // A child already waited for is not signalled: its pid may be someone else's now.
        if let Ok(None) = self.child.try_wait() {
            // SAFETY: a signal to the child we started, which has not been reaped.
            unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        }
        let _ = self.child.wait();
    }

    /// SIGKILL: no graceful shutdown, no chance to finish anything.
    pub(crate) fn kill(&mut self) {
        // `Child::kill` is SIGKILL on Unix, and never signals a child already reaped.
        self.child.kill().expect("SIGKILL digikoord");
        let _ = self.child.wait();
    }

    /// The server's log so far, for a failure's message.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn health_of(base: &str) -> StatusCode {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client");
    match client.get(format!("{base}/healthz")).send().await {
        Ok(r) => r.status(),
        Err(e) if e.is_connect() => StatusCode::BAD_GATEWAY,
        Err(e) => panic!("/healthz did not answer: {e}"),
    }
}

#[tokio::test]
async fn the_help_lists_every_operator_command() {
    let out = run(digikoord(&[]).arg("--help")).await;
    assert!(out.status.success());
    let help = stdout(&out);
    for command in [
        "serve",
        "admin",
        "healthcheck",
        "backup",
        "restore",
        "secrets",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
    let admin = stdout(&run(digikoord(&[]).args(["admin", "--help"])).await);
    assert!(
        admin.contains("create") && admin.contains("password-link"),
        "{admin}"
    );
    let secrets = stdout(&run(digikoord(&[]).args(["secrets", "--help"])).await);
    assert!(
        secrets.contains("new-key") && secrets.contains("rotate"),
        "{secrets}"
    );
}

#[tokio::test]
async fn secrets_are_sealed_at_rest_and_a_rotated_key_seals_them_anew() {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    // A secret kept before sealing existed, as an older Digikoord left it.
    let coordinator = app
        .create_user(Role::Coordinator, Some("Region Skåne"))
        .await;
    sqlx::query("INSERT INTO second_factors (user_id, totp_secret) VALUES ($1, $2)")
        .bind(coordinator)
        .bind(crate::two_factor::TEST_TOTP_SECRET)
        .execute(&app.db)
        .await
        .expect("a plain secret");

    let new_key = stdout(&run(digikoord(&[]).args(["secrets", "new-key"])).await)
        .trim()
        .to_string();
    assert_eq!(new_key.len(), 64);
    let without_old = run(
        digikoord(&[("DATABASE_URL", &app.db_url), ("SECRETS_KEY", &new_key)])
            .args(["secrets", "rotate"]),
    )
    .await;
    assert_eq!(
        without_old.status.code(),
        Some(1),
        "the old key is needed to open"
    );
    let rotated = run(digikoord(&[
        ("DATABASE_URL", &app.db_url),
        ("SECRETS_KEY", &new_key),
        ("SECRETS_KEY_OLD", crate::SECRETS_KEY),
    ])
    .args(["secrets", "rotate"]))
    .await;
    assert!(rotated.status.success(), "{}", stderr(&rotated));
    assert!(
        stdout(&rotated).contains("2 hemligheter"),
        "{}",
        stdout(&rotated)
    );

    let kept: Vec<String> = sqlx::query_scalar("SELECT totp_secret FROM second_factors")
        .fetch_all(&app.db)
        .await
        .expect("secrets");
    let new = digikoord::secrets::Sealer::new(&new_key, None).expect("key");
    assert_eq!(kept.len(), 2);
    for secret in &kept {
        assert!(new.is_current(secret), "{secret}");
        assert!(!secret.contains(crate::two_factor::TEST_TOTP_SECRET));
        assert!(
            crate::sealer()
                .open(digikoord::secrets::Purpose::Totp, secret)
                .is_err()
        );
        assert_eq!(
            new.open(digikoord::secrets::Purpose::Totp, secret)
                .as_deref(),
            Ok(crate::two_factor::TEST_TOTP_SECRET)
        );
    }
    // A server with the new key signs the officer in with the code from the app.
    let later = app.with_settings(&[("SECRETS_KEY", &new_key)]).await;
    let email = later.email_of(officer).await;
    let page = later.login(&email, crate::PASSWORD).await;
    assert_eq!(page.location.as_deref(), Some("/logga-in/kod"));
    let secret = new
        .open(digikoord::secrets::Purpose::Totp, &kept[0])
        .expect("opened");
    let code = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(&secret).expect("base32"))
        .build()
        .expect("totp")
        .generate(digikoord::auth::second_factor::unix_now());
    let done = later
        .submit(
            "/logga-in/kod",
            "/logga-in/kod",
            &[("code", &code.to_string())],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/"), "{}", done.plain());
}

#[tokio::test]
async fn healthcheck_exits_0_for_a_healthy_server_and_1_otherwise() {
    let app = TestApp::spawn().await;
    let ok = run(digikoord(&[]).args(["healthcheck", "--url", &app.url("")])).await;
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let listen = app.addr.to_string();
    let by_listen_addr = run(digikoord(&[("LISTEN_ADDR", &listen)]).arg("healthcheck")).await;
    assert_eq!(by_listen_addr.status.code(), Some(0));
    let closed = format!("http://127.0.0.1:{}", free_port());
    let down = run(digikoord(&[]).args(["healthcheck", "--url", &closed])).await;
    assert_eq!(down.status.code(), Some(1));
    assert!(!stderr(&down).is_empty(), "it says why");
}

#[tokio::test]
async fn admin_create_makes_an_administrator_who_sets_a_password_and_logs_in() {
    let app = TestApp::spawn().await;
    let out = run(digikoord(&[("DATABASE_URL", &app.db_url)]).args([
        "admin",
        "create",
        "--email",
        "Forsta.Admin@tillvaxtverket.example",
        "--name",
        "Första Administratören",
    ]))
    .await;
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    let link = printed
        .split_whitespace()
        .find(|w| w.contains("/losenord/"))
        .unwrap_or_else(|| panic!("a set-password link in: {printed}"));
    let path = &link[link.find("/losenord/").expect("path")..];

    let set = app
        .submit(
            path,
            path,
            &[("password", PASSWORD), ("password_repeat", PASSWORD)],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    let login = app
        .login("forsta.admin@tillvaxtverket.example", PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::SEE_OTHER, "{}", login.plain());
    let role: Role = sqlx::query_scalar(
        "SELECT role FROM users WHERE email = 'forsta.admin@tillvaxtverket.example'",
    )
    .fetch_one(&app.db)
    .await
    .expect("user");
    assert_eq!(role, Role::Admin);
    assert_eq!(app.audit_count("user.created").await, 1);

    let again = run(digikoord(&[("DATABASE_URL", &app.db_url)]).args([
        "admin",
        "create",
        "--email",
        "forsta.admin@tillvaxtverket.example",
        "--name",
        "Någon annan",
    ]))
    .await;
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("Det finns redan en användare"),
        "{}",
        stderr(&again)
    );
    let bad = run(digikoord(&[("DATABASE_URL", &app.db_url)]).args([
        "admin",
        "create",
        "--email",
        "inte-en-adress",
        "--name",
        "X",
    ]))
    .await;
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("e-postadress"), "{}", stderr(&bad));
}

#[tokio::test]
async fn a_backup_restored_into_an_empty_database_gives_back_every_row() {
    let app = TestApp::spawn().await;
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    digikoord::seed::demo(&app.db, today)
        .await
        .expect("demo data");
    let admin: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("an admin");
    sqlx::query(
        "INSERT INTO summary_exports (id, year, format, filename, sha256, size, bytes, created_by, submitted_at, submitted_by)
         VALUES (gen_random_uuid(), 2025, 'csv', 'sammanstallning.csv', encode(sha256('a;b'), 'hex'), 3, 'a;b', $1, now(), $1)",
    )
    .bind(admin)
    .execute(&app.db)
    .await
    .expect("a submitted export");
    let before = crate::digests(&app.db, &[]).await;
    assert!(before.iter().any(|(t, n, _)| t == "audit_log" && *n > 0));

    let dir = scratch_dir("backup");
    let file = dir.join("digikoord.dump");
    let file_arg = file.to_str().expect("path");
    let out = run(digikoord(&[("DATABASE_URL", &app.db_url)]).args(["backup", file_arg])).await;
    assert!(out.status.success(), "{}", stderr(&out));

    let target = empty_database().await;
    let out = run(digikoord(&[("DATABASE_URL", &target)]).args(["restore", file_arg])).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let restored = db::connect(&target, 2).await.expect("connect");
    assert_eq!(crate::digests(&restored, &[]).await, before);

    // The restored database is served as before: the server's role is granted again.
    let server = db::server_pool(&target, 1).expect("pool");
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&server)
        .await
        .expect("the server's role reads");
    assert!(users > 0);

    // A database with something in it is never overwritten.
    let refused = run(digikoord(&[("DATABASE_URL", &target)]).args(["restore", file_arg])).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("not empty"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(crate::digests(&restored, &[]).await, before);
}

#[tokio::test]
async fn the_server_role_cannot_change_the_schema_the_audit_log_or_kept_exports() {
    let app = TestApp::spawn().await;
    // As the server runs: its own login, in the server's role.
    let server = db::server_pool(&app.server_url, 1).expect("pool");
    for sql in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE summary_exports SET filename = 'x'",
        "DELETE FROM summary_exports",
        "TRUNCATE summary_exports",
        "DELETE FROM refunds",
        "TRUNCATE refunds",
        "CREATE TABLE intruder (id int)",
        "ALTER TABLE users ADD COLUMN intruder int",
        "DROP TABLE sessions",
        "DELETE FROM _sqlx_migrations",
    ] {
        let err = sqlx::query(sql).execute(&server).await.expect_err(sql);
        let code = err
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.to_string());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {err}");
    }
    // Nor can it create a staff account in force: only inactive, to be confirmed.
    let err = sqlx::query(
        "INSERT INTO users (id, email, name, role, active)
         VALUES (gen_random_uuid(), 'smuggled@test.example', 'Smuggled', 'admin', true)",
    )
    .execute(&server)
    .await
    .expect_err("an active administrator inserted by the server");
    assert_eq!(
        err.as_database_error().and_then(|e| e.constraint()),
        Some("users_staff_inserted_pending"),
        "{err}"
    );
    // What it must do, it can.
    sqlx::query("INSERT INTO audit_log (action, entity, entity_id) VALUES ('test', 'test', 'x')")
        .execute(&server)
        .await
        .expect("append to the audit log");
    let role: String = sqlx::query_scalar("SELECT current_user::text")
        .fetch_one(&server)
        .await
        .expect("role");
    assert_eq!(role, "digikoord_app");
    assert_eq!(
        db::server_login_weakness(&server).await.expect("checked"),
        None
    );
    // The owner's login can leave the role; the server's own can't: after RESET ROLE it
    // reads nothing, writes nothing.
    let owners = db::server_pool(&app.db_url, 1).expect("pool");
    assert!(
        db::server_login_weakness(&owners)
            .await
            .expect("checked")
            .is_some()
    );
    let mut conn = server.acquire().await.expect("a connection");
    sqlx::query("RESET ROLE")
        .execute(&mut *conn)
        .await
        .expect("reset");
    for sql in [
        "SELECT count(*) FROM users",
        "UPDATE role_grants SET state = 'confirmed'",
        "INSERT INTO audit_log (action, entity, entity_id) VALUES ('x', 'x', 'x')",
    ] {
        let err = sqlx::query(sql).execute(&mut *conn).await.expect_err(sql);
        assert_eq!(
            err.as_database_error()
                .and_then(|e| e.code())
                .map(|c| c.to_string())
                .as_deref(),
            Some("42501"),
            "{sql}: {err}"
        );
    }
    drop(conn);
    let server = db::server_pool(&app.server_url, 1).expect("pool");
    // The server only asks for a role; it never writes one in force.
    let admin = app.create_user(digikoord::auth::Role::Admin, None).await;
    let officer = app
        .create_user(digikoord::auth::Role::CaseOfficer, None)
        .await;
    let err = sqlx::query(
        "INSERT INTO role_grants (user_id, role, from_role, state, requested_by, confirmed_at)
         VALUES ($1, 'approver', 'case_officer', 'confirmed', NULL, now())",
    )
    .bind(officer)
    .execute(&server)
    .await
    .expect_err("a confirmed grant inserted by the server");
    assert_eq!(
        err.as_database_error().and_then(|e| e.constraint()),
        Some("role_grants_server_only_asks"),
        "{err}"
    );
    // A staff account without any grant is not in force: inserted inactive (as the server
    // may), it can't be switched on.
    let smuggled: uuid::Uuid = sqlx::query_scalar(
        "INSERT INTO users (id, email, name, role, active)
         VALUES (gen_random_uuid(), 'inaktiv@test.example', 'Inaktiv', 'approver', false)
         RETURNING id",
    )
    .fetch_one(&server)
    .await
    .expect("an inactive staff account");
    let err = sqlx::query("UPDATE users SET active = true WHERE id = $1")
        .bind(smuggled)
        .execute(&server)
        .await
        .expect_err("switched on without a grant");
    assert_eq!(
        err.as_database_error().and_then(|e| e.constraint()),
        Some("users_staff_account_confirmed"),
        "{err}"
    );
    // The accounts the owner made (the operator's, the demo's, these tests') have their
    // grant recorded.
    for user in [admin, officer] {
        let grants: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM role_grants WHERE user_id = $1 AND state = 'confirmed'
               AND requested_by IS NULL",
        )
        .bind(user)
        .fetch_one(&app.db)
        .await
        .expect("grants");
        assert_eq!(grants, 1);
    }
}

#[tokio::test]
async fn demo_accounts_are_not_served_on_a_public_address_unless_asked_for() {
    let dir = scratch_dir("demo-refused");
    let data = dir.join("data");
    let out = run(digikoord(&[
        ("LISTEN_ADDR", "0.0.0.0:0"),
        ("DATA_DIR", data.to_str().expect("path")),
    ])
    .arg("serve"))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let message = stderr(&out);
    assert_eq!(message.trim().lines().count(), 1, "{message}");
    assert!(message.contains("DEMO"), "{message}");
    assert!(!data.exists(), "refused before anything was started");
}

#[tokio::test]
async fn starting_without_demo_deactivates_the_demo_accounts() {
    let app = TestApp::spawn().await;
    digikoord::seed::demo_users(&app.db)
        .await
        .expect("demo users");
    let active = "SELECT count(*) FROM users WHERE demo AND active";
    let before: i64 = sqlx::query_scalar(active)
        .fetch_one(&app.db)
        .await
        .expect("n");
    assert!(before > 20);

    let dir = scratch_dir("demo-off");
    let mut server = Server::start(&dir, &[("DATABASE_URL", &app.db_url)]);
    server
        .wait_for(StatusCode::OK, Duration::from_secs(60))
        .await;
    server.stop();

    let after: i64 = sqlx::query_scalar(active)
        .fetch_one(&app.db)
        .await
        .expect("n");
    assert_eq!(after, 0);
    let login = app
        .login("admin@digikoord.example", digikoord::seed::DEMO_PASSWORD)
        .await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.audit_count("demo.users_deactivated").await, 1);
}

#[tokio::test]
async fn the_server_heals_when_its_private_postgresql_is_killed() {
    let dir = scratch_dir("heal");
    let data = dir.join("data");
    let mut server = Server::start(
        &dir,
        &[
            ("DATA_DIR", data.to_str().expect("path")),
            ("DEMO", "false"),
        ],
    );
    server
        .wait_for(StatusCode::OK, Duration::from_secs(120))
        .await;

    // Run from a directory without the sources: the stylesheet is in the binary.
    let css = reqwest::get(format!("{}/static/style.css", server.url))
        .await
        .expect("GET");
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/css")
    );

    let pidfile = std::fs::read_to_string(data.join("postgres/postmaster.pid")).expect("pid");
    let pid: i32 = pidfile
        .lines()
        .next()
        .expect("line")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: the postmaster of the cluster this test made.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);

    // Within 30 s a new postmaster serves (its old backends may answer for a moment after
    // the kill, so a 200 alone proves nothing), and every answer meanwhile comes promptly
    // (health_of allows 5 s).
    let postmaster = || {
        std::fs::read_to_string(data.join("postgres/postmaster.pid"))
            .ok()
            .and_then(|p| p.lines().next().map(str::to_string))
    };
    let start = Instant::now();
    loop {
        let status = server.health().await;
        let restarted = postmaster().is_some_and(|p| p != pid.to_string());
        if restarted && status == StatusCode::OK {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not serving again 30 s after the kill: {status}, postmaster {:?}",
            postmaster()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    server.stop();
    let stopped = std::fs::read_to_string(data.join("postgres/postmaster.pid")).is_err();
    assert!(stopped, "the private PostgreSQL stops with the server");
}

#[tokio::test]
async fn with_database_url_the_server_says_503_while_the_database_is_away_and_reconnects() {
    let dir = scratch_dir("reconnect");
    let pg_dir = dir.join("pg");
    let mut pg = PrivatePostgres::start(&pg_dir, Durability::Throwaway).expect("postgres");
    pg.wait_until_ready().await.expect("ready");
    let url = pg.url("postgres");
    let mut server = Server::start(&dir, &[("DATABASE_URL", &url)]);
    server
        .wait_for(StatusCode::OK, Duration::from_secs(60))
        .await;

    // A logged-in coordinator's browser.
    let owner = db::connect(&url, 1).await.expect("owner");
    let browser = server.browser(&owner, &url);
    browser
        .login_as(Role::Coordinator, Some("Region Skåne"))
        .await;
    owner.close().await;

    pg.stop();
    assert_eq!(server.health().await, StatusCode::SERVICE_UNAVAILABLE);
    let start = browser.get("/").await;
    assert_eq!(start.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        start.text.contains("tillfälligt otillgänglig"),
        "{}",
        start.plain()
    );

    let mut pg = PrivatePostgres::start(&pg_dir, Durability::Throwaway).expect("postgres again");
    pg.wait_until_ready().await.expect("ready again");
    assert_eq!(pg.url("postgres"), url, "the same address as before");
    server
        .wait_for(StatusCode::OK, Duration::from_secs(30))
        .await;
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
    server.stop();
    pg.stop();
}

#[tokio::test]
async fn static_files_are_embedded_and_cached_by_their_etag() {
    let app = TestApp::spawn().await;
    let css = app
        .client
        .get(app.url("/static/style.css"))
        .send()
        .await
        .expect("GET");
    assert_eq!(css.status(), StatusCode::OK);
    let headers = css.headers().clone();
    assert!(
        headers["cache-control"]
            .to_str()
            .expect("cc")
            .contains("max-age")
    );
    let etag = headers["etag"].clone();
    assert!(!css.text().await.expect("css").is_empty());
    let again = app
        .client
        .get(app.url("/static/style.css"))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let missing = app
        .client
        .get(app.url("/static/nope.css"))
        .send()
        .await
        .expect("GET");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

/// The layout links its stylesheet and script by their content's name, which browsers keep
/// for good; a page from before a release, asking for an older version, gets today's file
/// to be asked for again soon.
#[tokio::test]
async fn static_files_named_by_their_content_are_kept_for_good() {
    let app = TestApp::spawn().await;
    let page = app.get("/logga-in").await;
    let css = page
        .attr("link[rel=stylesheet]", "href")
        .expect("the stylesheet");
    let expected = {
        use sha2::{Digest, Sha256};
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/static/style.css"))
            .expect("static/style.css");
        hex::encode(Sha256::digest(&bytes))[..16].to_string()
    };
    assert_eq!(css, format!("/static/v/{expected}/style.css"));
    let kept = app.client.get(app.url(&css)).send().await.expect("GET");
    assert_eq!(kept.status(), StatusCode::OK);
    assert_eq!(
        kept.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let old = app
        .client
        .get(app.url("/static/v/0000000000000000/style.css"))
        .send()
        .await
        .expect("GET");
    assert_eq!(old.status(), StatusCode::OK);
    assert_eq!(old.headers()["cache-control"], "public, max-age=3600");
    let gone = app
        .client
        .get(app.url(&format!("/static/v/{expected}/nope.css")))
        .send()
        .await
        .expect("GET");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// Pages and text files go compressed to a browser that accepts it (brotli first, then
/// gzip); files compressed already (XLSX, DOCX, PDF) go as they are.
#[tokio::test]
async fn pages_go_compressed_and_office_files_as_they_are() {
    let app = TestApp::spawn().await;
    // reqwest without its decompression features: it neither asks for nor undoes one.
    let raw = reqwest::Client::new();
    let encoding = |r: &reqwest::Response| {
        r.headers()
            .get("content-encoding")
            .map(|v| v.to_str().unwrap_or_default().to_string())
    };
    for (accept, expected) in [
        ("br, gzip", Some("br")),
        ("gzip", Some("gzip")),
        ("identity", None),
    ] {
        let page = raw
            .get(app.url("/program"))
            .header("accept-encoding", accept)
            .send()
            .await
            .expect("GET");
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(encoding(&page).as_deref(), expected, "{accept}");
    }
    let plain = raw
        .get(app.url("/program"))
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("body")
        .len();
    let compressed = raw
        .get(app.url("/program"))
        .header("accept-encoding", "br")
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("body")
        .len();
    assert!(
        compressed * 3 < plain,
        "compressed to less than a third: {compressed} of {plain} bytes"
    );
    // An XLSX (the summary's draft) is a zip already.
    app.login_as(Role::Admin, None).await;
    let xlsx = app
        .client
        .get(app.url("/sammanstallning/2025/utkast/xlsx"))
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .expect("GET");
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(encoding(&xlsx), None);
}

/// Sets the password through the link, logs in and enrols the second factor.
async fn first_login(browser: &TestApp, link: &str, email: &str) {
    let set = browser
        .submit(
            link,
            link,
            &[("password", PASSWORD), ("password_repeat", PASSWORD)],
        )
        .await;
    assert_eq!(
        set.location.as_deref(),
        Some("/logga-in"),
        "{}",
        set.plain()
    );
    let login = browser.login(email, PASSWORD).await;
    assert_eq!(
        login.location.as_deref(),
        Some(crate::two_factor::ENROL_PATH),
        "staff enrol a second factor at their first login"
    );
    let codes = crate::two_factor::enrol(browser, crate::two_factor::ENROL_PATH).await;
    assert_eq!(codes.len(), 10, "recovery codes are shown once");
    assert_eq!(browser.get("/").await.status, StatusCode::OK);
}

#[tokio::test]
async fn from_an_empty_database_to_a_confirmed_case_officer() {
    let url = empty_database().await;
    let mut links = Vec::new();
    for (email, name) in [
        ("anna.admin@tillvaxtverket.example", "Anna Admin"),
        ("bo.admin@tillvaxtverket.example", "Bo Admin"),
    ] {
        let out = run(digikoord(&[("DATABASE_URL", &url)])
            .args(["admin", "create", "--email", email, "--name", name]))
        .await;
        assert!(out.status.success(), "{}", stderr(&out));
        links.push((email, password_path(&stdout(&out))));
    }

    let dir = scratch_dir("first-admins");
    let mut server = Server::start(&dir, &[("DATABASE_URL", &url)]);
    server
        .wait_for(StatusCode::OK, Duration::from_secs(60))
        .await;
    let owner = db::connect(&url, 1).await.expect("owner");
    let browser = || server.browser(&owner, &url);

    let anna = browser();
    first_login(&anna, &links[0].1, links[0].0).await;
    let bo = browser();
    first_login(&bo, &links[1].1, links[1].0).await;

    // Anna creates a case officer: not in force until Bo confirms.
    let created = anna
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", "Kim Handläggare"),
                ("email", "kim@tillvaxtverket.example"),
                ("role", "case_officer"),
                ("organisation_id", ""),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
    let created = anna.follow(created).await;
    assert!(
        !created.text.contains("/losenord/"),
        "links are never shown"
    );
    // No SMTP here: the operator gives the link, and not before the role is confirmed.
    let kim_link = || async {
        run(digikoord(&[("DATABASE_URL", &url)]).args([
            "admin",
            "password-link",
            "--email",
            "kim@tillvaxtverket.example",
        ]))
        .await
    };
    let early = kim_link().await;
    assert_eq!(early.status.code(), Some(1));
    assert!(
        stderr(&early).contains("inget aktivt konto"),
        "{}",
        stderr(&early)
    );
    let kim = browser();
    let grant: i64 = sqlx::query_scalar("SELECT id FROM role_grants WHERE state = 'pending'")
        .fetch_one(&owner)
        .await
        .expect("a pending grant");
    let path = format!("/admin/behorigheter/{grant}/bekrafta");
    let own = anna.submit("/admin/behorigheter", &path, &[]).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    let confirmed = bo.submit("/admin/behorigheter", &path, &[]).await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);

    let printed = kim_link().await;
    assert!(printed.status.success(), "{}", stderr(&printed));
    first_login(
        &kim,
        &password_path(&stdout(&printed)),
        "kim@tillvaxtverket.example",
    )
    .await;
    assert_eq!(
        kim.get("/handlaggning/rekvisitioner").await.status,
        StatusCode::OK
    );
    server.stop();
    owner.close().await;
}

#[tokio::test]
async fn the_benchmarks_yardstick_is_not_served_unless_asked_for() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Coordinator, Some("Region Stockholm"))
        .await;
    assert_eq!(
        app.get("/bench/ceiling").await.status,
        StatusCode::NOT_FOUND
    );
}
