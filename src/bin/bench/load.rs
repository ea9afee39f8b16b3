//! The load generators the benchmark drives a page with (`wrk` if installed, else `oha`),
//! and what each reports, read into one `Load`.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
};

/// What the load generator saw. A page that completed no request in its window is a `Load`
/// with 0 requests/s and its errors and time-outs, not a failure to read the report.
#[derive(Clone, Copy, Default)]
pub struct Load {
    /// Pages answered (2xx and 3xx) per second: a quick refusal (the heavy queue's 503
    /// "try again", `digikoord::heavy`) is an error, never counted as speed.
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Responses other than 2xx/3xx, and socket errors other than time-outs.
    pub errors: u64,
    /// Requests given up on: wrk's socket time-outs (2 s), oha's time-outs; and when nothing
    /// completed at all, the requests still waiting when the window closed.
    pub timeouts: u64,
}

impl Load {
    /// Two loads run at the same time (one per server): their rates and counts added, the
    /// p50 weighted by each one's rate, the p99 the higher of the two.
    pub fn together(a: Load, b: Load) -> Load {
        let per_second = a.per_second + b.per_second;
        Load {
            per_second,
            p50_ms: if per_second > 0.0 {
                (a.p50_ms * a.per_second + b.p50_ms * b.per_second) / per_second
            } else {
                a.p50_ms.max(b.p50_ms)
            },
            p99_ms: a.p99_ms.max(b.p99_ms),
            errors: a.errors + b.errors,
            timeouts: a.timeouts + b.timeouts,
        }
    }
}

/// The load generator: `wrk` if installed, else `oha`.
pub enum LoadTool {
    Wrk,
    Oha(PathBuf),
}

impl LoadTool {
    pub fn name(&self) -> String {
        match self {
            LoadTool::Wrk => "wrk".into(),
            LoadTool::Oha(path) => format!("oha ({})", path.display()),
        }
    }

    /// `wrk` on PATH; else `oha` on PATH or in cargo's bin directory; else installs `oha`
    /// from crates.io with `cargo install --locked oha` (once, a few minutes).
    pub fn find() -> Result<LoadTool, String> {
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

    pub fn drive(
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
        // As a browser asks: the server compresses pages, so the load measures that work
        // too, and the bytes column (measured the same way) is what these requests carried.
        command.args(["-H", "Accept-Encoding: br, gzip"]);
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

/// wrk's `--latency` report. Only a report without its `Requests/sec:` line is unreadable;
/// 0 requests/s is a measurement.
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
        number
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(|n| n * factor)
    };
    let mut load = Load::default();
    let mut rate_seen = false;
    let (mut total, mut refused) = (0u64, 0u64);
    for line in text.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", v] => load.p50_ms = duration_ms(v).unwrap_or_default(),
            ["99%", v] => load.p99_ms = duration_ms(v).unwrap_or_default(),
            ["Requests/sec:", v] => {
                rate_seen = true;
                load.per_second = v
                    .parse::<f64>()
                    .ok()
                    .filter(|n| n.is_finite())
                    .unwrap_or_default();
            }
            // "12000 requests in 10.00s, 1.00MB read"
            [n, "requests", "in", ..] => total = n.parse().unwrap_or(0),
            ["Non-2xx", "or", "3xx", "responses:", n] => {
                refused = n.parse().unwrap_or(0);
                load.errors += refused;
            }
            // "Socket errors: connect 0, read 0, write 0, timeout 64"
            ["Socket", "errors:", rest @ ..] => {
                for pair in rest.chunks(2) {
                    if let [kind, n] = pair {
                        let n = n.trim_end_matches(',').parse::<u64>().unwrap_or(0);
                        if *kind == "timeout" {
                            load.timeouts += n;
                        } else {
                            load.errors += n;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !rate_seen {
        return Err(format!("could not read wrk's report:\n{text}"));
    }
    // wrk's rate counts every response: keep the share that was answered.
    if total > 0 {
        load.per_second *= total.saturating_sub(refused) as f64 / total as f64;
    }
    Ok(load)
}

/// oha's JSON report (`--output-format json`). With no completed request its figures are
/// null (or absent): they read as 0.
fn parse_oha(text: &str) -> Result<Load, String> {
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("oha's report: {e}\n{text}"))?;
    if !v["summary"].is_object() {
        return Err(format!("oha's report has no summary:\n{text}"));
    }
    let number = |n: &serde_json::Value| n.as_f64().filter(|n| n.is_finite()).unwrap_or_default();
    let seconds = |p: &str| number(&v["latencyPercentiles"][p]) * 1000.0;
    let codes: Vec<(&String, u64)> = v["statusCodeDistribution"]
        .as_object()
        .map(|codes| {
            codes
                .iter()
                .filter_map(|(code, n)| Some((code, n.as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    let answered: u64 = codes.iter().map(|(_, n)| n).sum();
    let refused: u64 = codes
        .iter()
        .filter(|(code, _)| !code.starts_with('2') && !code.starts_with('3'))
        .map(|(_, n)| n)
        .sum();
    let ok_share = if answered > 0 {
        (answered - refused) as f64 / answered as f64
    } else {
        1.0
    };
    let mut load = Load {
        per_second: number(&v["summary"]["requestsPerSec"]) * ok_share,
        p50_ms: seconds("p50"),
        p99_ms: seconds("p99"),
        errors: refused,
        timeouts: 0,
    };
    for (what, n) in v["errorDistribution"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(what, n)| Some((what.to_lowercase(), n.as_u64()?)))
    {
        if what.contains("deadline") {
            // The requests in flight when the time is up are cut off: no error, unless
            // nothing was answered at all, when they waited the whole window.
            if answered == 0 {
                load.timeouts += n;
            }
        } else if what.contains("timeout") || what.contains("timed out") {
            load.timeouts += n;
        } else {
            load.errors += n;
        }
    }
    Ok(load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_errors_and_not_speed() {
        let wrk = "  Latency Distribution\n     50%    1.00ms\n     99%    2.00ms\n  1000 requests in 5.00s, 1.00MB read\n  Non-2xx or 3xx responses: 750\nRequests/sec:    200.00\n";
        let load = parse_wrk(wrk).expect("wrk");
        assert!((load.per_second - 50.0).abs() < 1e-9);
        assert_eq!(load.errors, 750);
        let oha = r#"{"summary":{"requestsPerSec":200.0},"latencyPercentiles":{"p50":0.001,"p99":0.002},"statusCodeDistribution":{"200":250,"503":750}}"#;
        let load = parse_oha(oha).expect("oha");
        assert!((load.per_second - 50.0).abs() < 1e-9);
        assert_eq!(load.errors, 750);
    }

    #[test]
    fn wrk_and_oha_reports_are_read() {
        let wrk = "Running 10s test @ http://127.0.0.1:3999/\n  Latency Distribution\n     50%  812.00us\n     75%    1.20ms\n     90%    2.00ms\n     99%   14.50ms\n  12000 requests in 10.00s, 1.00MB read\n  Non-2xx or 3xx responses: 3\nRequests/sec:   1200.50\nTransfer/sec:    100.00KB\n";
        let load = parse_wrk(wrk).expect("wrk");
        // Only the pages answered count as speed: 11 997 of 12 000.
        assert!((load.per_second - 1200.5 * 11997.0 / 12000.0).abs() < 1e-9);
        assert!((load.p50_ms - 0.812).abs() < 1e-9);
        assert!((load.p99_ms - 14.5).abs() < 1e-9);
        assert_eq!(load.errors, 3);
        assert_eq!(load.timeouts, 0);
        assert!(parse_wrk("nothing").is_err());

        let oha = r#"{"summary":{"requestsPerSec":950.0},"latencyPercentiles":{"p50":0.002,"p99":0.0155},"statusCodeDistribution":{"200":9000,"503":2},"errorDistribution":{"aborted due to deadline":64,"connection closed":1}}"#;
        let load = parse_oha(oha).expect("oha");
        assert!((load.per_second - 950.0 * 9000.0 / 9002.0).abs() < 1e-9);
        assert!((load.p50_ms - 2.0).abs() < 1e-9);
        assert!((load.p99_ms - 15.5).abs() < 1e-9);
        assert_eq!(load.errors, 3);
        assert_eq!(load.timeouts, 0);
    }

    #[test]
    fn a_wrk_window_with_no_completed_request_is_a_row_of_time_outs() {
        let wrk = "Running 5s test @ http://127.0.0.1:3999/sammanstallning/2026/utkast/xlsx\n  2 threads and 64 connections\n  Thread Stats   Avg      Stdev     Max   +/- Stdev\n    Latency     0.00us    0.00us   0.00us    -nan%\n    Req/Sec     0.00      0.00     0.00      -nan%\n  Latency Distribution\n     50%    0.00us\n     75%    0.00us\n     90%    0.00us\n     99%    0.00us\n  0 requests in 5.01s, 0.00B read\n  Socket errors: connect 0, read 0, write 0, timeout 64\nRequests/sec:      0.00\nTransfer/sec:       0.00B\n";
        let load = parse_wrk(wrk).expect("a report with no completed request is read");
        assert_eq!(load.per_second, 0.0);
        assert_eq!(load.p50_ms, 0.0);
        assert_eq!(load.errors, 0);
        assert_eq!(load.timeouts, 64);
    }

    #[test]
    fn wrk_socket_errors_are_errors_and_its_time_outs_are_time_outs() {
        let wrk = "  Latency Distribution\n     50%    1.20s\n     99%    1.99s\n  40 requests in 5.00s, 1.00MB read\n  Socket errors: connect 2, read 3, write 1, timeout 17\n  Non-2xx or 3xx responses: 5\nRequests/sec:      8.00\n";
        let load = parse_wrk(wrk).expect("wrk");
        assert!((load.per_second - 8.0 * 35.0 / 40.0).abs() < 1e-9);
        assert!((load.p50_ms - 1200.0).abs() < 1e-9);
        assert_eq!(load.errors, 2 + 3 + 1 + 5);
        assert_eq!(load.timeouts, 17);
    }

    #[test]
    fn an_oha_window_with_no_completed_request_is_a_row_of_time_outs() {
        let oha = r#"{"summary":{"successRate":0.0,"total":5.0,"requestsPerSec":null},"latencyPercentiles":{"p50":null,"p99":null},"statusCodeDistribution":{},"errorDistribution":{"aborted due to deadline":64}}"#;
        let load = parse_oha(oha).expect("a report with no completed request is read");
        assert_eq!(load.per_second, 0.0);
        assert_eq!(load.p99_ms, 0.0);
        assert_eq!(load.errors, 0);
        assert_eq!(load.timeouts, 64);

        let oha = r#"{"summary":{"requestsPerSec":3.5},"latencyPercentiles":{"p50":1.5,"p99":4.0},"statusCodeDistribution":{"200":10,"500":1},"errorDistribution":{"aborted due to deadline":16,"timeout":4,"connection closed before message completed":2}}"#;
        let load = parse_oha(oha).expect("oha");
        assert_eq!(load.errors, 1 + 2);
        assert_eq!(load.timeouts, 4);
        assert!(parse_oha("{}").is_err());
        assert!(parse_oha("not json").is_err());
    }

    #[test]
    fn two_servers_loads_add_up() {
        let a = Load {
            per_second: 30.0,
            p50_ms: 10.0,
            p99_ms: 50.0,
            errors: 1,
            timeouts: 0,
        };
        let b = Load {
            per_second: 10.0,
            p50_ms: 30.0,
            p99_ms: 40.0,
            errors: 0,
            timeouts: 2,
        };
        let both = Load::together(a, b);
        assert!((both.per_second - 40.0).abs() < 1e-9);
        assert!((both.p50_ms - 15.0).abs() < 1e-9);
        assert!((both.p99_ms - 50.0).abs() < 1e-9);
        assert_eq!((both.errors, both.timeouts), (1, 2));
    }
}
