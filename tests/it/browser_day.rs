//! A day's work in a real browser (issue 28), as its people do it: a coordinator writes a
//! long report part and leaves it by a step in the step bar, finds it saved; lets the
//! session run out while writing, signs in again and finds the text on its form; is warned
//! before the idle limit and stays; has a draft saved by itself; is warned before leaving
//! unsaved text. Staff see what they decide on before the button that decides it: at 1280
//! and at 390 px the decisive button stands below the content on the screen, not only later
//! in the HTML. Every page is checked with axe and for sideways scrolling (`Person::look`).
//!
//! The clock the page's script reads is moved forward (`Date.now`) where a test would
//! otherwise wait half an hour; the server's side of the session is aged in the database.

use std::time::{Duration, Instant};

use digikoord::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    PASSWORD, TestApp,
    browser::{Person, browser_for},
    steps::{
        SKANE, STOCKHOLM, approve, fill_in_everything, live_payout, on, paid, start_report,
        submit_report, submitted,
    },
};

/// The user's sessions, on the server, idle for `minutes`.
async fn idle_for(app: &TestApp, user: Uuid, minutes: i32) {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = now() - make_interval(mins => $2) WHERE user_id = $1",
    )
    .bind(user)
    .bind(minutes)
    .execute(&app.db)
    .await
    .expect("age the session");
}

async fn saved_text(app: &TestApp, id: Uuid, column: &str) -> String {
    sqlx::query_scalar(&format!("SELECT {column} FROM reports WHERE id = $1"))
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("report")
}

/// What the field named `name` holds in the page.
async fn value_of(person: &Person, name: &str) -> String {
    person
        .find(&format!("[name='{name}']"))
        .await
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

/// The page's clock moved `minutes` ahead of the real one, and the page told it is shown
/// again (the script looks at the clock then, as it does every 15 s).
async fn clock_ahead(person: &Person, minutes: i64) {
    person
        .run(
            "window.realNow = window.realNow || Date.now.bind(Date);
             const ahead = arguments[0] * 60000;
             Date.now = () => window.realNow() + ahead;
             document.dispatchEvent(new Event('visibilitychange'));",
            vec![json!(minutes)],
        )
        .await;
}

/// Whether the idle dialog is open, and its title.
async fn idle_dialog(person: &Person) -> (bool, String) {
    let state = person
        .run(
            "const d = document.getElementById('idle-warning');
             return [d.open, document.getElementById('idle-warning-title').textContent];",
            vec![],
        )
        .await;
    (
        state[0].as_bool().unwrap_or(false),
        state[1].as_str().unwrap_or_default().to_string(),
    )
}

/// Waits (at most 5 s) until the idle dialog's state is `open`.
async fn until_dialog(person: &Person, open: bool) -> String {
    let started = Instant::now();
    loop {
        let (is_open, title) = idle_dialog(person).await;
        if is_open == open {
            return title;
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the idle dialog did not {}",
            if open { "open" } else { "close" }
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Whether leaving the page now would ask first: the page's `beforeunload` handler cancels
/// the event when text has changed since it was loaded or saved.
async fn leaving_asks(person: &Person) -> bool {
    person
        .run(
            "const e = new Event('beforeunload', { cancelable: true });
             window.dispatchEvent(e);
             return e.defaultPrevented;",
            vec![],
        )
        .await
        .as_bool()
        .expect("a yes or no")
}

/// A long answer, as an afternoon's writing is.
fn afternoon() -> String {
    (1..=12)
        .map(|i| {
            format!(
                "Stycke {i}: Under året har vi samlat länets kommuner kring gemensamma frågor om \
                 digitalisering, informationssäkerhet och kompetens."
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn a_coordinator_loses_nothing_typed_in_a_browser() {
    let Some((_driver, mut person, _)) = browser_for("inget-forsvinner").await else {
        return;
    };
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let coordinator = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let email = app.email_of(coordinator).await;
    person.at(&app.url("")).await;
    person.log_in(&app, coordinator).await;
    person.press("Redovisa 2025", "redovisning").await;
    let id: Uuid = person
        .path()
        .await
        .trim_start_matches("/redovisningar/")
        .split('/')
        .next()
        .and_then(|id| id.parse().ok())
        .expect("the report's id");
    let part = |slug: &str| format!("/redovisningar/{id}/{slug}");

    // 1. A long answer, then a step in the step bar: saved on the way, and there on return.
    person.open(&part("uppdrag"), "uppdrag").await;
    assert!(!leaving_asks(&person).await, "nothing typed yet");
    let long = afternoon();
    person.type_in("task_1", &long).await;
    assert!(
        leaving_asks(&person).await,
        "leaving unsaved text asks first"
    );
    person
        .click("nav.steps button[value='ekonomi']", "steg-till-ekonomi")
        .await;
    assert_eq!(person.path().await, part("ekonomi"));
    assert_eq!(saved_text(&app, id, "task_1").await, long);
    person
        .click("nav.steps button[value='uppdrag']", "steg-tillbaka")
        .await;
    assert_eq!(value_of(&person, "task_1").await, long);

    // 2. The session runs out while the coordinator writes; the text waits for them.
    person.open(&part("analys"), "analys").await;
    let needs =
        "Kommunerna behöver stöd i informationssäkerhet – skrivet medan sessionen löpte ut.";
    person.type_in("needs_and_challenges", needs).await;
    idle_for(&app, coordinator, 32).await;
    person
        .press("Spara och fortsätt", "utloggad-med-text")
        .await;
    assert_eq!(person.path().await, "/logga-in");
    assert!(
        person.text().await.contains("Du hade hunnit bli utloggad"),
        "the sign-in page says the text is kept"
    );
    assert_eq!(saved_text(&app, id, "needs_and_challenges").await, "");
    person.type_in("email", &email).await;
    person.type_in("password", PASSWORD).await;
    person.press("Logga in", "tillbaka-till-texten").await;
    assert_eq!(person.path().await, part("analys"));
    assert!(
        person
            .text()
            .await
            .contains("Din text sparades när du blev utloggad – kontrollera och spara."),
        "the form says where its text came from"
    );
    assert_eq!(value_of(&person, "needs_and_challenges").await, needs);
    person
        .press("Spara och fortsätt", "sparad-efter-inloggning")
        .await;
    assert_eq!(saved_text(&app, id, "needs_and_challenges").await, needs);

    // 3. Before the idle limit a dialog offers to stay; staying renews the session.
    person.open(&part("analys"), "analys-igen").await;
    idle_for(&app, coordinator, 28).await;
    clock_ahead(&person, 28).await;
    assert_eq!(until_dialog(&person, true).await, "Du loggas snart ut");
    person.look("varning-fore-utloggning").await;
    person
        .find("#idle-warning-continue")
        .await
        .click()
        .await
        .expect("stay");
    until_dialog(&person, false).await;
    let idle: f64 = sqlx::query_scalar(
        "SELECT max(extract(epoch FROM now() - last_seen_at))::float8 FROM sessions
         WHERE user_id = $1",
    )
    .bind(coordinator)
    .fetch_one(&app.db)
    .await
    .expect("the session");
    assert!(idle < 60.0, "staying renewed the session ({idle} s idle)");

    // When the server has ended the session meanwhile, the dialog says so and offers to sign
    // in again, rather than pretending to keep it.
    idle_for(&app, coordinator, 32).await;
    clock_ahead(&person, 28 + 28).await;
    until_dialog(&person, true).await;
    person
        .find("#idle-warning-continue")
        .await
        .click()
        .await
        .expect("try to stay");
    let started = Instant::now();
    while idle_dialog(&person).await.1 != "Du har loggats ut" {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the dialog never said the session had ended"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    person.look("utloggad-dialog").await;
    person.click("#idle-warning-sign-in", "logga-in-igen").await;
    assert_eq!(person.path().await, "/logga-in");

    // 4. Left open, a long form saves its draft by itself once a minute.
    person.type_in("email", &email).await;
    person.type_in("password", PASSWORD).await;
    person.press("Logga in", "inloggad-igen").await;
    person.open(&part("uppdrag"), "uppdrag-utkast").await;
    let second = "Ett utkast som sparas av sig självt medan samordnaren tänker.";
    person.type_in("task_2", second).await;
    let started = Instant::now();
    loop {
        let note = person.find(".autosave-status").await.text().await;
        if note.is_ok_and(|n| n.contains("Utkastet sparades automatiskt")) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no draft was saved in 90 s"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(saved_text(&app, id, "task_2").await, second);
    assert!(
        !leaving_asks(&person).await,
        "a saved draft leaves nothing unsaved"
    );
    person.look("utkast-sparat").await;

    let violations = person.close().await;
    assert!(
        violations.is_empty(),
        "WCAG 2.1 A/AA violations, and pages that scroll sideways:\n{}",
        violations.join("\n")
    );
}

/// Where on the page (in CSS pixels from its top) what `css` finds begins and ends.
async fn extent(person: &Person, css: &str) -> (f64, f64) {
    let found: Value = person
        .run(
            "const all = document.querySelectorAll(arguments[0]);
             if (all.length === 0) return null;
             const first = all[0].getBoundingClientRect();
             const last = all[all.length - 1].getBoundingClientRect();
             return [first.top + window.scrollY, last.bottom + window.scrollY];",
            vec![json!(css)],
        )
        .await;
    let found = found
        .as_array()
        .unwrap_or_else(|| panic!("nothing on the page matches {css}"));
    (
        found[0].as_f64().expect("top"),
        found[1].as_f64().expect("bottom"),
    )
}

/// At 1280 and at 390 px, the button `button` stands below all of `content` on the screen.
async fn button_below(person: &Person, button: &str, content: &[&str]) {
    for width in [1280, 390] {
        person.window(width, 900).await;
        let (top, _) = extent(person, button).await;
        for css in content {
            let (_, bottom) = extent(person, css).await;
            assert!(
                bottom <= top,
                "at {width} px, {css} ends at {bottom} px, below the button {button} at {top} px"
            );
        }
    }
    person.window(1280, 1000).await;
}

#[tokio::test]
async fn staff_see_what_they_decide_on_before_the_button_at_each_width() {
    let Some((_driver, mut person, _)) = browser_for("beslut-efter-innehall").await else {
        return;
    };
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let report = start_report(&region).await;
    fill_in_everything(&region, report).await;
    submit_report(&region, report).await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let admin = app.create_user(Role::Admin, None).await;
    person.at(&app.url("")).await;

    // The case officer reads the report down to its decision at the end.
    person.log_in(&app, officer).await;
    person
        .open(&format!("/redovisningar/{report}"), "redovisning-beslut")
        .await;
    button_below(
        &person,
        "form.approve-report button[type=submit]",
        &["ol.tasks", "table.activities", "p.needs", "table.finances"],
    )
    .await;
    person
        .follow("Skicka tillbaka för komplettering", "komplettering")
        .await;
    button_below(
        &person,
        "form.confirm button[type=submit]",
        &["dd.unused", ".consequences"],
    )
    .await;
    person.log_out().await;

    // The administrator sees whom a deactivation stops before the button.
    let someone = app
        .create_user(Role::Coordinator, Some("Region Uppsala"))
        .await;
    person.log_in(&app, admin).await;
    person
        .open(&format!("/admin/anvandare/{someone}"), "anvandare")
        .await;
    person
        .click(
            &format!("a[href='/admin/anvandare/{someone}/inaktivera']"),
            "inaktivera",
        )
        .await;
    button_below(
        &person,
        "form.confirm button[type=submit]",
        &["dd.user-email", ".consequences"],
    )
    .await;
    person.log_out().await;

    // The approver sees the payee, account and reference before *Attestera*: a requisition
    // of spring 2025, approved and prepared.
    let spring = TestApp::spawn().await;
    let skane = spring.other_browser();
    skane.login_as(Role::Coordinator, Some(SKANE)).await;
    let requisition = submitted(&skane, "900 000").await;
    let preparer = spring.other_browser();
    preparer.login_as(Role::CaseOfficer, None).await;
    approve(&preparer, requisition, "800 000").await;
    let payout = live_payout(&spring, requisition).await;
    let approver = spring.create_user(Role::Approver, None).await;
    person.at(&spring.url("")).await;
    person.log_in(&spring, approver).await;
    person.follow("Utbetalningar", "attestlista").await;
    person
        .click(
            &format!("a[href='/utbetalningar/{payout}/attestera']"),
            "attestera",
        )
        .await;
    let page = person.text().await.replace('\u{a0}', " ");
    for seen in [
        "Region Skåne",
        "5050-1055",
        "Digikoord 2025",
        "800 000 kr",
        "900 000 kr",
    ] {
        assert!(page.contains(seen), "the approver sees {seen}");
    }
    button_below(
        &person,
        "form.confirm button[type=submit]",
        &[
            ".payee",
            ".account",
            ".reference",
            ".payout-amount",
            ".prepared",
        ],
    )
    .await;
    person.log_out().await;

    let violations = person.close().await;
    assert!(
        violations.is_empty(),
        "WCAG 2.1 A/AA violations, and pages that scroll sideways:\n{}",
        violations.join("\n")
    );
}
