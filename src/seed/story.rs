//! One actor's story of a demo year, written as people take its steps: through the
//! domains' own writes (`requisitions::db`, `reports::db`, `repayments::db`,
//! `thread::add`), so the schema's rules hold for the demo as for everyone; then the dates
//! are moved to the story's days with a few `UPDATE`s of the seed's own. The audit log
//! can't be moved (it is append-only), so its entries are written dated (`record_at`).
//!
//! Each decision the staff take in the story is recorded as their own step records it
//! (`records::db`): a requisition returned, granted as its payout is attested, an extension,
//! a report returned or approved. A decision record is frozen with the moment it was made,
//! so the demo's are dated when the demo was loaded. A region with a signatory besides its
//! coordinator (`Case::signatory`) sends in what the coordinator drew up only once the
//! signatory has confirmed it. The registrar's part (`write_registry`): a number series per
//! calendar year, and a diarienummer on every case the day after it came in, but for the
//! living year's newest, left for the registrar's list.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    demo::{Case, Staff},
    model::{self, Step, Story},
};
use crate::{
    auth::Scope,
    clock::{SWEDEN, swedish_date},
    programme::{db::ProgrammeYear, model::ExtendedDeadline},
    records::{db as records, model::DecisionKind},
    registry::{db as registry, model::Series},
    repayments::{
        db as repayment_db,
        model::{AgencyEntries, Confirmation, Payment, PaymentState, payment_reference},
    },
    reports::{
        db::{self as report_db, Report},
        model::{
            Action as ReportAction, Activity, ActivityKind, Analysis, Costs as ReportCosts,
            ReportState, SelfAssessment,
        },
    },
    requisitions::{
        db::{self as cases, PayoutStep, Requisition},
        model::{Action, ExtensionGrant, RequisitionFields, RequisitionState},
    },
    thread::Thread,
};

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

/// A message in a case's thread (`thread::add`), then dated when it was written.
async fn message_at(
    conn: &mut PgConnection,
    thread: Thread,
    author: Uuid,
    body: &str,
    when: DateTime<Utc>,
) -> sqlx::Result<()> {
    let id = crate::thread::add(&mut *conn, thread, author, body).await?;
    let (table, _, _) = thread.table();
    sqlx::query(&format!("UPDATE {table} SET created_at = $2 WHERE id = $1"))
        .bind(id)
        .bind(when)
        .execute(conn)
        .await?;
    Ok(())
}

/// A domain step that did not take (its `false` or `None`): the case was not where the
/// story had left it, and the demo stops rather than write something else.
fn took(done: bool, step: &str) -> sqlx::Result<()> {
    if done {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol(format!(
            "demo: the step \"{step}\" did not apply"
        )))
    }
}

/// A decision recorded (`records::db`) as the staff's own step records it; the demo stops
/// when it cannot be.
fn recorded(result: crate::error::Result<Uuid>, decision: &str) -> sqlx::Result<()> {
    result.map(|_| ()).map_err(|e| {
        sqlx::Error::Protocol(format!(
            "demo: the decision \"{decision}\" was not recorded: {e:?}"
        ))
    })
}

/// A step for the audit log: when, by whom, the action and what it says.
type Event = (DateTime<Utc>, Uuid, &'static str, Value);

/// The requisition as the staff read it when they decide.
async fn requisition(
    tx: &mut PgConnection,
    case: &Case<'_>,
    id: Uuid,
) -> sqlx::Result<Requisition> {
    cases::list(&mut *tx, case.year, Scope::Organisation(case.organisation))
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(sqlx::Error::RowNotFound)
}

/// The report as the case officer reads it when they decide.
async fn submitted_report(tx: &mut PgConnection, id: Uuid) -> sqlx::Result<Report> {
    report_db::find(&mut *tx, id, Scope::All)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// The coordinator draws the requisition up for the region's signatory at nine, and the
/// signatory confirms it at ten: it is sent in (`requisitions::db::prepare`, `sign`).
async fn sign_requisition(
    tx: &mut PgConnection,
    case: &Case<'_>,
    signatory: Uuid,
    id: Uuid,
    day: NaiveDate,
) -> sqlx::Result<Vec<Event>> {
    let (drawn_up, sent) = (at(day, 9), at(day, 10));
    took(
        cases::prepare(&mut *tx, id, case.coordinator, drawn_up).await?,
        "requisition drawn up for the signatory",
    )?;
    let signed = cases::sign(&mut *tx, id, case.coordinator, signatory, drawn_up, sent).await?;
    took(signed.is_some(), "requisition confirmed by the signatory")?;
    Ok(vec![
        (
            drawn_up,
            case.coordinator,
            "requisition.prepared",
            json!({}),
        ),
        (
            sent,
            signatory,
            "requisition.signed",
            json!({ "prepared_by": case.coordinator, "signed_by": signatory }),
        ),
    ])
}

/// The report sent in at ten: by the coordinator, or — drawn up for the region's signatory
/// at nine — by the signatory's confirmation.
async fn send_in_report(
    tx: &mut PgConnection,
    case: &Case<'_>,
    id: Uuid,
    day: NaiveDate,
) -> sqlx::Result<Vec<Event>> {
    let sent = at(day, 10);
    let Some(signatory) = case.signatory else {
        took(
            report_db::submit(&mut *tx, id, sent, case.coordinator).await?,
            "report submitted",
        )?;
        return Ok(vec![(
            sent,
            case.coordinator,
            "report.submitted",
            json!({}),
        )]);
    };
    let drawn_up = at(day, 9);
    took(
        report_db::prepare(&mut *tx, id, case.coordinator, drawn_up).await?,
        "report drawn up for the signatory",
    )?;
    took(
        report_db::sign(&mut *tx, id, case.coordinator, signatory, drawn_up, sent).await?,
        "report confirmed by the signatory",
    )?;
    Ok(vec![
        (drawn_up, case.coordinator, "report.prepared", json!({})),
        (
            sent,
            signatory,
            "report.signed",
            json!({ "prepared_by": case.coordinator, "signed_by": signatory }),
        ),
    ])
}

const REQUISITION_NOTE: &str = "Komplettera med firmatecknarens fullständiga titel.";
const REPORT_NOTE: &str = "Specificera kostnaderna för köpta tjänster.";
const EXTENSION_REASON: &str = "Kommunfullmäktiges beslut om medfinansiering dröjer till hösten.";
/// An extension rests on a decision or the ministry's consent; the demo's is made up.
const EXTENSION_BASIS: &str = "Departementets medgivande (demoperiodens påhittade exempel)";

pub(super) async fn write_story(
    tx: &mut PgConnection,
    case: &Case<'_>,
    story: &Story,
    staff: &Staff,
) -> sqlx::Result<()> {
    if let (Some(granted), Some(until)) = (story.on(Step::ExtensionGranted), story.extended_to) {
        let deadline = ExtendedDeadline::Requisition;
        let grant = ExtensionGrant {
            deadline,
            new_deadline: until,
            reason: EXTENSION_REASON.into(),
            basis: EXTENSION_BASIS.into(),
        };
        let replaced = cases::grant_extension(
            &mut *tx,
            case.year,
            case.organisation,
            &grant,
            staff.officer,
        )
        .await?;
        // An extension someone granted before is never written over (the demo stops).
        took(replaced.is_none(), "requisition deadline extended")?;
        recorded(
            records::record_extension(
                &mut *tx,
                &records::ExtensionDecision {
                    year: case.year,
                    organisation_id: case.organisation,
                    actor_name: case.name,
                    grant: &grant,
                    changed: false,
                    changed_because: None,
                },
                staff.officer,
            )
            .await,
            "extension granted",
        )?;
        // Moving the date.
        sqlx::query(
            "UPDATE deadline_extensions SET granted_at = $4
             WHERE year = $1 AND organisation_id = $2 AND deadline = $3",
        )
        .bind(case.year)
        .bind(case.organisation)
        .bind(deadline)
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
            json!({ "new_deadline": until, "reason": EXTENSION_REASON, "basis": EXTENSION_BASIS }),
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
            // With a signatory besides the coordinator, it is drawn up for them first.
            submit: case.signatory.is_none(),
            now: at(filed, 10),
        },
    )
    .await?;
    let entity_id = id.to_string();
    let log = |when, actor, action, message: Option<&str>| {
        (when, actor, action, json!({ "message": message }))
    };
    let mut events = match case.signatory {
        None => vec![log(
            at(filed, 10),
            case.coordinator,
            "requisition.submitted",
            None,
        )],
        Some(signatory) => {
            let mut events = vec![log(
                at(filed, 9),
                case.coordinator,
                "requisition.created",
                None,
            )];
            events.extend(sign_requisition(tx, case, signatory, id, filed).await?);
            events
        }
    };
    let r = requisition(tx, case, id).await?;
    let returned = story.on(Step::RequisitionReturned);
    let resubmitted = story.on(Step::RequisitionResubmitted);
    let approved = story.on(Step::RequisitionApproved);
    if let Some(day) = returned {
        let to = Action::Return.target(RequisitionState::Submitted);
        let from = Action::Return.from_states();
        let done = cases::transition(&mut *tx, id, from, to, Some(REQUISITION_NOTE)).await?;
        took(done, "requisition returned")?;
        recorded(
            records::record_requisition_decision(
                &mut *tx,
                &r,
                DecisionKind::RequisitionReturned,
                REQUISITION_NOTE,
                staff.officer,
            )
            .await,
            "requisition returned",
        )?;
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
        let submit = case.signatory.is_none();
        let state = cases::update_fields(&mut *tx, id, &fields, submit, at(day, 10)).await?;
        took(state.is_some(), "requisition resubmitted")?;
        match case.signatory {
            None => events.push(log(
                at(day, 10),
                case.coordinator,
                "requisition.resubmitted",
                None,
            )),
            Some(signatory) => {
                events.extend(sign_requisition(tx, case, signatory, id, day).await?);
            }
        }
    }
    if let Some(day) = approved {
        let to = Action::Approve.target(RequisitionState::Submitted);
        let from = Action::Approve.from_states();
        let done = cases::transition(&mut *tx, id, from, to, None).await?;
        took(done, "requisition approved")?;
        events.push(log(
            at(day, 14),
            staff.officer,
            "requisition.approved",
            None,
        ));
    }
    // Moving the dates: filed, last changed and decided on the story's days (submitted_at
    // already is: the domain took the story's moment of each submission).
    let last = events.last().map_or(at(filed, 10), |e| e.0);
    sqlx::query(
        "UPDATE requisitions SET created_at = $2, updated_at = $3, decided_at = $4 WHERE id = $1",
    )
    .bind(id)
    .bind(at(filed, 9))
    .bind(last)
    .bind(approved.or(returned).map(|d| at(d, 14)))
    .execute(&mut *tx)
    .await?;

    let mut paid = None;
    if let Some(prepared) = approved {
        let approved_on = story.on(Step::PayoutApproved);
        let paid_on = story.on(Step::PayoutPaid);
        // Four eyes as the schema wants them: the case officer prepares and registers the
        // payment, the approver approves.
        let payout = cases::insert_payout(
            &mut *tx,
            id,
            case.amount,
            story.planned_payment,
            staff.officer,
        )
        .await?;
        if approved_on.is_some() {
            let done =
                cases::payout_transition(&mut *tx, payout, PayoutStep::Approve, staff.approver)
                    .await?;
            took(done, "payout approved")?;
            // The requisition is granted now: decided by the approver, presented by the case
            // officer who approved it and prepared the payout.
            recorded(
                records::record_requisition_approved(
                    &mut *tx,
                    &r,
                    case.amount,
                    staff.officer,
                    staff.approver,
                )
                .await,
                "requisition granted",
            )?;
        }
        if let Some(day) = paid_on {
            let voucher = format!("V{}-{:04}", case.year, case.index + 1);
            let step = PayoutStep::RegisterPaid {
                amount: case.amount,
                date: day,
                voucher_number: &voucher,
            };
            let done = cases::payout_transition(&mut *tx, payout, step, staff.officer).await?;
            took(done, "payout paid")?;
        }
        // Moving the dates.
        sqlx::query(
            "UPDATE payouts SET prepared_at = $2, approved_at = $3, paid_at = $4 WHERE id = $1",
        )
        .bind(payout)
        .bind(at(prepared, 14))
        .bind(approved_on.map(|d| at(d, 11)))
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
    let id = report_db::insert(
        &mut *tx,
        report_db::NewReport {
            year: case.year,
            organisation_id: case.organisation,
            payout_id: payout,
            received,
            created_by: case.coordinator,
        },
    )
    .await?;
    let tasks: [String; 5] = [
        format!("{} har fört in digitalisering i den regionala utvecklingsstrategin och dess handlingsplan.", case.name),
        "Koordinatorn leder ett länsnätverk med kommunerna och sprider information via nyhetsbrev och träffar.".into(),
        "En kartläggning har pekat ut förbättringsområden inom e-hälsa, bredband och kompetensförsörjning.".into(),
        "Koordinatorn har deltagit i Tillväxtverkets nätverksträffar och i två arbetsgrupper.".into(),
        "Underlag om verksamheten, behov och utmaningar har lämnats till Tillväxtverkets uppföljning.".into(),
    ];
    took(
        report_db::save_tasks(&mut *tx, id, &tasks).await?,
        "report tasks saved",
    )?;
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
        let activity = Activity {
            title: title.to_string(),
            description: String::new(),
            held: format!("{held} {}", case.year),
            sub_goals: goals[k].iter().map(|g| g.to_string()).collect(),
            kind: kinds[k],
            partners: "Kommunerna i länet".into(),
            participants: i32::try_from(20 + 7 * ((i + n) % 9)).unwrap_or(20),
        };
        report_db::insert_activity(&mut *tx, id, &activity).await?;
    }
    let needs = if i.is_multiple_of(3) {
        "Kommunerna behöver stöd i informationssäkerhet; den digitala tryggheten behöver stärkas."
    } else {
        "Små kommuner saknar kompetens för att driva digitaliseringsprojekt; bredband på landsbygden släpar."
    };
    let motivation = if submitted.is_some() {
        "Samverkan i länet har ökat tydligt under året."
    } else {
        ""
    };
    let analysis = Analysis {
        needs_and_challenges: needs.into(),
        results_and_effects:
            "Fler kommuner har antagit en digitaliseringsplan och samverkar om gemensamma e-tjänster."
                .into(),
        self_assessment: submitted.map(|_| assessments[i % assessments.len()]),
        self_assessment_motivation: motivation.into(),
    };
    took(
        report_db::save_analysis(&mut *tx, id, &analysis).await?,
        "report analysis saved",
    )?;
    let costs = ReportCosts {
        personnel,
        services,
        travel,
        other,
    };
    took(
        report_db::save_finances(&mut *tx, id, &costs, None).await?,
        "report finances saved",
    )?;
    let sent_in = match submitted {
        Some(day) => send_in_report(tx, case, id, day).await?,
        None => vec![],
    };
    if let Some(day) = returned {
        let r = submitted_report(tx, id).await?;
        let to = ReportAction::Return.target(ReportState::Submitted);
        let from = ReportAction::Return.from_states();
        let done = report_db::transition(&mut *tx, id, from, to, Some(REPORT_NOTE)).await?;
        took(done, "report returned")?;
        recorded(
            records::record_report_returned(&mut *tx, &r, REPORT_NOTE, staff.officer).await,
            "report returned",
        )?;
        message_at(
            tx,
            Thread::Report(id),
            staff.officer,
            REPORT_NOTE,
            at(day, 14),
        )
        .await?;
    }
    let sent_in_again = match resubmitted {
        Some(day) => send_in_report(tx, case, id, day).await?,
        None => vec![],
    };
    if approved.is_some() {
        let r = submitted_report(tx, id).await?;
        took(
            report_db::approve(&mut *tx, id, staff.officer).await?,
            "report approved",
        )?;
        recorded(
            records::record_report_approved(&mut *tx, &r, None, staff.officer).await,
            "report approved",
        )?;
    }
    // Moving the dates (submitted_at and first_submitted_at already are: the domain took
    // the story's moment of each submission). The return's note stays only on a report
    // still returned, as the demo has always had it.
    let still_returned = approved.is_none() && resubmitted.is_none() && returned.is_some();
    let unused: Decimal = sqlx::query_scalar(
        "UPDATE reports SET created_at = $2, updated_at = $3, approved_at = $4, state_note = $5
         WHERE id = $1
         RETURNING unused",
    )
    .bind(id)
    .bind(at(started, 9))
    .bind(at(last, 10))
    .bind(approved.map(|d| at(d, 14)))
    .bind(still_returned.then_some(REPORT_NOTE))
    .fetch_one(&mut *tx)
    .await?;
    let entity_id = id.to_string();
    let mut events: Vec<Event> = vec![(
        at(started, 9),
        case.coordinator,
        "report.created",
        json!({ "year": case.year, "received": received }),
    )];
    events.extend(sent_in);
    if let Some(day) = returned {
        events.push((
            at(day, 14),
            staff.officer,
            "report.returned",
            json!({ "message": REPORT_NOTE }),
        ));
    }
    events.extend(sent_in_again);
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
    let payment = Payment {
        paid_on: registered,
        amount: unused,
        reference: payment_reference(case_number),
    };
    repayment_db::insert_payment(
        &mut *tx,
        id,
        case.year,
        case.organisation,
        &payment,
        case.coordinator,
    )
    .await?;
    if let Some(received_on) = received_on {
        let confirmation = Confirmation {
            received_on,
            received_amount: unused,
            verification_number: format!("ÅB-{}-{:03}", case.year, case.index + 1),
        };
        let overpaid =
            repayment_db::confirm_payment(&mut *tx, id, &confirmation, staff.officer).await?;
        took(overpaid.is_some(), "repayment confirmed")?;
    }
    // Moving the dates.
    sqlx::query(
        "UPDATE repayment_payments SET registered_at = $2, confirmed_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(at(registered, 10))
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
            json!({ "state": PaymentState::Confirmed, "received_on": received_on, "received_amount": unused }),
        )
        .await?;
    }
    Ok(())
}

/// Tillväxtverket's own account: its requisition from Kammarkollegiet (the frame of the
/// actors and its own support, at most 23 000 000 kr), its support costs and its repayment,
/// computed by `AgencyAccount::to_repay` from what the account holds. Nothing is written
/// over what an administrator registered.
pub(super) async fn write_agency(
    tx: &mut PgConnection,
    year: &ProgrammeYear,
    actors: usize,
    steps: model::AgencySteps,
    staff: &Staff,
) -> sqlx::Result<()> {
    let Some(requisitioned_on) = steps.requisitioned else {
        return Ok(());
    };
    let registered: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM agency_accounts WHERE year = $1)")
            .bind(year.year)
            .fetch_one(&mut *tx)
            .await?;
    if registered {
        return Ok(());
    }
    // Within what the year's decisions allow (the demo's made-up years: 2021's terms).
    let limits = repayment_db::agency_account(&mut *tx, year.year)
        .await?
        .limits;
    let cap = limits.support_cap.unwrap_or(Decimal::from(2_000_000));
    let requisitioned = (year.cap_per_actor * Decimal::from(actors) + cap)
        .min(limits.frame.unwrap_or(Decimal::from(23_000_000)));
    let support_costs = match steps.costs_registered {
        Some(_) => Decimal::from(1_850_000).min(cap),
        None => Decimal::ZERO,
    };
    let last = [steps.repaid, steps.costs_registered, steps.requisitioned]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(requisitioned_on);
    let mut entries = AgencyEntries {
        requisitioned: Some((requisitioned, requisitioned_on)),
        support_costs,
        repaid: None,
    };
    repayment_db::save_agency_account(&mut *tx, year.year, &entries, staff.admin).await?;
    let mut repaid = None;
    if let Some(repaid_on) = steps.repaid {
        // What the account holds now, with the requisition and the costs in it.
        let account = repayment_db::agency_account(&mut *tx, year.year).await?;
        let amount = account.to_repay();
        entries.repaid = Some((amount, repaid_on));
        repayment_db::save_agency_account(&mut *tx, year.year, &entries, staff.admin).await?;
        repaid = Some(amount);
    }
    // Moving the date.
    sqlx::query("UPDATE agency_accounts SET updated_at = $2 WHERE year = $1")
        .bind(year.year)
        .bind(at(last, 11))
        .execute(&mut *tx)
        .await?;
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

/// How many of the living year's newest cases the demo leaves for the registrar to number.
const LEFT_FOR_THE_REGISTRAR: usize = 3;

/// The registrar's part: every case without a diarienummer (`registry_cases`) gets one from
/// the series of the calendar year it is registered in, by the case officer, at nine the day
/// after it came in — but the living year's newest, and any that came in yesterday or today,
/// which the registrar's list shows. Each year's series is set by the administrator when
/// first needed, this year's in any case, so the registrar can take the next number today.
pub(super) async fn write_registry(
    tx: &mut PgConnection,
    year: i32,
    today: NaiveDate,
    staff: &Staff,
) -> sqlx::Result<()> {
    // The newest first, as the registrar's list has them.
    let unregistered = registry::unregistered(&mut *tx, 100_000).await?;
    let mut left = 0;
    let mut to_register = Vec::new();
    for row in &unregistered {
        let Some(opened) = row.opened_at else {
            continue;
        };
        if row.year == year && left < LEFT_FOR_THE_REGISTRAR {
            left += 1;
            continue;
        }
        let day = swedish_date(opened).succ_opt().unwrap_or(today);
        if day < today {
            to_register.push((at(day, 9), row.case()));
        }
    }
    to_register.sort_by_key(|(when, _)| *when);
    for (when, case) in to_register {
        let number = next_number(tx, when, staff).await?;
        let id = registry::register(&mut *tx, &case, &number, staff.officer, when).await?;
        record_at(
            tx,
            when,
            staff.officer,
            "registry.registered",
            "registry_entry",
            id.to_string(),
            json!({
                "kind": case.kind, "year": case.year, "organisation": case.organisation_id,
                "diarienummer": number, "from_series": true,
            }),
        )
        .await?;
    }
    let yesterday = today.pred_opt().unwrap_or(today);
    series_of(tx, today.year(), yesterday, staff).await
}

/// The next free number of the series of the (Swedish) calendar year of `when`, the series
/// set first if the year has none; numbers a case has already are passed over.
async fn next_number(
    tx: &mut PgConnection,
    when: DateTime<Utc>,
    staff: &Staff,
) -> sqlx::Result<String> {
    let day = swedish_date(when);
    for _ in 0..100 {
        let Some(number) = registry::take_from_series(&mut *tx, day.year()).await? else {
            series_of(tx, day.year(), day, staff).await?;
            continue;
        };
        if !registry::taken(&mut *tx, &number).await? {
            return Ok(number);
        }
    }
    Err(sqlx::Error::Protocol(format!(
        "demo: no free diarienummer in the series of {}",
        day.year()
    )))
}

/// `year`'s number series, `Ä 2026-00001` on, as the administrator sets it (`/admin/diarium`)
/// on 2 January, or on `first_use` when that comes earlier; a series already set is kept.
async fn series_of(
    tx: &mut PgConnection,
    year: i32,
    first_use: NaiveDate,
    staff: &Staff,
) -> sqlx::Result<()> {
    if registry::series(&mut *tx)
        .await?
        .iter()
        .any(|s| s.year == year)
    {
        return Ok(());
    }
    let series = Series {
        year,
        prefix: "Ä".into(),
        next: 1,
        digits: 5,
    };
    let second_of_january = NaiveDate::from_ymd_opt(year, 1, 2).unwrap_or(first_use);
    let when = at(first_use.min(second_of_january), 8);
    registry::set_series(&mut *tx, &series, staff.admin, when).await?;
    record_at(
        tx,
        when,
        staff.admin,
        "registry.series_set",
        "registry_series",
        year.to_string(),
        json!(series),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_moment_is_that_swedish_day() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 29).expect("date");
        assert_eq!(crate::clock::swedish_date(at(day, 0)), day);
        assert_eq!(crate::clock::swedish_date(at(day, 23)), day);
    }
}
