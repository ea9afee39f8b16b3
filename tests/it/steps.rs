//! The steps the tests take again and again, each written once: a requisition filed,
//! approved, attested and paid; a report started, written, submitted, returned, approved
//! and corrected; a repayment registered and confirmed; and the small helpers every file
//! needs (a day, an amount, a count). Each step checks its own result — the redirect a
//! person would see and the state it leads to — so a step that fails says so where it
//! fails, and no caller can forget to look. A step that is meant to be refused is named so
//! (`…_refused`) and checks that instead.

use chrono::NaiveDate;
use digikoord::{Clock, auth::Role};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use std::str::FromStr;
use uuid::Uuid;

use crate::{Page, TestApp};

pub const STOCKHOLM: &str = "Region Stockholm";
pub const SKANE: &str = "Region Skåne";

// ---- Small helpers ----

/// A day.
pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// A server clock that stands still on a day.
pub fn on(y: i32, m: u32, d: u32) -> Clock {
    Clock::Fixed(date(y, m, d))
}

/// An amount written as the database writes it (`1000000.50`).
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).expect("decimal")
}

/// An amount as the pages show it, with plain spaces (`1 000 000,50 kr`).
pub fn kr(d: Decimal) -> String {
    digikoord::money::format_kronor(d).replace('\u{a0}', " ")
}

/// A file's SHA-256, as the exports record it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The one number a `SELECT count(*) …` returns.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db)
        .await
        .expect("count")
}

/// An organisation's id, by its name.
pub async fn org_id(app: &TestApp, name: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(name)
        .fetch_one(&app.db)
        .await
        .expect("organisation")
}

/// The set-password page a link leads to (`/losenord/<token>`), found in a mail's text,
/// on a page or in what a command printed.
pub fn password_path(text: &str) -> String {
    let at = text.find("/losenord/").expect("a set-password link");
    text[at..]
        .split(|c: char| c.is_whitespace() || c == '"')
        .next()
        .expect("path")
        .to_string()
}

/// A row's `state`, as text.
async fn state(app: &TestApp, table: &str, id: Uuid) -> String {
    sqlx::query_scalar(&format!("SELECT state::text FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap_or_else(|e| panic!("the state of {table} {id}: {e}"))
}

pub async fn requisition_state(app: &TestApp, id: Uuid) -> String {
    state(app, "requisitions", id).await
}

pub async fn report_state(app: &TestApp, id: Uuid) -> String {
    state(app, "reports", id).await
}

/// A form carried out: the redirect on to `to` that follows every saved form.
fn assert_done(page: &Page, what: &str, to: &str) {
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "{what} should be done: {}",
        page.plain()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    let location = page.location.as_deref().unwrap_or_default();
    assert!(
        location.starts_with(to),
        "{what} should lead on to {to}, not to {location}"
    );
}

/// A form refused as a person can correct it: shown again with what was typed, and why.
fn assert_comes_back(page: &Page, what: &str) {
    assert_eq!(
        page.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what} should come back with its errors ({:?})",
        page.location
    );
}

/// A POST with the session's CSRF token, for a form the page no longer offers (the
/// refusals of forms that are not shown): the caller checks the refusal.
pub async fn post_anyway(browser: &TestApp, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = browser.get("/").await.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post(path, &all).await
}

// ---- Requisitions ----

/// Everything a complete requisition needs, with the amount given.
pub fn complete(amount: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ar", "2025".into()),
        ("amount", amount.into()),
        ("payment_method", "bankgiro".into()),
        ("account_number", "5050-1055".into()),
        ("payment_reference", "Digikoord 2025".into()),
        ("contact_name", "Karin Ek".into()),
        ("contact_email", "karin.ek@regionstockholm.se".into()),
        ("contact_phone", "08-123 456 78".into()),
        ("signatory_name", "Per Lind".into()),
        ("signatory_title", "Regiondirektör".into()),
        ("declaration", "ja".into()),
    ]
}

/// The fields with one of them set to `value`.
pub fn with(
    mut fields: Vec<(&'static str, String)>,
    key: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    fields.retain(|(k, _)| *k != key);
    fields.push((key, value.to_string()));
    fields
}

pub fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The id at the end of a redirect to `/rekvisitioner/{id}`.
pub fn requisition_id(page: &Page) -> Uuid {
    let location = page.location.as_deref().expect("a redirect");
    let id = location
        .trim_start_matches("/rekvisitioner/")
        .split(['#', '/', '?'])
        .next()
        .expect("id");
    Uuid::parse_str(id).unwrap_or_else(|_| panic!("redirect to a requisition, got {location}"))
}

/// The state a requisition is in once `handling` (the form's button) is done.
fn after(handling: &str) -> &'static str {
    match handling {
        "skicka" => "submitted",
        "spara" => "draft",
        other => panic!("a requisition is saved (spara) or sent in (skicka), not {other}"),
    }
}

async fn send_new(region: &TestApp, fields: &[(&'static str, String)], handling: &str) -> Page {
    let mut all = fields.to_vec();
    all.push(("handling", handling.to_string()));
    region
        .submit(
            "/rekvisitioner/ny?ar=2025",
            "/rekvisitioner/ny",
            &borrowed(&all),
        )
        .await
}

/// The region files a requisition for 2025 on the new-requisition form, saved as a draft
/// (`spara`) or sent in (`skicka`): it is, and the answer leads to it.
pub async fn file(region: &TestApp, fields: &[(&'static str, String)], handling: &str) -> Page {
    let page = send_new(region, fields, handling).await;
    assert_done(&page, &format!("filing ({handling})"), "/rekvisitioner/");
    let id = requisition_id(&page);
    assert_eq!(
        requisition_state(region, id).await,
        after(handling),
        "filed ({handling})"
    );
    page
}

/// The region files a requisition that must be refused: the form comes back (422) with
/// its errors; the caller checks which.
pub async fn file_refused(
    region: &TestApp,
    fields: &[(&'static str, String)],
    handling: &str,
) -> Page {
    let page = send_new(region, fields, handling).await;
    assert_comes_back(&page, &format!("filing ({handling})"));
    page
}

/// The region sends in its requisition `id` from its edit form, filled in with `fields`.
pub async fn send_in(region: &TestApp, id: Uuid, fields: &[(&'static str, String)]) -> Page {
    let mut all = fields.to_vec();
    all.push(("handling", "skicka".to_string()));
    let path = format!("/rekvisitioner/{id}/andra");
    let page = region.submit(&path, &path, &borrowed(&all)).await;
    assert_done(&page, "sending in", &format!("/rekvisitioner/{id}"));
    assert_eq!(requisition_state(region, id).await, "submitted");
    page
}

/// A complete requisition of `amount` for 2025, sent in.
pub async fn submitted(region: &TestApp, amount: &str) -> Uuid {
    requisition_id(&file(region, &complete(amount), "skicka").await)
}

/// The requisition's payout that was not sent back.
pub async fn live_payout(app: &TestApp, id: Uuid) -> Uuid {
    sqlx::query_scalar("SELECT id FROM payouts WHERE requisition_id = $1 AND state <> 'sent_back'")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("a live payout")
}

/// A case officer approves `amount` of the requisition, to be paid out on 10 March 2025:
/// it is approved, its payout prepared.
pub async fn approve(officer: &TestApp, id: Uuid, amount: &str) -> Page {
    let path = format!("/rekvisitioner/{id}/godkann");
    let page = officer
        .submit(
            &path,
            &path,
            &[("amount", amount), ("planned_date", "2025-03-10")],
        )
        .await;
    assert_done(&page, "approving", &format!("/rekvisitioner/{id}"));
    assert_eq!(requisition_state(officer, id).await, "approved");
    assert_eq!(
        state(officer, "payouts", live_payout(officer, id).await).await,
        "prepared"
    );
    page
}

/// A case officer returns the requisition to the region for completion, saying why.
pub async fn return_requisition(officer: &TestApp, id: Uuid, reason: &str) -> Page {
    let path = format!("/rekvisitioner/{id}/komplettering");
    let page = officer.submit(&path, &path, &[("reason", reason)]).await;
    assert_done(&page, "returning", &format!("/rekvisitioner/{id}"));
    assert_eq!(requisition_state(officer, id).await, "returned");
    page
}

/// An approver attests the requisition's payout on its confirmation page, reached from the
/// requisition's page: back to the queue, the payout approved.
pub async fn approve_payout(approver: &TestApp, id: Uuid, payout: Uuid) -> Page {
    let attest = format!("/utbetalningar/{payout}/attestera");
    let case = approver.get(&format!("/rekvisitioner/{id}")).await;
    assert!(
        case.attrs("a[href]", "href").contains(&attest),
        "the requisition's page leads to the attest's confirmation"
    );
    let page = approver.submit(&attest, &attest, &[]).await;
    assert_done(&page, "attesting", "/attest");
    assert_eq!(state(approver, "payouts", payout).await, "approved");
    page
}

/// The payout is registered as paid on 1 March 2025 with `voucher`: back to the requisition,
/// the payout paid.
pub async fn pay_payout(officer: &TestApp, payout: Uuid, amount: &str, voucher: &str) -> Page {
    let path = format!("/utbetalningar/{payout}/utbetald");
    let page = officer
        .submit(
            &path,
            &path,
            &[
                ("paid_date", "2025-03-01"),
                ("amount", amount),
                ("voucher_number", voucher),
            ],
        )
        .await;
    assert_done(&page, "registering the payment", "/rekvisitioner/");
    assert_eq!(state(officer, "payouts", payout).await, "paid");
    page
}

// ---- Reports ----

/// A requisition for 2025 approved and paid (the requisition flow has its own tests).
pub async fn paid(app: &TestApp, organisation: &str, amount: &str) {
    paid_in(app, 2025, organisation, amount).await;
}

/// A requisition for `year` approved and paid under the year's decision.
pub async fn paid_in(app: &TestApp, year: i32, organisation: &str, amount: &str) {
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let approver = app.create_user(Role::Approver, None).await;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, state, amount,
             payment_method, account_number, payment_reference, contact_name, contact_email, contact_phone,
             signatory_name, signatory_title, declaration, created_by, first_submitted_at, submitted_at)
         SELECT $1, 'DK-' || $5 || '-' || lpad((SELECT count(*) + 1 FROM requisitions)::text, 3, '0'), $5, o.id,
             p.decision_number, 'approved', $3, 'bankgiro', '5050-1055', 'r', 'n', 'e@x.se', '081234567', 's', 't',
             true, $4, make_date($5, 3, 1), make_date($5, 3, 1)
         FROM organisations o, programme_years y JOIN periods p ON p.id = y.period_id
         WHERE o.name = $2 AND y.year = $5",
    )
    .bind(id)
    .bind(organisation)
    .bind(dec(amount))
    .bind(officer)
    .bind(year)
    .execute(&app.db)
    .await
    .expect("requisition");
    sqlx::query(
        "INSERT INTO payouts (id, requisition_id, state, amount, planned_date, prepared_by, approved_by, approved_at,
             paid_amount, paid_date, voucher_number, paid_by, paid_at)
         VALUES ($1, $2, 'paid', $3, make_date($6, 4, 1), $4, $5, now(), $3, make_date($6, 4, 1), 'V1', $4, now())",
    )
    .bind(Uuid::new_v4())
    .bind(id)
    .bind(dec(amount))
    .bind(officer)
    .bind(approver)
    .bind(year)
    .execute(&app.db)
    .await
    .expect("payout");
}

/// The id at the start of a redirect to `/redovisningar/{id}…`.
pub fn report_id(page: &Page) -> Uuid {
    let location = page.location.as_deref().expect("a redirect");
    let id = location
        .trim_start_matches("/redovisningar/")
        .split(['#', '/', '?'])
        .next()
        .expect("id");
    Uuid::parse_str(id).unwrap_or_else(|_| panic!("redirect to a report, got {location}"))
}

/// The region starts its report for 2025 from the start page's button: a new draft.
pub async fn start_report(region: &TestApp) -> Uuid {
    let page = region
        .submit("/", "/redovisningar/ny", &[("ar", "2025")])
        .await;
    assert_done(&page, "starting the report", "/redovisningar/");
    let id = report_id(&page);
    assert_eq!(report_state(region, id).await, "draft");
    id
}

/// The five tasks of 2021's decision, answered.
pub const TASKS: [(&str, &str); 5] = [
    (
        "task_1",
        "Digitalisering är med i den regionala utvecklingsstrategin.",
    ),
    ("task_2", "Vi driver ett länsnätverk med kommunerna."),
    (
        "task_3",
        "Vi har kartlagt förbättringsområden inom e-hälsa.",
    ),
    ("task_4", "Vi deltar i Tillväxtverkets nätverksträffar."),
    ("task_5", "Vi har bidragit med underlag till uppföljningen."),
];

async fn send_part(region: &TestApp, id: Uuid, part: &str, fields: &[(&str, &str)]) -> Page {
    let path = format!("/redovisningar/{id}/{part}");
    region.submit(&path, &path, fields).await
}

/// The region saves a part of its report (`uppdrag`, `aktiviteter`, `analys`, `ekonomi`):
/// saved, and on to the report's next page.
pub async fn save(region: &TestApp, id: Uuid, part: &str, fields: &[(&str, &str)]) -> Page {
    let page = send_part(region, id, part, fields).await;
    assert_done(
        &page,
        &format!("saving {part}"),
        &format!("/redovisningar/{id}/"),
    );
    page
}

/// The region saves a part that must be refused: the form comes back (422) with its errors.
pub async fn save_refused(region: &TestApp, id: Uuid, part: &str, fields: &[(&str, &str)]) -> Page {
    let page = send_part(region, id, part, fields).await;
    assert_comes_back(&page, &format!("saving {part}"));
    page
}

/// Every part of the report filled in: the tasks, an activity, the analysis and 810 000 kr
/// of costs.
pub async fn fill_in_everything(region: &TestApp, id: Uuid) {
    save(region, id, "uppdrag", &TASKS).await;
    save(
        region,
        id,
        "aktiviteter",
        &[
            ("title", "Länsträff om AI i offentlig sektor"),
            ("held", "mars 2025"),
            ("goal_innovation", "ja"),
            ("goal_ledning", "ja"),
            ("kind", "network_meeting"),
            ("partners", "Länsstyrelsen, RISE"),
            ("participants", "85"),
        ],
    )
    .await;
    save(
        region,
        id,
        "analys",
        &[
            (
                "needs_and_challenges",
                "Kommunerna behöver stöd i informationssäkerhet.",
            ),
            (
                "results_and_effects",
                "Fler kommuner har en digitaliseringsplan.",
            ),
            ("self_assessment", "yes"),
            (
                "self_assessment_motivation",
                "Tydligt ökad samverkan i länet.",
            ),
        ],
    )
    .await;
    save(
        region,
        id,
        "ekonomi",
        &[
            ("cost_personnel", "650 000"),
            ("cost_services", "120 000,50"),
            ("cost_travel", "30 000"),
            ("cost_other", "9 999,50"),
        ],
    )
    .await;
}

/// The region submits its report from the check page, the declaration ticked: submitted,
/// on to its receipt.
pub async fn submit_report(region: &TestApp, report: Uuid) -> Page {
    let page = region
        .submit(
            &format!("/redovisningar/{report}/kontrollera"),
            &format!("/redovisningar/{report}/skicka-in"),
            &[("declaration", "ja")],
        )
        .await;
    assert_done(
        &page,
        "submitting the report",
        &format!("/redovisningar/{report}"),
    );
    assert_eq!(report_state(region, report).await, "submitted");
    page
}

/// A case officer approves the report from its page.
pub async fn approve_report(officer: &TestApp, report: Uuid) -> Page {
    let csrf = officer
        .get(&format!("/redovisningar/{report}"))
        .await
        .csrf();
    let page = officer
        .post(
            &format!("/redovisningar/{report}/godkann"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_done(
        &page,
        "approving the report",
        &format!("/redovisningar/{report}"),
    );
    assert_eq!(report_state(officer, report).await, "approved");
    page
}

/// A case officer returns the report to the region for completion, saying why.
pub async fn return_report(officer: &TestApp, report: Uuid, reason: &str) -> Page {
    let path = format!("/redovisningar/{report}/komplettering");
    let page = officer.submit(&path, &path, &[("reason", reason)]).await;
    assert_done(
        &page,
        "returning the report",
        &format!("/redovisningar/{report}"),
    );
    assert_eq!(report_state(officer, report).await, "returned");
    page
}

/// The region corrects its approved report: a new version, a draft, is begun; its id.
pub async fn correct_report(region: &TestApp, report: Uuid) -> Uuid {
    let csrf = region.get(&format!("/redovisningar/{report}")).await.csrf();
    let page = region
        .post(
            &format!("/redovisningar/{report}/ny-version"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_done(&page, "correcting the report", "/redovisningar/");
    let version = report_id(&page);
    assert_ne!(version, report, "a correction is a new version");
    assert_eq!(report_state(region, version).await, "draft");
    version
}

// ---- Repayments ----

/// A region's repayment for 2025: its coordinator and a case officer, each in their own
/// browser, and its report.
pub struct Case {
    pub region: TestApp,
    pub officer: TestApp,
    pub org: Uuid,
    pub report: Uuid,
}

impl Case {
    /// The repayment's page.
    pub fn page(&self) -> String {
        format!("/aterbetalningar/2025/{}", self.org)
    }
}

/// 2025 paid with `received`, the report written with `personnel` as its only cost and
/// submitted, not yet approved.
pub async fn submitted_case(
    app: &TestApp,
    organisation: &str,
    received: &str,
    personnel: &str,
) -> Case {
    paid(app, organisation, received).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(organisation)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let report = start_report(&region).await;
    fill_in_everything(&region, report).await;
    save(&region, report, "ekonomi", &[("cost_personnel", personnel)]).await;
    submit_report(&region, report).await;
    Case {
        region,
        officer,
        org: org_id(app, organisation).await,
        report,
    }
}

/// 2025 paid with `received`, the report approved with `personnel` as its only cost.
pub async fn approved_case(
    app: &TestApp,
    organisation: &str,
    received: &str,
    personnel: &str,
) -> Case {
    let case = submitted_case(app, organisation, received, personnel).await;
    approve_report(&case.officer, case.report).await;
    case
}

async fn payments_of(app: &TestApp, org: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM repayment_payments WHERE organisation_id = $1")
        .bind(org)
        .fetch_one(&app.db)
        .await
        .expect("payments")
}

/// The region registers a payment it made on 9 February 2026: one more payment, back on
/// the repayment's page.
pub async fn register(case: &Case, amount: &str, reference: &str) -> Page {
    let before = payments_of(&case.region, case.org).await;
    let path = case.page();
    let page = case
        .region
        .submit(
            &path,
            &format!("{path}/betalningar"),
            &[
                ("paid_on", "2026-02-09"),
                ("amount", amount),
                ("reference", reference),
            ],
        )
        .await;
    assert_done(&page, "registering the payment", &path);
    assert_eq!(
        payments_of(&case.region, case.org).await,
        before + 1,
        "registered"
    );
    page
}

/// The oldest payment not yet confirmed.
pub async fn unconfirmed_payment(app: &TestApp) -> Uuid {
    sqlx::query_scalar("SELECT id FROM repayment_payments WHERE state = 'registered' ORDER BY registered_at LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("a registered payment")
}

/// A case officer confirms the payment as received on 10 February 2026: confirmed, back on
/// the repayment's page.
pub async fn confirm(officer: &TestApp, payment: Uuid, amount: &str) -> Page {
    let path = format!("/aterbetalningar/betalningar/{payment}/bekrafta");
    let page = officer
        .submit(
            &path,
            &path,
            &[
                ("received_on", "2026-02-10"),
                ("received_amount", amount),
                ("verification_number", "V-77"),
            ],
        )
        .await;
    assert_done(&page, "confirming the payment", "/aterbetalningar/");
    assert_eq!(
        state(officer, "repayment_payments", payment).await,
        "confirmed"
    );
    page
}

// ---- The 26 March summary ----

/// The summary's sections form as the page has it filled in now, every field by name.
pub async fn sections_as_they_are(admin: &TestApp, year: i32) -> Vec<(String, String)> {
    let page = admin.get(&format!("/sammanstallning?ar={year}")).await;
    let mut fields = vec![("csrf".to_string(), page.csrf())];
    for name in [
        "report_date",
        "case_number",
        "summary",
        "assignment",
        "analysis",
        "innovation_hubs",
        "digg_views",
        "decided_by",
        "presented_by",
    ] {
        let value = page
            .select(&format!("textarea#{name}"))
            .into_iter()
            .next()
            .or_else(|| page.attr(&format!("input[name='{name}']"), "value"))
            .unwrap_or_default();
        fields.push((name.to_string(), value));
    }
    fields
}

/// An administrator fills in the cover of `year`'s report (its date and Tillväxtverket's
/// diarienummer) and keeps the sections already written: the DOCX and the PDF/A are
/// refused without a diarienummer.
pub async fn cover_filled_in(admin: &TestApp, year: i32) {
    let mut fields = sections_as_they_are(admin, year).await;
    for (name, value) in fields.iter_mut() {
        match name.as_str() {
            "report_date" => *value = format!("{}-03-20", year + 1),
            "case_number" => *value = format!("Ä {}-0042", year + 1),
            _ => {}
        }
    }
    let form: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let saved = admin
        .post(&format!("/sammanstallning/{year}/avsnitt"), &form)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
}
