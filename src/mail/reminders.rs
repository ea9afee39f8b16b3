//! Reminders of every open obligation, and Tillväxtverket's weekly digest. Computed from
//! the deadlines (extensions included) and the cases' states each time they run; the
//! outbox keeps one mail per address and occasion, so running again, or on two servers
//! at once, never sends anything twice. What is open is `db::open_obligations`'s rule: a
//! requisition only until its deadline and only in a year whose budget is decided (not
//! requisitioning is not being late), a report and a repayment only from an actor that
//! requisitioned funds.

use chrono::NaiveDate;
use sqlx::{PgConnection, PgPool};

use super::{
    db::{self, Obligation, ObligationKind, Outgoing, Recipient},
    model::{Content, Kind, Occasion, reminder_occasion, time_left, week_key},
};
use crate::{
    auth::Role,
    dates::format_date,
    money::format_kronor,
    programme::model::{ASSUMED, marked_date},
};

/// Queues the reminders and the digest due on `today`; returns how many were queued.
/// One server at a time does it (an advisory lock); another finds it done.
pub async fn run(db: &PgPool, public_url: &str, today: NaiveDate) -> sqlx::Result<usize> {
    let mut tx = db.begin().await?;
    if !db::try_reminder_lock(&mut tx).await? {
        return Ok(0);
    }
    let days: Vec<u32> = db::reminder_days(&mut tx)
        .await?
        .into_iter()
        .filter_map(|d| u32::try_from(d).ok())
        .collect();
    let obligations = db::open_obligations(&mut tx, today, db::Whose::All).await?;
    let mut queued = 0;
    for o in &obligations {
        let Some(occasion) = reminder_occasion(o.deadline, today, &days) else {
            continue;
        };
        let to = match o.organisation_id {
            Some(org) => db::coordinators(&mut tx, org).await?,
            None => db::staff(&mut tx, &[Role::Admin]).await?,
        };
        // A repayment's reminder tells the OCR number to pay with.
        let ocr = match (o.kind, o.organisation_id) {
            (ObligationKind::Repayment, Some(org)) => {
                super::notices::repayment_ocr(&mut tx, o.year, org).await?
            }
            _ => None,
        };
        let content = reminder(o, occasion, today, public_url, ocr.as_deref());
        // The deadline is part of the key: a new date (an extension) has occasions of its own.
        let key = format!(
            "reminder:{}:{}:{}:{}:{}",
            o.kind.key(),
            o.year,
            o.organisation_id
                .map_or_else(|| "tillvaxtverket".to_string(), |id| id.to_string()),
            o.deadline,
            occasion.key()
        );
        queued += queue(
            &mut tx,
            public_url,
            &to,
            Kind::Reminder,
            o.kind.key(),
            &content,
            &key,
        )
        .await?;
    }
    queued += digest(&mut tx, public_url, today, &obligations).await?;
    tx.commit().await?;
    Ok(queued)
}

async fn queue(
    conn: &mut PgConnection,
    public_url: &str,
    to: &[Recipient],
    kind: Kind,
    what: &str,
    content: &Content,
    key: &str,
) -> sqlx::Result<usize> {
    let mut queued = 0;
    let event = format!(
        "{}.{what}",
        if kind == Kind::Digest {
            "digest"
        } else {
            "reminder"
        }
    );
    for r in to {
        let mail = Outgoing {
            to: r,
            kind,
            event: &event,
            content,
            occasion: Some(key.to_string()),
        };
        if db::enqueue(conn, public_url, mail).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// What one reminder says; a repayment's with its OCR number (`ocr`), when it has one.
fn reminder(
    o: &Obligation,
    occasion: Occasion,
    today: NaiveDate,
    public_url: &str,
    ocr: Option<&str>,
) -> Content {
    let when = time_left(o.deadline, today);
    let late = matches!(occasion, Occasion::Overdue(_));
    let y = o.year;
    let (subject, task, path) = match o.kind {
        ObligationKind::Requisition => (
            format!("Rekvirera medlen för {y}"),
            format!(
                "{} har ännu inte skickat in sin rekvisition av medlen för {y}.",
                o.organisation
            ),
            "/".to_string(),
        ),
        ObligationKind::Report => (
            format!("Redovisningen för {y}"),
            format!(
                "{} har ännu inte skickat in sin redovisning av verksamheten och medlen för {y}.",
                o.organisation
            ),
            "/".to_string(),
        ),
        ObligationKind::Repayment => (
            format!("Återbetalning för {y}"),
            format!(
                "{} har {} kvar att betala tillbaka för {y}.",
                o.organisation,
                o.amount.map(format_kronor).unwrap_or_default()
            ),
            o.organisation_id
                .map(|org| format!("/aterbetalningar/{y}/{org}"))
                .unwrap_or_else(|| "/".into()),
        ),
        ObligationKind::AgencyRequisition => (
            format!("Rekvisition från Kammarkollegiet för {y}"),
            format!(
                "Tillväxtverkets rekvisition av årets medel för {y} från Kammarkollegiet är inte registrerad."
            ),
            "/konto".to_string(),
        ),
        ObligationKind::AgencyRepayment => (
            format!("Återbetalning och ekonomisk redovisning till Kammarkollegiet för {y}"),
            format!(
                "Tillväxtverkets återbetalning av outnyttjade medel för {y} till Kammarkollegiet, med den ekonomiska redovisningen, är inte registrerad."
            ),
            "/konto".to_string(),
        ),
        ObligationKind::Summary => (
            format!("Redovisningen till Regeringskansliet för {y}"),
            format!(
                "Sammanställningen för {y} är inte markerad som inlämnad till Regeringskansliet."
            ),
            "/sammanstallning".to_string(),
        ),
    };
    // After its deadline a region's repayment is a claim of the state: the reminder is a
    // formal betalningspåminnelse, weekly while something is unpaid (`reminder_occasion`).
    let claim = late && o.kind == ObligationKind::Repayment && o.organisation_id.is_some();
    let subject = if claim {
        format!("Försenad: {subject} – betalningspåminnelse")
    } else if late {
        format!("Försenad: {subject}")
    } else {
        format!("Påminnelse: {subject}")
    };
    let deadline = if late {
        format!("Sista dagen var {when}.")
    } else {
        format!("Sista dagen är {when}.")
    };
    // A date no source gives is said to be ours.
    let deadline = if o.assumed {
        format!("{deadline} Datumet är {ASSUMED}.")
    } else {
        deadline
    };
    let mut content = Content::new(subject).paragraph(task).paragraph(deadline);
    // Interest runs from the day after the actor's (effective) repayment deadline, the due
    // date the repayment's page names (`RepaymentRow::interest_due`); once a case officer
    // has decided to waive it, the reminder no longer speaks of it.
    if claim && o.interest_waived {
        content = content.paragraph(
            "Det här är en betalningspåminnelse. Det som inte är betalt är en fordran för staten.",
        );
    } else if claim {
        let from = o
            .deadline
            .succ_opt()
            .map_or_else(|| "dagen efter sista dagen".to_string(), format_date);
        content = content.paragraph(format!(
            "Det här är en betalningspåminnelse. Det som inte är betalt är en fordran för staten, och från och med {from} löper dröjsmålsränta på det enligt räntelagen (1975:635): Riksbankens referensränta plus åtta procentenheter, per år, till och med den dag betalningen kommer in. Räntan är en fordran för sig, skild från återbetalningen. Tillväxtverket beslutar om den tas ut; i så fall visas den på sidan om återbetalningen."
        ));
    }
    if let Some(ocr) = ocr {
        content = content.paragraph(super::notices::pay_with_ocr(ocr));
    }
    // The dates are the Government's: Tillväxtverket can't offer to move them.
    if late && o.organisation_id.is_some() {
        content = content.paragraph("Kontakta Tillväxtverket om ni har frågor.");
    }
    content.link("Öppna Digikoord", format!("{public_url}{path}"))
}

/// The weekly digest to Tillväxtverket's staff: what waits for them and what is late.
/// Queued once per ISO week, and only when there is something to tell.
async fn digest(
    conn: &mut PgConnection,
    public_url: &str,
    today: NaiveDate,
    obligations: &[Obligation],
) -> sqlx::Result<usize> {
    let waiting = db::waiting_for_staff(conn).await?;
    let late: Vec<String> = obligations
        .iter()
        .filter(|o| o.organisation_id.is_some() && o.deadline < today)
        .map(|o| {
            let what = match o.kind {
                ObligationKind::Requisition => "rekvisition",
                ObligationKind::Report => "redovisning",
                _ => "återbetalning",
            };
            format!(
                "{}: {what} för {}, sista dag {}",
                o.organisation,
                o.year,
                marked_date(o.deadline, o.assumed)
            )
        })
        .collect();
    if waiting.is_empty() && late.is_empty() {
        return Ok(0);
    }
    let mut items: Vec<String> = waiting
        .iter()
        .map(|w| format!("{}: {}", w.what, w.n))
        .collect();
    items.extend(late.iter().map(|l| format!("Försenad: {l}")));
    let content = Content::new(format!(
        "Veckans läge i Digikoord, vecka {}",
        today.format("%V")
    ))
    .paragraph(format!(
        "{} väntar på Tillväxtverket och {} är försenade hos regionerna.",
        match waiting.iter().map(|w| w.n).sum::<i64>() {
            1 => "1 ärende".to_string(),
            n => format!("{n} ärenden"),
        },
        match late.len() {
            1 => "1 åtagande".to_string(),
            n => format!("{n} åtaganden"),
        }
    ))
    .items(items)
    .link("Öppna översikten", format!("{public_url}/oversikt"));
    let to = db::staff(conn, &[Role::CaseOfficer, Role::Approver, Role::Admin]).await?;
    let key = format!("digest:{}", week_key(today));
    queue(
        conn,
        public_url,
        &to,
        Kind::Digest,
        "weekly",
        &content,
        &key,
    )
    .await
}
