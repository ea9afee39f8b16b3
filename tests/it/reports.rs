//! The yearly report through HTTP: written over several visits, submitted, returned,
//! corrected and approved; the money rules; attachments; who may do what.

use digikoord::{auth::Role, error::violated_constraint};
use reqwest::{StatusCode, multipart};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    PASSWORD, Page, TestApp,
    steps::{
        SKANE, STOCKHOLM, TASKS, approve_report, correct_report, dec, fill_in_everything, on, paid,
        post_anyway, report_id, report_state, return_report, save, save_refused, start_report,
        submit_report,
    },
};

async fn upload(browser: &TestApp, id: Uuid, name: &str, bytes: Vec<u8>) -> Page {
    let page = browser.get(&format!("/redovisningar/{id}/bilagor")).await;
    let action = page
        .attr("form[enctype='multipart/form-data']", "action")
        .expect("an upload form");
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let response = browser
        .client
        .post(browser.url(&action))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    TestApp::page_of(response).await
}

#[tokio::test]
async fn a_report_is_written_over_several_visits_and_nothing_is_lost_in_between() {
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let coordinator = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let email = app.email_of(coordinator).await;
    let region = app.other_browser();
    assert_eq!(
        region.login(&email, PASSWORD).await.location.as_deref(),
        Some("/")
    );

    let start = region.get("/").await;
    assert_eq!(start.select(".report-call button"), vec!["Redovisa 2025"]);
    // 31 January 2026 was a Saturday: the last day is Monday 2 February (söndagsregeln).
    assert!(
        start
            .select(".report-call")
            .join(" ")
            .contains("2 februari 2026")
    );
    let id = start_report(&region).await;
    save(&region, id, "uppdrag", &TASKS[..2]).await;

    // Log out; come back another day.
    let csrf = region.get("/").await.csrf();
    let out = region.post("/logga-ut", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        region
            .get(&format!("/redovisningar/{id}/uppdrag"))
            .await
            .location
            .as_deref(),
        Some("/logga-in")
    );
    assert_eq!(
        region.login(&email, PASSWORD).await.location.as_deref(),
        Some("/")
    );
    let tasks = region.get(&format!("/redovisningar/{id}/uppdrag")).await;
    assert_eq!(tasks.select("#task_1"), vec![TASKS[0].1]);
    assert_eq!(tasks.select("#task_2"), vec![TASKS[1].1]);
    assert_eq!(tasks.select("#task_3"), vec![String::new()]);

    fill_in_everything(&region, id).await;
    let pdf = upload(
        &region,
        id,
        "Verksamhetsberättelse 2025.pdf",
        b"%PDF-1.7\n...".to_vec(),
    )
    .await;
    assert_eq!(pdf.status, StatusCode::SEE_OTHER);

    let check = region
        .get(&format!("/redovisningar/{id}/kontrollera"))
        .await;
    assert!(
        check.select(".missing").is_empty(),
        "{:?}",
        check.select(".missing li")
    );
    assert_eq!(check.select("td.used"), vec!["810 000 kr"]);
    assert_eq!(check.select("td.unused"), vec!["190 000 kr"]);
    assert!(check.plain().contains("Länsträff om AI i offentlig sektor"));
    assert!(
        check
            .plain()
            .contains("Digital innovation, Digital ledning")
    );
    assert!(check.plain().contains("Verksamhetsberättelse 2025.pdf"));
    let sent = submit_report(&region, id).await;
    let receipt = region.follow(sent).await;
    assert!(receipt.select(".flash")[0].contains(
        "Kvittens: redovisningen för 2025 är inskickad till Tillväxtverket den 15 januari 2026"
    ));
    assert!(!receipt.select(".flash")[0].contains("försenad"));
    assert_eq!(report_state(&app, id).await, "submitted");
    let stored: (Decimal, Decimal, Decimal) =
        sqlx::query_as("SELECT received, used, unused FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("amounts");
    assert_eq!(stored, (dec("1000000"), dec("810000"), dec("190000")));
    // Submitted: the region can no longer write in it.
    let locked = post_anyway(
        &region,
        &format!("/redovisningar/{id}/ekonomi"),
        &[("cost_personnel", "1")],
    )
    .await;
    assert_eq!(locked.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_report_too_early_shows_what_is_missing() {
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = start_report(&region).await;
    let early = region
        .submit(
            &format!("/redovisningar/{id}/kontrollera"),
            &format!("/redovisningar/{id}/skicka-in"),
            &[],
        )
        .await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    let missing = early.select(".missing li");
    assert_eq!(missing.len(), 6, "{missing:?}");
    assert!(missing[1].contains("minst en aktivitet"));
    assert!(
        missing[5].contains("Fyll i ekonomin"),
        "zero costs are not assumed"
    );
    assert_eq!(report_state(&app, id).await, "draft");
    // Filling in everything but the finances still leaves the finances missing.
    save(&region, id, "uppdrag", &TASKS).await;
    let check = region
        .get(&format!("/redovisningar/{id}/kontrollera"))
        .await;
    assert!(
        check
            .select(".missing li")
            .iter()
            .any(|m| m.contains("Fyll i ekonomin"))
    );
}

#[tokio::test]
async fn a_case_officer_returns_a_report_the_region_corrects_it_and_it_is_approved_then_corrected_as_a_new_version()
 {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let id = start_report(&region).await;
    fill_in_everything(&region, id).await;
    submit_report(&region, id).await;

    let list = officer.get("/handlaggning/redovisningar?ar=2025").await;
    let rows = list.select("table.reports tbody tr");
    assert_eq!(rows.len(), 21);
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Region Stockholm Inskickad")),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("Region Skåne Ingen utbetalning")),
        "{rows:?}"
    );

    let submitted = officer
        .get("/handlaggning/redovisningar?ar=2025&lage=inskickad")
        .await;
    assert_eq!(
        submitted.select("table.reports tbody th"),
        vec!["Region Stockholm"]
    );
    return_report(&officer, id, "Specificera köpta tjänster.").await;
    let page = region.get(&format!("/redovisningar/{id}")).await;
    assert_eq!(
        page.select(".state-note"),
        vec!["Specificera köpta tjänster."]
    );
    save(
        &region,
        id,
        "ekonomi",
        &[("cost_personnel", "650 000"), ("cost_services", "200 000")],
    )
    .await;
    submit_report(&region, id).await;

    let csrf = officer.get(&format!("/redovisningar/{id}")).await.csrf();
    let approved = approve_report(&officer, id).await;
    let page = officer.follow(approved).await;
    assert!(
        page.select(".flash")[0].contains("150 000 kr"),
        "{:?}",
        page.select(".flash")
    );
    let twice = officer
        .post(&format!("/redovisningar/{id}/godkann"), &[("csrf", &csrf)])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(app.audit_count("report.approved").await, 1);

    // Approved locks it; a correction is a new version and the approved one stays.
    assert_eq!(
        post_anyway(
            &region,
            &format!("/redovisningar/{id}/ekonomi"),
            &[("cost_personnel", "1")]
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let second = correct_report(&region, id).await;
    save(
        &region,
        second,
        "ekonomi",
        &[("cost_personnel", "700 000"), ("cost_services", "200 000")],
    )
    .await;
    let versions: Vec<(i32, String, bool, Decimal)> = sqlx::query_as(
        "SELECT version, state::text, current, unused FROM reports ORDER BY version",
    )
    .fetch_all(&app.db)
    .await
    .expect("versions");
    assert_eq!(
        versions,
        vec![
            (1, "approved".into(), false, dec("150000")),
            (2, "draft".into(), true, dec("100000"))
        ]
    );
    let page = region.get(&format!("/redovisningar/{second}")).await;
    assert_eq!(page.select(".versions li").len(), 2);
    let activities: i64 =
        sqlx::query_scalar("SELECT count(*) FROM report_activities WHERE report_id = $1")
            .bind(second)
            .fetch_one(&app.db)
            .await
            .expect("copied activities");
    assert_eq!(activities, 1);
}

#[tokio::test]
async fn a_late_report_is_accepted_and_marked_late_with_its_date() {
    let app = TestApp::spawn_on(on(2026, 2, 5)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let start = region.get("/").await;
    assert!(
        start
            .select(".report-call .late")
            .join(" ")
            .contains("försenad")
    );
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let list = officer.get("/handlaggning/redovisningar?ar=2025").await;
    assert!(
        list.select("table.reports .late")
            .iter()
            .any(|m| m.contains("saknas"))
    );

    let id = start_report(&region).await;
    fill_in_everything(&region, id).await;
    let sent = submit_report(&region, id).await;
    let receipt = region.follow(sent).await;
    assert!(receipt.select(".flash")[0].contains("5 februari 2026"));
    assert!(receipt.select(".flash")[0].contains("försenad"));
    let list = officer.get("/handlaggning/redovisningar?ar=2025").await;
    assert!(
        list.select("table.reports .late")
            .iter()
            .any(|m| m == "Försenad")
    );
    assert!(list.plain().contains("5 februari 2026"));
}

#[tokio::test]
async fn the_money_adds_up_or_nothing_is_written() {
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "800000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = start_report(&region).await;
    let form = region.get(&format!("/redovisningar/{id}/ekonomi")).await;
    assert_eq!(
        form.select("dd.received"),
        vec!["800 000 kr"],
        "received comes from the payout"
    );

    for (fields, field) in [
        (vec![("cost_personnel", "-5")], "cost_personnel"),
        (vec![("cost_travel", "abc")], "cost_travel"),
        (
            vec![("cost_personnel", "700 000"), ("cost_other", "100 000,01")],
            "cost_personnel",
        ),
    ] {
        let page = save_refused(&region, id, "ekonomi", &fields).await;
        assert_eq!(
            page.select(&format!("#{field}-error")).len(),
            1,
            "{fields:?}"
        );
        assert_eq!(
            page.attr(&format!("#{}", fields[0].0), "value").as_deref(),
            Some(fields[0].1),
            "filled in"
        );
    }
    let used: Decimal = sqlx::query_scalar("SELECT used FROM reports WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("used");
    assert_eq!(used, Decimal::ZERO, "nothing written");
    save(&region, id, "ekonomi", &[("cost_personnel", "800 000")]).await;

    // The schema refuses anything that doesn't add up.
    let constraint = |r: Result<sqlx::postgres::PgQueryResult, sqlx::Error>| {
        violated_constraint(&r.expect_err("refused")).map(str::to_string)
    };
    let over = sqlx::query("UPDATE reports SET cost_other = 0.01 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(over).as_deref(),
        Some("reports_used_within_received")
    );
    let received = sqlx::query("UPDATE reports SET received = 900000 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(received).as_deref(),
        Some("reports_received_is_paid")
    );
    // A generated column has no constraint to name: PostgreSQL refuses the write itself
    // (generated_always, 428C9).
    let typed = sqlx::query("UPDATE reports SET unused = 5 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await
        .expect_err("unused is computed, never typed");
    assert!(violated_constraint(&typed).is_none(), "{typed}");
    let refusal = typed.as_database_error().expect("refused by the database");
    assert_eq!(refusal.code().as_deref(), Some("428C9"), "{typed}");
    assert!(
        refusal
            .message()
            .contains("column \"unused\" can only be updated to DEFAULT"),
        "{typed}"
    );
    let negative = sqlx::query("UPDATE reports SET cost_travel = -1 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(negative).as_deref(),
        Some("reports_cost_travel_check")
    );

    // No report for a year without a payout; one report per actor and year.
    let skane = app.other_browser();
    skane.login_as(Role::Coordinator, Some(SKANE)).await;
    let refused = skane
        .submit("/", "/redovisningar/ny", &[("ar", "2025")])
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.plain().contains("ingen utbetalning för 2025"));
    let again = region
        .submit("/", "/redovisningar/ny", &[("ar", "2025")])
        .await;
    assert_eq!(report_id(&again), id);
    assert_eq!(app.audit_count("report.created").await, 1);
}

#[tokio::test]
async fn text_far_over_the_limit_and_a_bad_activity_come_back_with_a_message() {
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = start_report(&region).await;
    let long = "å".repeat(6000);
    let page = save_refused(
        &region,
        id,
        "uppdrag",
        &[("task_1", "Kort"), ("task_3", &long)],
    )
    .await;
    assert!(page.select("#task_3-error")[0].contains("högst 5000 tecken"));
    assert_eq!(
        page.select("#task_1"),
        vec!["Kort"],
        "the form comes back filled in"
    );
    let bad = save_refused(
        &region,
        id,
        "aktiviteter",
        &[("title", "Träff"), ("participants", "många")],
    )
    .await;
    for field in ["held", "sub_goals", "kind", "participants"] {
        assert_eq!(bad.select(&format!("#{field}-error")).len(), 1, "{field}");
    }
    let stored: (String, i64) = sqlx::query_as(
        "SELECT task_1, (SELECT count(*) FROM report_activities) FROM reports WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("report");
    assert_eq!(stored, (String::new(), 0), "nothing written");
}

#[tokio::test]
async fn attachments_are_checked_and_served_only_to_those_allowed_as_downloads() {
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = start_report(&region).await;

    let too_large = upload(&region, id, "stor.pdf", {
        let mut b = b"%PDF-1.7\n".to_vec();
        b.resize(20 * 1024 * 1024, b'x');
        b
    })
    .await;
    assert_eq!(too_large.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_large.select("#file-error")[0].contains("10 MB"));
    let exe = upload(
        &region,
        id,
        "faktura.pdf",
        b"MZ\x90\x00\x03\x00\x00\x00".to_vec(),
    )
    .await;
    assert_eq!(exe.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(exe.select("#file-error")[0].contains("stämmer inte"));
    let script = upload(
        &region,
        id,
        "sida.html",
        b"<script>alert(1)</script>".to_vec(),
    )
    .await;
    assert_eq!(script.status, StatusCode::UNPROCESSABLE_ENTITY);
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM report_attachments")
            .fetch_one(&app.db)
            .await
            .expect("count")
    };
    assert_eq!(count().await, 0);

    let ok = upload(&region, id, "Bilaga å.pdf", b"%PDF-1.4 innehall".to_vec()).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(count().await, 1);
    let attachment: Uuid = sqlx::query_scalar("SELECT id FROM report_attachments")
        .fetch_one(&app.db)
        .await
        .expect("attachment");
    let url = app.url(&format!("/redovisningar/{id}/bilagor/{attachment}"));
    // A draft is the region's own until it is first submitted: staff find neither the report
    // nor its attachments.
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    assert_eq!(
        officer.client.get(&url).send().await.expect("GET").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        officer.get(&format!("/redovisningar/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = officer.get("/handlaggning/redovisningar?ar=2025").await;
    assert!(
        !list
            .attrs("a", "href")
            .contains(&format!("/redovisningar/{id}")),
        "the staff list does not link to a draft"
    );
    fill_in_everything(&region, id).await;
    submit_report(&region, id).await;
    assert_eq!(
        officer.get(&format!("/redovisningar/{id}")).await.status,
        StatusCode::OK
    );
    for browser in [&region, &officer] {
        let response = browser.client.get(&url).send().await.expect("download");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .expect("ascii");
        assert!(csp.contains("sandbox"), "{csp}");
        let disposition = response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .to_string();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''Bilaga%20%C3%A5.pdf"),
            "{disposition}"
        );
        assert_eq!(
            response.bytes().await.expect("bytes").as_ref(),
            b"%PDF-1.4 innehall"
        );
    }
    let other = app.other_browser();
    other.login_as(Role::Coordinator, Some(SKANE)).await;
    assert_eq!(
        other.client.get(&url).send().await.expect("GET").status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other.get(&format!("/redovisningar/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let anonymous = app.other_browser();
    assert_eq!(
        anonymous
            .get(&format!("/redovisningar/{id}/bilagor/{attachment}"))
            .await
            .location
            .as_deref(),
        Some("/logga-in")
    );
    // An upload without the CSRF token is refused.
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("x.pdf"),
    );
    let forged = region
        .client
        .post(app.url(&format!("/redovisningar/{id}/bilagor")))
        .multipart(form)
        .send()
        .await
        .expect("POST");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(count().await, 1);
}
