//! The demo: users with a published password, and the cases of the year that is living
//! today, placed relative to today by `model::story` so the demo never reads as a year
//! long gone. A year outside the real programme gets a period of its own, marked as demo.
//! Only `cargo run` with demo data on calls this; every function is safe to run again.
//!
//! The cases are written through the domains' own writes (`requisitions::db`,
//! `reports::db`, `repayments::db`, `thread::add`), step by step as people take them, so
//! the schema's rules (four eyes, money within its frame, repayments on submitted reports)
//! hold for the demo as for everyone, and a change to a table has one path to follow.
//! Those writes stamp the moment they run; the seed then moves the dates, with a few
//! `UPDATE`s of its own, to the story's days. The audit log can't be moved (it is
//! append-only), so its entries are written dated (`record_at`).

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    ACTORS_2021,
    model::{self},
    story::{write_agency, write_registry, write_story},
};
use crate::{
    auth::Role,
    error::AppError,
    programme::{
        db::{ProgrammeYear, add_missing_years},
        model::BudgetState,
    },
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
    /// The organisation's authorised signatory (*firmatecknare*, `crate::signatory`): a
    /// coordinator who confirms what the region's coordinator prepares.
    pub signatory: bool,
}

/// The region whose demo has a signatory besides its coordinator: its requisition and
/// report go in only once `firmatecknare.skane@` has confirmed them.
const SIGNATORY_REGION: &str = "Region Skåne";
/// The demo signatory's name, as the requisitions' typed signatory reads too.
const SIGNATORY_NAME: &str = "Anna Andersson";

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

/// One user per role, a coordinator for every actor of the current period, and Region
/// Skåne's signatory (`firmatecknare.skane@`).
pub async fn demo_users(db: &PgPool) -> Result<Vec<DemoLogin>, AppError> {
    let mut logins = vec![
        DemoLogin {
            email: "admin@digikoord.example".into(),
            role: Role::Admin,
            organisation: None,
            signatory: false,
        },
        DemoLogin {
            email: "handlaggare@digikoord.example".into(),
            role: Role::CaseOfficer,
            organisation: None,
            signatory: false,
        },
        DemoLogin {
            email: "attestant@digikoord.example".into(),
            role: Role::Approver,
            organisation: None,
            signatory: false,
        },
        DemoLogin {
            email: "koordinator@digikoord.example".into(),
            role: Role::Coordinator,
            organisation: Some("Region Stockholm".into()),
            signatory: false,
        },
    ];
    for (name, _) in ACTORS_2021 {
        logins.push(DemoLogin {
            email: format!("koordinator.{}@digikoord.example", slug(name)),
            role: Role::Coordinator,
            organisation: Some(name.to_string()),
            signatory: false,
        });
    }
    logins.push(DemoLogin {
        email: format!("firmatecknare.{}@digikoord.example", slug(SIGNATORY_REGION)),
        role: Role::Coordinator,
        organisation: Some(SIGNATORY_REGION.to_string()),
        signatory: true,
    });
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
            (Some(_), _) if login.signatory => SIGNATORY_NAME.to_string(),
            (Some(org), _) => format!("Koordinator {org}"),
            (None, role) => format!("Demo {}", role.label().to_lowercase()),
        };
        sqlx::query(
            "INSERT INTO users (id, email, name, role, organisation_id, password_hash, demo, signatory)
             VALUES ($1, $2, $3, $4, (SELECT id FROM organisations WHERE name = $5), $6, true, $7)
             ON CONFLICT (email) DO NOTHING",
        )
        .bind(Uuid::new_v4())
        .bind(&login.email)
        .bind(name)
        .bind(login.role)
        .bind(&login.organisation)
        .bind(&hash)
        .bind(login.signatory)
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
         WHERE u.role = $1 AND u.email LIKE 'koordinator.%@digikoord.example'
         ORDER BY u.email LIMIT 8",
    )
    .bind(Role::Coordinator)
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
        // The organisation's demo coordinator, if the organisation is an actor this year, and
        // its signatory besides them, if it has one.
        let found: Option<(Uuid, Uuid, Option<Uuid>)> = sqlx::query_as(
            "SELECT u.id, u.organisation_id,
                    (SELECT s.id FROM users s
                     WHERE s.organisation_id = u.organisation_id AND s.signatory AND s.active
                       AND s.id <> u.id
                     ORDER BY s.email LIMIT 1) AS signatory
             FROM users u
             JOIN programme_years y ON y.year = $2
             JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = u.organisation_id
             WHERE u.email = $1",
        )
        .bind(&email)
        .bind(year)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((coordinator, organisation, signatory)) = found else {
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
            signatory,
            decision_number: &decision_number,
            amount: programme_year.cap_per_actor,
        };
        let story = model::story(index, name, &deadlines, today);
        write_story(&mut tx, &case, &story, &staff).await?;
    }
    let agency = model::agency(&deadlines, today);
    write_agency(&mut tx, &programme_year, actors, agency, &staff).await?;
    write_registry(&mut tx, year, today, &staff).await?;
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
            // Shaped like I2021/00795 (its tasks, a Kammarkollegiet chain, the hubs and
            // DIGG parts) so every page has something to show; every name says it is made up.
            sqlx::query(
                "INSERT INTO periods (id, decision_number, decision_date, title, ministry, first_year, last_year, demo,
                     report_ministry, report_title, report_hubs, report_digg, kammarkollegiet_chain,
                     appropriation, agency_frame, agency_assignment_title)
                 VALUES ($1, $2, $3, $4, '—', $5, $5, true, '—', $4, true, true, true,
                         'Påhittat anslag (demo)', 23000000, 'Påhittat uppdrag (demo)')",
            )
            .bind(id)
            .bind(&number)
            .bind(NaiveDate::from_ymd_opt(year, 1, 1))
            .bind("Påhittad demoperiod med testdata – inget regeringsbeslut")
            .bind(year)
            .execute(&mut *tx)
            .await?;
            crate::programme::db::set_tasks(tx, id, &super::TASKS_2021.map(String::from)).await?;
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
        "UPDATE programme_years y SET budget_state = $3, budget_basis = p.decision_number,
             requisition_basis = p.decision_number, report_basis = p.decision_number,
             repayment_basis = p.decision_number, agency_requisition_basis = p.decision_number,
             agency_repayment_basis = p.decision_number, summary_basis = p.decision_number,
             agency_support_cap = 2000000
         FROM periods p WHERE p.id = y.period_id AND y.period_id = $1 AND NOT (y.year = ANY($2))",
    )
    .bind(period_id)
    .bind(&before)
    .bind(BudgetState::Decided)
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
    pub(super) officer: Uuid,
    pub(super) approver: Uuid,
    pub(super) admin: Uuid,
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
    /// The region's signatory besides its coordinator: what the coordinator sends in is
    /// drawn up for them and confirmed by them (`crate::signatory`). `None`: the coordinator
    /// sends it in.
    pub(super) signatory: Option<Uuid>,
    pub(super) decision_number: &'a str,
    pub(super) amount: Decimal,
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
}
