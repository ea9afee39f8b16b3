//! Late repayment as a state claim (issue 30) through HTTP: Region Stockholm owes 190 000 kr
//! by 26 February 2026, pays 100 000 kr on 15 April and the rest on 10 August; an
//! administrator enters the reference rates; a case officer claims the late-payment interest
//! with a reason, and the region's page, the case officer's list and the year's CSV show
//! what a computation by hand in this file says, day by day, to the öre. Waiving it hides it
//! from the region; a half-year without its rate is named; what the region owes for its
//! unused funds never moves; after the deadline the reminder is a betalningspåminnelse that
//! says interest runs, until the interest is waived; a case paid in time has nothing to
//! decide.

use chrono::{Datelike, NaiveDate};
use digikoord::auth::Role;
use reqwest::StatusCode;
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{Case, STOCKHOLM, approved_case, count, date, dec, kr, on, post_anyway},
};

/// The interest worked out by hand, one day at a time: every day from the day after `due`
/// up to and including `until` on which something is unpaid bears what was unpaid that
/// morning (a payment received on a day counts from the next) × (the half-year's reference
/// rate + 8) percent / 365. Summed exactly and rounded to öre, half up, at the end. Written
/// here, not taken from the application. Returns (kronor, days).
fn by_hand(
    owed: &str,
    due: NaiveDate,
    received: &[(NaiveDate, &str)],
    until: NaiveDate,
    reference: &[((i32, u32), &str)],
) -> (Decimal, i64) {
    let mut sum = Decimal::ZERO;
    let mut days = 0;
    let mut day = due.succ_opt().expect("a day");
    while day <= until {
        let paid: Decimal = received
            .iter()
            .filter(|(when, _)| *when < day)
            .map(|(_, amount)| dec(amount))
            .sum();
        let unpaid = dec(owed) - paid;
        if unpaid <= Decimal::ZERO {
            break;
        }
        let half = if day.month() <= 6 { 1 } else { 2 };
        let rate = reference
            .iter()
            .find(|(when, _)| *when == (day.year(), half))
            .map(|(_, r)| dec(r) + Decimal::from(8))
            .unwrap_or_else(|| panic!("no reference rate for {day}"));
        sum += unpaid * rate / Decimal::from(100) / Decimal::from(365);
        days += 1;
        day = day.succ_opt().expect("a day");
    }
    (
        sum.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
        days,
    )
}

const DUE: (i32, u32, u32) = (2026, 2, 26);

/// The test's reference rates (not Riksbanken's): 2,00 % and 1,75 % for 2026.
const RATES: [((i32, u32), &str); 2] = [((2026, 1), "2.00"), ((2026, 2), "1.75")];

/// An administrator enters a half-year's reference rate: back on the page, which lists it.
async fn set_rate(admin: &TestApp, year: &str, half: &str, rate: &str) -> Page {
    let page = admin
        .submit(
            "/admin/referensranta",
            "/admin/referensranta",
            &[("year", year), ("half", half), ("rate", rate)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.plain());
    admin.follow(page).await
}

/// The region registers a payment made on `day`, and a case officer confirms it received
/// that same day.
async fn pays(case: &Case, day: NaiveDate, amount: &str) {
    let when = on(day.year(), day.month(), day.day());
    let region = case.region.later(when).await;
    let path = case.page();
    let paid_on = day.to_string();
    let registered = region
        .submit(
            &path,
            &format!("{path}/betalningar"),
            &[
                ("paid_on", paid_on.as_str()),
                ("amount", amount),
                ("reference", "Återbetalning 2025"),
            ],
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.plain()
    );
    let payment: Uuid = sqlx::query_scalar(
        "SELECT id FROM repayment_payments WHERE organisation_id = $1 AND state = 'registered'",
    )
    .bind(case.org)
    .fetch_one(&region.db)
    .await
    .expect("the registered payment");
    let officer = case.officer.later(when).await;
    let confirm = format!("/aterbetalningar/betalningar/{payment}/bekrafta");
    let voucher = format!("V-{paid_on}");
    let confirmed = officer
        .submit(
            &confirm,
            &confirm,
            &[
                ("received_on", paid_on.as_str()),
                ("received_amount", amount),
                ("verification_number", voucher.as_str()),
            ],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );
}

/// A case officer decides on the interest: shown what it does first (nothing saved yet),
/// then confirms from that page. Back on the case's page, with the confirmation.
async fn decide(app: &TestApp, officer: &TestApp, case: &Case, claim: &str, reason: &str) -> Page {
    let path = case.page();
    let action = format!("{path}/drojsmalsranta");
    let decisions = count(app, "SELECT count(*) FROM interest_decision_history").await;
    let shown = officer
        .submit(
            &path,
            &action,
            &[("interest_claim", claim), ("interest_reason", reason)],
        )
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.plain());
    assert_eq!(
        count(app, "SELECT count(*) FROM interest_decision_history").await,
        decisions,
        "nothing is decided before it is confirmed"
    );
    let fields: Vec<(String, String)> = ["csrf", "interest_claim", "interest_reason", "confirmed"]
        .iter()
        .map(|name| {
            let value = shown
                .attr(&format!("form.confirm input[name={name}]"), "value")
                .unwrap_or_else(|| panic!("the confirmation carries {name}"));
            (name.to_string(), value)
        })
        .collect();
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = officer.post(&action, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert_eq!(
        count(app, "SELECT count(*) FROM interest_decision_history").await,
        decisions + 1
    );
    officer.follow(done).await
}

/// What the region's page says it owes, has paid and has left: the figures interest must
/// never move.
fn balance(page: &Page) -> Vec<Vec<String>> {
    [".owed", ".received", ".registered", ".remaining"]
        .iter()
        .map(|css| page.select(css))
        .collect()
}

/// The list's totals of owed and remaining.
fn totals(list: &Page) -> Vec<Vec<String>> {
    [
        "tfoot .total-owed",
        "tfoot .total-received",
        "tfoot .total-remaining",
    ]
    .iter()
    .map(|css| list.select(css))
    .collect()
}

/// The year's CSV of interest claims: its content type and its rows split in fields, the
/// heading first.
async fn claims(browser: &TestApp) -> (StatusCode, String, Vec<Vec<String>>) {
    let response = browser
        .client
        .get(browser.url("/handlaggning/aterbetalningar/2025/drojsmalsranta.csv"))
        .send()
        .await
        .expect("the CSV");
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.expect("body");
    let rows = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.replace('\u{a0}', " ")
                .split(';')
                .map(str::to_string)
                .collect::<Vec<String>>()
        })
        .collect();
    (status, kind, rows)
}

#[tokio::test]
async fn interest_paid_late_in_two_parts_equals_a_day_by_day_sum_and_moves_nothing_owed() {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let due = date(DUE.0, DUE.1, DUE.2);
    let first = date(2026, 4, 15);
    let last = date(2026, 8, 10);

    // The test's own arithmetic, checked against the figures worked out on paper in
    // `interest.rs`'s unit test (5 358,29 kr over 165 days; 2 967,12 kr by 4 May).
    let all = [(first, "100000"), (last, "90000")];
    assert_eq!(
        by_hand("190000", due, &all, date(2026, 9, 1), &RATES),
        (dec("5358.29"), 165)
    );
    assert_eq!(
        by_hand("190000", due, &all[..1], date(2026, 5, 4), &RATES),
        (dec("2967.12"), 67)
    );

    // An administrator enters the first half-year's reference rate: 10,00 % with the eight
    // points.
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let rates = admin.get("/admin/referensranta").await;
    assert_eq!(rates.select(".no-rates").len(), 1);
    let rates = set_rate(&admin, "2026", "1", "2,00").await;
    assert!(rates.select(".flash")[0].contains("första halvåret 2026"));
    assert_eq!(rates.select("table.reference-rates .rate"), vec!["2,00 %"]);
    assert_eq!(
        rates.select("table.reference-rates .late-rate"),
        vec!["10,00 %"]
    );
    assert_eq!(app.audit_count("reference_rate.set").await, 1);

    // Paid in time, nothing runs: on the deadline the case has no interest.
    let officer = case.officer.later(on(2026, 2, 26)).await;
    let list = officer.get("/handlaggning/aterbetalningar?ar=2025").await;
    assert!(list.select("table.repayments .interest").is_empty());
    // No interest runs, so there is nothing to decide: no form, and a decision is refused.
    let page = officer.get(&case.page()).await;
    assert!(page.select("form.interest-decision-form").is_empty());
    let too_early = post_anyway(
        &officer,
        &format!("{}/drojsmalsranta", case.page()),
        &[
            ("interest_claim", "avsta"),
            ("interest_reason", "Ingen ränta än."),
            ("confirmed", "ja"),
        ],
    )
    .await;
    assert_eq!(
        too_early.status,
        StatusCode::CONFLICT,
        "{}",
        too_early.plain()
    );
    assert!(
        too_early.plain().contains("Ingen dröjsmålsränta löper"),
        "{}",
        too_early.plain()
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM interest_decisions").await,
        0
    );

    // 100 000 kr comes in on 15 April, seven weeks late.
    pays(&case, first, "100 000").await;

    // On 4 May the case officer's list shows the interest so far, undecided; the region
    // sees none of it yet.
    let (so_far, _) = by_hand("190000", due, &all[..1], date(2026, 5, 4), &RATES);
    let officer = case.officer.later(on(2026, 5, 4)).await;
    let region = case.region.later(on(2026, 5, 4)).await;
    let list = officer.get("/handlaggning/aterbetalningar?ar=2025").await;
    assert_eq!(
        list.select("table.repayments .interest-so-far"),
        vec![format!("Dröjsmålsränta hittills: {}", kr(so_far))]
    );
    assert_eq!(
        list.select("table.repayments .interest-note"),
        vec!["(beslut saknas)"]
    );
    let staff_page = officer.get(&case.page()).await;
    assert_eq!(staff_page.select(".late-interest-amount"), vec![kr(so_far)]);
    assert_eq!(staff_page.select(".late-interest-days"), vec!["67 dagar"]);
    let page = region.get(&case.page()).await;
    assert!(
        page.select("#drojsmalsranta").is_empty(),
        "not claimed: not shown"
    );
    let region_before = balance(&page);
    assert_eq!(region_before[0], vec!["190 000 kr"]);
    assert_eq!(region_before[3], vec!["90 000 kr"]);
    let list_before = totals(&list);

    // A decision needs a reason: refused beside the field, nothing saved.
    let refused = officer
        .submit(
            &case.page(),
            &format!("{}/drojsmalsranta", case.page()),
            &[("interest_claim", "debitera"), ("interest_reason", "  ")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#interest_reason-error").len(), 1);
    assert_eq!(
        refused
            .attr("input[name=interest_claim][checked]", "value")
            .as_deref(),
        Some("debitera"),
        "the form comes back as filled in"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM interest_decisions").await,
        0
    );

    // The region may not decide, nor read the claims.
    let not_theirs = post_anyway(
        &region,
        &format!("{}/drojsmalsranta", case.page()),
        &[
            ("interest_claim", "avsta"),
            ("interest_reason", "Vi vill inte."),
            ("confirmed", "ja"),
        ],
    )
    .await;
    assert_eq!(not_theirs.status, StatusCode::FORBIDDEN);
    assert_eq!(claims(&region).await.0, StatusCode::FORBIDDEN);

    // The case officer claims it.
    let reason = "Regionen betalade sju veckor efter sista dagen utan att ha begärt anstånd.";
    let decided = decide(&app, &officer, &case, "debitera", reason).await;
    assert!(decided.select(".flash")[0].contains(&kr(so_far)));
    assert_eq!(app.audit_count("late_interest.decided").await, 1);

    // The region now sees it, apart from what it owes, with the rule and the reason; the
    // figures of its repayment are as they were.
    let page = region.get(&case.page()).await;
    assert_eq!(page.select(".late-interest-amount"), vec![kr(so_far)]);
    assert_eq!(page.select(".interest-decision-label"), vec!["debiteras"]);
    assert!(page.select(".interest-reason")[0].contains(reason));
    assert!(page.select(".interest-rule")[0].contains("räntelagen (1975:635)"));
    assert!(page.select(".interest-rule")[0].contains("plus åtta procentenheter"));
    assert_eq!(balance(&page), region_before, "interest moves nothing owed");
    let list = officer.get("/handlaggning/aterbetalningar?ar=2025").await;
    assert_eq!(totals(&list), list_before);
    assert_eq!(
        list.select("table.repayments .interest-note"),
        vec!["(debiteras)"]
    );

    // In July the second half-year's rate is missing: named, never taken as zero.
    let officer = case.officer.later(on(2026, 7, 5)).await;
    let region = case.region.later(on(2026, 7, 5)).await;
    let missing = "Referensräntan för andra halvåret 2026 saknas";
    let list = officer.get("/handlaggning/aterbetalningar?ar=2025").await;
    assert_eq!(
        list.select("table.repayments .interest-missing-rate"),
        vec![missing]
    );
    assert!(list.select("table.repayments .interest-so-far").is_empty());
    let page = region.get(&case.page()).await;
    assert!(page.select(".interest-missing-rate")[0].contains(missing));
    assert!(page.select(".late-interest-amount").is_empty());
    let (_, _, rows) = claims(&officer).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][6], missing);
    assert_eq!(rows[1][7], "", "no amount without every rate");

    set_rate(&admin, "2026", "2", "1,75").await;

    // The rest comes in on 10 August; the interest stops that day.
    pays(&case, last, "90 000").await;
    let (total, days) = by_hand("190000", due, &all, date(2026, 8, 20), &RATES);
    let officer = case.officer.later(on(2026, 8, 20)).await;
    let region = case.region.later(on(2026, 8, 20)).await;
    let page = region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec!["Reglerad"]);
    assert_eq!(page.select(".late-interest-amount"), vec![kr(total)]);
    assert_eq!(
        page.select(".late-interest-days"),
        vec![format!("{days} dagar")]
    );
    assert_eq!(page.select(".total-interest"), vec![kr(total)]);
    assert_eq!(page.select("table.interest-periods tbody tr").len(), 3);
    assert_eq!(page.select(".owed"), vec!["190 000 kr"]);
    assert_eq!(page.select(".remaining"), vec!["0 kr"]);
    let region_settled = balance(&page);

    // The year's claims, as a CSV of their own.
    let (status, kind, rows) = claims(&officer).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("text/csv"), "{kind}");
    assert_eq!(
        rows[0],
        [
            "Aktör",
            "Ärende",
            "Kapitalbelopp",
            "Förfallodag",
            "Mottagna betalningar",
            "Dagar med ränta",
            "Räntesats (referensränta + 8 procentenheter)",
            "Dröjsmålsränta",
            "Beslut",
            "Fordran",
            "Beräknad till och med",
        ]
    );
    assert_eq!(rows.len(), 2, "one late case: {rows:?}");
    let row = &rows[1];
    let ore = |d: Decimal| format!("{d:.2}").replace('.', ",");
    assert_eq!(row[0], STOCKHOLM);
    assert!(row[1].starts_with("DK-2025-"), "{row:?}");
    assert_eq!(row[2], "190000,00");
    assert_eq!(row[3], "2026-02-26");
    assert_eq!(row[4], "2026-04-15: 100 000 kr, 2026-08-10: 90 000 kr");
    assert_eq!(row[5], days.to_string());
    assert_eq!(
        row[6],
        "första halvåret 2026: 10,00 %, andra halvåret 2026: 9,75 %"
    );
    assert_eq!(row[7], ore(total));
    assert!(
        row[8].starts_with("Debiteras (2026-05-04): Regionen betalade"),
        "{row:?}"
    );
    assert_eq!(row[9], ore(total), "claimed");
    assert_eq!(row[10], "2026-08-10");

    // Waived after all: gone from the region's page, marked in the list, nothing owed moved.
    let list_before = totals(&officer.get("/handlaggning/aterbetalningar?ar=2025").await);
    let waived = decide(
        &app,
        &officer,
        &case,
        "avsta",
        "Litet belopp i förhållande till kostnaden att driva in det.",
    )
    .await;
    assert!(waived.select(".flash")[0].contains("debiteras inte"));
    assert_eq!(
        waived.select(".interest-history li").len(),
        1,
        "the earlier decision is kept"
    );
    assert_eq!(app.audit_count("late_interest.decided").await, 2);
    assert_eq!(
        count(&app, "SELECT count(*) FROM interest_decision_history").await,
        2
    );
    let page = region.get(&case.page()).await;
    assert!(
        page.select("#drojsmalsranta").is_empty(),
        "waived: not shown"
    );
    assert!(!page.plain().contains("Dröjsmålsränta"));
    assert_eq!(balance(&page), region_settled);
    let list = officer.get("/handlaggning/aterbetalningar?ar=2025").await;
    assert_eq!(
        list.select("table.repayments .interest-waived"),
        vec!["Ej debiteras (beslut 20 augusti 2026)"]
    );
    assert_eq!(totals(&list), list_before);
    let (_, _, rows) = claims(&officer).await;
    assert!(
        rows[1][8].starts_with("Debiteras inte (2026-08-20)"),
        "{rows:?}"
    );
    assert_eq!(rows[1][9], "0,00", "nothing claimed");
    assert_eq!(
        rows[1][7],
        ore(total),
        "the interest is still shown as computed"
    );

    // A decision is changed, never removed.
    let removed = sqlx::query("DELETE FROM interest_decisions")
        .execute(&app.db)
        .await;
    assert!(removed.is_err(), "the schema keeps the decision");
}

#[tokio::test]
async fn a_wrong_reference_rate_is_refused_beside_its_field_and_nothing_is_saved() {
    let app = TestApp::spawn_on(on(2026, 3, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let form = admin.get("/admin/referensranta").await;
    assert_eq!(
        form.attr("input[name=half][checked]", "value").as_deref(),
        Some("1"),
        "the half-year of today is offered"
    );
    let refused = admin
        .submit(
            "/admin/referensranta",
            "/admin/referensranta",
            &[("year", "tjugo"), ("rate", "två procent")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    for field in ["year", "half", "rate"] {
        assert_eq!(
            refused.select(&format!("#{field}-error")).len(),
            1,
            "{field} is said to be wrong"
        );
    }
    assert_eq!(
        refused.attr("#rate", "value").as_deref(),
        Some("två procent"),
        "the form comes back as filled in"
    );
    let too_high = admin
        .submit(
            "/admin/referensranta",
            "/admin/referensranta",
            &[("year", "2026"), ("half", "1"), ("rate", "75")],
        )
        .await;
    assert_eq!(too_high.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "SELECT count(*) FROM reference_rates").await, 0);
    assert_eq!(app.audit_count("reference_rate.set").await, 0);

    // Corrected, the rate is changed, not added twice, and the change is said.
    set_rate(&admin, "2026", "1", "2,5").await;
    let page = set_rate(&admin, "2026", "1", "2,00").await;
    assert!(
        page.select(".flash")[0].contains("Den var 2,50 %"),
        "{:?}",
        page.select(".flash")
    );
    assert_eq!(count(&app, "SELECT count(*) FROM reference_rates").await, 1);
    assert_eq!(app.audit_count("reference_rate.set").await, 2);

    // Only an administrator sets it.
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    assert_eq!(
        officer.get("/admin/referensranta").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_overdue_reminder_is_a_betalningspaminnelse_that_says_interest_runs_until_waived() {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let queued = |subject: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_as::<_, (String, String)>(
                "SELECT subject, body_text FROM outbox
                 WHERE event = 'reminder.repayment' AND subject LIKE $1 ORDER BY id",
            )
            .bind(subject)
            .fetch_all(&db)
            .await
            .expect("outbox")
        }
    };
    digikoord::mail::reminders::run(&app.db, "http://localhost:3000", date(2026, 2, 20))
        .await
        .expect("reminders");
    assert!(
        queued("%")
            .await
            .iter()
            .all(|(_, body)| !body.contains("räntelagen")),
        "before the deadline no interest is spoken of"
    );
    digikoord::mail::reminders::run(&app.db, "http://localhost:3000", date(2026, 2, 27))
        .await
        .expect("reminders");
    let late = queued("Försenad%").await;
    assert!(!late.is_empty(), "the region is reminded the day after");
    for (subject, body) in &late {
        assert_eq!(
            subject,
            "Försenad: Återbetalning för 2025 – betalningspåminnelse"
        );
        assert!(
            body.contains("Det här är en betalningspåminnelse."),
            "{body}"
        );
        assert!(
            body.contains("från och med 27 februari 2026 löper dröjsmålsränta"),
            "{body}"
        );
        assert!(body.contains("räntelagen (1975:635)"), "{body}");
    }

    // On 2 March a case officer waives the interest: the next week's reminder is still a
    // betalningspåminnelse of the claim, but no longer says interest runs.
    let officer = case.officer.later(on(2026, 3, 2)).await;
    decide(
        &app,
        &officer,
        &case,
        "avsta",
        "Regionen har begärt anstånd som handläggs.",
    )
    .await;
    digikoord::mail::reminders::run(&app.db, "http://localhost:3000", date(2026, 3, 6))
        .await
        .expect("reminders");
    let after = queued("Försenad%").await;
    assert!(
        after.len() > late.len(),
        "the region is reminded again a week later"
    );
    for (subject, body) in &after[late.len()..] {
        assert_eq!(
            subject,
            "Försenad: Återbetalning för 2025 – betalningspåminnelse"
        );
        assert!(
            body.contains("Det här är en betalningspåminnelse."),
            "{body}"
        );
        assert!(
            !body.contains("dröjsmålsränta") && !body.contains("räntelagen"),
            "waived: no interest is spoken of: {body}"
        );
    }
}
