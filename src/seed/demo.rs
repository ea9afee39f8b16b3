//! The demo: users with a published password, and the cases of the year that is living
//! today, placed relative to today by `model::story` so the demo never reads as a year
//! long gone. A year outside the real programme gets a period of its own, marked as demo.
//! Only `cargo run` with demo data on calls this; every function is safe to run again.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    ACTORS_2021,
    model::{self, Step, Story},
};
use crate::{
    auth::Role,
    clock::SWEDEN,
    error::AppError,
    programme::db::{ProgrammeYear, add_missing_years},
    repayments::model::{AGENCY_REQUISITION_MAX, PaymentState, payment_reference, support_cap},
    reports::model::{ActivityKind, ReportState, SelfAssessment},
    requisitions::{
        db as cases,
        model::{PayoutState, RequisitionFields, RequisitionState},
    },
    thread::Thread,
};

pub const DEMO_PASSWORD: &str = "digikoord-demo-2026";
/// The demo staff accounts' authenticator secret, published (printed at start-up and in
/// the README) so that anyone trying the demo can add it to an app. Never for real use.
pub const DEMO_TOTP_SECRET: &str = "DIGIKOORDDEMOHEMLIGHETATTPROVAPA";

/// A demo login, as printed at start-up and listed in the README.
pub struct DemoLogin {
    pub email: String,
    pub role: Role,
    pub organisation: Option<String>,
}

fn slug(name: &str) -> String {
    let lowered = name.to_lowercase();
    let words: Vec<String> = lowered
        .split_whitespace()
        .filter(|w| !["region", "kommun", "län", "regionen"].contains(w))
        .map(|w| {
            w.chars()
                .map(|c| match c {
                    'å' | 'ä' => 'a',
                    'ö' => 'o',
                    c if c.is_ascii_alphanumeric() => c,
                    _ => '-',
                })
                .collect()
        })
        .collect();
    words.join("-")
}

/// One user per role, and a coordinator for every actor of the current period.
pub async fn demo_users(db: &PgPool) -> Result<Vec<DemoLogin>, AppError> {
    let mut logins = vec![
        DemoLogin {
            email: "admin@digikoord.example".into(),
            role: Role::Admin,
            organisation: None,
        },
        DemoLogin {
            email: "handlaggare@digikoord.example".into(),
            role: Role::CaseOfficer,
            organisation: None,
        },
        DemoLogin {
            email: "attestant@digikoord.example".into(),
            role: Role::Approver,
            organisation: None,
        },
        DemoLogin {
            email: "koordinator@digikoord.example".into(),
            role: Role::Coordinator,
            organisation: Some("Region Stockholm".into()),
        },
    ];
    for (name, _) in ACTORS_2021 {
        logins.push(DemoLogin {
            email: format!("koordinator.{}@digikoord.example", slug(name)),
            role: Role::Coordinator,
            organisation: Some(name.to_string()),
        });
    }
    let emails: Vec<&str> = logins.iter().map(|l| l.email.as_str()).collect();
    // Demo users deactivated by an earlier start without demo data come back.
    let mut tx = db.begin().await?;
    let reactivated: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE users SET active = true WHERE demo AND NOT active AND email = ANY($1) RETURNING id",
    )
    .bind(&emails)
    .fetch_all(&mut *tx)
    .await?;
    if !reactivated.is_empty() {
        crate::audit::Entry::new(None, "demo.users_activated", "user", "demo")
            .after(serde_json::json!({ "users": reactivated.len() }))
            .record(&mut tx)
            .await?;
    }
    tx.commit().await?;
    let existing: Vec<(String,)> = sqlx::query_as("SELECT email FROM users")
        .fetch_all(db)
        .await?;
    if logins
        .iter()
        .all(|l| existing.iter().any(|(e,)| *e == l.email))
    {
        demo_second_factors(db).await?;
        return Ok(logins);
    }
    let hash = crate::auth::password::hash(DEMO_PASSWORD.to_string()).await?;
    let mut tx = db.begin().await?;
    for login in &logins {
        let name = match (&login.organisation, login.role) {
            (Some(org), _) => format!("Koordinator {org}"),
            (None, role) => format!("Demo {}", role.label().to_lowercase()),
        };
        sqlx::query(
            "INSERT INTO users (id, email, name, role, organisation_id, password_hash, demo)
             VALUES ($1, $2, $3, $4, (SELECT id FROM organisations WHERE name = $5), $6, true)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(Uuid::new_v4())
        .bind(&login.email)
        .bind(name)
        .bind(login.role)
        .bind(&login.organisation)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    demo_second_factors(db).await?;
    Ok(logins)
}

/// A start without demo data deactivates the demo users (their password is published)
/// and ends their sessions. Returns how many were deactivated.
pub async fn deactivate_demo_users(db: &PgPool) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    let ids: Vec<Uuid> =
        sqlx::query_scalar("UPDATE users SET active = false WHERE demo AND active RETURNING id")
            .fetch_all(&mut *tx)
            .await?;
    if !ids.is_empty() {
        sqlx::query("DELETE FROM sessions WHERE user_id = ANY($1)")
            .bind(&ids)
            .execute(&mut *tx)
            .await?;
        crate::audit::Entry::new(None, "demo.users_deactivated", "user", "demo")
            .after(serde_json::json!({ "users": ids.len() }))
            .record(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(ids.len())
}

/// The demo staff get the published demo secret, unless they enrolled one of their own.
async fn demo_second_factors(db: &PgPool) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO second_factors (user_id, totp_secret)
         SELECT id, $1 FROM users
         WHERE email IN ('admin@digikoord.example', 'handlaggare@digikoord.example',
                         'attestant@digikoord.example')
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(DEMO_TOTP_SECRET)
    .execute(db)
    .await?;
    Ok(())
}

/// The whole demo: users and the living year's cases, placed relative to `today` (the
/// app's clock). Returns the logins to print.
pub async fn demo(db: &PgPool, today: NaiveDate) -> Result<Vec<DemoLogin>, AppError> {
    let logins = demo_users(db).await?;
    demo_cases(db, today).await?;
    demo_network(db, today).await?;
    Ok(logins)
}

/// The network's demo: Tillväxtverket's contact, a network meeting a month ago with its
/// attendance recorded, and a competence event in three weeks that some regions have
/// registered for. Added once, when there are no events yet, through the app's own SQL.
pub async fn demo_network(db: &PgPool, today: NaiveDate) -> sqlx::Result<()> {
    use crate::network::{
        db as network,
        model::{AgencyContact, Attendee, EventKind, ValidEvent},
    };
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('digikoord demo'))")
        .execute(&mut *tx)
        .await?;
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM network_events")
        .fetch_one(&mut *tx)
        .await?;
    if events > 0 {
        return tx.commit().await;
    }
    let staff = Staff::load(&mut tx).await?;
    if network::agency_contact(&mut *tx).await?.is_none() {
        let (name, email) = sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
            .bind(staff.officer)
            .fetch_one(&mut *tx)
            .await?;
        let contact = AgencyContact { name, email };
        network::set_agency_contact(&mut tx, Some(&contact), staff.admin).await?;
    }
    let time = |h: u32| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    let meeting = ValidEvent {
        kind: EventKind::Meeting,
        title: "Nätverksträff för de regionala digitaliseringskoordinatorerna".into(),
        day: today - chrono::Duration::days(30),
        starts: time(9),
        ends: time(12),
        place: String::new(),
        link: "https://moten.digikoord.example/natverkstraff".into(),
        agenda: "1. Läget i regionerna\n2. Redovisningen i januari\n3. Erfarenhetsutbyte: digital inkludering".into(),
    };
    let course = ValidEvent {
        kind: EventKind::Competence,
        title: "Kompetensutveckling: AI i offentlig förvaltning".into(),
        day: today + chrono::Duration::days(21),
        starts: time(10),
        ends: time(15),
        place: "Tillväxtverket, Götgatan 74, Stockholm".into(),
        link: String::new(),
        agenda: "Förmiddag: föreläsning och exempel från regionerna.\nEftermiddag: workshop."
            .into(),
    };
    let met = network::insert_event(&mut tx, &meeting, staff.officer).await?;
    let coming = network::insert_event(&mut tx, &course, staff.officer).await?;
    let coordinators: Vec<(Uuid, Uuid, String, String)> = sqlx::query_as(
        "SELECT u.id, u.organisation_id, u.name, u.email FROM users u
         WHERE u.role = 'coordinator' AND u.email LIKE 'koordinator.%@digikoord.example'
         ORDER BY u.email LIMIT 8",
    )
    .fetch_all(&mut *tx)
    .await?;
    for (i, (user, organisation, name, email)) in coordinators.into_iter().enumerate() {
        let attendee = Attendee { name, email };
        let at_meeting =
            network::insert_registration(&mut tx, met, organisation, &attendee, user).await?;
        // One of the registered did not come.
        network::record_attendance(&mut tx, met, at_meeting, i != 3, staff.officer).await?;
        if i % 2 == 0 {
            network::insert_registration(&mut tx, coming, organisation, &attendee, user).await?;
        }
    }
    tx.commit().await
}

/// The cases of the year living on `today` (`model::living_year`): every actor as far as
/// `model::story` says, and Tillväxtverket's account as far as `model::agency` says. A
/// year outside the real programme first gets a demo period. Runs once per year: nothing
/// is added when the year already has requisitions. Returns the year.
pub async fn demo_cases(db: &PgPool, today: NaiveDate) -> sqlx::Result<i32> {
    let year = model::living_year(today);
    let mut tx = db.begin().await?;
    // Two starts at once load the demo once.
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('digikoord demo'))")
        .execute(&mut *tx)
        .await?;
    let programme_year = demo_year(&mut tx, year).await?;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM requisitions WHERE year = $1")
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        tx.commit().await?;
        return Ok(year);
    }
    let decision_number: String =
        sqlx::query_scalar("SELECT decision_number FROM periods WHERE id = $1")
            .bind(programme_year.period_id)
            .fetch_one(&mut *tx)
            .await?;
    let staff = Staff::load(&mut tx).await?;
    let deadlines = programme_year.deadlines();
    let mut actors = 0;
    for (index, (name, _)) in ACTORS_2021.iter().enumerate() {
        let email = format!("koordinator.{}@digikoord.example", slug(name));
        // The organisation's demo coordinator, if the organisation is an actor this year.
        let found: Option<(Uuid, Uuid)> = sqlx::query_as(
            "SELECT u.id, u.organisation_id FROM users u
             JOIN programme_years y ON y.year = $2
             JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = u.organisation_id
             WHERE u.email = $1",
        )
        .bind(&email)
        .bind(year)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((coordinator, organisation)) = found else {
            continue;
        };
        actors += 1;
        let case = Case {
            year,
            index,
            name,
            email: &email,
            organisation,
            coordinator,
            decision_number: &decision_number,
            amount: programme_year.cap_per_actor,
        };
        let story = model::story(index, name, &deadlines, today);
        write_story(&mut tx, &case, &story, &staff).await?;
    }
    let agency = model::agency(&deadlines, today);
    write_agency(&mut tx, &programme_year, actors, agency, &staff).await?;
    tx.commit().await?;
    Ok(year)
}

/// The programme year `year`: the real one if the programme has it; otherwise a year of a
/// demo period, with the standard deadlines, a decided budget and the 21 actors of
/// I2021/00795. The latest demo period grows to the year when no real period lies between;
/// else a new one is made. Nothing of the real programme is changed.
pub(super) async fn demo_year(tx: &mut PgConnection, year: i32) -> sqlx::Result<ProgrammeYear> {
    if let Some(found) = crate::programme::db::year(&mut *tx, year).await? {
        return Ok(found);
    }
    let latest: Option<(Uuid, i32, i32)> = sqlx::query_as(
        "SELECT id, first_year, last_year FROM periods WHERE demo ORDER BY last_year DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    let mut growable = None;
    if let Some((id, first, last)) = latest.filter(|(_, _, last)| *last < year) {
        let blocked: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM periods WHERE NOT demo AND first_year <= $2 AND last_year > $1)",
        )
        .bind(last)
        .bind(year)
        .fetch_one(&mut *tx)
        .await?;
        if !blocked {
            growable = Some((id, first));
        }
    }
    let (period_id, first, action) = match growable {
        Some((id, first)) => {
            sqlx::query("UPDATE periods SET last_year = $2 WHERE id = $1")
                .bind(id)
                .bind(year)
                .execute(&mut *tx)
                .await?;
            (id, first, "demo.period_extended")
        }
        None => {
            let id = Uuid::new_v4();
            let number = match latest {
                None => "DEMO".to_string(),
                Some(_) => format!("DEMO-{year}"),
            };
            sqlx::query(
                "INSERT INTO periods (id, decision_number, decision_date, title, ministry, first_year, last_year, demo)
                 VALUES ($1, $2, $3, $4, '—', $5, $5, true)",
            )
            .bind(id)
            .bind(&number)
            .bind(NaiveDate::from_ymd_opt(year, 1, 1))
            .bind("Påhittad demoperiod med testdata – inget regeringsbeslut")
            .bind(year)
            .execute(&mut *tx)
            .await?;
            let names: Vec<&str> = ACTORS_2021.iter().map(|(name, _)| *name).collect();
            sqlx::query(
                "INSERT INTO period_actors (period_id, organisation_id, actor_name)
                 SELECT $1, id, name FROM organisations WHERE name = ANY($2)",
            )
            .bind(id)
            .bind(&names)
            .execute(&mut *tx)
            .await?;
            (id, year, "demo.period_created")
        }
    };
    let before: Vec<i32> =
        sqlx::query_scalar("SELECT year FROM programme_years WHERE period_id = $1")
            .bind(period_id)
            .fetch_all(&mut *tx)
            .await?;
    add_missing_years(&mut *tx, period_id, first, year).await?;
    sqlx::query(
        "UPDATE programme_years SET budget_state = 'decided' WHERE period_id = $1 AND NOT (year = ANY($2))",
    )
    .bind(period_id)
    .bind(&before)
    .execute(&mut *tx)
    .await?;
    crate::audit::Entry::new(None, action, "period", period_id)
        .after(json!({ "demo": true, "first_year": first, "last_year": year }))
        .record(&mut *tx)
        .await?;
    sqlx::query_as("SELECT * FROM programme_years WHERE year = $1")
        .bind(year)
        .fetch_one(&mut *tx)
        .await
}

/// Tillväxtverket's demo staff, who take the staff's steps.
pub(super) struct Staff {
    officer: Uuid,
    approver: Uuid,
    admin: Uuid,
}

impl Staff {
    pub(super) async fn load(conn: &mut PgConnection) -> sqlx::Result<Staff> {
        let ids: Vec<(String, Uuid)> = sqlx::query_as(
            "SELECT email, id FROM users WHERE email IN ('handlaggare@digikoord.example',
                 'attestant@digikoord.example', 'admin@digikoord.example')",
        )
        .fetch_all(conn)
        .await?;
        let id = |email: &str| {
            ids.iter()
                .find(|(e, _)| e == email)
                .map(|(_, id)| *id)
                .ok_or(sqlx::Error::RowNotFound)
        };
        Ok(Staff {
            officer: id("handlaggare@digikoord.example")?,
            approver: id("attestant@digikoord.example")?,
            admin: id("admin@digikoord.example")?,
        })
    }
}

/// One actor's case in the demo year.
pub(super) struct Case<'a> {
    pub(super) year: i32,
    /// Its place in `ACTORS_2021`, which varies dates, costs and texts.
    pub(super) index: usize,
    pub(super) name: &'a str,
    pub(super) email: &'a str,
    pub(super) organisation: Uuid,
    pub(super) coordinator: Uuid,
    pub(super) decision_number: &'a str,
    pub(super) amount: Decimal,
}

/// A moment on a demo day, Swedish time.
fn at(day: NaiveDate, hour: u32) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN))
        .and_local_timezone(SWEDEN)
        .earliest()
        .map_or_else(|| day.and_time(NaiveTime::MIN).and_utc(), |t| t.to_utc())
}

/// An audit record dated when the demo's step happened (`audit::Entry::record` dates it now),
/// marked as demo.
async fn record_at(
    conn: &mut PgConnection,
    when: DateTime<Utc>,
    actor: Uuid,
    action: &str,
    entity: &str,
    entity_id: String,
    mut after: Value,
) -> sqlx::Result<()> {
    after["demo"] = Value::Bool(true);
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id, after)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(when)
    .bind(actor)
    .bind(action)
    .bind(entity)
    .bind(entity_id)
    .bind(after)
    .execute(conn)
    .await?;
    Ok(())
}

/// A message in a case's thread, dated when it was written (`thread::add` dates it now).
async fn message_at(
    conn: &mut PgConnection,
    thread: Thread,
    author: Uuid,
    body: &str,
    when: DateTime<Utc>,
) -> sqlx::Result<()> {
    let (table, key, case) = thread.table();
    sqlx::query(&format!(
        "INSERT INTO {table} (id, {key}, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)"
    ))
    .bind(Uuid::new_v4())
    .bind(case)
    .bind(author)
    .bind(body)
    .bind(when)
    .execute(conn)
    .await?;
    Ok(())
}

const REQUISITION_NOTE: &str = "Komplettera med firmatecknarens fullständiga titel.";
const REPORT_NOTE: &str = "Specificera kostnaderna för köpta tjänster.";
const EXTENSION_REASON: &str = "Kommunfullmäktiges beslut om medfinansiering dröjer till hösten.";

pub(super) async fn write_story(
    tx: &mut PgConnection,
    case: &Case<'_>,
    story: &Story,
    staff: &Staff,
) -> sqlx::Result<()> {
    if let (Some(granted), Some(until)) = (story.on(Step::ExtensionGranted), story.extended_to) {
        sqlx::query(
            "INSERT INTO deadline_extensions (year, organisation_id, deadline, new_deadline, reason, granted_by, granted_at)
             VALUES ($1, $2, 'requisition', $3, $4, $5, $6)",
        )
        .bind(case.year)
        .bind(case.organisation)
        .bind(until)
        .bind(EXTENSION_REASON)
        .bind(staff.officer)
        .bind(at(granted, 13))
        .execute(&mut *tx)
        .await?;
        record_at(
            tx,
            at(granted, 13),
            staff.officer,
            "deadline_extension.granted",
            "deadline_extension",
            format!("{}/{}", case.year, case.organisation),
            json!({ "new_deadline": until, "reason": EXTENSION_REASON }),
        )
        .await?;
    }
    let Some((case_number, Some(payout))) = write_requisition(tx, case, story, staff).await? else {
        return Ok(());
    };
    let Some(unused) = write_report(tx, case, story, staff, payout).await? else {
        return Ok(());
    };
    write_repayment(tx, case, story, staff, unused, &case_number).await
}

/// The requisition as far as it has come, and its payout once prepared. Returns its case
/// number and, once paid, the payout and the amount paid.
async fn write_requisition(
    tx: &mut PgConnection,
    case: &Case<'_>,
    story: &Story,
    staff: &Staff,
) -> sqlx::Result<Option<(String, Option<(Uuid, Decimal)>)>> {
    let Some(filed) = story.on(Step::RequisitionFiled) else {
        return Ok(None);
    };
    let fields = RequisitionFields {
        amount: Some(case.amount),
        payment_method: Some(crate::giro::PaymentMethod::Bankgiro),
        account_number: Some("5050-1055".into()),
        payment_reference: Some(format!("Digikoord {}", case.year)),
        contact_name: Some(format!("Koordinator {}", case.name)),
        contact_email: Some(case.email.to_string()),
        contact_phone: Some("010-123 45 67".into()),
        signatory_name: Some("Anna Andersson".into()),
        signatory_title: Some("Regiondirektör".into()),
        declaration: true,
    };
    let (id, case_number) = cases::insert(
        &mut *tx,
        cases::NewRequisition {
            year: case.year,
            organisation_id: case.organisation,
            decision_number: case.decision_number,
            created_by: case.coordinator,
            fields: &fields,
            submit: true,
            now: at(filed, 10),
        },
    )
    .await?;
    let entity_id = id.to_string();
    let log = |when, actor, action, message: Option<&str>| {
        (when, actor, action, json!({ "message": message }))
    };
    let mut events = vec![log(
        at(filed, 10),
        case.coordinator,
        "requisition.submitted",
        None,
    )];
    let returned = story.on(Step::RequisitionReturned);
    let resubmitted = story.on(Step::RequisitionResubmitted);
    let approved = story.on(Step::RequisitionApproved);
    if let Some(day) = returned {
        message_at(
            tx,
            Thread::Requisition(id),
            staff.officer,
            REQUISITION_NOTE,
            at(day, 14),
        )
        .await?;
        events.push(log(
            at(day, 14),
            staff.officer,
            "requisition.returned",
            Some(REQUISITION_NOTE),
        ));
    }
    if let Some(day) = resubmitted {
        events.push(log(
            at(day, 10),
            case.coordinator,
            "requisition.resubmitted",
            None,
        ));
    }
    if let Some(day) = approved {
        events.push(log(
            at(day, 14),
            staff.officer,
            "requisition.approved",
            None,
        ));
    }
    let state = match (approved, resubmitted, returned) {
        (Some(_), _, _) => RequisitionState::Approved,
        (None, Some(_), _) | (None, None, None) => RequisitionState::Submitted,
        (None, None, Some(_)) => RequisitionState::Returned,
    };
    let last = events.last().map_or(at(filed, 10), |e| e.0);
    sqlx::query(
        "UPDATE requisitions SET state = $2, state_note = $3, created_at = $4, updated_at = $5,
             submitted_at = $6, decided_at = $7
         WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(returned.map(|_| REQUISITION_NOTE))
    .bind(at(filed, 9))
    .bind(last)
    .bind(at(resubmitted.unwrap_or(filed), 10))
    .bind(approved.or(returned).map(|d| at(d, 14)))
    .execute(&mut *tx)
    .await?;

    let mut paid = None;
    if let Some(prepared) = approved {
        let payout = Uuid::new_v4();
        let approved_on = story.on(Step::PayoutApproved);
        let paid_on = story.on(Step::PayoutPaid);
        let payout_state = match (approved_on, paid_on) {
            (_, Some(_)) => PayoutState::Paid,
            (Some(_), None) => PayoutState::Approved,
            (None, None) => PayoutState::Prepared,
        };
        sqlx::query(
            "INSERT INTO payouts (id, requisition_id, state, amount, planned_date, prepared_by, prepared_at,
                 approved_by, approved_at, paid_amount, paid_date, voucher_number, paid_by, paid_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(payout)
        .bind(id)
        .bind(payout_state)
        .bind(case.amount)
        .bind(story.planned_payment)
        .bind(staff.officer)
        .bind(at(prepared, 14))
        .bind(approved_on.map(|_| staff.approver))
        .bind(approved_on.map(|d| at(d, 11)))
        .bind(paid_on.map(|_| case.amount))
        .bind(paid_on)
        .bind(paid_on.map(|_| format!("V{}-{:04}", case.year, case.index + 1)))
        .bind(paid_on.map(|_| staff.officer))
        .bind(paid_on.map(|d| at(d, 15)))
        .execute(&mut *tx)
        .await?;
        if let Some(day) = approved_on {
            events.push(log(at(day, 11), staff.approver, "payout.approved", None));
        }
        if let Some(day) = paid_on {
            events.push(log(at(day, 15), staff.officer, "payout.paid", None));
            paid = Some((payout, case.amount));
        }
    }
    for (when, actor, action, after) in events {
        record_at(
            tx,
            when,
            actor,
            action,
            "requisition",
            entity_id.clone(),
            after,
        )
        .await?;
    }
    Ok(Some((case_number, paid)))
}

/// The report as far as it has come. Returns what is left unused once it is approved.
async fn write_report(
    tx: &mut PgConnection,
    case: &Case<'_>,
    story: &Story,
    staff: &Staff,
    (payout, received): (Uuid, Decimal),
) -> sqlx::Result<Option<Decimal>> {
    let Some(started) = story.on(Step::ReportStarted) else {
        return Ok(None);
    };
    let submitted = story.on(Step::ReportSubmitted);
    let returned = story.on(Step::ReportReturned);
    let resubmitted = story.on(Step::ReportResubmitted);
    let approved = story.on(Step::ReportApproved);
    let state = match (approved, resubmitted, returned, submitted) {
        (Some(_), ..) => ReportState::Approved,
        (None, Some(_), ..) | (None, None, None, Some(_)) => ReportState::Submitted,
        (None, None, Some(_), _) => ReportState::Returned,
        (None, None, None, None) => ReportState::Draft,
    };
    let share = |basis: u32| {
        (received * Decimal::from(basis) / Decimal::from(model::Costs::WHOLE)).round_dp(2)
    };
    let c = story.costs;
    let (services, travel, other) = (share(c.services), share(c.travel), share(c.other));
    let personnel = share(c.personnel).min(received - services - travel - other);
    let i = case.index;
    use SelfAssessment::{CantSay, No, Partly, Yes};
    let assessments = [Yes, Yes, Partly, Yes, No, Yes, CantSay, Yes];
    let last = [approved, resubmitted, returned, submitted]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(started);
    let id = Uuid::new_v4();
    let unused: Decimal = sqlx::query_scalar(
        "INSERT INTO reports (id, year, organisation_id, payout_id, state, task_1, task_2, task_3, task_4, task_5,
             needs_and_challenges, results_and_effects, self_assessment, self_assessment_motivation,
             received, cost_personnel, cost_services, cost_travel, cost_other, finances_saved, created_by,
             created_at, updated_at, first_submitted_at, submitted_at, approved_at, approved_by, state_note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
             $15, $16, $17, $18, $19, true, $20, $21, $22, $23, $24, $25, $26, $27)
         RETURNING unused",
    )
    .bind(id)
    .bind(case.year)
    .bind(case.organisation)
    .bind(payout)
    .bind(state)
    .bind(format!("{} har fört in digitalisering i den regionala utvecklingsstrategin och dess handlingsplan.", case.name))
    .bind("Koordinatorn leder ett länsnätverk med kommunerna och sprider information via nyhetsbrev och träffar.")
    .bind("En kartläggning har pekat ut förbättringsområden inom e-hälsa, bredband och kompetensförsörjning.")
    .bind("Koordinatorn har deltagit i Tillväxtverkets nätverksträffar och i två arbetsgrupper.")
    .bind("Underlag om verksamheten, behov och utmaningar har lämnats till Tillväxtverkets uppföljning.")
    .bind(if i.is_multiple_of(3) {
        "Kommunerna behöver stöd i informationssäkerhet; den digitala tryggheten behöver stärkas."
    } else {
        "Små kommuner saknar kompetens för att driva digitaliseringsprojekt; bredband på landsbygden släpar."
    })
    .bind("Fler kommuner har antagit en digitaliseringsplan och samverkar om gemensamma e-tjänster.")
    .bind(submitted.map(|_| assessments[i % assessments.len()]))
    .bind(if submitted.is_some() { "Samverkan i länet har ökat tydligt under året." } else { "" })
    .bind(received)
    .bind(personnel)
    .bind(services)
    .bind(travel)
    .bind(other)
    .bind(case.coordinator)
    .bind(at(started, 9))
    .bind(at(last, 10))
    .bind(submitted.map(|d| at(d, 10)))
    .bind(resubmitted.or(submitted).map(|d| at(d, 10)))
    .bind(approved.map(|d| at(d, 14)))
    .bind(approved.map(|_| staff.officer))
    .bind((state == ReportState::Returned).then_some(REPORT_NOTE))
    .fetch_one(&mut *tx)
    .await?;
    let goals: [&[&str]; 5] = [
        &["innovation", "ledning"],
        &["kompetens"],
        &["trygghet", "kompetens"],
        &["infrastruktur"],
        &["innovation"],
    ];
    let kinds = [
        ActivityKind::NetworkMeeting,
        ActivityKind::Training,
        ActivityKind::Strategy,
        ActivityKind::Analysis,
        ActivityKind::Communication,
    ];
    for (n, (title, held)) in [
        ("Länsträff om digitalisering", "maj"),
        ("Utbildning för kommunernas chefer", "september"),
    ]
    .iter()
    .enumerate()
    {
        let k = (i + n) % 5;
        sqlx::query(
            "INSERT INTO report_activities (id, report_id, position, title, description, held, sub_goals, kind, partners, participants)
             VALUES ($1, $2, $3, $4, '', $5, $6, $7, 'Kommunerna i länet', $8)",
        )
        .bind(Uuid::new_v4())
        .bind(id)
        .bind(i32::try_from(n).unwrap_or(0) + 1)
        .bind(title)
        .bind(format!("{held} {}", case.year))
        .bind(goals[k].iter().map(|g| g.to_string()).collect::<Vec<_>>())
        .bind(kinds[k])
        .bind(i32::try_from(20 + 7 * ((i + n) % 9)).unwrap_or(20))
        .execute(&mut *tx)
        .await?;
    }
    let entity_id = id.to_string();
    let mut events = vec![(
        at(started, 9),
        case.coordinator,
        "report.created",
        json!({ "year": case.year, "received": received }),
    )];
    if let Some(day) = submitted {
        events.push((at(day, 10), case.coordinator, "report.submitted", json!({})));
    }
    if let Some(day) = returned {
        message_at(
            tx,
            Thread::Report(id),
            staff.officer,
            REPORT_NOTE,
            at(day, 14),
        )
        .await?;
        events.push((
            at(day, 14),
            staff.officer,
            "report.returned",
            json!({ "message": REPORT_NOTE }),
        ));
    }
    if let Some(day) = resubmitted {
        events.push((at(day, 10), case.coordinator, "report.submitted", json!({})));
    }
    if let Some(day) = approved {
        events.push((at(day, 14), staff.officer, "report.approved", json!({})));
    }
    for (when, actor, action, after) in events {
        record_at(tx, when, actor, action, "report", entity_id.clone(), after).await?;
    }
    Ok(approved.map(|_| unused))
}

/// The repayment of what was left unused, registered by the region and confirmed by the
/// case officer as far as the story has come.
async fn write_repayment(
    tx: &mut PgConnection,
    case: &Case<'_>,
    story: &Story,
    staff: &Staff,
    unused: Decimal,
    case_number: &str,
) -> sqlx::Result<()> {
    let Some(registered) = story.on(Step::RepaymentRegistered) else {
        return Ok(());
    };
    if unused <= Decimal::ZERO {
        return Ok(());
    }
    let confirmed = story.on(Step::RepaymentConfirmed);
    let id = Uuid::new_v4();
    let received_on = confirmed.map(|_| registered.succ_opt().unwrap_or(registered));
    sqlx::query(
        "INSERT INTO repayment_payments (id, year, organisation_id, state, paid_on, amount, reference,
             registered_by, registered_at, received_on, received_amount, verification_number, confirmed_by,
             confirmed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(id)
    .bind(case.year)
    .bind(case.organisation)
    .bind(if confirmed.is_some() {
        PaymentState::Confirmed
    } else {
        PaymentState::Registered
    })
    .bind(registered)
    .bind(unused)
    .bind(payment_reference(case_number))
    .bind(case.coordinator)
    .bind(at(registered, 10))
    .bind(received_on)
    .bind(confirmed.map(|_| unused))
    .bind(confirmed.map(|_| format!("ÅB-{}-{:03}", case.year, case.index + 1)))
    .bind(confirmed.map(|_| staff.officer))
    .bind(confirmed.map(|d| at(d, 14)))
    .execute(&mut *tx)
    .await?;
    record_at(
        tx,
        at(registered, 10),
        case.coordinator,
        "repayment.registered",
        "repayment_payment",
        id.to_string(),
        json!({ "year": case.year, "organisation": case.organisation, "paid_on": registered, "amount": unused }),
    )
    .await?;
    if let Some(day) = confirmed {
        record_at(
            tx,
            at(day, 14),
            staff.officer,
            "repayment.confirmed",
            "repayment_payment",
            id.to_string(),
            json!({ "state": "confirmed", "received_on": received_on, "received_amount": unused }),
        )
        .await?;
    }
    Ok(())
}

/// Tillväxtverket's own account: its requisition from Kammarkollegiet (the frame of the
/// actors and its own support, at most 23 000 000 kr), its support costs and its repayment,
/// computed by `AgencyAccount::to_repay` from what the account holds. Nothing is written
/// over what an administrator registered.
async fn write_agency(
    tx: &mut PgConnection,
    year: &ProgrammeYear,
    actors: usize,
    steps: model::AgencySteps,
    staff: &Staff,
) -> sqlx::Result<()> {
    let Some(requisitioned_on) = steps.requisitioned else {
        return Ok(());
    };
    // The demo's years outside the real programme follow I2021/00795's terms.
    let cap = support_cap(year.year).unwrap_or(Decimal::from(2_000_000));
    let requisitioned =
        (year.cap_per_actor * Decimal::from(actors) + cap).min(AGENCY_REQUISITION_MAX);
    let support_costs = match steps.costs_registered {
        Some(_) => Decimal::from(1_850_000).min(cap),
        None => Decimal::ZERO,
    };
    let last = [steps.repaid, steps.costs_registered, steps.requisitioned]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(requisitioned_on);
    let inserted = sqlx::query(
        "INSERT INTO agency_accounts (year, requisitioned, requisitioned_on, support_costs, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (year) DO NOTHING",
    )
    .bind(year.year)
    .bind(requisitioned)
    .bind(requisitioned_on)
    .bind(support_costs)
    .bind(staff.admin)
    .bind(at(last, 11))
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(());
    }
    let mut repaid = None;
    if let Some(repaid_on) = steps.repaid {
        let account = crate::repayments::db::agency_account(&mut *tx, year.year).await?;
        let amount = account.to_repay();
        sqlx::query("UPDATE agency_accounts SET repaid = $2, repaid_on = $3 WHERE year = $1")
            .bind(year.year)
            .bind(amount)
            .bind(repaid_on)
            .execute(&mut *tx)
            .await?;
        repaid = Some(amount);
    }
    record_at(
        tx,
        at(last, 11),
        staff.admin,
        "agency_account.updated",
        "agency_account",
        year.year.to_string(),
        json!({ "requisitioned": requisitioned, "support_costs": support_costs, "repaid": repaid }),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_addresses_are_plain_ascii() {
        assert_eq!(slug("Region Jämtland Härjedalen"), "jamtland-harjedalen");
        assert_eq!(slug("Västra Götalandsregionen"), "vastra-gotalandsregionen");
        assert_eq!(slug("Region Örebro län"), "orebro");
        assert_eq!(slug("Gotlands kommun"), "gotlands");
    }

    #[test]
    fn a_demo_moment_is_that_swedish_day() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).expect("date");
        assert_eq!(crate::clock::swedish_date(at(day, 0)), day);
        assert_eq!(crate::clock::swedish_date(at(day, 23)), day);
    }
}
