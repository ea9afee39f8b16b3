//! The money chain's hard cases through HTTP (issue 12): repaying before approval and the
//! difference when approval moves the amount, refunding an over-payment with four eyes
//! without changing what goes to Kammarkollegiet, report and repayment extensions, and
//! Tillväxtverket's documents to Kammarkollegiet against an independent computation.
//!
//! Fifty at once (`cargo test --test it fifty`): fifty clicks at the same moment prepare,
//! attest and pay a refund once each; exactly one succeeds each time.

use std::io::Read;

use calamine::{Data, Reader, Xlsx};
use digikoord::{auth::Role, error::violated_constraint};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use std::str::FromStr;
use uuid::Uuid;

use crate::{
    TestApp, at_once,
    steps::{
        SKANE, STOCKHOLM, approve_report, approved_case, confirm, correct_report, date, dec,
        fill_in_everything, kr, on, org_id, paid, post_anyway, register, return_report, save,
        start_report, submit_report, submitted_case, unconfirmed_payment,
    },
    successes,
};

async fn account(app: &TestApp) -> crate::Page {
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    admin.get("/konto?ar=2025").await
}

async fn summary(app: &TestApp) -> crate::Page {
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    admin.get("/sammanstallning?ar=2025").await
}

#[tokio::test]
async fn a_region_repays_before_approval_and_sees_the_difference_when_the_amount_moves() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = submitted_case(&app, STOCKHOLM, "1000000", "800 000").await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec!["Att betala"]);
    assert!(page.select(".owed")[0].starts_with("200 000 kr"));
    assert_eq!(page.select(".provisional").len(), 1, "not yet approved");
    register(&case, "200 000", "DK").await;
    confirm(&case.officer, unconfirmed_payment(&app).await, "200 000").await;
    assert_eq!(
        case.region
            .get(&case.page())
            .await
            .select(".repayment-status"),
        vec!["Reglerad"]
    );

    // The case officer returns the report; the region moves 50 000 kr from costs to unused.
    return_report(
        &case.officer,
        case.report,
        "Personalkostnaden stämmer inte.",
    )
    .await;
    save(
        &case.region,
        case.report,
        "ekonomi",
        &[("cost_personnel", "750 000")],
    )
    .await;
    assert!(
        case.region.get(&case.page()).await.select(".owed")[0].starts_with("200 000 kr"),
        "an edit moves nothing until the report is submitted again"
    );
    submit_report(&case.region, case.report).await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".more-to-pay"), vec!["50 000 kr"]);
    assert_eq!(page.select(".remaining"), vec!["50 000 kr"]);
    approve_report(&case.officer, case.report).await;

    // A corrected version, approved, owes less than was paid: an over-payment to refund.
    let second = correct_report(&case.region, case.report).await;
    save(
        &case.region,
        second,
        "ekonomi",
        &[("cost_personnel", "850 000")],
    )
    .await;
    submit_report(&case.region, second).await;
    assert_eq!(
        case.region.get(&case.page()).await.select(".more-to-pay"),
        vec!["50 000 kr"],
        "the approved version holds until the new one is approved"
    );
    approve_report(&case.officer, second).await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".owed"), vec!["150 000 kr"]);
    assert_eq!(page.select(".to-refund"), vec!["50 000 kr"]);
    assert!(page.select(".overpaid")[0].contains("50 000 kr"));
    assert!(
        page.select("form[action$='/betalningar']").is_empty(),
        "nothing more to pay"
    );
    let history = page.select(".owed-history li");
    assert_eq!(history.len(), 2, "{history:?}");
    // The approval's mail says what changed: the resubmitted version left 50 000 kr to pay,
    // the corrected one 50 000 kr to refund.
    let subjects: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT subject FROM outbox WHERE event IN ('repayment.owed', 'repayment.overpaid')
         ORDER BY subject",
    )
    .fetch_all(&app.db)
    .await
    .expect("outbox");
    let subjects: Vec<String> = subjects.iter().map(|s| s.replace('\u{a0}', " ")).collect();
    assert_eq!(
        subjects,
        vec![
            "För mycket återbetalt för 2025: 50 000 kr",
            "Återbetalning för 2025: 50 000 kr"
        ]
    );
}

#[tokio::test]
async fn an_over_payment_is_refunded_with_four_eyes_and_kammarkollegiet_gets_only_what_was_owed() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "240 000", "DK").await;
    confirm(&case.officer, unconfirmed_payment(&app).await, "240 000").await;
    let before = account(&app).await;
    assert_eq!(before.select(".received-from-regions"), vec!["240 000 kr"]);
    assert_eq!(before.select(".owed-to-regions"), vec!["50 000 kr"]);
    assert_eq!(before.select(".counted-from-regions"), vec!["190 000 kr"]);
    let to_repay = before.select(".to-repay");
    let year = summary(&app).await;
    assert_eq!(year.select(".sum-owed-to-regions"), vec!["50 000 kr"]);
    assert_eq!(year.select(".to-repay"), to_repay, "the summary agrees");

    // The case officer prepares it; more than the over-payment is refused beside the field.
    let page = case.officer.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status").len(), 1);
    let action = format!("{}/tillbakabetalningar", case.page());
    let too_much = case
        .officer
        .submit(
            &case.page(),
            &action,
            &[("amount", "50 000,01"), ("planned_date", "2026-02-12")],
        )
        .await;
    assert_eq!(too_much.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_much.select("#amount-error").len(), 1);
    assert_eq!(
        too_much.attr("#amount", "value").as_deref(),
        Some("50 000,01")
    );
    let prepared = case
        .officer
        .submit(
            &case.page(),
            &action,
            &[("amount", "50 000"), ("planned_date", "2026-02-12")],
        )
        .await;
    assert_eq!(
        prepared.status,
        StatusCode::SEE_OTHER,
        "{}",
        prepared.plain()
    );
    let refund: Uuid = sqlx::query_scalar("SELECT id FROM refunds")
        .fetch_one(&app.db)
        .await
        .expect("prepared");
    let approve = format!("/aterbetalningar/tillbakabetalningar/{refund}/attestera");
    // Not by a case officer, and never by the one who prepared it (the schema says so too).
    assert_eq!(
        post_anyway(&case.officer, &approve, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let same_person = sqlx::query(
        "UPDATE refunds SET state = 'approved', approved_by = prepared_by, approved_at = now() WHERE id = $1",
    )
    .bind(refund)
    .execute(&app.db)
    .await
    .expect_err("four eyes");
    assert_eq!(violated_constraint(&same_person), Some("refunds_four_eyes"));
    // Nothing is paid before it is approved.
    let paid_path = format!("/aterbetalningar/tillbakabetalningar/{refund}/betald");
    let early = post_anyway(
        &case.officer,
        &paid_path,
        &[("paid_date", "2026-02-10"), ("voucher_number", "V-1")],
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT);

    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let page = approver.get(&case.page()).await;
    assert_eq!(
        page.select(".refund-state"),
        vec!["Förberedd, väntar på attest"]
    );
    let csrf = page.csrf();
    let approved = approver.post(&approve, &[("csrf", &csrf)]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        approver.post(&approve, &[("csrf", &csrf)]).await.status,
        StatusCode::CONFLICT,
        "approved once"
    );
    let no_voucher = case
        .officer
        .submit(
            &case.page(),
            &paid_path,
            &[("paid_date", "2026-02-10"), ("voucher_number", "")],
        )
        .await;
    assert_eq!(no_voucher.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_voucher.select("#voucher_number-error").len(), 1);
    let registered = case
        .officer
        .submit(
            &case.page(),
            &paid_path,
            &[("paid_date", "2026-02-10"), ("voucher_number", "V-4711")],
        )
        .await;
    assert_eq!(registered.status, StatusCode::SEE_OTHER);

    let region = case.region.get(&case.page()).await;
    assert_eq!(region.select(".repayment-status"), vec!["Reglerad"]);
    assert_eq!(region.select(".refunded"), vec!["50 000 kr"]);
    assert!(region.select(".refund-state")[0].contains("V-4711"));
    let after = account(&app).await;
    assert_eq!(
        after.select(".to-repay"),
        to_repay,
        "the refund moves nothing"
    );
    assert_eq!(after.select(".refunded-to-regions"), vec!["50 000 kr"]);
    assert_eq!(after.select(".owed-to-regions"), vec!["0 kr"]);
    assert_eq!(after.select(".counted-from-regions"), vec!["190 000 kr"]);
    let year = summary(&app).await;
    assert_eq!(year.select(".sum-owed-to-regions"), vec!["0 kr"]);
    assert_eq!(
        year.select(".sum-repaid"),
        vec!["190 000 kr"],
        "received − refunded"
    );
    assert_eq!(year.select(".to-repay"), to_repay);
    for action in ["refund.prepared", "refund.approved", "refund.paid"] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }
    // The approvers were asked to approve, and the region told it was paid.
    let told = |event: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT o.subject, u.role::text FROM outbox o JOIN users u ON u.id = o.user_id
                 WHERE o.event = $1",
            )
            .bind(event)
            .fetch_all(&db)
            .await
            .expect("outbox")
        }
    };
    let prepared = told("refund.prepared").await;
    assert!(!prepared.is_empty() && prepared.iter().all(|(_, role)| role == "approver"));
    assert!(
        prepared[0]
            .0
            .replace('\u{a0}', " ")
            .contains("att attestera: 50 000")
    );
    let paid = told("refund.paid").await;
    assert!(!paid.is_empty() && paid.iter().all(|(_, role)| role == "coordinator"));
    // A second refund would pass the over-payment: the schema refuses it.
    let more = sqlx::query(
        "INSERT INTO refunds (id, year, organisation_id, amount, planned_date, prepared_by)
         SELECT $1, 2025, $2, 1, '2026-02-12', prepared_by FROM refunds LIMIT 1",
    )
    .bind(Uuid::new_v4())
    .bind(case.org)
    .execute(&app.db)
    .await
    .expect_err("nothing left to refund");
    assert_eq!(
        violated_constraint(&more),
        Some("refunds_within_overpayment")
    );
    // The trend's one query counts the refund as each year loaded whole does.
    crate::history::trend_agrees_with_each_year(&app).await;
}

/// Two people each open the form on `form_page`, then send `fields` 25 times each, all at once.
async fn fifty(
    form_page: &str,
    path: &str,
    people: [&TestApp; 2],
    fields: Vec<(&'static str, String)>,
) -> Vec<StatusCode> {
    let mut forms = Vec::new();
    for browser in people {
        let mut mine = vec![("csrf", browser.get(form_page).await.csrf())];
        mine.extend(fields.iter().cloned());
        forms.push(mine);
    }
    let second = forms.pop().expect("two");
    let first = forms.pop().expect("two");
    let (a, b) = tokio::join!(
        at_once(people[0], path, first, 25),
        at_once(people[1], path, second, 25)
    );
    a.into_iter().chain(b).collect()
}

/// Fifty clicks at once, from two people each time, at each step of a refund: one refund
/// is prepared, approved once and paid once; the rest are told it is already done.
#[tokio::test]
async fn fifty_at_once_prepare_approve_and_pay_one_refund_once() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "240 000", "DK").await;
    confirm(&case.officer, unconfirmed_payment(&app).await, "240 000").await;
    let second_officer = app.other_browser();
    second_officer.login_as(Role::CaseOfficer, None).await;
    let first_approver = app.other_browser();
    first_approver.login_as(Role::Approver, None).await;
    let second_approver = app.other_browser();
    second_approver.login_as(Role::Approver, None).await;
    // One success; the others are told it is done (409), or, when preparing, that nothing
    // is left over-paid to prepare (422 beside the amount, once the first refund has landed).
    let only_done_or_refused = |statuses: &[StatusCode], also: StatusCode| {
        assert_eq!(successes(statuses), 1, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| [StatusCode::SEE_OTHER, StatusCode::CONFLICT, also].contains(s)),
            "{statuses:?}"
        );
    };
    let prepare = format!("{}/tillbakabetalningar", case.page());
    let statuses = fifty(
        &case.page(),
        &prepare,
        [&case.officer, &second_officer],
        vec![
            ("amount", "50000".into()),
            ("planned_date", "2026-02-12".into()),
        ],
    )
    .await;
    only_done_or_refused(&statuses, StatusCode::UNPROCESSABLE_ENTITY);
    let refunds: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM refunds")
        .fetch_all(&app.db)
        .await
        .expect("refunds");
    assert_eq!(refunds.len(), 1, "one refund of the 50 000 kr over-paid");
    let refund = refunds[0];

    let approve = format!("/aterbetalningar/tillbakabetalningar/{refund}/attestera");
    let statuses = fifty(
        &case.page(),
        &approve,
        [&first_approver, &second_approver],
        vec![],
    )
    .await;
    only_done_or_refused(&statuses, StatusCode::CONFLICT);

    let paid = format!("/aterbetalningar/tillbakabetalningar/{refund}/betald");
    let statuses = fifty(
        &case.page(),
        &paid,
        [&case.officer, &second_officer],
        vec![
            ("paid_date", "2026-02-10".into()),
            ("voucher_number", "V-4711".into()),
        ],
    )
    .await;
    only_done_or_refused(&statuses, StatusCode::CONFLICT);
    for action in ["refund.prepared", "refund.approved", "refund.paid"] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }
    let refunded: Decimal =
        sqlx::query_scalar("SELECT COALESCE(sum(amount), 0) FROM refunds WHERE state = 'paid'")
            .fetch_one(&app.db)
            .await
            .expect("sum");
    assert_eq!(refunded, dec("50000"));
    let region = case.region.get(&case.page()).await;
    assert_eq!(region.select(".refunded"), vec!["50 000 kr"]);
}

async fn grant(officer: &TestApp, org: Uuid, deadline: &str, until: &str) -> crate::Page {
    officer
        .submit(
            "/handlaggning/forlangningar?ar=2025",
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", &org.to_string()),
                ("deadline", deadline),
                ("new_deadline", until),
                ("reason", "Ny ekonomichef, bokslutet dröjer."),
                (
                    "basis",
                    "Infrastrukturdepartementets medgivande 2026-01-20, I2026/00123",
                ),
            ],
        )
        .await
}

#[tokio::test]
async fn report_and_repayment_deadlines_are_extended_and_the_overdue_marks_follow() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    paid(&app, SKANE, "1000000").await;
    let stockholm = org_id(&app, STOCKHOLM).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let overview = officer.get("/oversikt?ar=2025").await;
    let late = |page: &crate::Page, name: &str| {
        page.select("table.overview tbody tr")
            .iter()
            .find(|r| r.starts_with(name))
            .is_some_and(|r| r.contains("Försenad"))
    };
    assert!(late(&overview, STOCKHOLM) && late(&overview, SKANE));

    let refused = grant(&officer, stockholm, "report", "2026-01-31").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#new_deadline-error").len(), 1);
    let granted = grant(&officer, stockholm, "report", "2026-02-20").await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);
    assert!(officer.follow(granted).await.select(".flash")[0].contains("redovisningen 2025"));
    let overview = officer.get("/oversikt?ar=2025").await;
    assert!(!late(&overview, STOCKHOLM), "extended");
    assert!(late(&overview, SKANE), "not extended");
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let start = region.get("/?ar=2025").await;
    assert!(
        start
            .select("table.obligations tbody tr")
            .iter()
            .any(|r| r.contains("Redovisning") && r.contains("20 februari 2026")),
        "{:?}",
        start.select("table.obligations tbody tr")
    );

    // The repayment: Stockholm until 15 March, Skåne none.
    let skane = app.other_browser();
    skane.login_as(Role::Coordinator, Some(SKANE)).await;
    for coordinator in [&region, &skane] {
        let report = start_report(coordinator).await;
        fill_in_everything(coordinator, report).await;
        save(
            coordinator,
            report,
            "ekonomi",
            &[("cost_personnel", "900 000")],
        )
        .await;
        submit_report(coordinator, report).await;
        approve_report(&officer, report).await;
    }
    let granted = grant(&officer, stockholm, "repayment", "2026-03-15").await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);

    let march = officer.later(on(2026, 3, 3)).await;
    let list = march.get("/handlaggning/aterbetalningar?ar=2025").await;
    let row = |name: &str| {
        list.select("table.repayments tbody tr")
            .into_iter()
            .find(|r| r.starts_with(name))
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert!(
        row(STOCKHOLM).contains("15 mars 2026 förlängd"),
        "{}",
        row(STOCKHOLM)
    );
    assert!(!row(STOCKHOLM).contains("Förfallen"));
    assert!(row(SKANE).contains("Förfallen, 5 dagar"), "{}", row(SKANE));
    let page = region
        .later(on(2026, 3, 3))
        .await
        .get(&format!("/aterbetalningar/2025/{stockholm}"))
        .await;
    assert!(page.select(".overdue").is_empty());
    assert!(page.select(".deadline")[0].contains("förlängd från 26 februari 2026"));
    // The reminders and the calendar read the same date.
    let reminded: chrono::NaiveDate =
        sqlx::query_scalar("SELECT actor_deadline(2025, $1, 'repayment')")
            .bind(stockholm)
            .fetch_one(&app.db)
            .await
            .expect("deadline");
    assert_eq!(reminded, date(2026, 3, 15));
    assert_eq!(app.audit_count("deadline_extension.granted").await, 2);
}

/// The amount to repay to Kammarkollegiet computed straight from the tables.
async fn independent_to_repay(app: &TestApp) -> Decimal {
    sqlx::query_scalar(
        "WITH basis AS (
             SELECT DISTINCT ON (organisation_id) organisation_id, unused FROM reports
             WHERE year = 2025 AND state <> 'draft'
             ORDER BY organisation_id, state = 'approved' DESC, version DESC),
         received AS (
             SELECT organisation_id, sum(received_amount) AS amount FROM repayment_payments
             WHERE year = 2025 AND state = 'confirmed' GROUP BY organisation_id),
         refunded AS (
             SELECT organisation_id, sum(amount) AS amount FROM refunds
             WHERE year = 2025 AND state = 'paid' GROUP BY organisation_id)
         SELECT a.requisitioned - a.support_costs
                - (SELECT sum(p.paid_amount) FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
                   WHERE r.year = 2025 AND p.state = 'paid')
                + (SELECT COALESCE(sum(LEAST(COALESCE(rc.amount, 0) - COALESCE(rf.amount, 0), b.unused)), 0)
                   FROM basis b LEFT JOIN received rc USING (organisation_id)
                   LEFT JOIN refunded rf USING (organisation_id))
         FROM agency_accounts a WHERE a.year = 2025",
    )
    .fetch_one(&app.db)
    .await
    .expect("independent sum")
}

#[tokio::test]
async fn the_documents_to_kammarkollegiet_equal_an_independent_computation_and_are_kept() {
    let app = TestApp::spawn_on(on(2026, 3, 10)).await;
    let stockholm = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let skane = approved_case(&app, SKANE, "900000.50", "887 654,83").await;
    register(&stockholm, "200 000", "DK").await;
    confirm(
        &stockholm.officer,
        unconfirmed_payment(&app).await,
        "200 000",
    )
    .await;
    register(&skane, "12 345,67", "DK").await;
    confirm(&skane.officer, unconfirmed_payment(&app).await, "12 345,67").await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let saved = admin
        .submit(
            "/konto?ar=2025",
            "/konto/2025",
            &[
                ("requisitioned", "2 500 000"),
                ("requisitioned_on", "2025-12-03"),
                ("support_costs", "123 456,78"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = admin.get("/konto?ar=2025").await;
    let expected = independent_to_repay(&app).await;
    // 2 500 000 − 1 900 000,50 − 123 456,78 + 190 000 + 12 345,67: Stockholm's 10 000 kr
    // over-payment is its own, not Kammarkollegiet's.
    assert_eq!(expected, dec("678888.39"));
    assert_eq!(page.select(".to-repay"), vec![kr(expected)]);
    assert!(
        page.select(".warnings li")
            .iter()
            .any(|w| w.contains("efter sista dagen 1 december 2025")),
        "{:?}",
        page.select(".warnings li")
    );

    let mut ids = vec![];
    for (document, format) in [
        ("ekonomisk-redovisning", "xlsx"),
        ("ekonomisk-redovisning", "docx"),
        ("rekvisition", "docx"),
    ] {
        let created = admin
            .submit(
                "/konto?ar=2025",
                "/konto/2025/dokument",
                &[("document", document), ("format", format)],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
        let id: Uuid = sqlx::query_scalar(
            "SELECT id FROM summary_exports ORDER BY created_at DESC, id LIMIT 1",
        )
        .fetch_one(&app.db)
        .await
        .expect("kept");
        ids.push(id);
    }
    let bad = post_anyway(
        &admin,
        "/konto/2025/dokument",
        &[("document", "rekvisition"), ("format", "csv")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let coordinator = app.other_browser();
    coordinator
        .login_as(Role::Coordinator, Some(STOCKHOLM))
        .await;
    assert_ne!(
        post_anyway(
            &coordinator,
            "/konto/2025/dokument",
            &[("document", "rekvisition"), ("format", "xlsx")],
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );

    let xlsx = admin.export_bytes(ids[0]).await;
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(xlsx)).expect("xlsx");
    let sheet = book.worksheet_range("Redovisning").expect("sheet");
    let value = |label: &str| {
        sheet
            .rows()
            .find(|r| matches!(&r[0], Data::String(s) if s == label))
            .and_then(|r| match &r[1] {
                Data::Float(f) => Some(*f),
                _ => None,
            })
            .unwrap_or_else(|| panic!("{label}"))
    };
    assert_eq!(
        Decimal::from_str(&format!(
            "{:.2}",
            value("Att återbetala till Kammarkollegiet")
        ))
        .expect("number"),
        expected
    );
    assert_eq!(
        value("Återbetalt till regionerna") + value("Kvar att betala tillbaka till regionerna"),
        10_000.0
    );
    let rows: Vec<String> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    for must in [
        "22 Kommunikationer",
        "2:4 Informationsteknik",
        STOCKHOLM,
        SKANE,
    ] {
        assert!(rows.iter().any(|r| r.contains(must)), "{must}: {rows:?}");
    }
    let docx = admin.export_bytes(ids[1]).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("docx");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document")
        .read_to_string(&mut xml)
        .expect("xml");
    for must in [
        digikoord::money::format_kronor(expected),
        "anslagspost 4 Informationsteknik – del till Kammarkollegiets disposition".to_string(),
        // The frame and 15 March rest on Tillväxtverket's assignment, not on the offer.
        "enligt Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna"
            .to_string(),
    ] {
        assert!(xml.contains(&must), "{must}");
    }
    assert!(!xml.contains("I2021/00795"), "the offer is not the basis");

    // Submitted, it is frozen.
    let path = format!("/konto/dokument/{}/inlamnad", ids[1]);
    let csrf = admin.get("/konto?ar=2025").await.csrf();
    assert_eq!(
        admin.post(&path, &[("csrf", &csrf)]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        admin.post(&path, &[("csrf", &csrf)]).await.status,
        StatusCode::CONFLICT
    );
    let changed = sqlx::query("UPDATE summary_exports SET bytes = 'x', size = 1 WHERE id = $1")
        .bind(ids[1])
        .execute(&app.db)
        .await
        .expect_err("kept as it was");
    assert_eq!(violated_constraint(&changed), Some("summary_exports_kept"));
    assert_eq!(app.audit_count("agency_document.exported").await, 3);
    assert_eq!(app.audit_count("agency_document.submitted").await, 1);
    // The 26 March exports list only the summary's files.
    let summary = admin.get("/sammanstallning?ar=2025").await;
    assert!(!summary.plain().contains("Kammarkollegiet 2025.docx"));
}

/// The DOCX of the 26 March summary for `year`, as `document.xml`.
async fn summary_docx(admin: &TestApp, app: &TestApp, year: i32) -> String {
    let created = admin
        .submit(
            &format!("/sammanstallning?ar={year}"),
            &format!("/sammanstallning/{year}/exporter"),
            &[("format", "docx")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
    let id: Uuid = sqlx::query_scalar(
        "SELECT id FROM summary_exports WHERE year = $1 ORDER BY created_at DESC LIMIT 1",
    )
    .bind(year)
    .fetch_one(&app.db)
    .await
    .expect("export");
    let bytes = admin.export_bytes(id).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("docx");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document")
        .read_to_string(&mut xml)
        .expect("xml");
    xml
}

/// The cover's date and case number are entered by an administrator with the year's own
/// sections: a wrong date comes back beside its field, filled in, and saves nothing.
#[tokio::test]
async fn the_cover_carries_the_date_and_case_number_an_administrator_enters() {
    let app = TestApp::spawn_on(on(2026, 3, 20)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let path = "/sammanstallning/2025/avsnitt";
    let wrong = admin
        .submit(
            "/sammanstallning?ar=2025",
            path,
            &[("report_date", "2026-02-30"), ("case_number", "Ä 2026-123")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#report_date-error").len(), 1);
    assert_eq!(
        wrong.attr("#case_number", "value").as_deref(),
        Some("Ä 2026-123")
    );
    let long = "x".repeat(51);
    let too_long = admin
        .submit(
            "/sammanstallning?ar=2025",
            path,
            &[("report_date", "2026-03-20"), ("case_number", &long)],
        )
        .await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(too_long.select("#case_number-error").len(), 1);
    assert_eq!(app.audit_count("summary.sections_saved").await, 0);

    let saved = admin
        .submit(
            "/sammanstallning?ar=2025",
            path,
            &[
                ("report_date", "2026-03-20"),
                ("case_number", " Ä 2026-123 "),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert_eq!(app.audit_count("summary.sections_saved").await, 1);
    let page = admin.get("/sammanstallning?ar=2025").await;
    assert_eq!(
        page.attr("#report_date", "value").as_deref(),
        Some("2026-03-20")
    );
    assert_eq!(
        page.attr("#case_number", "value").as_deref(),
        Some("Ä 2026-123")
    );
    let xml = summary_docx(&admin, &app, 2025).await;
    // The letterhead: each label, then what was entered under it.
    let at = |t: &str| {
        xml.find(&format!(">{t}<"))
            .unwrap_or_else(|| panic!("{t} on the cover"))
    };
    assert!(at("Datum") < at("20 mars 2026"));
    assert!(at("20 mars 2026") < at("Diarienummer"));
    assert!(at("Diarienummer") < at("Ä 2026-123"));
}

#[tokio::test]
async fn region_and_tillvaxtverket_write_to_each_other_on_a_repayment() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let action = format!("{}/meddelanden", case.page());
    let empty = case
        .region
        .submit(&case.page(), &action, &[("body", " ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.select("#body-error").len(), 1);
    let sent = case
        .region
        .submit(
            &case.page(),
            &action,
            &[("body", "Vi betalar i två delar, går det bra?")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    // The notice's link leads to the page, for the right people only.
    let link = sent.location.clone().expect("redirect");
    assert!(link.starts_with("/aterbetalningar/arende/"), "{link}");
    let to_page = case.officer.get(&link).await;
    assert_eq!(
        to_page.location.as_deref(),
        Some(format!("{}#meddelanden", case.page()).as_str())
    );
    let page = case.officer.get(&case.page()).await;
    assert_eq!(
        page.select("ol.messages .pre"),
        vec!["Vi betalar i två delar, går det bra?"]
    );
    let reply = case
        .officer
        .submit(&case.page(), &action, &[("body", "Ja, registrera båda.")])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        case.region
            .get(&case.page())
            .await
            .select("ol.messages li")
            .len(),
        2
    );
    let other = app.other_browser();
    other.login_as(Role::Coordinator, Some(SKANE)).await;
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        post_anyway(&other, &action, &[("body", "x")]).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.audit_count("repayment.message").await, 2);
    let told: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE event = 'message'")
        .fetch_one(&app.db)
        .await
        .expect("outbox");
    assert!(told >= 2, "each side is told");
}

/// The list of a year's repayments is read set-based for speed; it says what the SQL
/// functions the triggers and reminders use say, actor by actor.
#[tokio::test]
async fn the_repayment_list_agrees_with_the_per_actor_functions() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 3, 10).expect("date");
    let app = TestApp::spawn_on(digikoord::Clock::Fixed(today)).await;
    digikoord::seed::demo(&app.db, today).await.expect("demo");
    let mut compared = 0;
    for year in [2024, 2025] {
        let rows = digikoord::repayments::db::rows(&app.db, year, None)
            .await
            .expect("rows");
        assert!(rows.len() >= 21, "{year}: {}", rows.len());
        for r in &rows {
            let (owed, opened_on, deadline, approved): (
                Option<rust_decimal::Decimal>,
                Option<chrono::NaiveDate>,
                chrono::NaiveDate,
                bool,
            ) = sqlx::query_as(
                "SELECT repayment_owed($1, $2), repayment_opened_on($1, $2),
                        actor_deadline($1, $2, 'repayment'),
                        EXISTS (SELECT 1 FROM reports WHERE year = $1 AND organisation_id = $2
                                AND state = 'approved')",
            )
            .bind(year)
            .bind(r.organisation_id)
            .fetch_one(&app.db)
            .await
            .expect("functions");
            assert_eq!(
                (r.owed, r.opened_on, r.deadline, r.approved),
                (owed, opened_on, deadline, approved),
                "{year} {}",
                r.actor_name
            );
            compared += usize::from(owed.is_some());
        }
        let one = digikoord::repayments::db::rows(&app.db, year, Some(rows[3].organisation_id))
            .await
            .expect("one");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].owed, rows[3].owed);
    }
    assert!(
        compared > 10,
        "reports with an amount owed were compared: {compared}"
    );
    crate::history::trend_agrees_with_each_year(&app).await;
}
