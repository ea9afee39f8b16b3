//! `cargo run --release --bin bench`: how fast Digikoord's pages are, beside the stack's own
//! ceiling, on the demo and at scale.
//!
//! ```text
//! cargo run --release --bin bench        # about 15 minutes; --seconds N, --organisations N
//! ```
//!
//! It starts a private PostgreSQL under `data/bench` (kept for the next run, stopped on
//! exit), seeds a database per run (the demo; then a **scale run**: `--organisations`
//! actors, 2 000 by default, × the ten years 2018–2027 through the app's own SQL,
//! `seed::scale`, about two minutes, once), starts the release server on each as a child
//! process (this binary again, serving exactly as `digikoord` does, with `BENCH_CEILING`
//! on), logs in as a coordinator, a case officer and an administrator as people do (the
//! staff with the code from the demo's key), and drives each page for 10 s with a real load
//! generator (`wrk` if installed, else `oha`, installed with `cargo install --locked oha`
//! when neither is there) at 1, 16 and 64 connections. The **ceiling** is `/bench/ceiling`
//! (`crate::bench`), served only with that setting: one session lookup, one query and one
//! template in the site's layout. Every figure is also given as a share of the ceiling
//! page measured in the same run. The server's memory is read from `/proc` when idle, after
//! the run and at its peak. The table is printed and written to `results.md` in `--dir`
//! (`data/bench` by default). CI builds the benchmark (clippy, all targets) but does not run it.
//!
//! Before its load each page is asked for once more: the **bytes per response** are its body
//! as sent to a browser that accepts br and gzip (not decompressed), and the **queries per
//! page** the statements the server sent PostgreSQL for that one request (BEGIN and COMMIT
//! included), read from `pg_stat_statements`, which the benchmark's own cluster preloads
//! (the smaller of two tries, so the mail worker's polling is not counted). After the three
//! loads a second server is started on the same database and each page is driven at 64
//! connections, 32 on each server: the rows with 2 servers. The benchmark always finishes
//! and writes its table: a page that completed no request in its window is a row with
//! 0 requests/s and its errors and time-outs (wrk's 2 s time-out; oha's, and the requests
//! still waiting when nothing was answered), and whatever could not be measured is named
//! under the table.
//!
//! Requests per second count the pages answered (2xx and 3xx) only: a whole-year export
//! refused at once because the heavy-work queue is full (`digikoord::heavy`: 503 "försök
//! igen om en stund", at most `EXPORT_SLOTS` at once and `EXPORT_QUEUE` waiting) is counted
//! under *fel*, never as speed.
//!
//! # The latest run
//!
//! 4 December 2026, from a fresh clone at c302ae6, `--seconds 5`, on the 2-core development
//! machine with `oha` as load generator (it, PostgreSQL and the server share the two cores):
//!
//! Digikoord, release, 5 s per sida och last; andel = sidans req/s delat med takets (/bench/ceiling) vid samma last och antal servrar. Byte per svar: kroppen som den skickas till en webbläsare som tar emot br och gzip. Frågor per sida: de satser servern sände PostgreSQL för en begäran (pg_stat_statements, BEGIN och COMMIT medräknade). Fel: svar utom 2xx/3xx och uttagsfel; tidsgränser: begäranden som gavs upp.
//!
//! | körning | servrar | sida | anslutningar | req/s | p50 ms | p99 ms | andel av taket | fel | tidsgränser | byte per svar | frågor per sida |
//! | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
//! | demo | 1 | tak (/bench/ceiling) | 1 | 1458 | 0.7 | 1.0 | 1.00 | 0 | 0 | 1201 | 2 |
//! | demo | 1 | /healthz | 1 | 5038 | 0.2 | 0.4 | 3.45 | 0 | 0 | 2 | 1 |
//! | demo | 1 | startsida, koordinator | 1 | 626 | 1.5 | 2.8 | 0.43 | 0 | 0 | 1936 | 3 |
//! | demo | 1 | rekvisition | 1 | 877 | 1.1 | 1.9 | 0.60 | 0 | 0 | 2219 | 2 |
//! | demo | 1 | översikt, handläggare | 1 | 414 | 2.3 | 3.8 | 0.28 | 0 | 0 | 4843 | 6 |
//! | demo | 1 | sammanställning | 1 | 366 | 2.7 | 4.2 | 0.25 | 0 | 0 | 6729 | 15 |
//! | demo | 1 | XLSX-export | 1 | 240 | 4.0 | 6.5 | 0.16 | 0 | 0 | 12407 | 12 |
//! | demo | 1 | tak (/bench/ceiling) | 16 | 4161 | 3.4 | 8.8 | 1.00 | 0 | 0 | 1201 | 2 |
//! | demo | 1 | /healthz | 16 | 14353 | 1.0 | 3.0 | 3.45 | 0 | 0 | 2 | 1 |
//! | demo | 1 | startsida, koordinator | 16 | 1625 | 9.6 | 17.1 | 0.39 | 0 | 0 | 1936 | 3 |
//! | demo | 1 | rekvisition | 16 | 2350 | 6.2 | 14.4 | 0.56 | 0 | 0 | 2219 | 2 |
//! | demo | 1 | översikt, handläggare | 16 | 963 | 16.0 | 29.7 | 0.23 | 0 | 0 | 4843 | 6 |
//! | demo | 1 | sammanställning | 16 | 780 | 19.9 | 39.3 | 0.19 | 0 | 0 | 6729 | 15 |
//! | demo | 1 | XLSX-export | 16 | 306 | 52.5 | 67.6 | 0.07 | 0 | 0 | 12407 | 12 |
//! | demo | 1 | tak (/bench/ceiling) | 64 | 4259 | 14.3 | 25.5 | 1.00 | 0 | 0 | 1201 | 2 |
//! | demo | 1 | /healthz | 64 | 14204 | 4.3 | 8.8 | 3.33 | 0 | 0 | 2 | 1 |
//! | demo | 1 | startsida, koordinator | 64 | 1368 | 44.2 | 73.8 | 0.32 | 0 | 0 | 1936 | 3 |
//! | demo | 1 | rekvisition | 64 | 2050 | 29.9 | 51.1 | 0.48 | 0 | 0 | 2219 | 2 |
//! | demo | 1 | översikt, handläggare | 64 | 782 | 78.1 | 124.7 | 0.18 | 0 | 0 | 4843 | 6 |
//! | demo | 1 | sammanställning | 64 | 806 | 78.0 | 123.3 | 0.19 | 0 | 0 | 6729 | 15 |
//! | demo | 1 | XLSX-export | 64 | 329 | 199.8 | 242.0 | 0.08 | 0 | 0 | 12407 | 12 |
//! | demo | 2 | tak (/bench/ceiling) | 64 | 4423 | 13.3 | 36.7 | 1.00 | 0 | 0 | 1201 | 2 |
//! | demo | 2 | /healthz | 64 | 17437 | 3.2 | 10.9 | 3.94 | 0 | 0 | 2 | 1 |
//! | demo | 2 | startsida, koordinator | 64 | 1455 | 42.3 | 81.2 | 0.33 | 0 | 0 | 1936 | 3 |
//! | demo | 2 | rekvisition | 64 | 2170 | 27.2 | 66.6 | 0.49 | 0 | 0 | 2219 | 2 |
//! | demo | 2 | översikt, handläggare | 64 | 977 | 63.3 | 124.2 | 0.22 | 0 | 0 | 4843 | 6 |
//! | demo | 2 | sammanställning | 64 | 813 | 76.6 | 138.4 | 0.18 | 0 | 0 | 6729 | 15 |
//! | demo | 2 | XLSX-export | 64 | 427 | 152.1 | 192.6 | 0.10 | 0 | 0 | 12407 | 12 |
//! | skala | 1 | tak (/bench/ceiling) | 1 | 1522 | 0.6 | 0.8 | 1.00 | 0 | 0 | 1202 | 2 |
//! | skala | 1 | /healthz | 1 | 5296 | 0.2 | 0.4 | 3.48 | 0 | 0 | 2 | 1 |
//! | skala | 1 | startsida, koordinator | 1 | 523 | 1.9 | 2.8 | 0.34 | 0 | 0 | 1959 | 3 |
//! | skala | 1 | rekvisition | 1 | 1017 | 1.0 | 1.3 | 0.67 | 0 | 0 | 2219 | 2 |
//! | skala | 1 | översikt, handläggare | 1 | 164 | 5.9 | 9.2 | 0.11 | 0 | 0 | 8958 | 6 |
//! | skala | 1 | sammanställning | 1 | 127 | 7.4 | 10.6 | 0.08 | 0 | 0 | 13014 | 17 |
//! | skala | 1 | XLSX-export | 1 | 10 | 97.4 | 139.8 | 0.01 | 0 | 0 | 130871 | 12 |
//! | skala | 1 | tak (/bench/ceiling) | 16 | 3693 | 3.8 | 10.5 | 1.00 | 0 | 0 | 1202 | 2 |
//! | skala | 1 | /healthz | 16 | 10834 | 1.3 | 3.8 | 2.93 | 0 | 0 | 2 | 1 |
//! | skala | 1 | startsida, koordinator | 16 | 690 | 22.4 | 43.1 | 0.19 | 0 | 0 | 1959 | 3 |
//! | skala | 1 | rekvisition | 16 | 1332 | 10.4 | 31.4 | 0.36 | 0 | 0 | 2219 | 2 |
//! | skala | 1 | översikt, handläggare | 16 | 197 | 78.9 | 169.8 | 0.05 | 0 | 0 | 8958 | 6 |
//! | skala | 1 | sammanställning | 16 | 130 | 94.5 | 1113.1 | 0.04 | 0 | 0 | 13014 | 17 |
//! | skala | 1 | XLSX-export | 16 | 14 | 1463.0 | 1661.3 | 0.00 | 0 | 0 | 130871 | 12 |
//! | skala | 1 | tak (/bench/ceiling) | 64 | 1632 | 33.6 | 107.4 | 1.00 | 0 | 0 | 1202 | 2 |
//! | skala | 1 | /healthz | 64 | 12834 | 4.6 | 11.8 | 7.87 | 0 | 0 | 2 | 1 |
//! | skala | 1 | startsida, koordinator | 64 | 1083 | 59.1 | 73.1 | 0.66 | 0 | 0 | 1959 | 3 |
//! | skala | 1 | rekvisition | 64 | 2305 | 27.2 | 38.5 | 1.41 | 0 | 0 | 2219 | 2 |
//! | skala | 1 | översikt, handläggare | 64 | 323 | 201.2 | 247.6 | 0.20 | 0 | 0 | 8958 | 6 |
//! | skala | 1 | sammanställning | 64 | 232 | 239.8 | 1051.8 | 0.14 | 0 | 0 | 13014 | 17 |
//! | skala | 1 | XLSX-export | 64 | 29 | 2650.3 | 4076.9 | 0.02 | 0 | 0 | 130871 | 12 |
//! | skala | 2 | tak (/bench/ceiling) | 64 | 2712 | 21.7 | 91.2 | 1.00 | 0 | 0 | 1202 | 2 |
//! | skala | 2 | /healthz | 64 | 10586 | 4.4 | 61.1 | 3.90 | 0 | 0 | 2 | 1 |
//! | skala | 2 | startsida, koordinator | 64 | 1037 | 58.5 | 153.0 | 0.38 | 0 | 0 | 1959 | 3 |
//! | skala | 2 | rekvisition | 64 | 2256 | 26.6 | 58.7 | 0.83 | 0 | 0 | 2219 | 2 |
//! | skala | 2 | översikt, handläggare | 64 | 269 | 222.9 | 546.0 | 0.10 | 0 | 0 | 8958 | 6 |
//! | skala | 2 | sammanställning | 64 | 153 | 277.1 | 2325.5 | 0.06 | 0 | 0 | 13014 | 17 |
//! | skala | 2 | XLSX-export | 64 | 29 | 2580.3 | 3859.9 | 0.01 | 0 | 0 | 130871 | 12 |
//!
//! | körning | minne i vila MiB | efter körningen MiB | högsta MiB |
//! | --- | ---: | ---: | ---: |
//! | demo | 19.2 | 65.3 | 81.6 |
//! | skala | 19.0 | 58.3 | 82.5 |
//!
//! **Targets** (issue 29), shares of the ceiling at 16 | 64 connections:
//!
//! | page | target | demo | held | scale | held |
//! | --- | --- | --- | --- | --- | --- |
//! | start page | ≥ 40 %; scale ≥ demo ÷ 1.2 | 39 \| 32 % | no (−1, −8) | 19 \| 66 % | no at 16 (0.48 of demo) |
//! | requisition | ≥ 50 %; scale the same | 56 \| 48 % | at 16 (−2 at 64) | 36 \| 141 % | no at 16 |
//! | overview | ≥ 25 % \| scale ≥ 20 % | 23 \| 18 % | no (−2, −7) | 5 \| 20 % | at 64 only |
//! | summary | ≥ 10 % \| scale ≥ 5 % | 19 \| 19 % | yes | 3.5 \| 14 % | at 64 only |
//! | XLSX of a year | ≥ 5 % \| scale ≥ 3 % | 7.4 \| 7.7 % | yes | 0.4 \| 1.8 % | no |
//!
//! Held for the whole run: no failed or timed-out request at any load (the heavy-work queue
//! now lets 100 wait: the run before it counted 10 817 quick refusals of the demo's XLSX at
//! 16 connections); peak memory 82 MiB (< 128); the start page's p99 at 64 connections 2.9× the
//! ceiling's on the demo (74 against 26 ms) and below it at scale. Not held: memory after the
//! run 65 MiB on the demo (58 at scale; the limit 64). The scale ceiling at 64 connections
//! varied between runs (2 036, 1 632 req/s), which flatters the shares there.
//!
//! Why the rest does not hold, as measured:
//!
//! - *The demo's start page, requisition and overview* ask 3, 2 and 6 statements (the
//!   ceiling 2) and the overview sends 4.8 KB compressed (the ceiling 1.2 KB). With the load
//!   generator and PostgreSQL on the same two cores, each round trip is a context switch on
//!   both sides; the profile of the server shows it mostly in send/recv and brotli, not in
//!   our code.
//! - *At scale* the totals over every actor are kept per database snapshot
//!   (`digikoord::summary::kept`), so a page costs its 100 rows: 4.6 ms of PostgreSQL for the
//!   overview's page (10 index lookups per row), which bounds it near 200 req/s on two
//!   cores. Any write gives the next page a new snapshot: the sessions' once-a-minute touch
//!   made the summary recompute its ten-year trend (0.8 s) now and then, its p99 of 1.1 s.
//!   Holding the shares would need the figures kept up to date by the writes themselves.
//! - *A year's XLSX at scale* is 131 KB drawn from 2 000 actors' rows and texts: about 100 ms
//!   of a core each, two at once (`EXPORT_SLOTS`). It is built whole because every export is
//!   kept with its checksum; the queue bounds the memory.
//!
//! **What the profile found and what was fixed** (this run's `pg_stat_statements` of the scale
//! database, `EXPLAIN (ANALYZE, BUFFERS)` of the top statements under the server's generic plans,
//! `perf record -e cpu-clock` of the server under load): before this change the summary's
//! trend over every year cost 820 ms a page, the year's figures 20–35 ms (three scans of 2 000
//! wide report rows, one heap page each), the missing reports 90 ms, the statistics 50 ms, the
//! account 17 ms, the overview's 100 rows 10.7 ms (two views flattened and computed for all
//! 2 000 actors before the join). Now the aggregates are kept per snapshot, the views are read
//! per row (4.6 ms), a snapshot begins in one round trip, and the export reads the year as the
//! overview reads a page: at scale the overview went from 44 to 164 req/s at one connection,
//! the summary from 5 to 127, the demo's XLSX from 177 to 240. Earlier runs found the start
//! page filtering every actor's obligations in Rust, per-actor SQL functions planned afresh
//! at each call, missing indexes by actor and year, and a client giving up mid-request
//! leaving a pooled connection inside a transaction (every request now runs to its end in a
//! task of its own).

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
        private::{self, Durability, PrivatePostgres},
    },
    seed, serve, telemetry,
};
use load::{Load, LoadTool};

mod load;

/// Set in the child process that serves.
const SERVE_CHILD: &str = "DIGIKOORD_BENCH_SERVE";
const PORT: u16 = 3999;
/// The second server of the scale-out rows.
const SECOND_PORT: u16 = 4000;
const CONNECTIONS: [u32; 3] = [1, 16, 64];
/// The scale-out rows' connections, half on each server.
const TWO_SERVERS_CONNECTIONS: u32 = 64;
/// The statements sent to the bench database so far, ours (which name the view) left out.
const STATEMENTS_SO_FAR: &str = "SELECT COALESCE(sum(calls), 0)::bigint FROM pg_stat_statements
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND query NOT LIKE '%pg_stat_statements%'";

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
    /// Where the cluster, the servers' logs and the results (results.md) live
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
    /// Servers on the one database the load was split across.
    servers: u32,
    page: &'static str,
    connections: u32,
    /// `None`: the load generator's report could not be read (the reason is in the notes).
    load: Option<Load>,
    /// This page's requests per second as a share of the ceiling's at the same load.
    share: Option<f64>,
    probe: Probe,
}

/// What one request for a page costs, measured before its load.
#[derive(Clone, Copy, Default)]
struct Probe {
    /// The body as sent to a browser that accepts br and gzip.
    bytes: Option<u64>,
    /// Statements the server sent PostgreSQL for the one request.
    queries: Option<i64>,
}

/// Everything measured so far, and what could not be.
#[derive(Default)]
struct Results {
    rows: Vec<Row>,
    memory: BTreeMap<&'static str, Memory>,
    notes: Vec<String>,
}

/// What every run is measured with.
struct Setup<'a> {
    args: &'a Args,
    tool: &'a LoadTool,
    pg: &'a PrivatePostgres,
    /// `SECRETS_KEY` for the servers: the same for both servers of a run, and kept in
    /// `--dir` for the databases kept there.
    secrets_key: String,
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
    // Only the benchmark's cluster preloads it, to count each page's statements.
    let settings = if private::statement_stats_installed() {
        vec![(
            "shared_preload_libraries".to_string(),
            "pg_stat_statements".to_string(),
        )]
    } else {
        println!("pg_stat_statements saknas: frågor per sida mäts inte.");
        Vec::new()
    };
    let mut pg = tokio::task::spawn_blocking({
        let dir = args.dir.clone();
        move || PrivatePostgres::start_with(&dir, Durability::Throwaway, settings)
    })
    .await
    .map_err(|e| e.to_string())??;
    let mut results = Results::default();
    let outcome = measure(&args, &tool, &pg, &mut results).await;
    pg.stop();
    if let Err(e) = &outcome {
        results.notes.push(format!("Benchmarken avbröts: {e}"));
    }
    let table = table(&results, &args);
    println!("\n{table}");
    std::fs::create_dir_all(&args.dir).map_err(|e| format!("{}: {e}", args.dir.display()))?;
    let out = args.dir.join("results.md");
    std::fs::write(&out, &table).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("Skrivet till {}", out.display());
    outcome
}

async fn measure(
    args: &Args,
    tool: &LoadTool,
    pg: &PrivatePostgres,
    results: &mut Results,
) -> Result<(), String> {
    pg.wait_until_ready().await?;
    // The databases are kept in --dir from run to run, and so is the key their secrets are
    // sealed with.
    digikoord::secrets::private_key(&args.dir)?;
    let key_file = args.dir.join("secrets.key");
    let secrets_key = std::fs::read_to_string(&key_file)
        .map_err(|e| format!("{}: {e}", key_file.display()))?
        .trim()
        .to_string();
    let setup = Setup {
        args,
        tool,
        pg,
        secrets_key,
    };
    let mut runs = vec![("demo", 0)];
    if args.organisations > 0 {
        runs.push(("skala", args.organisations));
    }
    for (run, organisations) in runs {
        if let Err(e) = measure_one(&setup, run, organisations, results).await {
            println!("  {run}: avbröts: {e}");
            results.notes.push(format!("Körningen {run} avbröts: {e}"));
        }
    }
    Ok(())
}

/// One run: its database seeded, its server started, its pages measured.
async fn measure_one(
    setup: &Setup<'_>,
    run: &'static str,
    organisations: usize,
    results: &mut Results,
) -> Result<(), String> {
    let today = Clock::System.today();
    let pg = setup.pg;
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
    // Without it (the library not preloaded) the queries per page are not measured.
    if let Err(e) = sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&owner)
        .await
    {
        println!("  pg_stat_statements: {e}");
    }
    sqlx::query("VACUUM ANALYZE")
        .execute(&owner)
        .await
        .map_err(|e| e.to_string())?;
    owner.close().await;

    let db_url = pg.url(&name);
    let log = setup.args.dir.join(format!("server-{run}.log"));
    let mut server = Server::start(&db_url, &log, PORT, &setup.secrets_key)?;
    let measured = measure_run(setup, run, &db_url, &server, results).await;
    let resident = server.resident();
    server.stop();
    let idle = measured?;
    results.memory.insert(
        run,
        Memory {
            idle,
            after: resident.now,
            peak: resident.peak,
        },
    );
    Ok(())
}

/// The pages of one run: the ceiling first, then each page, at each load; then each at
/// 64 connections across two servers. Rows go into `results` as they are measured.
async fn measure_run(
    setup: &Setup<'_>,
    run: &'static str,
    db_url: &str,
    server: &Server,
    results: &mut Results,
) -> Result<f64, String> {
    let seconds = setup.args.seconds;
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
    // Each page should answer 200 as that person; one that does not is still measured,
    // and said so under the table.
    let mut probes = Vec::new();
    for (page, path, cookie) in &pages {
        match probe(&db, &format!("{base}{path}"), cookie).await {
            Ok((status, probe)) => {
                if status != reqwest::StatusCode::OK {
                    println!("  {run}: {page} ({path}) svarade {status}");
                    results
                        .notes
                        .push(format!("{run}: {page} ({path}) svarade {status}"));
                }
                probes.push(probe);
            }
            Err(e) => {
                println!("  {run}: {page} ({path}): {e}");
                results.notes.push(format!("{run}: {page} ({path}): {e}"));
                probes.push(Probe::default());
            }
        }
    }
    db.close().await;

    for connections in CONNECTIONS {
        let mut ceiling = None;
        for (i, ((page, path, cookie), probe)) in pages.iter().zip(&probes).enumerate() {
            announce(run, page, &format!("{connections} anslutningar"));
            let load = setup
                .tool
                .drive(&format!("{base}{path}"), cookie, connections, seconds);
            push_row(
                results,
                Row {
                    run,
                    servers: 1,
                    page,
                    connections,
                    load: None,
                    share: None,
                    probe: *probe,
                },
                load,
                i == 0,
                &mut ceiling,
            );
        }
    }

    // Scale-out: the same database behind two servers, the load split between them.
    let second_base = format!("http://127.0.0.1:{SECOND_PORT}");
    let log = setup.args.dir.join(format!("server-{run}-2.log"));
    let mut second = match Server::start(db_url, &log, SECOND_PORT, &setup.secrets_key) {
        Ok(second) => second,
        Err(e) => {
            results
                .notes
                .push(format!("{run}: den andra servern startade inte: {e}"));
            return Ok(idle);
        }
    };
    if let Err(e) = second.wait_until_healthy(&second_base).await {
        results
            .notes
            .push(format!("{run}: den andra servern startade inte: {e}"));
        second.stop();
        return Ok(idle);
    }
    let mut ceiling = None;
    for (i, ((page, path, cookie), probe)) in pages.iter().zip(&probes).enumerate() {
        announce(
            run,
            page,
            &format!("{TWO_SERVERS_CONNECTIONS} anslutningar på 2 servrar"),
        );
        let half = TWO_SERVERS_CONNECTIONS / 2;
        let tool = setup.tool;
        let load: Result<Load, String> = std::thread::scope(|s| {
            let other =
                s.spawn(|| tool.drive(&format!("{second_base}{path}"), cookie, half, seconds));
            let one = tool.drive(&format!("{base}{path}"), cookie, half, seconds);
            let other = other
                .join()
                .unwrap_or_else(|_| Err("the load generator's thread panicked".into()));
            Ok(Load::together(one?, other?))
        });
        push_row(
            results,
            Row {
                run,
                servers: 2,
                page,
                connections: TWO_SERVERS_CONNECTIONS,
                load: None,
                share: None,
                probe: *probe,
            },
            load,
            i == 0,
            &mut ceiling,
        );
    }
    second.stop();
    Ok(idle)
}

fn announce(run: &str, page: &str, load: &str) {
    use std::io::Write;
    print!("  {run}: {page}, {load} … ");
    let _ = std::io::stdout().flush();
}

/// Records one load: its share of the ceiling (the first page of each load), or, when the
/// load generator's report could not be read, a row without figures and a note.
fn push_row(
    results: &mut Results,
    mut row: Row,
    load: Result<Load, String>,
    is_ceiling: bool,
    ceiling: &mut Option<f64>,
) {
    match load {
        Ok(load) => {
            println!(
                "{:.0} req/s, p50 {:.1} ms, p99 {:.1} ms, {} fel, {} tidsgränser",
                load.per_second, load.p50_ms, load.p99_ms, load.errors, load.timeouts
            );
            if is_ceiling {
                *ceiling = Some(load.per_second);
            }
            row.share = ceiling.filter(|c| *c > 0.0).map(|c| load.per_second / c);
            row.load = Some(load);
        }
        Err(e) => {
            let first = e.lines().next().unwrap_or_default().to_string();
            println!("rapporten kunde inte läsas: {first}");
            results.notes.push(format!(
                "{} ({} servrar), {}, {} anslutningar: rapporten kunde inte läsas: {first}",
                row.run, row.servers, row.page, row.connections
            ));
        }
    }
    results.rows.push(row);
}

/// One request for the page as a browser makes it, after one to warm up: its status, the
/// bytes of its body on the wire, and the statements it cost (the smaller of two tries).
async fn probe(
    db: &sqlx::PgPool,
    url: &str,
    cookie: &str,
) -> Result<(reqwest::StatusCode, Probe), String> {
    // No decompression: the bytes counted are the bytes sent.
    let client = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .build()
        .map_err(|e| e.to_string())?;
    let (status, _) = get_once(&client, url, cookie).await?;
    let mut probe = Probe::default();
    for _ in 0..2 {
        let before = statements_so_far(db).await;
        let (_, bytes) = get_once(&client, url, cookie).await?;
        // A request's last statement may end just after its response has gone.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let after = statements_so_far(db).await;
        probe.bytes = Some(bytes);
        if let (Some(before), Some(after)) = (before, after) {
            let these = after - before;
            probe.queries = Some(probe.queries.map_or(these, |q| q.min(these)));
        }
    }
    Ok((status, probe))
}

async fn get_once(
    client: &reqwest::Client,
    url: &str,
    cookie: &str,
) -> Result<(reqwest::StatusCode, u64), String> {
    let response = client
        .get(url)
        .header("cookie", cookie)
        .header("accept-encoding", "br, gzip")
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    Ok((status, body.len() as u64))
}

/// `None` when `pg_stat_statements` is not loaded.
async fn statements_so_far(db: &sqlx::PgPool) -> Option<i64> {
    sqlx::query_scalar::<_, i64>(STATEMENTS_SO_FAR)
        .fetch_one(db)
        .await
        .ok()
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
    fn start(
        database_url: &str,
        log: &Path,
        port: u16,
        secrets_key: &str,
    ) -> Result<Server, String> {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let log_file = std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
        let child = Command::new(exe)
            .env(SERVE_CHILD, "1")
            .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", database_url)
            // Required with DATABASE_URL.
            .env("SECRETS_KEY", secrets_key)
            .env_remove("SECRETS_KEY_OLD")
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

fn table(results: &Results, args: &Args) -> String {
    let mut out = format!(
        "Digikoord, release, {} s per sida och last; andel = sidans req/s delat med takets (/bench/ceiling) vid samma last och antal servrar. \
         Byte per svar: kroppen som den skickas till en webbläsare som tar emot br och gzip. \
         Frågor per sida: de satser servern sände PostgreSQL för en begäran (pg_stat_statements, BEGIN och COMMIT medräknade). \
         Fel: svar utom 2xx/3xx och uttagsfel; tidsgränser: begäranden som gavs upp.\n\n",
        args.seconds
    );
    out.push_str(
        "| körning | servrar | sida | anslutningar | req/s | p50 ms | p99 ms | andel av taket | fel | tidsgränser | byte per svar | frågor per sida |\n",
    );
    out.push_str(
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    let or_dash = |v: Option<String>| v.unwrap_or_else(|| "–".into());
    for r in &results.rows {
        let figures = r.load.map_or_else(
            || ["–"; 5].map(String::from),
            |l| {
                [
                    format!("{:.0}", l.per_second),
                    format!("{:.1}", l.p50_ms),
                    format!("{:.1}", l.p99_ms),
                    l.errors.to_string(),
                    l.timeouts.to_string(),
                ]
            },
        );
        let [per_second, p50, p99, errors, timeouts] = figures;
        out.push_str(&format!(
            "| {} | {} | {} | {} | {per_second} | {p50} | {p99} | {} | {errors} | {timeouts} | {} | {} |\n",
            r.run,
            r.servers,
            r.page,
            r.connections,
            or_dash(r.share.map(|s| format!("{s:.2}"))),
            or_dash(r.probe.bytes.map(|b| b.to_string())),
            or_dash(r.probe.queries.map(|q| q.to_string())),
        ));
    }
    out.push_str("\n| körning | minne i vila MiB | efter körningen MiB | högsta MiB |\n| --- | ---: | ---: | ---: |\n");
    for (run, m) in &results.memory {
        out.push_str(&format!(
            "| {run} | {:.1} | {:.1} | {:.1} |\n",
            m.idle, m.after, m.peak
        ));
    }
    if !results.notes.is_empty() {
        out.push_str("\nKunde inte mätas som avsett:\n\n");
        for note in &results.notes {
            out.push_str(&format!("- {note}\n"));
        }
    }
    out
}
