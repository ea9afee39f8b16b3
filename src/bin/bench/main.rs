//! `cargo run --release --bin bench`: how fast Digikoord's pages are, beside the stack's own
//! ceiling, on the demo and at scale. See README, "Speed".
//!
//! It starts a private PostgreSQL under `data/bench` (kept for the next run, stopped on
//! exit), seeds a database per run (the demo; then `--organisations` actors × ten years
//! through the app's own SQL, `seed::scale`), starts the release server on each as a child
//! process (this binary again, serving exactly as `digikoord` does, with `BENCH_CEILING`
//! on), logs in as a coordinator, a case officer and an administrator as people do (the
//! staff with their code), and drives each page with a real load generator (`wrk` if
//! installed, else `oha`, installed with `cargo install` when missing) at 1, 16 and 64
//! connections. Every figure is also given as a share of the ceiling page measured in the
//! same run. The table is printed and written to `data/bench/results.md`.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::{Child, Command, ExitCode, Stdio},
    time::{Duration, Instant},
};

use clap::Parser;
use digikoord::{
    Clock, Config,
    db::{
        self,
        private::{Durability, PrivatePostgres},
    },
    seed, serve, telemetry,
};

/// Set in the child process that serves.
const SERVE_CHILD: &str = "DIGIKOORD_BENCH_SERVE";
const PORT: u16 = 3999;
const CONNECTIONS: [u32; 3] = [1, 16, 64];

#[derive(Parser)]
#[command(
    name = "bench",
    about = "Digikoord's pages under load, beside the stack's ceiling"
)]
struct Args {
    /// Seconds of load per page and connection count
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Actors in the scale run (0: no scale run)
    #[arg(long, default_value_t = 2000)]
    organisations: usize,
    /// Where the cluster and the results live
    #[arg(long, default_value = "data/bench")]
    dir: PathBuf,
}

fn main() -> ExitCode {
    if std::env::var_os(SERVE_CHILD).is_some() {
        return serve_child();
    }
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The child: the server, configured by the environment the parent gives it.
fn serve_child() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bench server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(runtime) = tokio::runtime::Runtime::new() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        telemetry::init(config.log_format);
        match serve::run(config).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("bench server: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// One measurement.
struct Row {
    run: &'static str,
    page: &'static str,
    connections: u32,
    load: Load,
    /// This page's requests per second as a share of the ceiling's at the same load.
    share: f64,
}

/// What the load generator saw.
#[derive(Clone, Copy, Default)]
struct Load {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Responses other than 2xx/3xx, and socket errors.
    errors: u64,
}

/// The server's memory over a run, in MiB.
struct Memory {
    idle: f64,
    after: f64,
    peak: f64,
}

/// The server's resident memory now and at its peak, from /proc, in MiB.
struct Resident {
    now: f64,
    peak: f64,
}

async fn run(args: Args) -> Result<(), String> {
    let tool = LoadTool::find()?;
    println!("Lastgenerator: {}", tool.name());
    let mut pg = tokio::task::spawn_blocking({
        let dir = args.dir.clone();
        move || PrivatePostgres::start(&dir, Durability::Throwaway)
    })
    .await
    .map_err(|e| e.to_string())??;
    let result = measure(&args, &tool, &pg).await;
    pg.stop();
    let (rows, memory) = result?;
    let table = table(&rows, &memory, &args);
    println!("\n{table}");
    let out = args.dir.join("results.md");
    std::fs::write(&out, &table).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("Skrivet till {}", out.display());
    Ok(())
}

async fn measure(
    args: &Args,
    tool: &LoadTool,
    pg: &PrivatePostgres,
) -> Result<(Vec<Row>, BTreeMap<&'static str, Memory>), String> {
    pg.wait_until_ready().await?;
    let today = Clock::System.today();
    let mut rows = Vec::new();
    let mut memory = BTreeMap::new();
    let mut runs = vec![("demo", 0)];
    if args.organisations > 0 {
        runs.push(("skala", args.organisations));
    }
    for (run, organisations) in runs {
        let name = format!("bench_{run}");
        db::ensure_database(&pg.url("postgres"), &name)
            .await
            .map_err(|e| e.to_string())?;
        let owner = db::connect(&pg.url(&name), 4)
            .await
            .map_err(|e| e.to_string())?;
        db::prepare(&owner).await?;
        seed::programme(&owner).await.map_err(|e| e.to_string())?;
        if organisations > 0 {
            let started = Instant::now();
            println!(
                "Skalkörning: {organisations} aktörer × {} år …",
                seed::scale::YEARS.count()
            );
            seed::scale::scale(
                &owner,
                organisations,
                seed::scale::YEARS,
                today,
                |year, n| {
                    if n > 0 {
                        println!("  {year}: {n} aktörers ärenden skrivna");
                    }
                },
            )
            .await
            .map_err(|e| format!("seeding: {e:?}"))?;
            println!("  klart på {} s", started.elapsed().as_secs());
        }
        sqlx::query("VACUUM ANALYZE")
            .execute(&owner)
            .await
            .map_err(|e| e.to_string())?;
        owner.close().await;

        let log = args.dir.join(format!("server-{run}.log"));
        let mut server = Server::start(&pg.url(&name), &log)?;
        let measured = measure_run(run, args, tool, &pg.url(&name), &server).await;
        let resident = server.resident();
        server.stop();
        let (mut run_rows, idle) = measured?;
        rows.append(&mut run_rows);
        memory.insert(
            run,
            Memory {
                idle,
                after: resident.now,
                peak: resident.peak,
            },
        );
    }
    Ok((rows, memory))
}

/// The pages of one run: the ceiling first, then each page, at each load.
async fn measure_run(
    run: &'static str,
    args: &Args,
    tool: &LoadTool,
    db_url: &str,
    server: &Server,
) -> Result<(Vec<Row>, f64), String> {
    let base = format!("http://127.0.0.1:{PORT}");
    server.wait_until_healthy(&base).await?;
    let idle = server.resident().now;
    let coordinator = login(&base, "koordinator@digikoord.example").await?;
    let officer = login(&base, "handlaggare@digikoord.example").await?;
    let admin = login(&base, "admin@digikoord.example").await?;
    let db = sqlx::PgPool::connect(db_url)
        .await
        .map_err(|e| e.to_string())?;
    let (requisition, year): (uuid::Uuid, i32) = sqlx::query_as(
        "SELECT r.id, r.year FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
         WHERE o.name = 'Region Stockholm' AND r.year <= $1 ORDER BY r.year DESC LIMIT 1",
    )
    .bind(chrono::Datelike::year(&Clock::System.today()))
    .fetch_one(&db)
    .await
    .map_err(|e| format!("a requisition of Region Stockholm: {e}"))?;
    db.close().await;
    let pages: Vec<(&'static str, String, &str)> = vec![
        (
            "tak (/bench/ceiling)",
            "/bench/ceiling".into(),
            &coordinator,
        ),
        ("/healthz", "/healthz".into(), ""),
        ("startsida, koordinator", "/".into(), &coordinator),
        (
            "rekvisition",
            format!("/rekvisitioner/{requisition}"),
            &coordinator,
        ),
        (
            "översikt, handläggare",
            format!("/oversikt?ar={year}"),
            &officer,
        ),
        (
            "sammanställning",
            format!("/sammanstallning?ar={year}"),
            &admin,
        ),
        (
            "XLSX-export",
            format!("/sammanstallning/{year}/utkast/xlsx"),
            &admin,
        ),
    ];
    // Each page must answer 200 as that person before it is measured.
    for (page, path, cookie) in &pages {
        let status = reqwest::Client::new()
            .get(format!("{base}{path}"))
            .header("cookie", *cookie)
            .send()
            .await
            .map_err(|e| e.to_string())?
            .status();
        if status != reqwest::StatusCode::OK {
            return Err(format!("{page} ({path}) answered {status}"));
        }
    }
    let mut rows = Vec::new();
    for connections in CONNECTIONS {
        let mut ceiling = None;
        for (page, path, cookie) in &pages {
            print!("  {run}: {page}, {connections} anslutningar … ");
            let load = tool.drive(&format!("{base}{path}"), cookie, connections, args.seconds)?;
            println!(
                "{:.0} req/s, p50 {:.1} ms, p99 {:.1} ms",
                load.per_second, load.p50_ms, load.p99_ms
            );
            let reference = *ceiling.get_or_insert(load.per_second);
            rows.push(Row {
                run,
                page,
                connections,
                load,
                share: if reference > 0.0 {
                    load.per_second / reference
                } else {
                    0.0
                },
            });
        }
    }
    Ok((rows, idle))
}

/// Logs in as a person does (the form, then for staff the code from the demo's key) and
/// returns the cookies to send.
async fn login(base: &str, email: &str) -> Result<String, String> {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let csrf_of = |html: &str| -> Result<String, String> {
        let at = html
            .find(r#"name="csrf" value=""#)
            .ok_or("no CSRF field on the page")?;
        let rest = &html[at + r#"name="csrf" value=""#.len()..];
        Ok(rest[..rest.find('"').unwrap_or(0)].to_string())
    };
    let page = client
        .get(format!("{base}/logga-in"))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .text()
        .await
        .map_err(|e| e.to_string())?;
    let response = client
        .post(format!("{base}/logga-in"))
        .form(&[
            ("csrf", csrf_of(&page)?.as_str()),
            ("email", email),
            ("password", seed::DEMO_PASSWORD),
        ])
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let landed = response.url().path().to_string();
    let html = response.text().await.map_err(|e| e.to_string())?;
    if landed == "/logga-in/kod" {
        let step = digikoord::auth::second_factor::unix_now() / 30;
        let code = totp_rs::Builder::new()
            .with_secret(
                totp_rs::Secret::try_from_base32(seed::DEMO_TOTP_SECRET)
                    .map_err(|e| format!("{e:?}"))?,
            )
            .build()
            .map_err(|e| format!("{e:?}"))?
            .generate(step * 30)
            .to_string();
        let response = client
            .post(format!("{base}/logga-in/kod"))
            .form(&[("csrf", csrf_of(&html)?.as_str()), ("code", code.as_str())])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.url().path() != "/" {
            return Err(format!("{email}: the code was not taken"));
        }
    } else if landed != "/" {
        return Err(format!("{email}: the login was refused"));
    }
    use reqwest::cookie::CookieStore;
    let url: reqwest::Url = base.parse().map_err(|e| format!("{e}"))?;
    jar.cookies(&url)
        .and_then(|v| v.to_str().ok().map(String::from))
        .ok_or_else(|| format!("{email}: no session cookie"))
}

/// The server under test: this binary as a child process.
struct Server {
    child: Child,
}

impl Server {
    fn start(database_url: &str, log: &Path) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(exe)
            .env(SERVE_CHILD, "1")
            .env("LISTEN_ADDR", format!("127.0.0.1:{PORT}"))
            .env("DATABASE_URL", database_url)
            .env("DEMO", "true")
            .env("BENCH_CEILING", "true")
            .env_remove("SMTP_URL")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| e.to_string())?)
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("starting the server: {e}"))?;
        Ok(Server { child })
    }

    async fn wait_until_healthy(&self, base: &str) -> Result<(), String> {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err("the server did not answer /healthz within 60 s (see its log)".into())
    }

    fn resident(&self) -> Resident {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
                .map_or(0.0, |kb| kb / 1024.0)
        };
        Resident {
            now: field("VmRSS:"),
            peak: field("VmHWM:"),
        }
    }

    fn stop(&mut self) {
        // SIGTERM: the server shuts down as in production.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        for _ in 0..100 {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.stop();
        }
    }
}

/// The load generator: `wrk` if installed, else `oha`.
enum LoadTool {
    Wrk,
    Oha(PathBuf),
}

impl LoadTool {
    fn name(&self) -> String {
        match self {
            LoadTool::Wrk => "wrk".into(),
            LoadTool::Oha(path) => format!("oha ({})", path.display()),
        }
    }

    /// `wrk` on PATH; else `oha` on PATH or in cargo's bin directory; else installs `oha`
    /// from crates.io with `cargo install --locked oha` (once, a few minutes).
    fn find() -> Result<LoadTool, String> {
        if on_path("wrk").is_some() {
            return Ok(LoadTool::Wrk);
        }
        let cargo_bin = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .map(|home| home.join("bin").join("oha"));
        let found = on_path("oha").or_else(|| cargo_bin.clone().filter(|p| p.exists()));
        if let Some(oha) = found {
            return Ok(LoadTool::Oha(oha));
        }
        println!("Varken wrk eller oha finns: installerar oha (cargo install --locked oha) …");
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args(["install", "--locked", "oha"])
            .status()
            .map_err(|e| format!("cargo install oha: {e}"))?;
        match cargo_bin.filter(|p| status.success() && p.exists()) {
            Some(oha) => Ok(LoadTool::Oha(oha)),
            None => Err("could not install oha; install wrk (apt-get install wrk) or oha".into()),
        }
    }

    fn drive(
        &self,
        url: &str,
        cookie: &str,
        connections: u32,
        seconds: u64,
    ) -> Result<Load, String> {
        let mut command = match self {
            LoadTool::Wrk => {
                let mut c = Command::new("wrk");
                c.args([
                    "--latency",
                    "-t",
                    &connections.min(2).to_string(),
                    "-c",
                    &connections.to_string(),
                    "-d",
                    &format!("{seconds}s"),
                ]);
                c
            }
            LoadTool::Oha(path) => {
                let mut c = Command::new(path);
                c.args([
                    "--no-tui",
                    "--output-format",
                    "json",
                    "-c",
                    &connections.to_string(),
                    "-z",
                    &format!("{seconds}s"),
                ]);
                c
            }
        };
        if !cookie.is_empty() {
            command.args(["-H", &format!("Cookie: {cookie}")]);
        }
        let output = command
            .arg(url)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("{}: {e}", self.name()))?;
        let text = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "{} failed: {}{}",
                self.name(),
                text,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        match self {
            LoadTool::Wrk => parse_wrk(&text),
            LoadTool::Oha(_) => parse_oha(&text),
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// wrk's `--latency` report.
fn parse_wrk(text: &str) -> Result<Load, String> {
    let duration_ms = |v: &str| {
        let v = v.trim();
        let (number, factor) = if let Some(n) = v.strip_suffix("us") {
            (n, 0.001)
        } else if let Some(n) = v.strip_suffix("ms") {
            (n, 1.0)
        } else if let Some(n) = v.strip_suffix('m') {
            (n, 60_000.0)
        } else if let Some(n) = v.strip_suffix('s') {
            (n, 1000.0)
        } else {
            (v, 1.0)
        };
        number.parse::<f64>().ok().map(|n| n * factor)
    };
    let mut load = Load::default();
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => load.p50_ms = duration_ms(v).unwrap_or_default(),
            ["99%", v] => load.p99_ms = duration_ms(v).unwrap_or_default(),
            ["Requests/sec:", v] => load.per_second = v.parse().unwrap_or_default(),
            ["Non-2xx", "or", "3xx", "responses:", n] => load.errors += n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                load.errors += rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum::<u64>();
            }
            _ => {}
        }
    }
    if load.per_second == 0.0 {
        return Err(format!("could not read wrk's report:\n{text}"));
    }
    Ok(load)
}

/// oha's JSON report (`--output-format json`).
fn parse_oha(text: &str) -> Result<Load, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("oha's report: {e}\n{text}"))?;
    let seconds = |p: &str| v["latencyPercentiles"][p].as_f64().unwrap_or_default() * 1000.0;
    let errors = v["statusCodeDistribution"]
        .as_object()
        .map(|codes| {
            codes
                .iter()
                .filter(|(code, _)| !code.starts_with('2') && !code.starts_with('3'))
                .filter_map(|(_, n)| n.as_u64())
                .sum::<u64>()
        })
        .unwrap_or_default()
        + v["errorDistribution"]
            .as_object()
            .map(|e| {
                // The requests still in flight when the time is up are cut off: no error.
                e.iter()
                    .filter(|(what, _)| !what.contains("deadline"))
                    .filter_map(|(_, n)| n.as_u64())
                    .sum::<u64>()
            })
            .unwrap_or_default();
    Ok(Load {
        per_second: v["summary"]["requestsPerSec"].as_f64().unwrap_or_default(),
        p50_ms: seconds("p50"),
        p99_ms: seconds("p99"),
        errors,
    })
}

fn table(rows: &[Row], memory: &BTreeMap<&'static str, Memory>, args: &Args) -> String {
    let mut out = format!(
        "Digikoord, release, {} s per sida och last; andel = sidans req/s delat med takets (/bench/ceiling) vid samma last.\n\n",
        args.seconds
    );
    out.push_str(
        "| körning | sida | anslutningar | req/s | p50 ms | p99 ms | andel av taket | fel |\n",
    );
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {:.0} | {:.1} | {:.1} | {:.2} | {} |\n",
            r.run,
            r.page,
            r.connections,
            r.load.per_second,
            r.load.p50_ms,
            r.load.p99_ms,
            r.share,
            r.load.errors
        ));
    }
    out.push_str("\n| körning | minne i vila MiB | efter körningen MiB | högsta MiB |\n| --- | ---: | ---: | ---: |\n");
    for (run, m) in memory {
        out.push_str(&format!(
            "| {run} | {:.1} | {:.1} | {:.1} |\n",
            m.idle, m.after, m.peak
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrk_and_oha_reports_are_read() {
        let wrk = "Running 10s test @ http://127.0.0.1:3999/\n  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    2.00ms\n     99%   14.50ms\n  12000 requests in 10.00s, 1.00MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:   1200.50\nTransfer/sec:    100.00KB\n";
        let load = parse_wrk(wrk).expect("wrk");
        assert!((load.per_second - 1200.5).abs() < 1e-9);
        assert!((load.p50_ms - 0.812).abs() < 1e-9);
        assert!((load.p99_ms - 14.5).abs() < 1e-9);
        assert_eq!(load.errors, 3);
        assert!(parse_wrk("nothing").is_err());

        let oha = r#"{"summary":{"requestsPerSec":950.0},"latencyPercentiles":{"p50":0.002,"p99":0.0155},"statusCodeDistribution":{"200":9000,"503":2},"errorDistribution":{"aborted due to deadline":64,"connection closed":1}}"#;
        let load = parse_oha(oha).expect("oha");
        assert!((load.per_second - 950.0).abs() < 1e-9);
        assert!((load.p50_ms - 2.0).abs() < 1e-9);
        assert!((load.p99_ms - 15.5).abs() < 1e-9);
        assert_eq!(load.errors, 3);
    }
}
