//! E-mail against a real SMTP server started by the tests (mailin-embedded, over TCP):
//! notices of each event to the right people, delivery that survives rollbacks, SMTP
//! outages and two senders, reminders on the right days and never twice, passwords by
//! e-mail, and the pages that show who was told what.

use std::{
    net::{SocketAddr, TcpListener},
    sync::{Arc, Mutex},
};

use chrono::{NaiveDate, Utc};
use digikoord::{
    Clock,
    auth::Role,
    mail::{self, Mailer, Notice, sender::Round},
};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    PASSWORD, TestApp,
    steps::{
        SKANE, STOCKHOLM, approve, approve_payout, approved_case, complete, confirm, count, date,
        file, live_payout, on, org_id, password_path, pay_payout, register, return_requisition,
        submitted, unconfirmed_payment, with,
    },
};

const FROM: &str = "Digikoord <digikoord@tillvaxtverket.se>";

/// A message as the SMTP server received it, parsed.
#[derive(Clone, Debug)]
pub struct Received {
    pub envelope_to: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Clone)]
struct Handler {
    received: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl mailin_embedded::Handler for Handler {
    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.to = to.to_vec();
        self.data.clear();
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        let parsed = mail_parser::MessageParser::default()
            .parse(&self.data)
            .expect("a parsable message");
        let address = |a: Option<&mail_parser::Address>| {
            a.and_then(|a| a.first())
                .map(|a| {
                    format!(
                        "{} <{}>",
                        a.name().unwrap_or_default(),
                        a.address().unwrap_or_default()
                    )
                })
                .unwrap_or_default()
        };
        let message = Received {
            envelope_to: self.to.clone(),
            from: address(parsed.from()),
            to: address(parsed.to()),
            // Amounts are written with non-breaking spaces: read them plainly.
            subject: parsed.subject().unwrap_or_default().replace('\u{a0}', " "),
            text: parsed
                .body_text(0)
                .unwrap_or_default()
                .replace('\u{a0}', " "),
            html: parsed.body_html(0).unwrap_or_default().to_string(),
        };
        self.received.lock().expect("lock").push(message);
        mailin_embedded::response::OK
    }
}

/// A real SMTP server on a free port of this machine, for as long as the tests run.
pub struct Sink {
    addr: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Sink {
    pub fn start() -> Sink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler = Handler {
            received: received.clone(),
            to: Vec::new(),
            data: Vec::new(),
        };
        let mut server = mailin_embedded::Server::new(handler);
        server
            .with_name("sink.test")
            .with_num_threads(2)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        Sink { addr, received }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn mailer(&self) -> Mailer {
        Mailer::smtp(&self.url(), FROM).expect("mailer")
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// The messages to one address.
    pub fn to(&self, address: &str) -> Vec<Received> {
        self.messages()
            .into_iter()
            .filter(|m| m.envelope_to.iter().any(|t| t == address))
            .collect()
    }
}

/// A server whose mail goes to `sink`.
pub(crate) async fn with_mail(clock: Clock, sink: &Sink) -> TestApp {
    TestApp::spawn_with(clock, &[("SMTP_URL", &sink.url()), ("MAIL_FROM", FROM)]).await
}

/// Delivers what is due now, as the server's sender does.
/// The server's own pool: mail is sent with the server's rights, as `serve` sends it.
pub(crate) fn server(app: &TestApp) -> sqlx::PgPool {
    digikoord::db::server_pool(&app.server_url, 2).expect("the server's pool")
}

pub(crate) async fn deliver(app: &TestApp, sink: &Sink) -> Round {
    mail::deliver_due(&server(app), &sink.mailer(), &crate::sealer(), Utc::now())
        .await
        .expect("deliver")
}

/// A mailer to a port nothing listens on: every attempt fails.
fn unreachable_smtp() -> Mailer {
    let down = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    Mailer::smtp(&format!("smtp://{down}"), FROM).expect("mailer")
}

/// An administrator creates a coordinator of Region Stockholm on the user form.
async fn create_coordinator(
    app: &TestApp,
    admin: &TestApp,
    name: &str,
    email: &str,
) -> crate::Page {
    let org = org_id(app, STOCKHOLM).await.to_string();
    admin
        .submit(
            "/admin/anvandare/ny",
            "/admin/anvandare/ny",
            &[
                ("name", name),
                ("email", email),
                ("role", "coordinator"),
                ("organisation_id", &org),
            ],
        )
        .await
}

async fn queued(app: &TestApp, event: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT to_address FROM outbox WHERE event = $1 ORDER BY to_address")
        .bind(event)
        .fetch_all(&app.db)
        .await
        .expect("outbox")
}

async fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test]
async fn a_returned_requisition_reaches_the_region_and_its_contact_person_in_swedish() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let region = app.other_browser();
    let coordinator = region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let coordinator_email = app.email_of(coordinator).await;
    // Another region's coordinator hears nothing.
    let other = app.create_user(Role::Coordinator, Some(SKANE)).await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    let officer_email = app.email_of(officer_id).await;

    let id = submitted(&region, "900 000").await;
    assert_eq!(
        queued(&app, "requisition.submitted").await,
        vec![officer_email.clone()]
    );

    return_requisition(
        &officer,
        id,
        "Ange firmatecknarens fullständiga titel – gärna på svenska: åäö.",
    )
    .await;
    let round = deliver(&app, &sink).await;
    assert_eq!(
        round,
        Round {
            delivered: 3,
            failed: 0
        }
    );

    let to_officer = sink.to(&officer_email);
    assert_eq!(to_officer.len(), 1);
    assert!(
        to_officer[0]
            .subject
            .starts_with("Ny rekvisition att granska: Region Stockholm")
    );

    for address in [coordinator_email.as_str(), "karin.ek@regionstockholm.se"] {
        let mails = sink.to(address);
        assert_eq!(mails.len(), 1, "one mail to {address}");
        let m = &mails[0];
        assert_eq!(
            m.subject,
            "Rekvisitionen DK-2025-001 är återsänd för komplettering"
        );
        assert_eq!(m.from, "Digikoord <digikoord@tillvaxtverket.se>");
        assert!(m.to.ends_with(&format!("<{address}>")), "{}", m.to);
        assert!(
            m.text
                .contains("Ange firmatecknarens fullständiga titel – gärna på svenska: åäö.")
        );
        assert!(m.text.contains(&format!("/rekvisitioner/{id}")));
        assert!(m.html.contains("<html lang=\"sv\">"));
        assert!(m.html.contains("gärna på svenska: åäö."));
    }
    assert!(
        sink.to("karin.ek@regionstockholm.se")[0]
            .text
            .starts_with("Hej Karin Ek!")
    );
    assert!(sink.to(&app.email_of(other).await).is_empty());
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE state = 'sent' AND sent_at IS NOT NULL"
        )
        .await,
        3
    );
}

#[tokio::test]
async fn each_step_of_the_year_tells_the_people_who_must_act_or_want_to_know() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let region = app.other_browser();
    let coordinator = app
        .email_of(region.login_as(Role::Coordinator, Some(STOCKHOLM)).await)
        .await;
    let officer = app.other_browser();
    let officer_email = app
        .email_of(officer.login_as(Role::CaseOfficer, None).await)
        .await;
    let approver = app.other_browser();
    let approver_email = app
        .email_of(approver.login_as(Role::Approver, None).await)
        .await;
    let admin = app.email_of(app.create_user(Role::Admin, None).await).await;

    let id = submitted(&region, "1 000 000").await;
    // A message in the thread goes to the other side.
    let path = format!("/rekvisitioner/{id}");
    let written = region
        .submit(
            &path,
            &format!("{path}/meddelanden"),
            &[("body", "Vi har bytt bankgiro.")],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER);
    let answered = officer
        .submit(
            &path,
            &format!("{path}/meddelanden"),
            &[("body", "Tack, noterat.")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    approve(&officer, id, "1 000 000").await;
    let payout = live_payout(&app, id).await;
    approve_payout(&approver, id, payout).await;
    pay_payout(&officer, payout, "1 000 000", "V1").await;

    let contact = "karin.ek@regionstockholm.se".to_string();
    let region_and_contact = sorted(vec![coordinator.clone(), contact.clone()]).await;
    assert_eq!(
        queued(&app, "requisition.submitted").await,
        vec![officer_email.clone()]
    );
    assert_eq!(
        sorted(queued(&app, "message").await).await,
        sorted(vec![officer_email.clone(), coordinator.clone()]).await
    );
    assert_eq!(
        queued(&app, "requisition.approved").await,
        region_and_contact
    );
    assert_eq!(
        queued(&app, "payout.awaiting_approval").await,
        vec![approver_email.clone()]
    );
    assert_eq!(queued(&app, "payout.paid").await, region_and_contact);
    // Nobody is told twice, and the administrator only what is theirs (nothing here).
    assert_eq!(count(&app, "SELECT count(*) FROM outbox").await, 8);
    assert_eq!(
        count(
            &app,
            &format!("SELECT count(*) FROM outbox WHERE to_address = '{admin}'")
        )
        .await,
        0
    );

    let round = deliver(&app, &sink).await;
    assert_eq!(round.delivered, 8);
    let paid_mail = &sink
        .to(&coordinator)
        .into_iter()
        .find(|m| m.subject == "Medlen för 2025 är utbetalda")
        .expect("the paid notice");
    assert!(paid_mail.text.contains(
        "Tillväxtverket har betalat ut 1 000 000 kr till Region Stockholm den 1 mars 2025"
    ));
}

#[tokio::test]
async fn a_report_and_its_repayment_tell_the_region_and_the_case_officers() {
    let sink = Sink::start();
    let app = with_mail(on(2026, 2, 10), &sink).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let coordinator: String = sqlx::query_scalar(
        "SELECT email FROM users WHERE role = 'coordinator' AND organisation_id = $1",
    )
    .bind(case.org)
    .fetch_one(&app.db)
    .await
    .expect("coordinator");
    let officers: Vec<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE role = 'case_officer' ORDER BY email")
            .fetch_all(&app.db)
            .await
            .expect("officers");
    assert_eq!(queued(&app, "report.submitted").await, officers);
    assert_eq!(
        queued(&app, "report.approved").await,
        vec![coordinator.clone()]
    );
    assert_eq!(
        queued(&app, "repayment.owed").await,
        vec![coordinator.clone()]
    );

    register(&case, "200 000", "OCR 123").await;
    assert_eq!(queued(&app, "repayment.registered").await, officers);
    let payment = unconfirmed_payment(&app).await;
    confirm(&case.officer, payment, "200 000").await;
    assert_eq!(
        queued(&app, "repayment.confirmed").await,
        vec![coordinator.clone()]
    );
    let mut told = vec![coordinator.clone()];
    told.extend(officers.iter().cloned());
    assert_eq!(
        sorted(queued(&app, "repayment.overpaid").await).await,
        sorted(told).await
    );

    deliver(&app, &sink).await;
    let owed = sink
        .to(&coordinator)
        .into_iter()
        .find(|m| m.subject == "Återbetalning för 2025: 190 000 kr")
        .expect("the repayment notice");
    assert!(
        owed.text
            .contains("ska betalas tillbaka till Tillväxtverket senast 26 februari 2026")
    );
    let over = sink
        .to(&coordinator)
        .into_iter()
        .find(|m| m.subject.starts_with("Överbetalning för 2025: 10 000 kr"))
        .expect("the over-payment notice");
    assert!(over.text.contains("Överbetalningen är regionens pengar"));
}

#[tokio::test]
async fn a_change_that_rolls_back_sends_nothing_and_one_that_commits_loses_nothing() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    app.create_user(Role::CaseOfficer, None).await;
    app.create_user(Role::CaseOfficer, None).await;
    let id = submitted(&region, "500 000").await;
    sqlx::query("DELETE FROM outbox")
        .execute(&app.db)
        .await
        .expect("clear");

    let mut tx = app.db.begin().await.expect("begin");
    mail::notify(
        &mut tx,
        "http://localhost",
        Notice::RequisitionSubmitted(id),
    )
    .await
    .expect("notify");
    tx.rollback().await.expect("rollback");
    assert_eq!(count(&app, "SELECT count(*) FROM outbox").await, 0);
    assert_eq!(deliver(&app, &sink).await, Round::default());
    assert!(sink.messages().is_empty());

    let mut tx = app.db.begin().await.expect("begin");
    mail::notify(
        &mut tx,
        "http://localhost",
        Notice::RequisitionSubmitted(id),
    )
    .await
    .expect("notify");
    tx.commit().await.expect("commit");
    assert_eq!(
        deliver(&app, &sink).await,
        Round {
            delivered: 2,
            failed: 0
        }
    );
    assert_eq!(sink.messages().len(), 2);

    // Through HTTP: a return that is refused (no reason) writes no mail either.
    let path = format!("/rekvisitioner/{id}/komplettering");
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let refused = officer.submit(&path, &path, &[("reason", " ")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "SELECT count(*) FROM outbox").await, 2);
}

#[tokio::test]
async fn with_smtp_down_mail_waits_and_is_delivered_once_it_is_back() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app
        .email_of(app.create_user(Role::CaseOfficer, None).await)
        .await;
    submitted(&region, "500 000").await;

    let broken = unreachable_smtp();
    let now = Utc::now();
    let round = mail::deliver_due(&server(&app), &broken, &crate::sealer(), now)
        .await
        .expect("deliver");
    assert_eq!(
        round,
        Round {
            delivered: 0,
            failed: 1
        }
    );
    let (state, attempts, error): (String, i32, Option<String>) = sqlx::query_as(
        "SELECT state::text, attempts, last_error FROM outbox WHERE to_address = $1",
    )
    .bind(&officer)
    .fetch_one(&app.db)
    .await
    .expect("mail");
    assert_eq!((state.as_str(), attempts), ("queued", 1));
    assert!(error.is_some_and(|e| !e.is_empty()));

    // Not tried again before its time, even with the server back…
    let round = mail::deliver_due(&server(&app), &sink.mailer(), &crate::sealer(), now)
        .await
        .expect("deliver");
    assert_eq!(round, Round::default());
    // …and delivered, once, when it is.
    let later = now + chrono::Duration::minutes(2);
    let round = mail::deliver_due(&server(&app), &sink.mailer(), &crate::sealer(), later)
        .await
        .expect("deliver");
    assert_eq!(
        round,
        Round {
            delivered: 1,
            failed: 0
        }
    );
    assert_eq!(sink.to(&officer).len(), 1);
    let round = mail::deliver_due(&server(&app), &sink.mailer(), &crate::sealer(), later)
        .await
        .expect("deliver");
    assert_eq!(round, Round::default());

    // An administrator sees the attempt and its failure, and can send it again.
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let page = admin.get("/admin/meddelanden").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.plain().contains("Skickat"));
    let id: i64 = sqlx::query_scalar("SELECT id FROM outbox WHERE to_address = $1")
        .bind(&officer)
        .fetch_one(&app.db)
        .await
        .expect("id");
    let resent = admin
        .submit(
            "/admin/meddelanden",
            &format!("/admin/meddelanden/{id}/skicka-igen"),
            &[],
        )
        .await;
    assert_eq!(resent.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("mail.resent").await, 1);
    assert_eq!(deliver(&app, &sink).await.delivered, 1);
    assert_eq!(sink.to(&officer).len(), 2);
}

#[tokio::test]
async fn a_mail_given_up_after_its_attempts_is_shown_as_failed_with_the_reason() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    app.create_user(Role::CaseOfficer, None).await;
    submitted(&region, "500 000").await;
    let broken = unreachable_smtp();
    let mut at = Utc::now();
    for _ in 0..mail::model::MAX_ATTEMPTS {
        mail::deliver_due(&server(&app), &broken, &crate::sealer(), at)
            .await
            .expect("deliver");
        at += chrono::Duration::hours(7);
    }
    let state: String = sqlx::query_scalar("SELECT state::text FROM outbox")
        .fetch_one(&app.db)
        .await
        .expect("state");
    assert_eq!(state, "failed");
    // Given up: no further attempt.
    assert_eq!(
        mail::deliver_due(&server(&app), &sink.mailer(), &crate::sealer(), at)
            .await
            .expect("deliver"),
        Round::default()
    );
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let page = admin.get("/admin/meddelanden?tillstand=failed").await;
    assert_eq!(page.select("table.mails tbody tr").len(), 1);
    assert!(page.select(".mail-state")[0].contains("Misslyckades"));
    assert!(page.select(".mail-error")[0].contains("Försök 12:"));
}

#[tokio::test]
async fn two_senders_at_once_deliver_each_mail_exactly_once() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    for _ in 0..12 {
        app.create_user(Role::CaseOfficer, None).await;
    }
    let id = submitted(&region, "500 000").await;
    for _ in 0..3 {
        let mut tx = app.db.begin().await.expect("begin");
        mail::notify(
            &mut tx,
            "http://localhost",
            Notice::RequisitionSubmitted(id),
        )
        .await
        .expect("notify");
        tx.commit().await.expect("commit");
    }
    let total = count(&app, "SELECT count(*) FROM outbox").await;
    assert_eq!(total, 48);
    let (a, b) = tokio::join!(deliver(&app, &sink), deliver(&app, &sink));
    assert_eq!(a.delivered + b.delivered, 48);
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM outbox WHERE state = 'sent'")
        .fetch_all(&app.db)
        .await
        .expect("sent");
    assert_eq!(ids.len(), 48);
    assert_eq!(sink.messages().len(), 48);
}

async fn reminders(app: &TestApp, on: NaiveDate) -> usize {
    mail::reminders::run(&app.db, "http://localhost:3000", on)
        .await
        .expect("reminders")
}

/// The requisition reminders for 2025 queued so far: (address, occasion).
async fn requisition_reminders(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT to_address, split_part(occasion, ':', 6) FROM outbox
         WHERE event = 'reminder.requisition' AND occasion LIKE 'reminder:requisition:2025:%'
         ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("reminders")
}

#[tokio::test]
async fn reminders_to_requisition_go_until_the_deadline_to_those_who_may_still_act_never_twice() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let stockholm = app
        .email_of(app.create_user(Role::Coordinator, Some(STOCKHOLM)).await)
        .await;
    let skane_browser = app.other_browser();
    let skane_id = skane_browser.login_as(Role::Coordinator, Some(SKANE)).await;
    let skane = app.email_of(skane_id).await;
    let uppsala_browser = app.other_browser();
    let uppsala = app
        .email_of(
            uppsala_browser
                .login_as(Role::Coordinator, Some("Region Uppsala"))
                .await,
        )
        .await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;

    // The deadline is 31 March 2025; reminders 14 and 3 days before by default.
    reminders(&app, date(2025, 3, 16)).await;
    assert!(requisition_reminders(&app).await.is_empty());
    reminders(&app, date(2025, 3, 17)).await;
    let first = requisition_reminders(&app).await;
    assert_eq!(first.len(), 3);
    assert!(first.iter().all(|(_, occasion)| occasion == "before-14"));
    // Again the same day, on two servers at once, and on a day between occasions: nothing new.
    let (a, b) = tokio::join!(
        reminders(&app, date(2025, 3, 17)),
        reminders(&app, date(2025, 3, 17))
    );
    assert_eq!((a, b), (0, 0), "nothing new is queued the same day");
    reminders(&app, date(2025, 3, 20)).await;
    assert_eq!(requisition_reminders(&app).await, first);

    // Uppsala turns reminders off on its own page; Skåne files its requisition.
    let off = uppsala_browser
        .submit(
            "/meddelanden/e-post",
            "/meddelanden/paminnelser",
            &[("reminders", "off")],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("user.reminders_set").await, 1);
    let skane_fields = with(complete("700 000"), "contact_email", "lena@skane.se");
    file(&skane_browser, &skane_fields, "skicka").await;

    reminders(&app, date(2025, 3, 28)).await;
    reminders(&app, date(2025, 3, 31)).await;
    let all = requisition_reminders(&app).await;
    let later: Vec<_> = all[3..].to_vec();
    assert_eq!(
        later,
        vec![
            (stockholm.clone(), "before-3".to_string()),
            (stockholm.clone(), "on-the-day".to_string()),
        ]
    );

    // Stockholm gets a later deadline; Uppsala, past its deadline, turns reminders on again
    // (and hears nothing: it took no funds, which is not being late).
    let stockholm_org = org_id(&app, STOCKHOLM).await;
    let granted = officer
        .submit(
            "/handlaggning/forlangningar?ar=2025",
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", &stockholm_org.to_string()),
                ("deadline", "requisition"),
                ("new_deadline", "2025-04-15"),
                ("reason", "Koordinatorn har varit sjukskriven."),
                (
                    "basis",
                    "Infrastrukturdepartementets medgivande 2025-03-10, I2025/00042",
                ),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        queued(&app, "deadline_extension.granted").await,
        vec![stockholm.clone()]
    );
    let on_again = uppsala_browser
        .submit(
            "/meddelanden/e-post",
            "/meddelanden/paminnelser",
            &[("reminders", "on")],
        )
        .await;
    assert_eq!(on_again.status, StatusCode::SEE_OTHER);

    reminders(&app, date(2025, 4, 1)).await;
    reminders(&app, date(2025, 4, 7)).await;
    reminders(&app, date(2025, 4, 8)).await;
    let all = requisition_reminders(&app).await;
    assert_eq!(
        all[5..].to_vec(),
        vec![(stockholm.clone(), "before-14".to_string())]
    );
    // Skåne was reminded once, before it filed; never after.
    assert!(all[3..].iter().all(|(to, _)| *to != skane));

    deliver(&app, &sink).await;
    assert!(
        sink.to(&uppsala)
            .iter()
            .all(|m| !m.subject.starts_with("Försenad")),
        "not requisitioning is not being late"
    );
    let reminder = sink
        .to(&stockholm)
        .into_iter()
        .find(|m| m.subject == "Påminnelse: Rekvirera medlen för 2025")
        .expect("a reminder");
    assert!(
        reminder
            .text
            .contains("Region Stockholm har ännu inte skickat in sin rekvisition")
    );
    assert!(
        reminder
            .text
            .contains("Du kan stänga av dem under Meddelanden")
    );
    assert!(
        sink.to(&stockholm).iter().any(|m| m
            .text
            .contains("Sista dagen är om 14 dagar, 15 april 2025.")),
        "the later date has reminders of its own"
    );
}

#[tokio::test]
async fn an_administrator_sets_the_reminder_days_and_a_bad_value_changes_nothing() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let bad = admin
        .submit(
            "/admin/meddelanden",
            "/admin/meddelanden/paminnelsedagar",
            &[("days", "14, noll")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.select("#days-error").len(), 1);
    assert_eq!(bad.attr("#days", "value").as_deref(), Some("14, noll"));
    let saved = admin
        .submit(
            "/admin/meddelanden",
            "/admin/meddelanden/paminnelsedagar",
            &[("days", "7")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("mail_settings.updated").await, 1);
    reminders(&app, date(2025, 3, 17)).await;
    assert!(requisition_reminders(&app).await.is_empty());
    reminders(&app, date(2025, 3, 24)).await;
    let sent = requisition_reminders(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].1, "before-7");

    // Only an administrator reaches these pages.
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    assert_eq!(
        region.get("/admin/meddelanden").await.status,
        StatusCode::FORBIDDEN
    );
    let csrf = region.get("/meddelanden").await.csrf();
    let refused = region
        .post(
            "/admin/meddelanden/paminnelsedagar",
            &[("csrf", &csrf), ("days", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mail_id: i64 = sqlx::query_scalar("SELECT id FROM outbox ORDER BY id LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("a mail");
    let resend = region
        .post(
            &format!("/admin/meddelanden/{mail_id}/skicka-igen"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resend.status, StatusCode::FORBIDDEN);
    assert_eq!(app.audit_count("mail.resent").await, 0);
    // Nobody reaches the mail pages without logging in.
    let anonymous = app.other_browser();
    for path in ["/meddelanden", "/admin/meddelanden"] {
        let page = anonymous.get(path).await;
        assert!(page.status.is_redirection(), "{path}: {}", page.status);
        assert!(
            page.location
                .as_deref()
                .is_some_and(|l| l.starts_with("/logga-in"))
        );
    }
}

#[tokio::test]
async fn tillvaxtverket_gets_a_weekly_digest_and_reminders_of_its_own_deadlines() {
    let app = TestApp::spawn_on(on(2025, 11, 1)).await;
    let admin = app.email_of(app.create_user(Role::Admin, None).await).await;
    let officer = app
        .email_of(app.create_user(Role::CaseOfficer, None).await)
        .await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    // A requisition waits for the case officers.
    sqlx::query("UPDATE programme_years SET requisition_deadline = '2025-12-01' WHERE year = 2025")
        .execute(&app.db)
        .await
        .expect("later deadline");
    submitted(&region, "500 000").await;

    // Monday 17 November 2025: 14 days before 1 December.
    reminders(&app, date(2025, 11, 17)).await;
    let own: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_address, occasion FROM outbox
         WHERE event = 'reminder.agency_requisition' AND occasion LIKE 'reminder:agency_requisition:2025:%'
         ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("own reminders");
    assert_eq!(
        own,
        vec![(
            admin.clone(),
            "reminder:agency_requisition:2025:tillvaxtverket:2025-12-01:before-14".into()
        )]
    );
    let digests: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT to_address, occasion, body_text FROM outbox WHERE kind = 'digest' ORDER BY to_address",
    )
    .fetch_all(&app.db)
    .await
    .expect("digests");
    assert_eq!(digests.len(), 2);
    assert_eq!(digests[0].1, "digest:2025-W47");
    assert!(
        digests[0].2.contains("- Rekvisitioner att granska: 1\n"),
        "{}",
        digests[0].2
    );
    assert!(digests.iter().any(|(to, _, _)| *to == officer));
    // Later that week: no second digest.
    reminders(&app, date(2025, 11, 20)).await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM outbox WHERE kind = 'digest'").await,
        2
    );
    reminders(&app, date(2025, 11, 24)).await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM outbox WHERE kind = 'digest'").await,
        4
    );
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_mail_and_an_unknown_address_gets_the_same_answer() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let id = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let email = app.email_of(id).await;

    let login = app.get("/logga-in").await;
    assert_eq!(
        login.attr("a[href='/glomt-losenord']", "href").as_deref(),
        Some("/glomt-losenord")
    );
    let known = app
        .submit(
            "/glomt-losenord",
            "/glomt-losenord",
            &[("email", &email.to_uppercase())],
        )
        .await;
    let stranger = app.other_browser();
    let unknown = stranger
        .submit(
            "/glomt-losenord",
            "/glomt-losenord",
            &[("email", "ingen@example.se")],
        )
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, StatusCode::OK);
    assert_eq!(known.select("main"), unknown.select("main"));
    assert!(
        known
            .plain()
            .contains("Om det finns ett konto med den adressen")
    );

    assert_eq!(deliver(&app, &sink).await.delivered, 1);
    let mails = sink.to(&email);
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].subject, "Välj ett nytt lösenord i Digikoord");
    let path = password_path(&mails[0].text);
    let set = app
        .submit(
            &path,
            &path,
            &[
                ("password", "ett helt nytt lösenord"),
                ("password_repeat", "ett helt nytt lösenord"),
            ],
        )
        .await;
    assert!(set.status.is_redirection(), "{}", set.plain());
    let browser = app.other_browser();
    assert_eq!(
        browser.login(&email, PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        browser
            .login(&email, "ett helt nytt lösenord")
            .await
            .location
            .as_deref(),
        Some("/")
    );
    // The link worked once.
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.audit_count("password.reset_requested").await, 1);

    // Throttled per address: known and unknown alike, after three in an hour.
    for address in [email.as_str(), "ingen@example.se"] {
        let fresh = app.other_browser();
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(
                fresh
                    .submit("/glomt-losenord", "/glomt-losenord", &[("email", address)])
                    .await
                    .status,
            );
        }
        assert_eq!(
            statuses,
            vec![
                StatusCode::OK,
                StatusCode::OK,
                StatusCode::TOO_MANY_REQUESTS
            ],
            "{address}"
        );
    }
    let refused = app
        .submit(
            "/glomt-losenord",
            "/glomt-losenord",
            &[("email", "inte en adress")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#email-error").len(), 1);
}

#[tokio::test]
async fn with_mail_configured_a_new_users_link_goes_by_mail_and_is_not_shown() {
    let sink = Sink::start();
    let app = with_mail(on(2025, 3, 1), &sink).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let created =
        create_coordinator(&app, &admin, "Åsa Öberg", "asa.oberg@regionstockholm.se").await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
    let created = admin.follow(created).await;
    assert!(
        !created.text.contains("/losenord/"),
        "the link is not shown"
    );
    assert!(
        created
            .plain()
            .contains("skickad med e-post till asa.oberg@regionstockholm.se")
    );
    deliver(&app, &sink).await;
    let mails = sink.to("asa.oberg@regionstockholm.se");
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject,
        "Välkommen till Digikoord: välj ditt lösenord"
    );
    assert!(mails[0].text.starts_with("Hej Åsa Öberg!"));
    assert!(mails[0].text.contains("/losenord/"));

    // The person sees the mail among their own; another user does not.
    let user: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'asa.oberg@regionstockholm.se'")
            .fetch_one(&app.db)
            .await
            .expect("user");
    let path = password_path(&mails[0].text);
    let person = app.other_browser();
    person
        .submit(
            &path,
            &path,
            &[
                ("password", "ett långt eget lösenord"),
                ("password_repeat", "ett långt eget lösenord"),
            ],
        )
        .await;
    let logged_in = person
        .login("asa.oberg@regionstockholm.se", "ett långt eget lösenord")
        .await;
    assert_eq!(logged_in.location.as_deref(), Some("/"));
    let own = person.get("/meddelanden/e-post").await;
    assert_eq!(
        own.select(".mail .mail-subject"),
        vec!["Välkommen till Digikoord: välj ditt lösenord"]
    );
    let other = app.other_browser();
    other.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    assert!(
        other
            .get("/meddelanden/e-post")
            .await
            .select(".mail")
            .is_empty()
    );
    let _ = user;
}

#[tokio::test]
async fn without_smtp_mail_is_queued_shown_and_logged_and_links_never_leave_the_mailbox() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    submitted(&region, "500 000").await;
    let round = mail::deliver_due(&server(&app), &Mailer::Log, &crate::sealer(), Utc::now())
        .await
        .expect("log");
    assert_eq!(round.delivered, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE state = 'logged' AND sent_at IS NOT NULL"
        )
        .await,
        1
    );
    let own = officer.get("/meddelanden/e-post").await;
    assert_eq!(
        own.select(".mail .mail-state"),
        vec!["Skrivet till loggen (e-post är inte konfigurerad)"]
    );
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let page = admin.get("/admin/meddelanden").await;
    assert!(page.plain().contains("E-post är inte konfigurerad"));
    // A set-password link is never shown, nor written to the log: without SMTP the page
    // says how the operator gives one.
    let created = create_coordinator(&app, &admin, "Bo Ek", "bo.ek@regionstockholm.se").await;
    let created = admin.follow(created).await;
    assert!(!created.text.contains("/losenord/"));
    assert!(
        created
            .plain()
            .contains("digikoord admin password-link --email bo.ek@regionstockholm.se"),
        "{}",
        created.plain()
    );
    crate::users::assert_links_unreadable(&app).await;
    let round = mail::deliver_due(&server(&app), &Mailer::Log, &crate::sealer(), Utc::now())
        .await
        .expect("log");
    assert_eq!(round.delivered, 1);
    let logged: (String, Option<String>) = sqlx::query_as(
        "SELECT state::text, sealed_text FROM outbox WHERE to_address = 'bo.ek@regionstockholm.se'",
    )
    .fetch_one(&app.db)
    .await
    .expect("logged");
    assert_eq!(
        logged,
        ("logged".to_string(), None),
        "nothing sealed is kept"
    );
    crate::users::assert_links_unreadable(&app).await;
    // Resending a link mail would send a mail without its link: refused, nothing queued.
    let mail: i64 =
        sqlx::query_scalar("SELECT id FROM outbox WHERE to_address = 'bo.ek@regionstockholm.se'")
            .fetch_one(&app.db)
            .await
            .expect("mail");
    let resent = admin
        .submit(
            "/admin/meddelanden",
            &format!("/admin/meddelanden/{mail}/skicka-igen"),
            &[],
        )
        .await;
    assert_eq!(resent.status, StatusCode::CONFLICT);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE to_address = 'bo.ek@regionstockholm.se'"
        )
        .await,
        1
    );
}
