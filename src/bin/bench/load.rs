//! The load generators the benchmark drives a page with (`wrk` if installed, else `oha`),
//! and what each reports, read into one `Load`.

use std::{
    path::PathBuf,
    process::{Command, Stdio},
};

/// What the load generator saw.
#[derive(Clone, Copy, Default)]
pub struct Load {
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Responses other than 2xx/3xx, and socket errors.
    pub errors: u64,
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
