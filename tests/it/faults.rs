//! Under faults: `digikoord serve` killed outright while people write, and its PostgreSQL
//! stopped and started again under load. Nothing a person saw saved is lost, nothing is
//! saved half (a row without its audit entry, or the reverse), every request gets a prompt
//! and plain answer, and the server serves again.
//!
//! Run alone with `cargo test --test it faults`. Latest result: every confirmed write
//! there, none half-done (rows = audit entries); while PostgreSQL is away every request
//! gets 503 within the limit, none hangs, and the same server serves again.

use std::{
    path::PathBuf,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
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
use sqlx::{PgPool, Postgres};
use uuid::Uuid;

use crate::{
    TestApp,
    operations::Server,
    scratch_dir,
    steps::{complete, file, requisition_id},
};

/// Longer than the server's own limit per request (10 s): an answer later than this is a hang.
const CLIENT_LIMIT: Duration = Duration::from_secs(15);

/// Each a coordinator writing in the message thread of their region's requisition.
const REGIONS: [&str; 3] = ["Region Skåne", "Region Uppsala", "Region Dalarna"];

/// A PostgreSQL of the test's own, given to `digikoord serve` as DATABASE_URL, so either
/// can be stopped and started again on the same data. The server is dropped (stopped) first.
struct Site {
    server: Server,
    pg: PrivatePostgres,
    pg_dir: PathBuf,
    dir: PathBuf,
    url: String,
    /// The owner's pool, for setting up and checking.
    owner: PgPool,
}

impl Site {
    async fn start(name: &str, durability: Durability) -> Site {
        let dir = scratch_dir(name);
        let pg_dir = dir.join("pg");
        let pg = PrivatePostgres::start(&pg_dir, durability).expect("postgres");
        pg.wait_until_ready().await.expect("ready");
        let url = pg.url("postgres");
        let mut server = Server::start(&dir, &[("DATABASE_URL", &url)]);
        server
            .wait_for(StatusCode::OK, Duration::from_secs(60))
            .await;
        let owner = db::connect(&url, 2).await.expect("owner");
        Site {
            server,
            pg,
            pg_dir,
            dir,
            url,
            owner,
        }
    }
}

/// What a task sends, again and again.
#[derive(Clone)]
enum Work {
    /// A message in a requisition's thread, the text unique.
    Message { requisition: Uuid },
    /// A network contact added by an administrator, the name unique.
    Contact { organisation: Uuid },
    /// A page read.
    Read { path: String },
}

/// A logged-in browser, its form token, and what it sends.
#[derive(Clone)]
struct Person {
    browser: TestApp,
    csrf: String,
    work: Work,
}

/// The coordinators, each with a draft requisition to write in, and an administrator who
/// adds contacts: one writing task each.
async fn writers(site: &Site) -> Vec<Person> {
    let mut people = Vec::new();
    for region in REGIONS {
        let browser = site.server.browser(&site.owner, &site.url);
        browser.login_as(Role::Coordinator, Some(region)).await;
        let draft = file(&browser, &complete("1 000 000"), "spara").await;
        let requisition = requisition_id(&draft);
        let csrf = browser.get("/").await.csrf();
        people.push(Person {
            browser,
            csrf,
            work: Work::Message { requisition },
        });
    }
    let admin = site.server.browser(&site.owner, &site.url);
    admin.login_as(Role::Admin, None).await;
    let organisation = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(REGIONS[0])
        .fetch_one(&site.owner)
        .await
        .expect("organisation");
    let csrf = admin.get("/").await.csrf();
    people.push(Person {
        browser: admin,
        csrf,
        work: Work::Contact { organisation },
    });
    people
}

/// How a request was answered.
#[derive(Debug, PartialEq, Eq)]
enum Answer {
    /// What a person sees when it worked: the write's redirect, or the page.
    Done,
    /// 503, the page saying the service is away for the moment.
    Unavailable,
    /// Any other answer: status, location and the start of the body.
    Unexpected(String),
    /// No answer: the connection was refused or cut.
    Failed(String),
    /// No answer within `CLIENT_LIMIT`.
    Hung,
}

/// One request of the load.
#[derive(Debug)]
struct Attempt {
    task: usize,
    /// The text a write leaves (a message's body, a contact's name).
    text: String,
    is_write: bool,
    sent: Instant,
    answered: Instant,
    answer: Answer,
}

fn email_for(text: &str) -> String {
    format!(
        "{}@faults.example",
        text.to_lowercase().replace([' ', '#'], "-")
    )
}

async fn send(person: &Person, text: &str) -> Answer {
    let b = &person.browser;
    let csrf = person.csrf.as_str();
    let (request, done) = match &person.work {
        Work::Message { requisition } => (
            b.client
                .post(b.url(&format!("/rekvisitioner/{requisition}/meddelanden")))
                .form(&[("csrf", csrf), ("body", text)]),
            Some(format!("/rekvisitioner/{requisition}#meddelanden")),
        ),
        Work::Contact { organisation } => (
            b.client.post(b.url("/natverk/kontakter/ny")).form(&[
                ("csrf", csrf),
                ("name", text),
                ("title", ""),
                ("email", &email_for(text)),
                ("phone", ""),
                ("organisation_id", &organisation.to_string()),
            ]),
            Some("/natverk".to_string()),
        ),
        Work::Read { path } => (b.client.get(b.url(path)), None),
    };
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return Answer::Failed(format!("{e:?}")),
    };
    let status = response.status();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = match response.text().await {
        Ok(body) => body,
        Err(e) => return Answer::Failed(format!("{status}, then the body: {e:?}")),
    };
    match (status, done) {
        (StatusCode::SEE_OTHER, Some(to)) if location.as_deref() == Some(to.as_str()) => {
            Answer::Done
        }
        (StatusCode::OK, None) => Answer::Done,
        (StatusCode::SERVICE_UNAVAILABLE, _) if body.contains("tillfälligt otillgänglig") => {
            Answer::Unavailable
        }
        _ => Answer::Unexpected(format!(
            "{status} {location:?}: {}",
            body.chars().take(300).collect::<String>()
        )),
    }
}

/// Sends one request, waiting at most `CLIENT_LIMIT` for its answer.
async fn attempt(task: usize, person: &Person, text: String) -> Attempt {
    let sent = Instant::now();
    let answer = tokio::time::timeout(CLIENT_LIMIT, send(person, &text))
        .await
        .unwrap_or(Answer::Hung);
    Attempt {
        task,
        is_write: !matches!(person.work, Work::Read { .. }),
        text,
        sent,
        answered: Instant::now(),
        answer,
    }
}

/// Tasks sending requests back to back until told to stop, or until a request goes
/// unanswered (the server is gone): every request and its answer are kept.
struct Load {
    attempts: Arc<Mutex<Vec<Attempt>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    count: usize,
}

impl Load {
    fn start(people: &[Person]) -> Load {
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let tasks = people
            .iter()
            .cloned()
            .enumerate()
            .map(|(task, person)| {
                let attempts = attempts.clone();
                let stop = stop.clone();
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(Ordering::SeqCst) {
                        n += 1;
                        let attempt =
                            attempt(task, &person, format!("Under fel {task} nr {n}")).await;
                        let unanswered = matches!(attempt.answer, Answer::Failed(_) | Answer::Hung);
                        attempts.lock().expect("attempts").push(attempt);
                        if unanswered {
                            break;
                        }
                    }
                })
            })
            .collect();
        Load {
            attempts,
            stop,
            tasks,
            count: people.len(),
        }
    }

    /// Waits until every task has `n` attempts that `counts`, at most `limit`.
    async fn wait_until(&self, n: usize, limit: Duration, counts: impl Fn(&Attempt) -> bool) {
        let start = Instant::now();
        loop {
            let per_task = {
                let attempts = self.attempts.lock().expect("attempts");
                (0..self.count)
                    .map(|t| attempts.iter().filter(|a| a.task == t && counts(a)).count())
                    .collect::<Vec<_>>()
            };
            if per_task.iter().all(|c| *c >= n) {
                return;
            }
            assert!(
                start.elapsed() < limit,
                "after {limit:?}, per task only {per_task:?} of {n}: {:#?}",
                self.attempts.lock().expect("attempts").last()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the tasks (or waits for those that stop by themselves) and returns every attempt.
    async fn finish(self) -> Vec<Attempt> {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            task.await.expect("load task");
        }
        let mut attempts = self.attempts.lock().expect("attempts");
        std::mem::take(&mut *attempts)
    }
}

/// Locks the audit log against writes until `writers` transactions wait on it: each has
/// written its row and not yet its audit entry, half-done and uncommitted, when the fault
/// comes. The lock holds until the returned transaction ends.
async fn hold_writes_half_done(
    db: &PgPool,
    writers: usize,
) -> sqlx::Transaction<'static, Postgres> {
    let mut lock = db.begin().await.expect("begin");
    sqlx::query("LOCK TABLE audit_log IN SHARE MODE")
        .execute(&mut *lock)
        .await
        .expect("lock the audit log");
    let start = Instant::now();
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE wait_event_type = 'Lock' AND query LIKE 'INSERT INTO audit_log%'",
        )
        .fetch_one(db)
        .await
        .expect("waiting writes");
        if waiting as usize >= writers {
            return lock;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "only {waiting} of {writers} writes wait for the audit log"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every write a client saw succeed is in the database, and every write there is whole:
/// each message and contact with exactly one audit entry, no entry without its row.
/// Returns how many writes the database holds.
async fn assert_whole(db: &PgPool, attempts: &[Attempt]) -> usize {
    let whole_messages: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT m.body, (SELECT count(*) FROM audit_log a
                         WHERE a.action = 'requisition.message' AND a.entity_id = m.id::text)
         FROM requisition_messages m
         UNION ALL
         SELECT NULL, 1 FROM audit_log a
         WHERE a.action = 'requisition.message'
           AND NOT EXISTS (SELECT 1 FROM requisition_messages m WHERE m.id::text = a.entity_id)",
    )
    .fetch_all(db)
    .await
    .expect("messages");
    let whole_contacts: Vec<(Option<String>, i64)> = sqlx::query_as(
        "SELECT c.name, (SELECT count(*) FROM audit_log a
                         WHERE a.action = 'network_contact.created' AND a.entity_id = c.id::text)
         FROM network_contacts c WHERE c.user_id IS NULL
         UNION ALL
         SELECT NULL, 1 FROM audit_log a
         WHERE a.action = 'network_contact.created'
           AND NOT EXISTS (SELECT 1 FROM network_contacts c WHERE c.id::text = a.entity_id)",
    )
    .fetch_all(db)
    .await
    .expect("contacts");
    let saved: Vec<(Option<String>, i64)> =
        whole_messages.into_iter().chain(whole_contacts).collect();
    let half: Vec<_> = saved
        .iter()
        .filter(|(text, audited)| text.is_none() || *audited != 1)
        .collect();
    assert!(
        half.is_empty(),
        "half-done writes (text, audit entries; no text is an entry without its row): {half:?}"
    );
    let saved: Vec<String> = saved.into_iter().filter_map(|(text, _)| text).collect();

    let acknowledged: Vec<&str> = attempts
        .iter()
        .filter(|a| a.is_write && a.answer == Answer::Done)
        .map(|a| a.text.as_str())
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|t| !saved.iter().any(|s| s == *t))
        .collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    for text in &saved {
        let sent = attempts.iter().filter(|a| &a.text == text).count();
        assert_eq!(sent, 1, "{text:?} saved, but sent {sent} times");
        assert_eq!(
            saved.iter().filter(|s| *s == text).count(),
            1,
            "{text:?} saved more than once"
        );
    }
    saved.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_while_people_write_loses_nothing_it_confirmed_and_leaves_nothing_half_done()
 {
    let began = Instant::now();
    // A killed server loses nothing PostgreSQL committed; with fsync on it would not even
    // if the machine went down.
    let mut site = Site::start("sigkill", Durability::Durable).await;
    let people = writers(&site).await;
    let load = Load::start(&people);
    load.wait_until(5, Duration::from_secs(20), |a| a.answer == Answer::Done)
        .await;
    let half_done = hold_writes_half_done(&site.owner, people.len()).await;
    let killed = Instant::now();
    site.server.kill();
    let attempts = load.finish().await;
    // PostgreSQL learns that the server is gone when those transactions go on.
    half_done.rollback().await.expect("unlock");

    // Each writer's last write was cut off half-way; nothing else went wrong.
    let in_flight: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| matches!(a.answer, Answer::Failed(_)))
        .collect();
    assert_eq!(in_flight.len(), people.len(), "{in_flight:#?}");
    assert!(in_flight.iter().all(|a| a.sent < killed), "{in_flight:#?}");
    let cut_off = in_flight.len();
    let unexpected: Vec<_> = attempts
        .iter()
        .filter(|a| matches!(a.answer, Answer::Unexpected(_) | Answer::Hung))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    let confirmed = attempts.iter().filter(|a| a.answer == Answer::Done).count();

    // Started again on the same data: everything confirmed is there, and whole.
    let again = site.dir.join("again");
    std::fs::create_dir_all(&again).expect("dir");
    site.server = Server::start(&again, &[("DATABASE_URL", &site.url)]);
    site.server
        .wait_for(StatusCode::OK, Duration::from_secs(60))
        .await;
    // The people are still logged in, and what they do is saved.
    let person = Person {
        browser: site.server.carry(&people[0].browser),
        ..people[0].clone()
    };
    let after = attempt(0, &person, "Efter omstarten".into()).await;
    assert_eq!(after.answer, Answer::Done);
    let mut attempts = attempts;
    attempts.push(after);
    let saved = assert_whole(&site.owner, &attempts).await;
    assert_eq!(saved, confirmed + 1, "only what was confirmed, and no half");
    println!(
        "killed after {confirmed} confirmed writes, {cut_off} cut off half-way; {:?} in all",
        began.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_postgresql_restarts_every_request_is_answered_503_or_done_and_the_server_recovers_by_itself()
 {
    let began = Instant::now();
    let mut site = Site::start("pg-restart", Durability::Throwaway).await;
    let mut people = writers(&site).await;
    let writing = people.len();
    // And two readers: the first coordinator reads their requisition, the administrator
    // (the last writer) the network's directory.
    let Work::Message { requisition } = people[0].work else {
        unreachable!("the first writer is a coordinator")
    };
    let coordinator = people[0].clone();
    let admin = people[people.len() - 1].clone();
    people.push(Person {
        work: Work::Read {
            path: format!("/rekvisitioner/{requisition}"),
        },
        ..coordinator
    });
    people.push(Person {
        work: Work::Read {
            path: "/natverk".into(),
        },
        ..admin
    });
    let load = Load::start(&people);
    load.wait_until(3, Duration::from_secs(20), |a| a.answer == Answer::Done)
        .await;

    // Every write is inside its transaction when PostgreSQL stops.
    let half_done = hold_writes_half_done(&site.owner, writing).await;
    let stop_began = Instant::now();
    tokio::task::block_in_place(|| site.pg.stop());
    let gone = Instant::now();
    drop(half_done);
    // Every task has a request sent and answered while the database was gone.
    load.wait_until(1, Duration::from_secs(20), |a| a.sent > gone)
        .await;
    let health = site.server.health().await;
    assert_eq!(health, StatusCode::SERVICE_UNAVAILABLE);

    let restart_began = Instant::now();
    site.pg = tokio::task::block_in_place(|| {
        PrivatePostgres::start(&site.pg_dir, Durability::Throwaway).expect("postgres again")
    });
    site.pg.wait_until_ready().await.expect("ready again");
    assert_eq!(site.pg.url("postgres"), site.url, "the same address");
    let back = Instant::now();
    load.wait_until(2, Duration::from_secs(20), |a| {
        a.sent > back && a.answer == Answer::Done
    })
    .await;
    // The same process serves again: `wait_for` fails if it has exited.
    site.server
        .wait_for(StatusCode::OK, Duration::from_secs(5))
        .await;
    let attempts = load.finish().await;

    let wrong: Vec<_> = attempts
        .iter()
        .filter(|a| {
            // A write held half-way when the stop began may still commit in the moment its
            // lock is freed by the shutdown, before its own connection is ended: then it is
            // answered Done, and it is saved (checked below). Either answer is right for it.
            let expected: &[Answer] = if a.answered < stop_began || a.sent > back {
                &[Answer::Done]
            } else if a.sent > gone && a.answered < restart_began {
                &[Answer::Unavailable]
            } else {
                &[Answer::Done, Answer::Unavailable]
            };
            !expected.contains(&a.answer)
        })
        .map(|a| {
            let at = |t: Instant| {
                t.checked_duration_since(stop_began)
                    .map(|d| format!("+{d:?}"))
                    .unwrap_or_else(|| format!("-{:?}", stop_began - t))
            };
            format!(
                "task {} sent {} answered {}: {:?}",
                a.task,
                at(a.sent),
                at(a.answered),
                a.answer
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "stop began at +0, PostgreSQL gone at +{:?}, restarted at +{:?}, back at +{:?}:\n{}\n{}",
        gone - stop_began,
        restart_began - stop_began,
        back - stop_began,
        wrong.join("\n"),
        site.server.log()
    );
    let saved = assert_whole(&site.owner, &attempts).await;
    // A 503 says nothing was saved, and it was not.
    let refused: Vec<String> = attempts
        .iter()
        .filter(|a| a.is_write && a.answer == Answer::Unavailable)
        .map(|a| a.text.clone())
        .collect();
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM requisition_messages WHERE body = ANY($1)
         UNION ALL SELECT name FROM network_contacts WHERE name = ANY($1)",
    )
    .bind(&refused)
    .fetch_all(&site.owner)
    .await
    .expect("texts");
    assert!(texts.is_empty(), "answered 503, yet saved: {texts:?}");
    let unavailable = attempts
        .iter()
        .filter(|a| a.answer == Answer::Unavailable)
        .count();
    println!(
        "{} requests, {unavailable} answered 503; {saved} writes saved; PostgreSQL away {:?}; {:?} in all",
        attempts.len(),
        back - stop_began,
        began.elapsed()
    );
}
