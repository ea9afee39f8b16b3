//! Every rule says where it comes from (issue 27): the payout mail names the actor's own
//! report deadline, imported history is held to the year's caps as live cases are, and an
//! extension records the decision or consent it rests on.

use digikoord::{auth::Role, error::violated_constraint, seed::ACTORS_2018};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{
        SKANE, STOCKHOLM, approve, approve_payout, count, dec, live_payout, on, org_id, pay_payout,
        submitted,
    },
};

const EXTENSIONS: &str = "/handlaggning/forlangningar";
const BASIS: &str = "Infrastrukturdepartementets medgivande 2026-01-20, I2026/00123";

/// A case officer gives `org` a later `deadline` for 2025, with `basis` when one is given.
async fn grant(
    officer: &TestApp,
    org: Uuid,
    deadline: &str,
    until: &str,
    basis: Option<&str>,
) -> crate::Page {
    let org = org.to_string();
    let mut fields = vec![
        ("ar", "2025"),
        ("organisation_id", org.as_str()),
        ("deadline", deadline),
        ("new_deadline", until),
        ("reason", "Ny ekonomichef, bokslutet dröjer."),
    ];
    if let Some(basis) = basis {
        fields.push(("basis", basis));
    }
    officer
        .submit(&format!("{EXTENSIONS}?ar=2025"), EXTENSIONS, &fields)
        .await
}

/// The text of the payout mail about `organisation`'s payment (one per recipient, alike).
async fn payout_mail(app: &TestApp, organisation: &str) -> String {
    let bodies: Vec<String> =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE event = 'payout.paid'")
            .fetch_all(&app.db)
            .await
            .expect("outbox");
    bodies
        .into_iter()
        .find(|b| b.contains(&format!("till {organisation} den")))
        .unwrap_or_else(|| panic!("a payout mail about {organisation}"))
}

#[tokio::test]
async fn the_payout_mail_names_the_actors_own_report_deadline_extended_or_not() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    // Skåne reports later, with the ministry's consent.
    let skane = org_id(&app, SKANE).await;
    let granted = grant(&officer, skane, "report", "2026-02-20", Some(BASIS)).await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.plain());

    for (organisation, voucher) in [(STOCKHOLM, "V2025-1"), (SKANE, "V2025-2")] {
        let region = app.other_browser();
        region.login_as(Role::Coordinator, Some(organisation)).await;
        let id = submitted(&region, "1 000 000").await;
        approve(&officer, id, "1 000 000").await;
        let payout = live_payout(&app, id).await;
        approve_payout(&approver, id, payout).await;
        pay_payout(&officer, payout, "1 000 000", voucher).await;
    }

    let stockholm = payout_mail(&app, STOCKHOLM).await;
    // The year's own date: 31 January 2026 was a Saturday, so Monday 2 February
    // (söndagsregeln).
    assert!(
        stockholm.contains("redovisas senast 2 februari 2026"),
        "the year's own date: {stockholm}"
    );
    assert!(!stockholm.contains("året efter"), "{stockholm}");
    let skane = payout_mail(&app, SKANE).await;
    assert!(
        skane.contains("redovisas senast 20 februari 2026 (förlängd tid)"),
        "the date granted to Skåne: {skane}"
    );
}

/// Uploads a history sheet of `rows` through the import page's form, as a browser does.
async fn upload(admin: &TestApp, name: &str, rows: &[String]) -> crate::Page {
    let mut text = format!(
        "\u{feff}{}\r\n",
        digikoord::history::model::COLUMNS.join(";")
    );
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    let page = admin.get("/admin/historik").await;
    let action = page
        .attr("form[enctype='multipart/form-data']", "action")
        .expect("an upload form");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.into_bytes()).file_name(name.to_string()),
    );
    let response = admin
        .client
        .post(admin.url(&action))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    TestApp::page_of(response).await
}

/// A 2018 row: `actor` requisitioned and was paid `amount` on 3 December 2018.
fn paid_2018(actor: &str, amount: &str) -> String {
    format!("2018;{actor};;{amount};{amount};2018-12-03;;;;;")
}

/// Writes an imported 2018 row straight to the database, past the import's own checks.
async fn insert_2018(
    app: &TestApp,
    upload: Uuid,
    actor: &str,
    amount: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO imported_actor_years (year, organisation_id, upload_id, requisitioned,
             paid_out, paid_on)
         SELECT 2018, a.organisation_id, $2, $3, $3, DATE '2018-12-03'
         FROM programme_years y JOIN period_actors a ON a.period_id = y.period_id
         WHERE y.year = 2018 AND a.actor_name = $1",
    )
    .bind(actor)
    .bind(upload)
    .bind(dec(amount))
    .execute(&app.db)
    .await
    .map(|_| ())
}

#[tokio::test]
async fn imported_history_is_held_to_the_years_cap_per_actor_and_its_frame_with_nothing_stored() {
    let app = TestApp::spawn_on(on(2025, 5, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let imported = "SELECT count(*) FROM imported_actor_years";

    // N2018/04129: at most 500 000 kr per actor in 2018.
    let over = upload(
        &admin,
        "2018.csv",
        &[
            paid_2018(ACTORS_2018[0].0, "500 000"),
            paid_2018(ACTORS_2018[1].0, "600 000"),
        ],
    )
    .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = over.select("table.import-problems tbody tr");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("3Utbetalt")
            && problems[0].contains("600 000 kr är mer än taket per aktör för 2018, 500 000 kr"),
        "{problems:?}"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM history_uploads").await, 0);
    assert_eq!(count(&app, imported).await, 0);

    // Twenty actors at the cap: 10 000 000 kr of the year's 10 500 000 kr (21 × 500 000 kr).
    let twenty: Vec<String> = ACTORS_2018[..20]
        .iter()
        .map(|(actor, _)| paid_2018(actor, "500 000"))
        .collect();
    let uploaded = upload(&admin, "2018-tjugo.csv", &twenty).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    let preview = admin.follow(uploaded).await;
    let action = preview
        .attr("form[action$='/las-in']", "action")
        .expect("load button");
    let loaded = admin.post(&action, &[("csrf", &preview.csrf())]).await;
    assert_eq!(loaded.status, StatusCode::SEE_OTHER, "{}", loaded.plain());
    assert_eq!(count(&app, imported).await, 20);

    // Rows each within the cap pass the frame only when the year changed under them: here
    // its cap is lowered afterwards to 450 000 kr, a frame of 9 450 000 kr.
    sqlx::query("UPDATE programme_years SET cap_per_actor = 450000 WHERE year = 2018")
        .execute(&app.db)
        .await
        .expect("a lower cap");
    let last = ACTORS_2018[20].0;
    let refused = upload(&admin, "2018-sista.csv", &[paid_2018(last, "450 000")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = refused.select("table.import-problems tbody tr");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("2Utbetalt")
            && problems[0].contains("sammanlagt 10 450 000 kr")
            && problems[0].contains("ram 9 450 000 kr (21 aktörer × 450 000 kr)")
            && problems[0].contains("10 000 000 kr redan i Digikoord"),
        "{problems:?}"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM history_uploads").await, 1);
    assert_eq!(count(&app, imported).await, 20);

    // The schema refuses the same, whoever writes.
    let upload_id: Uuid = sqlx::query_scalar("SELECT id FROM history_uploads")
        .fetch_one(&app.db)
        .await
        .expect("the loaded upload");
    let frame = insert_2018(&app, upload_id, last, "450000")
        .await
        .expect_err("over the frame");
    assert_eq!(violated_constraint(&frame), Some("imported_within_frame"));
    let cap = insert_2018(&app, upload_id, last, "450000.01")
        .await
        .expect_err("over the cap");
    assert_eq!(violated_constraint(&cap), Some("imported_within_cap"));
    assert_eq!(count(&app, imported).await, 20);
}

#[tokio::test]
async fn an_extension_needs_its_basis_which_is_stored_listed_mailed_and_shown_on_the_overview() {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(SKANE)).await;
    let skane = org_id(&app, SKANE).await;

    // Without a basis: refused beside the field, the form filled in, nothing stored.
    let refused = grant(&officer, skane, "report", "2026-02-20", None).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = refused.select("#basis-error");
    assert_eq!(error.len(), 1, "{}", refused.plain());
    assert!(error[0].contains("departementets medgivande"), "{error:?}");
    assert_eq!(
        refused
            .attr("#organisation_id option[selected]", "value")
            .as_deref(),
        Some(skane.to_string().as_str())
    );
    assert_eq!(
        refused
            .attr("#deadline option[selected]", "value")
            .as_deref(),
        Some("report")
    );
    assert_eq!(
        refused.attr("#new_deadline", "value").as_deref(),
        Some("2026-02-20")
    );
    assert_eq!(
        refused.select("#reason"),
        vec!["Ny ekonomichef, bokslutet dröjer."]
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM deadline_extensions").await,
        0
    );
    assert_eq!(app.audit_count("deadline_extension.granted").await, 0);

    // With one: stored, listed, mailed to the region, and on the overview.
    let granted = grant(&officer, skane, "report", "2026-02-20", Some(BASIS)).await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.plain());
    let stored: String = sqlx::query_scalar(
        "SELECT basis FROM deadline_extensions WHERE year = 2025 AND organisation_id = $1
           AND deadline = 'report'",
    )
    .bind(skane)
    .fetch_one(&app.db)
    .await
    .expect("the extension");
    assert_eq!(stored, BASIS);

    let list = officer.get(&format!("{EXTENSIONS}?ar=2025")).await;
    assert_eq!(list.select("table.extensions td.basis"), vec![BASIS]);

    let mails: Vec<String> = sqlx::query_scalar(
        "SELECT body_text FROM outbox WHERE event = 'deadline_extension.granted'",
    )
    .fetch_all(&app.db)
    .await
    .expect("outbox");
    assert!(!mails.is_empty(), "the region is told");
    for mail in &mails {
        assert!(mail.contains(&format!("Grund: {BASIS}")), "{mail}");
        assert!(mail.contains("20 februari 2026"), "{mail}");
    }

    let overview = officer.get("/oversikt?ar=2025").await;
    let moved = overview.select("table.moved-dates tbody tr");
    assert_eq!(moved.len(), 1, "{moved:?}");
    for part in [
        "Region Skåne",
        "redovisningen",
        // The year's own last day, after söndagsregeln (31 January was a Saturday).
        "2 februari 2026",
        "20 februari 2026",
        "Ny ekonomichef, bokslutet dröjer.",
        BASIS,
    ] {
        assert!(moved[0].contains(part), "{part}: {moved:?}");
    }
    // A year with nothing moved says so.
    let none = officer.get("/oversikt?ar=2024").await;
    assert_eq!(none.select(".no-moved-dates").len(), 1);
}
