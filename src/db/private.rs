//! A private PostgreSQL cluster started from the machine's own server binaries,
//! for `cargo run` without `DATABASE_URL` and for the test suite.
//!
//! It listens only on 127.0.0.1 with a generated password, and dies with us: the
//! server gets SIGINT (fast shutdown) on `stop`, and through PR_SET_PDEATHSIG if
//! this process dies without stopping it.

use std::{
    fs,
    io::Write,
    net::TcpListener,
    os::unix::{fs::PermissionsExt, process::CommandExt},
    path::{Path, PathBuf},
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc,
    },
    thread::JoinHandle,
};

const SUPERUSER: &str = "digikoord";

pub struct PrivatePostgres {
    pid: u32,
    port: u16,
    password: String,
    log: PathBuf,
    exited: Arc<AtomicBool>,
    /// The thread that started the server and waits for it; `None` when this process
    /// found the cluster already running (another `digikoord` owns it) or has stopped it.
    waiter: Option<JoinHandle<()>>,
    /// How to start the server again after it died.
    server: Option<ServerCommand>,
}

#[derive(Clone)]
struct ServerCommand {
    bin: PathBuf,
    user: Option<(u32, u32)>,
    cluster: PathBuf,
    durability: Durability,
    /// Extra `-c name=value` settings (`PrivatePostgres::start_with`).
    settings: Vec<(String, String)>,
}

/// How the cluster is run.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// Data that must survive (`cargo run`).
    Durable,
    /// A throwaway cluster for tests: no fsync.
    Throwaway,
}

/// The directory with `initdb` and `postgres`: on PATH, or the newest under /usr/lib/postgresql.
/// Whether `pg_stat_statements` is among the server's libraries (Debian's postgresql
/// package has it): preloading a library that is not there would stop the server. The
/// benchmark and the tests' round-trip budgets count statements with it.
pub fn statement_stats_installed() -> bool {
    // The binaries on PATH may be links (`/usr/local/bin/postgres` → the package's): the
    // libraries are beside where `postgres` really is.
    find_binaries()
        .ok()
        .and_then(|bin| fs::canonicalize(bin.join("postgres")).ok())
        .and_then(|postgres| postgres.parent()?.parent().map(Path::to_path_buf))
        .is_some_and(|root| {
            ["lib", "lib/postgresql"]
                .iter()
                .any(|lib| root.join(lib).join("pg_stat_statements.so").is_file())
        })
}

pub fn find_binaries() -> Result<PathBuf, String> {
    let has_both = |dir: &Path| dir.join("initdb").is_file() && dir.join("postgres").is_file();
    dir_on_path(has_both).or_else(|| newest_installed(has_both)).ok_or_else(|| {
        "PostgreSQL's server binaries (initdb, postgres) were not found on PATH or under /usr/lib/postgresql/*/bin: \
         install them with `apt-get install postgresql`, or set DATABASE_URL to use an existing database."
            .to_string()
    })
}

/// A PostgreSQL client tool (`pg_dump`, `pg_restore`): the one beside the server binaries,
/// else the newest installed version's, else the first on PATH.
pub fn find_client_tool(name: &str) -> Option<PathBuf> {
    let has = |dir: &Path| dir.join(name).is_file();
    find_binaries()
        .ok()
        .filter(|dir| has(dir))
        .or_else(|| newest_installed(has))
        .or_else(|| dir_on_path(has))
        .map(|dir| dir.join(name))
}

/// The first directory on PATH that `has` accepts.
fn dir_on_path(has: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).find(|d| has(d))
}

/// The newest `/usr/lib/postgresql/<version>/bin` that `has` accepts.
fn newest_installed(has: impl Fn(&Path) -> bool) -> Option<PathBuf> {
    fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            Some((
                e.file_name().to_str()?.parse::<u32>().ok()?,
                e.path().join("bin"),
            ))
        })
        .filter(|(_, bin)| has(bin))
        .max()
        .map(|(_, bin)| bin)
}

/// The uid and gid to run the server as: ours, or the `postgres` user's when we are root,
/// because PostgreSQL refuses to run as root.
fn server_user() -> Result<Option<(u32, u32)>, String> {
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let passwd =
        fs::read_to_string("/etc/passwd").map_err(|e| format!("reading /etc/passwd: {e}"))?;
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&"postgres") && f.len() > 3)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .map(Some)
        .ok_or_else(|| {
            "running as root, PostgreSQL must run as the `postgres` user, which does not exist: \
             install the postgresql package or run as an ordinary user"
                .to_string()
        })
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("finding a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

fn command(bin: &Path, name: &str, user: Option<(u32, u32)>) -> Command {
    let mut cmd = Command::new(bin.join(name));
    if let Some((uid, gid)) = user {
        cmd.uid(uid).gid(gid);
    }
    cmd.env_remove("PGDATA").env("LC_ALL", "C.UTF-8");
    cmd
}

fn chown(path: &Path, user: Option<(u32, u32)>) -> Result<(), String> {
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", path.display()))?;
    }
    Ok(())
}

fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

impl PrivatePostgres {
    /// Starts (creating on first use) the cluster in `dir/postgres`; the password lives in
    /// `dir/postgres.password` and the server's log in `dir/postgres.log`.
    pub fn start(dir: &Path, durability: Durability) -> Result<PrivatePostgres, String> {
        Self::start_with(dir, durability, Vec::new())
    }

    /// As `start`, with extra server settings given as `-c name=value` (the benchmark's
    /// `shared_preload_libraries=pg_stat_statements`). A cluster found already running keeps
    /// the settings it was started with.
    pub fn start_with(
        dir: &Path,
        durability: Durability,
        settings: Vec<(String, String)>,
    ) -> Result<PrivatePostgres, String> {
        let bin = find_binaries()?;
        let user = server_user()?;
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let dir = dir
            .canonicalize()
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let cluster = dir.join("postgres");
        let password_file = dir.join("postgres.password");
        let log = dir.join("postgres.log");

        if !cluster.join("PG_VERSION").exists() {
            fs::create_dir_all(&cluster)
                .map_err(|e| format!("creating {}: {e}", cluster.display()))?;
            fs::set_permissions(&cluster, fs::Permissions::from_mode(0o700))
                .map_err(|e| e.to_string())?;
            chown(&cluster, user)?;
            let password = crate::auth::token::random();
            let mut f = fs::File::create(&password_file)
                .map_err(|e| format!("writing the password file: {e}"))?;
            f.set_permissions(fs::Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
            f.write_all(password.as_bytes())
                .map_err(|e| e.to_string())?;
            drop(f);
            chown(&password_file, user)?;
            let mut initdb = command(&bin, "initdb", user);
            initdb
                .arg("-D")
                .arg(&cluster)
                .args([
                    "-U",
                    SUPERUSER,
                    "-A",
                    "scram-sha-256",
                    "-E",
                    "UTF8",
                    "--no-locale",
                ])
                .arg(format!("--pwfile={}", password_file.display()));
            if durability == Durability::Throwaway {
                initdb.arg("--no-sync");
            }
            let out = initdb
                .output()
                .map_err(|e| format!("running initdb: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "initdb failed in {}: {}{}",
                    cluster.display(),
                    String::from_utf8_lossy(&out.stderr),
                    if user.is_some() {
                        " (the postgres user must be able to reach this directory)"
                    } else {
                        ""
                    }
                ));
            }
        }
        let password = fs::read_to_string(&password_file)
            .map_err(|e| format!("reading {}: {e}", password_file.display()))?
            .trim()
            .to_string();

        if let Some(port) = running_port(&cluster) {
            return Ok(PrivatePostgres {
                pid: 0,
                port,
                password,
                log,
                exited: Arc::new(AtomicBool::new(false)),
                waiter: None,
                server: None,
            });
        }
        let port = chosen_port(&dir.join("postgres.port"))?;
        let command = ServerCommand {
            bin,
            user,
            cluster,
            durability,
            settings,
        };
        let (pid, exited, waiter) = command.spawn(port, &log)?;
        Ok(PrivatePostgres {
            pid,
            port,
            password,
            log,
            exited,
            waiter: Some(waiter),
            server: Some(command),
        })
    }

    /// Whether the server this process started has died.
    pub fn has_died(&self) -> bool {
        self.server.is_some() && self.exited.load(Ordering::SeqCst)
    }

    /// Starts the server again, on the same port, after it died. A server killed a moment
    /// ago may still have children holding its shared memory: the new one then exits at
    /// once, and the caller tries again a little later.
    pub fn restart(&mut self) -> Result<(), String> {
        let Some(command) = self.server.clone() else {
            return Ok(());
        };
        if let Some(waiter) = self.waiter.take() {
            let _ = waiter.join();
        }
        let (pid, exited, waiter) = command.spawn(self.port, &self.log)?;
        self.pid = pid;
        self.exited = exited;
        self.waiter = Some(waiter);
        Ok(())
    }

    /// The password of the server's own login (`db::SERVER_LOGIN`) on this cluster: derived
    /// from the cluster's, so it needs no file of its own and is the same at every start.
    pub fn server_password(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(format!("server login:{}", self.password)))
    }

    /// The URL of database `name` for the server's own login (`db::ensure_server_login`).
    pub fn server_url(&self, name: &str) -> String {
        format!(
            "postgres://{}:{}@127.0.0.1:{}/{name}",
            super::SERVER_LOGIN,
            self.server_password(),
            self.port
        )
    }

    /// The URL of database `name` on this cluster.
    pub fn url(&self, name: &str) -> String {
        format!(
            "postgres://{SUPERUSER}:{}@127.0.0.1:{}/{name}",
            self.password, self.port
        )
    }

    /// Waits until the server accepts connections, or says why it won't.
    pub async fn wait_until_ready(&self) -> Result<(), String> {
        for _ in 0..300 {
            if self.exited.load(Ordering::SeqCst) {
                return Err(format!(
                    "PostgreSQL stopped during start-up:\n{}",
                    tail(&self.log)
                ));
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
                && sqlx::PgPool::connect(&self.url("postgres")).await.is_ok()
            {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(format!(
            "PostgreSQL did not answer within 30 s:\n{}",
            tail(&self.log)
        ))
    }

    /// Fast shutdown: ends connections, writes a checkpoint, stops.
    pub fn stop(&mut self) {
        self.server = None;
        if let Some(waiter) = self.waiter.take() {
            if !self.exited.load(Ordering::SeqCst) {
                // SAFETY: kill with a pid we started; at worst it reports ESRCH.
                unsafe { libc::kill(self.pid as libc::pid_t, libc::SIGINT) };
            }
            let _ = waiter.join();
        }
    }
}

impl ServerCommand {
    fn spawn(
        &self,
        port: u16,
        log: &Path,
    ) -> Result<(u32, Arc<AtomicBool>, JoinHandle<()>), String> {
        let log_file = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .map_err(|e| format!("opening {}: {e}", log.display()))?;
        let log_err = log_file.try_clone().map_err(|e| e.to_string())?;
        let mut server = command(&self.bin, "postgres", self.user);
        server
            .arg("-D")
            .arg(&self.cluster)
            .args([
                "-h",
                "127.0.0.1",
                "-k",
                "",
                "-p",
                &port.to_string(),
                "-c",
                "max_connections=200",
            ])
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err);
        if self.durability == Durability::Throwaway {
            server.args([
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
            ]);
        }
        for (name, value) in &self.settings {
            server.arg("-c").arg(format!("{name}={value}"));
        }
        // SAFETY: prctl is async-signal-safe; it runs in the child after fork and after the
        // uid change (which would otherwise clear the setting), before exec.
        unsafe {
            server.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGINT) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }

        // The death signal follows the thread that started the server, so a thread that
        // lives exactly as long as the server starts it and waits for it.
        let exited = Arc::new(AtomicBool::new(false));
        let (started_tx, started_rx) = mpsc::channel();
        let exited_flag = exited.clone();
        let waiter = std::thread::Builder::new()
            .name("postgres".into())
            .spawn(move || match server.spawn() {
                Ok(mut child) => {
                    let _ = started_tx.send(Ok(child.id()));
                    let _ = child.wait();
                    exited_flag.store(true, Ordering::SeqCst);
                }
                Err(e) => {
                    let _ = started_tx.send(Err(format!("starting postgres: {e}")));
                }
            })
            .map_err(|e| e.to_string())?;
        let pid = started_rx.recv().map_err(|e| e.to_string())??;
        Ok((pid, exited, waiter))
    }
}

/// The port of a server already running on this cluster (its `postmaster.pid` names a
/// live process), so a second `digikoord` command uses it instead of starting another.
fn running_port(cluster: &Path) -> Option<u16> {
    let pidfile = fs::read_to_string(cluster.join("postmaster.pid")).ok()?;
    let mut lines = pidfile.lines();
    let pid: i32 = lines.next()?.trim().parse().ok()?;
    let port = lines.nth(2)?.trim().parse().ok()?;
    // SAFETY: signal 0 only asks whether the process exists.
    let alive = pid > 0 && unsafe { libc::kill(pid, 0) } == 0;
    alive.then_some(port)
}

/// The port the cluster used last time (kept in `postgres.port`) while it is free, so
/// URLs stay the same across restarts; otherwise a free one, remembered for next time.
fn chosen_port(file: &Path) -> Result<u16, String> {
    if let Some(port) = fs::read_to_string(file)
        .ok()
        .and_then(|p| p.trim().parse::<u16>().ok())
        && TcpListener::bind(("127.0.0.1", port)).is_ok()
    {
        return Ok(port);
    }
    let port = free_port()?;
    fs::write(file, port.to_string()).map_err(|e| format!("writing {}: {e}", file.display()))?;
    Ok(port)
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        self.stop();
    }
}
