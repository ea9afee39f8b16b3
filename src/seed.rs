//! The real programme from DOMAIN.md, loaded at every start (idempotent), and the
//! demo users that `cargo run` adds on its private database.

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{auth::Role, programme::db::add_missing_years};

/// The 20 regions and Gotlands kommun of I2021/00795, with their organisation numbers.
pub const ACTORS_2021: [(&str, &str); 21] = [
    ("Region Blekinge", "232100-0081"),
    ("Region Dalarna", "232100-0180"),
    ("Region Gävleborg", "232100-0198"),
    ("Region Halland", "232100-0115"),
    ("Region Jämtland Härjedalen", "232100-0214"),
    ("Region Jönköpings län", "232100-0057"),
    ("Region Kalmar län", "232100-0073"),
    ("Region Kronoberg", "232100-0065"),
    ("Region Norrbotten", "232100-0230"),
    ("Region Skåne", "232100-0255"),
    ("Region Stockholm", "232100-0016"),
    ("Region Sörmland", "232100-0032"),
    ("Region Uppsala", "232100-0024"),
    ("Region Värmland", "232100-0156"),
    ("Region Västernorrland", "232100-0206"),
    ("Region Västerbotten", "232100-0222"),
    ("Region Västmanland", "232100-0172"),
    ("Västra Götalandsregionen", "232100-0131"),
    ("Region Örebro län", "232100-0164"),
    ("Region Östergötland", "232100-0040"),
    ("Gotlands kommun", "212000-0803"),
];

/// The 21 actors of N2018/04129 under the names the decision used, and the organisation
/// that carries the task on (a landsting became its region; a samverkansorgan's task
/// passed to the region). Stockholm's actor was the county administrative board.
pub const ACTORS_2018: [(&str, &str); 21] = [
    (
        "Länsstyrelsen i Stockholms län",
        "Länsstyrelsen i Stockholms län",
    ),
    ("Gotlands kommun", "Gotlands kommun"),
    ("Landstinget i Gävleborgs län", "Region Gävleborg"),
    ("Landstinget i Hallands län", "Region Halland"),
    ("Landstinget i Jämtlands län", "Region Jämtland Härjedalen"),
    ("Landstinget i Jönköpings län", "Region Jönköpings län"),
    ("Landstinget i Kronobergs län", "Region Kronoberg"),
    ("Landstinget i Norrbottens län", "Region Norrbotten"),
    ("Landstinget i Skåne län", "Region Skåne"),
    ("Landstinget i Uppsala län", "Region Uppsala"),
    ("Landstinget i Västernorrlands län", "Region Västernorrland"),
    (
        "Landstinget i Västra Götalands län",
        "Västra Götalandsregionen",
    ),
    ("Landstinget i Västmanlands län", "Region Västmanland"),
    ("Landstinget i Örebro län", "Region Örebro län"),
    ("Landstinget i Östergötlands län", "Region Östergötland"),
    ("Samverkansorganet i Blekinge län", "Region Blekinge"),
    ("Samverkansorganet i Dalarnas län", "Region Dalarna"),
    ("Samverkansorganet i Kalmar län", "Region Kalmar län"),
    ("Samverkansorganet i Södermanlands län", "Region Sörmland"),
    ("Samverkansorganet i Värmlands län", "Region Värmland"),
    (
        "Samverkansorganet i Västerbottens län",
        "Region Västerbotten",
    ),
];

pub const DEMO_PASSWORD: &str = "digikoord-demo-2026";
/// The demo staff accounts' authenticator secret, published (printed at start-up and in
/// the README) so that anyone trying the demo can add it to an app. Never for real use.
pub const DEMO_TOTP_SECRET: &str = "DIGIKOORDDEMOHEMLIGHETATTPROVAPA";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// Loads organisations, both periods, their actors and all years. Safe to run again:
/// it adds what is missing and never overwrites what an administrator changed.
pub async fn programme(db: &PgPool) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    for (name, number) in ACTORS_2021 {
        sqlx::query("INSERT INTO organisations (id, name, org_number) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(Uuid::new_v4())
            .bind(name)
            .bind(number)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO organisations (id, name) VALUES ($1, 'Länsstyrelsen i Stockholms län') ON CONFLICT DO NOTHING")
        .bind(Uuid::new_v4())
        .execute(&mut *tx)
        .await?;

    let periods = [
        (
            "N2018/04129",
            date(2018, 7, 12),
            "Uppdrag och erbjudande att inrätta och upprätthålla en funktion som regional digitaliseringskoordinator",
            "Näringsdepartementet",
            2018,
            2020,
        ),
        (
            "I2021/00795",
            date(2021, 3, 4),
            "Erbjudande att upprätthålla en funktion som regional digitaliseringskoordinator",
            "Infrastrukturdepartementet",
            2021,
            2025,
        ),
    ];
    for (number, decided, title, ministry, first, last) in periods {
        let inserted: Option<(Uuid,)> = sqlx::query_as(
            "INSERT INTO periods (id, decision_number, decision_date, title, ministry, first_year, last_year)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(Uuid::new_v4())
        .bind(number)
        .bind(decided)
        .bind(title)
        .bind(ministry)
        .bind(first)
        .bind(last)
        .fetch_optional(&mut *tx)
        .await?;
        // Only a period created now gets its actors and years; later edits are the administrator's.
        let Some((period_id,)) = inserted else {
            continue;
        };
        let actors: Vec<(&str, &str)> = if first == 2018 {
            ACTORS_2018.to_vec()
        } else {
            ACTORS_2021.iter().map(|(name, _)| (*name, *name)).collect()
        };
        for (actor_name, organisation) in actors {
            sqlx::query(
                "INSERT INTO period_actors (period_id, organisation_id, actor_name)
                 SELECT $1, id, $2 FROM organisations WHERE name = $3",
            )
            .bind(period_id)
            .bind(actor_name)
            .bind(organisation)
            .execute(&mut *tx)
            .await?;
        }
        add_missing_years(&mut tx, period_id, first, last).await?;
        // The years are history: every budget was decided.
        sqlx::query("UPDATE programme_years SET budget_state = 'decided' WHERE period_id = $1")
            .bind(period_id)
            .execute(&mut *tx)
            .await?;
        if first == 2018 {
            // N2018/04129: at most 500 000 kr per actor in 2018. The decision came in July, so
            // the standard 31 March requisition deadline can't apply; 15 November is our
            // assumption (as for 2021) until Tillväxtverket confirms the real date.
            sqlx::query(
                "UPDATE programme_years SET cap_per_actor = 500000, requisition_deadline = $2 WHERE year = 2018 AND period_id = $1",
            )
            .bind(period_id)
            .bind(date(2018, 11, 15))
            .execute(&mut *tx)
            .await?;
        } else {
            // I2021/00795: the funds for 2021 are requisitioned by 15 November 2021.
            sqlx::query("UPDATE programme_years SET requisition_deadline = $2 WHERE year = 2021 AND period_id = $1")
                .bind(period_id)
                .bind(date(2021, 11, 15))
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await
}

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
pub async fn demo_users(db: &PgPool) -> Result<Vec<DemoLogin>, crate::error::AppError> {
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
        crate::audit::record(
            &mut tx,
            crate::audit::Entry {
                actor: None,
                action: "demo.users_activated",
                entity: "user",
                entity_id: "demo".into(),
                before: None,
                after: Some(serde_json::json!({ "users": reactivated.len() })),
            },
        )
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

/// The whole demo: users and the year's cases. Returns the logins to print.
pub async fn demo(db: &PgPool) -> Result<Vec<DemoLogin>, crate::error::AppError> {
    let logins = demo_users(db).await?;
    demo_requisitions(db).await?;
    demo_reports(db).await?;
    demo_repayments(db).await?;
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
        crate::audit::record(
            &mut tx,
            crate::audit::Entry {
                actor: None,
                action: "demo.users_deactivated",
                entity: "user",
                entity_id: "demo".into(),
                before: None,
                after: Some(serde_json::json!({ "users": ids.len() })),
            },
        )
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

/// Demo cases for 2025, so every role finds something to do: Region Stockholm's
/// requisition is returned for completion, Region Skåne's awaits a decision, Region
/// Uppsala's payout awaits approval, Region Örebro län's awaits payment, the rest are paid.
/// Runs once: nothing is added when 2025 already has requisitions.
pub async fn demo_requisitions(db: &PgPool) -> Result<(), crate::error::AppError> {
    use crate::requisitions::{db as cases, model::RequisitionFields, model::RequisitionState};
    use rust_decimal::Decimal;

    const YEAR: i32 = 2025;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM requisitions WHERE year = $1")
        .bind(YEAR)
        .fetch_one(db)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let user = |email: &'static str| async move {
        sqlx::query_scalar::<_, Uuid>("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(db)
            .await
    };
    let officer = user("handlaggare@digikoord.example").await?;
    let approver = user("attestant@digikoord.example").await?;
    let at = |m: u32, d: u32| {
        chrono::NaiveDate::from_ymd_opt(YEAR, m, d)
            .and_then(|date| date.and_hms_opt(10, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| crate::error::AppError::Internal("demo date".into()))
    };
    let million = Decimal::from(1_000_000);
    let mut tx = db.begin().await?;
    for (i, (name, _)) in ACTORS_2021.iter().enumerate() {
        let email = format!("koordinator.{}@digikoord.example", slug(name));
        let (coordinator, organisation): (Uuid, Uuid) =
            sqlx::query_as("SELECT id, organisation_id FROM users WHERE email = $1")
                .bind(&email)
                .fetch_one(&mut *tx)
                .await?;
        let fields = RequisitionFields {
            amount: Some(million),
            payment_method: Some(crate::giro::PaymentMethod::Bankgiro),
            account_number: Some("5050-1055".into()),
            payment_reference: Some(format!("Digikoord {YEAR}")),
            contact_name: Some(format!("Koordinator {name}")),
            contact_email: Some(email.clone()),
            contact_phone: Some("010-123 45 67".into()),
            signatory_name: Some("Anna Andersson".into()),
            signatory_title: Some("Regiondirektör".into()),
            declaration: true,
        };
        let day = u32::try_from(i % 20).unwrap_or(0) + 1;
        let (id, _) = cases::insert(
            &mut tx,
            cases::NewRequisition {
                year: YEAR,
                organisation_id: organisation,
                decision_number: "I2021/00795",
                created_by: coordinator,
                fields: &fields,
                submit: true,
                now: at(3, day)?,
            },
        )
        .await?;
        let log = |actor: Uuid, action: &'static str, message: Option<&str>| crate::audit::Entry {
            actor: Some(actor),
            action,
            entity: "requisition",
            entity_id: id.to_string(),
            before: None,
            after: Some(serde_json::json!({ "demo": true, "message": message })),
        };
        crate::audit::record(&mut tx, log(coordinator, "requisition.submitted", None)).await?;
        match *name {
            "Region Skåne" => continue,
            "Region Stockholm" => {
                let note = "Komplettera med firmatecknarens fullständiga titel.";
                let from = [RequisitionState::Submitted];
                cases::transition(&mut tx, id, &from, RequisitionState::Returned, Some(note))
                    .await?;
                crate::thread::add(
                    &mut tx,
                    crate::thread::Thread::Requisition(id),
                    officer,
                    note,
                )
                .await?;
                crate::audit::record(&mut tx, log(officer, "requisition.returned", Some(note)))
                    .await?;
                continue;
            }
            _ => {}
        }
        let from = [RequisitionState::Submitted];
        cases::transition(&mut tx, id, &from, RequisitionState::Approved, None).await?;
        let planned = chrono::NaiveDate::from_ymd_opt(YEAR, 4, 15)
            .ok_or_else(|| crate::error::AppError::Internal("demo date".into()))?;
        let payout = cases::insert_payout(&mut tx, id, million, planned, officer).await?;
        crate::audit::record(&mut tx, log(officer, "requisition.approved", None)).await?;
        if *name == "Region Uppsala" {
            continue;
        }
        sqlx::query(
            "UPDATE payouts SET state = 'approved', approved_by = $2, approved_at = $3 WHERE id = $1",
        )
        .bind(payout)
        .bind(approver)
        .bind(at(4, 10)?)
        .execute(&mut *tx)
        .await?;
        crate::audit::record(&mut tx, log(approver, "payout.approved", None)).await?;
        if *name == "Region Örebro län" {
            continue;
        }
        sqlx::query(
            "UPDATE payouts SET state = 'paid', paid_amount = amount, paid_date = $2,
                 voucher_number = $3, paid_by = $4, paid_at = $5
             WHERE id = $1",
        )
        .bind(payout)
        .bind(planned)
        .bind(format!("V{YEAR}-{:04}", i + 1))
        .bind(officer)
        .bind(at(4, 15)?)
        .execute(&mut *tx)
        .await?;
        crate::audit::record(&mut tx, log(officer, "payout.paid", None)).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Demo reports for 2025 from the actors that were paid: most approved, some submitted,
/// one returned, one still a draft; varied costs, activities and self-assessments.
/// Runs once: nothing is added when 2025 already has reports.
pub async fn demo_reports(db: &PgPool) -> Result<(), crate::error::AppError> {
    const YEAR: i32 = 2025;
    let existing: i64 = sqlx::query_scalar("SELECT count(*) FROM reports WHERE year = $1")
        .bind(YEAR)
        .fetch_one(db)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let officer: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'handlaggare@digikoord.example'")
            .fetch_one(db)
            .await?;
    let paid: Vec<(Uuid, Uuid, rust_decimal::Decimal, String)> = sqlx::query_as(
        "SELECT p.id, r.organisation_id, p.paid_amount, o.name
         FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
         JOIN organisations o ON o.id = r.organisation_id
         WHERE p.state = 'paid' AND r.year = $1 ORDER BY o.name",
    )
    .bind(YEAR)
    .fetch_all(db)
    .await?;
    let assessments = [
        "yes", "yes", "partly", "yes", "no", "yes", "cant_say", "yes",
    ];
    let goals: [&[&str]; 5] = [
        &["innovation", "ledning"],
        &["kompetens"],
        &["trygghet", "kompetens"],
        &["infrastruktur"],
        &["innovation"],
    ];
    let kinds = [
        "network_meeting",
        "training",
        "strategy",
        "analysis",
        "communication",
    ];
    let mut tx = db.begin().await?;
    for (i, (payout, organisation, received, name)) in paid.iter().enumerate() {
        let coordinator: Uuid = sqlx::query_scalar(
            "SELECT id FROM users WHERE organisation_id = $1 AND role = 'coordinator' ORDER BY email LIMIT 1",
        )
        .bind(organisation)
        .fetch_one(&mut *tx)
        .await?;
        let (state, submitted) = match i {
            0..=11 => (
                "approved",
                Some(format!("2026-01-{:02} 09:00:00+00", 10 + i)),
            ),
            12 => ("submitted", Some("2026-02-03 09:00:00+00".to_string())),
            13 | 14 => (
                "submitted",
                Some(format!("2026-01-{:02} 09:00:00+00", 28 + i - 13)),
            ),
            15 => ("returned", Some("2026-01-30 09:00:00+00".to_string())),
            _ => ("draft", None),
        };
        let step = rust_decimal::Decimal::from(i64::try_from(i).unwrap_or(0) * 12_500);
        let personnel = rust_decimal::Decimal::from(640_000) + step;
        let services = rust_decimal::Decimal::from(180_000);
        let travel = rust_decimal::Decimal::from(35_000);
        let other = rust_decimal::Decimal::from(20_000);
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO reports (id, year, organisation_id, payout_id, state, task_1, task_2, task_3, task_4, task_5,
                 needs_and_challenges, results_and_effects, self_assessment, self_assessment_motivation,
                 received, cost_personnel, cost_services, cost_travel, cost_other, finances_saved, created_by,
                 first_submitted_at, submitted_at, approved_at, approved_by, state_note)
             VALUES ($1, $2, $3, $4, $5::report_state, $6, $7, $8, $9, $10, $11, $12, $13::self_assessment, $14,
                 $15, $16, $17, $18, $19, true, $20, $21::timestamptz, $21::timestamptz,
                 CASE WHEN $5 = 'approved' THEN $21::timestamptz + interval '7 days' END,
                 CASE WHEN $5 = 'approved' THEN $22::uuid END,
                 CASE WHEN $5 = 'returned' THEN 'Specificera kostnaderna för köpta tjänster.' END)",
        )
        .bind(id)
        .bind(YEAR)
        .bind(organisation)
        .bind(payout)
        .bind(state)
        .bind(format!("{name} har fört in digitalisering i den regionala utvecklingsstrategin och dess handlingsplan."))
        .bind("Koordinatorn leder ett länsnätverk med kommunerna och sprider information via nyhetsbrev och träffar.")
        .bind("En kartläggning har pekat ut förbättringsområden inom e-hälsa, bredband och kompetensförsörjning.")
        .bind("Koordinatorn har deltagit i Tillväxtverkets nätverksträffar och i två arbetsgrupper.")
        .bind("Underlag om verksamheten, behov och utmaningar har lämnats till Tillväxtverkets uppföljning.")
        .bind(if i % 3 == 0 {
            "Kommunerna behöver stöd i informationssäkerhet; den digitala tryggheten behöver stärkas."
        } else {
            "Små kommuner saknar kompetens för att driva digitaliseringsprojekt; bredband på landsbygden släpar."
        })
        .bind("Fler kommuner har antagit en digitaliseringsplan och samverkar om gemensamma e-tjänster.")
        .bind(if state == "draft" { None } else { Some(assessments[i % assessments.len()]) })
        .bind(if state == "draft" { "" } else { "Samverkan i länet har ökat tydligt under året." })
        .bind(received)
        .bind(personnel.min(*received - services - travel - other))
        .bind(services)
        .bind(travel)
        .bind(other)
        .bind(coordinator)
        .bind(submitted.as_deref())
        .bind(officer)
        .execute(&mut *tx)
        .await?;
        for (n, title) in [
            "Länsträff om digitalisering",
            "Utbildning för kommunernas chefer",
        ]
        .iter()
        .enumerate()
        {
            let k = (i + n) % 5;
            sqlx::query(
                "INSERT INTO report_activities (id, report_id, position, title, description, held, sub_goals, kind, partners, participants)
                 VALUES ($1, $2, $3, $4, '', $5, $6, $7::activity_kind, 'Kommunerna i länet', $8)",
            )
            .bind(Uuid::new_v4())
            .bind(id)
            .bind(i32::try_from(n).unwrap_or(0) + 1)
            .bind(title)
            .bind(if n == 0 { "mars 2025" } else { "oktober 2025" })
            .bind(goals[k].iter().map(|g| g.to_string()).collect::<Vec<_>>())
            .bind(kinds[k])
            .bind(i32::try_from(20 + 7 * ((i + n) % 9)).unwrap_or(20))
            .execute(&mut *tx)
            .await?;
        }
        crate::audit::record(
            &mut tx,
            crate::audit::Entry {
                actor: Some(coordinator),
                action: "report.created",
                entity: "report",
                entity_id: id.to_string(),
                before: None,
                after: Some(serde_json::json!({ "demo": true, "state": state })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Demo repayments for 2025: most approved reports repaid and confirmed, two registered
/// and awaiting confirmation, the rest open; and Tillväxtverket's requisition and costs.
/// Runs once: nothing is added when 2025 already has repayments.
pub async fn demo_repayments(db: &PgPool) -> Result<(), crate::error::AppError> {
    const YEAR: i32 = 2025;
    let existing: i64 =
        sqlx::query_scalar("SELECT count(*) FROM repayment_payments WHERE year = $1")
            .bind(YEAR)
            .fetch_one(db)
            .await?;
    if existing > 0 {
        return Ok(());
    }
    let user = |email: &'static str| async move {
        sqlx::query_scalar::<_, Uuid>("SELECT id FROM users WHERE email = $1")
            .bind(email)
            .fetch_one(db)
            .await
    };
    let officer = user("handlaggare@digikoord.example").await?;
    let admin = user("admin@digikoord.example").await?;
    let owed: Vec<(Uuid, rust_decimal::Decimal, String, Uuid)> = sqlx::query_as(
        "SELECT r.organisation_id, r.unused, q.case_number, r.created_by
         FROM reports r JOIN requisitions q ON q.year = r.year AND q.organisation_id = r.organisation_id
              AND q.state = 'approved'
         WHERE r.year = $1 AND r.state = 'approved' AND r.unused > 0 ORDER BY q.case_number",
    )
    .bind(YEAR)
    .fetch_all(db)
    .await?;
    let mut tx = db.begin().await?;
    for (i, (organisation, unused, case_number, coordinator)) in owed.iter().enumerate() {
        if i >= 10 {
            break;
        }
        let confirmed = i < 8;
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO repayment_payments (id, year, organisation_id, paid_on, amount, reference, registered_by)
             VALUES ($1, $2, $3, '2026-02-20', $4, $5, $6)",
        )
        .bind(id)
        .bind(YEAR)
        .bind(organisation)
        .bind(unused)
        .bind(crate::repayments::model::payment_reference(case_number))
        .bind(coordinator)
        .execute(&mut *tx)
        .await?;
        if confirmed {
            sqlx::query(
                "UPDATE repayment_payments SET state = 'confirmed', received_on = '2026-02-23',
                     received_amount = amount, verification_number = $2, confirmed_by = $3, confirmed_at = now()
                 WHERE id = $1",
            )
            .bind(id)
            .bind(format!("ÅB-{YEAR}-{:03}", i + 1))
            .bind(officer)
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query(
        "INSERT INTO agency_accounts (year, requisitioned, requisitioned_on, support_costs, updated_by)
         VALUES ($1, 23000000, '2025-11-25', 1850000, $2) ON CONFLICT (year) DO NOTHING",
    )
    .bind(YEAR)
    .bind(admin)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programme::model::parse_org_number;

    #[test]
    fn every_organisation_number_in_the_seed_is_luhn_valid() {
        for (name, number) in ACTORS_2021 {
            assert_eq!(parse_org_number(number).as_deref(), Ok(number), "{name}");
        }
    }

    #[test]
    fn every_2018_actor_maps_to_a_known_organisation() {
        for (actor, organisation) in ACTORS_2018 {
            assert!(
                organisation == "Länsstyrelsen i Stockholms län"
                    || ACTORS_2021.iter().any(|(n, _)| *n == organisation),
                "{actor} → {organisation}"
            );
        }
    }

    #[test]
    fn demo_addresses_are_plain_ascii() {
        assert_eq!(slug("Region Jämtland Härjedalen"), "jamtland-harjedalen");
        assert_eq!(slug("Västra Götalandsregionen"), "vastra-gotalandsregionen");
        assert_eq!(slug("Region Örebro län"), "orebro");
        assert_eq!(slug("Gotlands kommun"), "gotlands");
    }
}
