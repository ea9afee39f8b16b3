//! The one integration-test binary: a real PostgreSQL started like `cargo run` does,
//! a fresh database per test (copied from a migrated template), and a real server
//! spoken to over HTTP by a cookie-keeping client, as a person would.

mod agency_report;
mod archive;
mod auth;
mod bad_input;
mod bank;
mod browser;
mod browser_day;
mod budget;
mod calendar;
mod confirmations;
mod conversations;
mod demo;
mod disclosure;
mod extensions_changed;
mod faults;
mod forecast;
mod four_eyes;
mod heavy;
mod history;
mod late_interest;
mod layout;
mod ledger;
mod lists;
mod mail;
mod money_chain;
mod network;
mod new_device;
mod no_data;
mod nothing_lost;
mod obligations;
mod office;
mod operations;
mod pain001;
mod periods;
mod privacy;
mod programme;
mod programme_cache;
mod readme;
mod records;
mod registry;
mod repayment_truth;
mod repayments;
mod reports;
mod requisitions;
mod retention;
mod routes;
mod schemas;
mod signatory;
mod sources;
mod sso;
mod steps;
mod summary;
mod sunday_rule;
mod totals;
mod two_factor;
mod users;

use std::{net::SocketAddr, sync::OnceLock};

use digikoord::{
    AppState, Clock, Config,
    auth::Role,
    db::{
        self,
        private::{self, Durability, PrivatePostgres},
    },
};
use reqwest::{StatusCode, redirect::Policy};
use scraper::{Html, Selector};
use sqlx::PgPool;
use uuid::Uuid;

pub const PASSWORD: &str = "ett långt testlösenord";

/// Tillväxtverket's bankgiro on every test server (`REPAYMENT_BANKGIRO`, required outside
/// the demo).
pub const REPAYMENT_BANKGIRO: &str = "5050-1055";

/// The key every test server seals its secrets with (`SECRETS_KEY`).
pub const SECRETS_KEY: &str = "5ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e75ec7e70001";

/// What the test servers seal with: for reading back what they sealed.
pub fn sealer() -> digikoord::secrets::Sealer {
    digikoord::secrets::Sealer::new(SECRETS_KEY, None).expect("the tests' key")
}

struct Cluster {
    server: std::sync::Mutex<PrivatePostgres>,
    dir: std::path::PathBuf,
}

impl Cluster {
    fn url(&self, database: &str) -> String {
        match self.server.lock() {
            Ok(server) => server.url(database),
            Err(poisoned) => poisoned.into_inner().url(database),
        }
    }

    /// The URL the server connects with: its own login, as in production.
    fn server_url(&self, database: &str) -> String {
        match self.server.lock() {
            Ok(server) => server.server_url(database),
            Err(poisoned) => poisoned.into_inner().server_url(database),
        }
    }
}

const CLUSTER_PREFIX: &str = "digikoord-test-";

/// Starts the cluster once per test run, in the system temp dir (reachable by the
/// `postgres` user when the tests run as root), and builds the template database.
/// The cluster is stopped and its directory removed when the test binary exits,
/// whether the run passed or failed.
static CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// Whether the test cluster counts statements (`pg_stat_statements`, in Debian's postgresql
/// package). In CI it must; elsewhere the round-trip budgets are skipped without it, and say so.
pub fn statement_stats() -> bool {
    let installed = private::statement_stats_installed();
    if !installed {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "pg_stat_statements.so is not beside PostgreSQL's binaries: install PostgreSQL's \
             server package whole (Debian's postgresql-NN has it)"
        );
        eprintln!("pg_stat_statements is not installed: round-trip budgets not checked");
    }
    installed
}

fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| {
        std::thread::spawn(|| {
            remove_abandoned_clusters();
            let dir = std::env::temp_dir().join(format!("{CLUSTER_PREFIX}{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            // Statement counts for the round-trip budgets (`budget.rs`): counted only in the
            // databases that ask for it (`TestApp::spawn_counted`), so the hundreds of other
            // test databases never fill the table and push a counted statement out of it.
            let settings = if statement_stats() {
                [
                    ("shared_preload_libraries", "pg_stat_statements"),
                    ("pg_stat_statements.track", "none"),
                    ("pg_stat_statements.max", "10000"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .to_vec()
            } else {
                Vec::new()
            };
            let server = PrivatePostgres::start_with(&dir, Durability::Throwaway, settings)
                .expect("start PostgreSQL for the tests");
            // SAFETY: registering a plain extern "C" function with no captured state.
            unsafe { libc::atexit(remove_cluster) };
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                server.wait_until_ready().await.expect("PostgreSQL ready");
                db::ensure_database(&server.url("postgres"), "template_digikoord")
                    .await
                    .expect("template db");
                let pool = db::connect(&server.url("template_digikoord"), 2)
                    .await
                    .expect("connect template");
                db::prepare(&pool).await.expect("migrate template");
                if statement_stats() {
                    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
                        .execute(&pool)
                        .await
                        .expect("pg_stat_statements in the template");
                }
                db::ensure_server_login(&pool, &server.server_password(), true)
                    .await
                    .expect("the server's login");
                digikoord::seed::programme(&pool)
                    .await
                    .expect("seed template");
                pool.close().await;
            });
            Cluster {
                server: std::sync::Mutex::new(server),
                dir,
            }
        })
        .join()
        .expect("cluster thread")
    })
}

/// Runs at exit (libtest exits through `exit` on success and on failure alike).
extern "C" fn remove_cluster() {
    if let Some(cluster) = CLUSTER.get() {
        if let Ok(mut server) = cluster.server.lock() {
            server.stop();
        }
        let _ = std::fs::remove_dir_all(&cluster.dir);
    }
}

/// Removes the clusters of earlier runs that were killed before they could clean up
/// (their process is gone).
fn remove_abandoned_clusters() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(CLUSTER_PREFIX))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Every table's rows as one digest per table, but for the tables named in `except`.
pub async fn digests(db: &PgPool, except: &[&str]) -> Vec<(String, i64, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(db)
    .await
    .expect("tables");
    let mut out = Vec::new();
    for table in tables.into_iter().filter(|t| !except.contains(&t.as_str())) {
        let (rows, digest): (i64, Option<String>) = sqlx::query_as(&format!(
            "SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM {table} t"
        ))
        .fetch_one(db)
        .await
        .expect("digest");
        out.push((table, rows, digest.unwrap_or_default()));
    }
    out
}

/// A program the browser and office-suite checks need: its path, or `None` (and a note)
/// when it is missing outside CI; with `CI=true` a missing one fails the test.
pub fn tool(name: &str) -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is missing: .ci/run installs it"
        );
        eprintln!("skipped: {name} is not installed here (.ci/run installs it)");
    }
    found
}

/// A folder of pictures for a person to look at after the run: `target/screenshots/<name>`,
/// emptied first (never committed).
pub fn screenshots(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target/tmp has a parent")
        .join("screenshots")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// A new, empty database on the test cluster (no schema): returns its URL.
pub async fn empty_database() -> String {
    let cluster = cluster();
    let name = format!("empty_{}", Uuid::new_v4().simple());
    let admin = db::connect(&cluster.url("postgres"), 1)
        .await
        .expect("connect");
    sqlx::query(&format!("CREATE DATABASE {name} TEMPLATE template0"))
        .execute(&admin)
        .await
        .expect("create an empty database");
    admin.close().await;
    cluster.url(&name)
}

/// A directory of the test's own, removed with the test cluster at exit (and reachable
/// by the `postgres` user when the tests run as root).
pub fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = cluster()
        .dir
        .join("scratch")
        .join(format!("{name}-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Said as `PUBLIC_URL`: the server's own address, known once it listens.
const OWN_ADDRESS: &str = "http://own-address.invalid";

#[derive(Clone)]
pub struct TestApp {
    pub addr: SocketAddr,
    /// The owner's pool, for setting up and checking what the server did.
    pub db: PgPool,
    /// The test database's URL (the owner's), for the `digikoord` binary.
    pub db_url: String,
    /// The server's own login to the test database.
    pub server_url: String,
    pub client: reqwest::Client,
    /// The server's queue of heavy work (`digikoord::heavy`), so a test can take its turns
    /// as a long export would; `None` for a server in a process of its own.
    pub heavy: Option<digikoord::heavy::Queue>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub html: Html,
    pub text: String,
}

impl Page {
    pub fn select(&self, css: &str) -> Vec<String> {
        let selector = Selector::parse(css).expect("valid selector");
        self.html
            .select(&selector)
            .map(|e| {
                e.text()
                    .collect::<String>()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }

    pub fn attr(&self, css: &str, attr: &str) -> Option<String> {
        let selector = Selector::parse(css).expect("valid selector");
        self.html
            .select(&selector)
            .next()
            .and_then(|e| e.value().attr(attr))
            .map(str::to_string)
    }

    /// The attribute of every element the selector finds.
    pub fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        let selector = Selector::parse(css).expect("valid selector");
        self.html
            .select(&selector)
            .filter_map(|e| e.value().attr(attr))
            .map(str::to_string)
            .collect()
    }

    pub fn csrf(&self) -> String {
        self.attr("input[name=csrf]", "value").unwrap_or_else(|| {
            panic!(
                "the page has no form with a CSRF token ({}, {:?}): {}",
                self.status,
                self.location,
                self.plain()
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        })
    }

    /// The page's text with non-breaking spaces made plain, for reading amounts.
    pub fn plain(&self) -> String {
        self.text.replace('\u{a0}', " ")
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_on(Self::default_clock()).await
    }

    /// The day `spawn` serves on: 1 March 2025.
    pub fn default_clock() -> Clock {
        Clock::Fixed(chrono::NaiveDate::from_ymd_opt(2025, 3, 1).expect("date"))
    }

    pub async fn spawn_on(clock: Clock) -> TestApp {
        Self::spawn_with(clock, &[]).await
    }

    /// A server configured with these settings (as environment variables would give them).
    pub async fn spawn_with(clock: Clock, settings: &[(&str, &str)]) -> TestApp {
        Self::spawn_in_new_database(clock, settings, false).await
    }

    /// A server whose database, alone in the cluster, has its statements counted by
    /// `pg_stat_statements` (the round-trip budgets, `budget.rs`): no other test's
    /// statements share or crowd out its counts.
    pub async fn spawn_counted(clock: Clock) -> TestApp {
        Self::spawn_in_new_database(clock, &[], true).await
    }

    async fn spawn_in_new_database(
        clock: Clock,
        settings: &[(&str, &str)],
        counted: bool,
    ) -> TestApp {
        let cluster = cluster();
        let name = format!("test_{}", Uuid::new_v4().simple());
        let admin = db::connect(&cluster.url("postgres"), 1)
            .await
            .expect("connect");
        sqlx::query(&format!(
            "CREATE DATABASE {name} TEMPLATE template_digikoord"
        ))
        .execute(&admin)
        .await
        .expect("copy the template");
        if counted {
            // Before any connection to it: the setting is read as a connection starts.
            sqlx::query(&format!(
                "ALTER DATABASE {name} SET pg_stat_statements.track = 'top'"
            ))
            .execute(&admin)
            .await
            .expect("count this database's statements");
        }
        admin.close().await;
        // The test's own pool is the owner's, for setting up and checking; the server runs
        // as the server's role, as in production.
        let pool = db::connect(&cluster.url(&name), 5)
            .await
            .expect("connect test db");
        Self::serve(
            pool,
            (cluster.url(&name), cluster.server_url(&name)),
            clock,
            settings,
            Self::new_client(),
        )
        .await
    }

    /// A server whose `PUBLIC_URL` is its own address (as a provider must send browsers back
    /// to it), with these further settings.
    pub async fn spawn_public(clock: Clock, settings: &[(&str, &str)]) -> TestApp {
        let mut all = vec![("PUBLIC_URL", OWN_ADDRESS)];
        all.extend_from_slice(settings);
        Self::spawn_with(clock, &all).await
    }

    /// The same database served by another server whose clock reads `clock`: time has
    /// passed. The browser (its cookies, so its session) comes along.
    pub async fn later(&self, clock: Clock) -> TestApp {
        Self::serve(
            self.db.clone(),
            (self.db_url.clone(), self.server_url.clone()),
            clock,
            &[],
            self.client.clone(),
        )
        .await
    }

    /// The same database served by another server configured with these settings; a new
    /// browser.
    pub async fn with_settings(&self, settings: &[(&str, &str)]) -> TestApp {
        Self::serve(
            self.db.clone(),
            (self.db_url.clone(), self.server_url.clone()),
            Self::default_clock(),
            settings,
            Self::new_client(),
        )
        .await
    }

    async fn serve(
        pool: PgPool,
        (db_url, server_url): (String, String),
        clock: Clock,
        settings: &[(&str, &str)],
        client: reqwest::Client,
    ) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let config = Config::from_lookup(|key| {
            settings
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| match *v {
                    OWN_ADDRESS => format!("http://{addr}"),
                    v => v.to_string(),
                })
                .or_else(|| (key == "SECRETS_KEY").then(|| SECRETS_KEY.to_string()))
                .or_else(|| (key == "REPAYMENT_BANKGIRO").then(|| REPAYMENT_BANKGIRO.to_string()))
        })
        .expect("valid config");
        let state = AppState::new(
            db::server_pool(&server_url, 5).expect("server pool"),
            config,
            clock,
        )
        .expect("the server's state");
        let heavy = Some(state.heavy.clone());
        tokio::spawn(async move {
            axum::serve(
                listener,
                digikoord::app(state).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        TestApp {
            addr,
            db: pool,
            db_url,
            server_url,
            client,
            heavy,
        }
    }

    pub fn new_client() -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    /// Another person in another browser, against the same server.
    pub fn other_browser(&self) -> TestApp {
        TestApp {
            addr: self.addr,
            db: self.db.clone(),
            db_url: self.db_url.clone(),
            server_url: self.server_url.clone(),
            client: Self::new_client(),
            heavy: self.heavy.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub async fn page_of(response: reqwest::Response) -> Page {
        Self::page(response).await
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.expect("body");
        let html = Html::parse_document(&body);
        let text = html.root_element().text().collect::<String>();
        Page {
            status,
            location,
            html,
            text,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// Fetches the form page for its CSRF token, then posts the fields with it.
    pub async fn submit(&self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(form_page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Follows a redirect, as a browser would.
    pub async fn follow(&self, page: Page) -> Page {
        match page.location {
            Some(to) if page.status.is_redirection() => self.get(&to).await,
            _ => page,
        }
    }

    pub async fn login(&self, email: &str, password: &str) -> Page {
        self.submit(
            "/logga-in",
            "/logga-in",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// Creates a user straight in the database (with the app's own hashing) and logs in as them.
    pub async fn login_as(&self, role: Role, organisation: Option<&str>) -> Uuid {
        let id = self.create_user(role, organisation).await;
        let email = self.email_of(id).await;
        let page = self.login(&email, PASSWORD).await;
        let page = self.pass_second_step(id, page).await;
        assert_eq!(
            page.location.as_deref(),
            Some("/"),
            "login as {role:?} should succeed"
        );
        id
    }

    pub async fn create_user(&self, role: Role, organisation: Option<&str>) -> Uuid {
        let id = Uuid::new_v4();
        let hash = digikoord::auth::password::hash(PASSWORD.into())
            .await
            .expect("hash");
        sqlx::query(
            "INSERT INTO users (id, email, name, role, organisation_id, password_hash)
             VALUES ($1, $2, $3, $4, (SELECT id FROM organisations WHERE name = $5), $6)",
        )
        .bind(id)
        .bind(format!("{}-{}@test.example", role.key(), id.simple()))
        .bind(format!("Test {}", role.label()))
        .bind(role)
        .bind(organisation)
        .bind(hash)
        .execute(&self.db)
        .await
        .expect("insert user");
        if role.is_staff() {
            self.give_second_factor(id).await;
        }
        id
    }

    pub async fn email_of(&self, id: Uuid) -> String {
        sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&self.db)
            .await
            .expect("user")
    }

    /// A kept export, downloaded as the administrator's browser does; it must be served.
    pub async fn export_bytes(&self, id: Uuid) -> Vec<u8> {
        let response = self
            .client
            .get(self.url(&format!("/sammanstallning/exporter/{id}")))
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), StatusCode::OK);
        response.bytes().await.expect("bytes").to_vec()
    }

    pub async fn audit_count(&self, action: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1")
            .bind(action)
            .fetch_one(&self.db)
            .await
            .expect("count")
    }
}

/// Sends the same POST `n` times at once from one browser; returns the statuses.
pub async fn at_once(
    browser: &TestApp,
    path: &str,
    fields: Vec<(&'static str, String)>,
    n: usize,
) -> Vec<StatusCode> {
    let mut handles = Vec::new();
    for _ in 0..n {
        let client = browser.client.clone();
        let url = browser.url(path);
        let fields = fields.clone();
        handles.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&fields)
                .send()
                .await
                .expect("POST")
                .status()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.expect("request task"));
    }
    statuses
}

/// How many of the answers were the one success (a redirect after the action).
pub fn successes(statuses: &[StatusCode]) -> usize {
    statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count()
}
