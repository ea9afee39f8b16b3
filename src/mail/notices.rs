//! Telling people when something happens that they must act on or would want to know.
//! Each notice is queued in the transaction of the event that causes it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    db::{self, Recipient, add_unique, enqueue_all},
    model::Content,
};
use crate::{
    auth::Role,
    dates::format_date,
    money::format_kronor,
    programme::model::{ExtendedDeadline, marked_date},
    signatory::{self, model::Submission},
    thread::Thread,
};

/// An event that someone hears of by mail.
#[derive(Clone, Debug)]
pub enum Notice {
    /// To the case officers.
    RequisitionSubmitted(Uuid),
    /// To the region's coordinators and the requisition's contact person.
    RequisitionReturned(Uuid),
    RequisitionRejected(Uuid),
    /// To the region; and the payout it prepares, to the approvers.
    RequisitionApproved(Uuid),
    /// To the case officer who prepared the payout.
    PayoutSentBack(Uuid),
    /// To the region.
    PayoutPaid(Uuid),
    /// To the case officers.
    ReportSubmitted(Uuid),
    /// To the region.
    ReportReturned(Uuid),
    /// To the region, with what it owes when anything is unused.
    ReportApproved(Uuid),
    /// A payment the region registered, to the case officers to confirm.
    RepaymentRegistered(Uuid),
    /// To the region; an over-payment also to the case officers.
    RepaymentConfirmed(Uuid),
    /// To the other side of the thread.
    Message {
        thread: Thread,
        by_staff: bool,
    },
    /// A refund prepared, to the approvers.
    RefundPrepared(Uuid),
    /// A refund paid, to the region.
    RefundPaid(Uuid),
    /// A network event cancelled: to everyone registered for it.
    EventCancelled(Uuid),
    /// To the region.
    ExtensionGranted {
        year: i32,
        organisation: Uuid,
        deadline: ExtendedDeadline,
    },
    /// To the region: which deadline, the date it had, the year's own date that holds
    /// again, and why (the extension itself is gone when the mail is written).
    ExtensionWithdrawn {
        year: i32,
        organisation: Uuid,
        deadline: ExtendedDeadline,
        was: NaiveDate,
        back_to: NaiveDate,
        reason: String,
    },
    /// A registered payment the region corrected, to the case officers; with what it said
    /// before.
    RepaymentCorrected {
        id: Uuid,
        amount_before: Decimal,
        paid_on_before: NaiveDate,
    },
    /// A registered payment the region withdraws, to the case officers. Queued before the
    /// payment is removed, in the same transaction.
    RepaymentWithdrawn(Uuid),
    /// A requisition or report drawn up for the region's signatory: to its signatories but
    /// the one who drew it up.
    AwaitingSignatory(Submission),
    /// The signatory confirmed it and sent it in: to the one who drew it up.
    SignatoryConfirmed(Submission),
    /// The signatory `by` sent it back, with a message: to `to`, who drew it up.
    SignatorySentBack {
        submission: Submission,
        by: Uuid,
        to: Uuid,
    },
}

/// Queues the mails of `notice` in the caller's transaction.
pub async fn notify(conn: &mut PgConnection, public_url: &str, notice: Notice) -> sqlx::Result<()> {
    let url = |path: &str| format!("{public_url}{path}");
    match notice {
        Notice::RequisitionSubmitted(id) => {
            let r = db::requisition(conn, id).await?;
            let content = Content::new(format!(
                "Ny rekvisition att granska: {} ({})",
                r.organisation, r.case_number
            ))
            .paragraph(format!(
                "{} har skickat in rekvisitionen {} för {} på {}.",
                r.organisation,
                r.case_number,
                r.year,
                r.amount.map(format_kronor).unwrap_or_default()
            ))
            .link(
                "Granska rekvisitionen",
                url(&format!("/rekvisitioner/{id}")),
            );
            let to = db::staff(conn, &[Role::CaseOfficer]).await?;
            enqueue_all(conn, public_url, &to, "requisition.submitted", &content).await
        }
        Notice::RequisitionReturned(id) | Notice::RequisitionRejected(id) => {
            let returned = matches!(notice, Notice::RequisitionReturned(_));
            let r = db::requisition(conn, id).await?;
            let (subject, what, event) = if returned {
                (
                    format!(
                        "Rekvisitionen {} är återsänd för komplettering",
                        r.case_number
                    ),
                    "Tillväxtverket har återsänt rekvisitionen för komplettering. Rätta det som efterfrågas och skicka in den igen.",
                    "requisition.returned",
                )
            } else {
                (
                    format!("Rekvisitionen {} är avslagen", r.case_number),
                    "Tillväxtverket har avslagit rekvisitionen.",
                    "requisition.rejected",
                )
            };
            let content = Content::new(subject)
                .paragraph(what)
                .paragraph(format!(
                    "Meddelande från Tillväxtverket: {}",
                    r.state_note.as_deref().unwrap_or("")
                ))
                .link("Öppna rekvisitionen", url(&format!("/rekvisitioner/{id}")));
            let to = region(conn, &r).await?;
            enqueue_all(conn, public_url, &to, event, &content).await
        }
        Notice::RequisitionApproved(id) => {
            let r = db::requisition(conn, id).await?;
            let amount = r.payout_amount.map(format_kronor).unwrap_or_default();
            let planned = r.planned_date.map(format_date).unwrap_or_default();
            let content = Content::new(format!("Rekvisitionen {} är godkänd", r.case_number))
                .paragraph(format!(
                    "Tillväxtverket har godkänt rekvisitionen {} för {}. {} betalas ut, planerat {}, när utbetalningen har attesterats.",
                    r.case_number, r.year, amount, planned
                ))
                .link("Öppna rekvisitionen", url(&format!("/rekvisitioner/{id}")));
            let to = region(conn, &r).await?;
            enqueue_all(conn, public_url, &to, "requisition.approved", &content).await?;
            let content = Content::new(format!(
                "Utbetalning att attestera: {} ({})",
                r.organisation, r.case_number
            ))
            .paragraph(format!(
                "En utbetalning på {amount} till {} ({}) väntar på attest av en annan person än den som förberedde den.",
                r.organisation, r.case_number
            ))
            .link("Öppna attestkön", url("/attest"));
            let to = db::staff(conn, &[Role::Approver]).await?;
            enqueue_all(conn, public_url, &to, "payout.awaiting_approval", &content).await
        }
        Notice::PayoutSentBack(id) => {
            let r = db::requisition(conn, id).await?;
            let Some(preparer) = r.prepared_by else {
                return Ok(());
            };
            let content = Content::new(format!(
                "Utbetalningen för {} är skickad tillbaka",
                r.case_number
            ))
            .paragraph(format!(
                "Attestanten har skickat tillbaka utbetalningen till {} ({}). Skäl: {}",
                r.organisation,
                r.case_number,
                r.sent_back_reason.as_deref().unwrap_or("")
            ))
            .link("Öppna rekvisitionen", url(&format!("/rekvisitioner/{id}")));
            let to: Vec<Recipient> = db::user(conn, preparer).await?.into_iter().collect();
            enqueue_all(conn, public_url, &to, "payout.sent_back", &content).await
        }
        Notice::PayoutPaid(id) => {
            let r = db::requisition(conn, id).await?;
            let content = Content::new(format!("Medlen för {} är utbetalda", r.year))
                .paragraph(format!(
                    "Tillväxtverket har betalat ut {} till {} den {} (rekvisition {}).",
                    r.paid_amount.map(format_kronor).unwrap_or_default(),
                    r.organisation,
                    r.paid_date.map(format_date).unwrap_or_default(),
                    r.case_number
                ))
                .paragraph(report_due_sentence(&r))
                .link("Öppna rekvisitionen", url(&format!("/rekvisitioner/{id}")));
            let to = region(conn, &r).await?;
            enqueue_all(conn, public_url, &to, "payout.paid", &content).await
        }
        Notice::ReportSubmitted(id) => {
            let r = db::report(conn, id).await?;
            let content = Content::new(format!(
                "Ny redovisning att granska: {} ({})",
                r.organisation, r.year
            ))
            .paragraph(format!(
                "{} har skickat in sin redovisning för {}{}.",
                r.organisation,
                r.year,
                version_note(r.version)
            ))
            .link(
                "Granska redovisningen",
                url(&format!("/redovisningar/{id}")),
            );
            let to = db::staff(conn, &[Role::CaseOfficer]).await?;
            enqueue_all(conn, public_url, &to, "report.submitted", &content).await
        }
        Notice::ReportReturned(id) => {
            let r = db::report(conn, id).await?;
            let content = Content::new(format!(
                "Redovisningen för {} är återsänd för komplettering",
                r.year
            ))
            .paragraph(
                "Tillväxtverket har återsänt redovisningen för komplettering. Rätta det som efterfrågas och skicka in den igen.",
            )
            .paragraph(format!(
                "Meddelande från Tillväxtverket: {}",
                r.state_note.as_deref().unwrap_or("")
            ))
            .link("Öppna redovisningen", url(&format!("/redovisningar/{id}")));
            let to = db::coordinators(conn, r.organisation_id).await?;
            enqueue_all(conn, public_url, &to, "report.returned", &content).await
        }
        Notice::ReportApproved(id) => {
            let r = db::report(conn, id).await?;
            let content = Content::new(format!("Redovisningen för {} är godkänd", r.year))
                .paragraph(format!(
                    "Tillväxtverket har godkänt {}s redovisning för {}.",
                    r.organisation, r.year
                ))
                .link("Öppna redovisningen", url(&format!("/redovisningar/{id}")));
            let to = db::coordinators(conn, r.organisation_id).await?;
            enqueue_all(conn, public_url, &to, "report.approved", &content).await?;
            let page = url(&format!(
                "/aterbetalningar/{}/{}",
                r.year, r.organisation_id
            ));
            let left = r.unused - r.paid;
            if left > rust_decimal::Decimal::ZERO {
                let already = if r.paid > rust_decimal::Decimal::ZERO {
                    format!(
                        " Ni har redan betalat {}; det som återstår är {}.",
                        format_kronor(r.paid),
                        format_kronor(left)
                    )
                } else {
                    String::new()
                };
                let mut content =
                    Content::new(format!("Återbetalning för {}: {}", r.year, format_kronor(left)))
                        .paragraph(format!(
                            "Enligt den godkända redovisningen har {} inte använts.{already} Beloppet ska betalas tillbaka till Tillväxtverket senast {}.",
                            format_kronor(r.unused),
                            format_date(r.repayment_deadline)
                        ));
                if let Some(ocr) = repayment_ocr(conn, r.year, r.organisation_id).await? {
                    content = content.paragraph(pay_with_ocr(&ocr));
                }
                let content = content.link("Öppna återbetalningen", page);
                enqueue_all(conn, public_url, &to, "repayment.owed", &content).await?;
            } else if left < rust_decimal::Decimal::ZERO {
                let content = Content::new(format!(
                    "För mycket återbetalt för {}: {}",
                    r.year,
                    format_kronor(-left)
                ))
                .paragraph(format!(
                    "Enligt den godkända redovisningen har {} inte använts, och {} har betalat {}. Tillväxtverket betalar tillbaka {} till {}.",
                    format_kronor(r.unused),
                    r.organisation,
                    format_kronor(r.paid),
                    format_kronor(-left),
                    r.organisation
                ))
                .link("Öppna återbetalningen", page);
                let mut to = to;
                add_unique(&mut to, db::staff(conn, &[Role::CaseOfficer]).await?);
                enqueue_all(conn, public_url, &to, "repayment.overpaid", &content).await?;
            }
            Ok(())
        }
        Notice::RepaymentRegistered(id) => {
            let p = db::repayment(conn, id).await?;
            let content = Content::new(format!(
                "Återbetalning att bekräfta: {} ({})",
                p.organisation, p.year
            ))
            .paragraph(format!(
                "{} har registrerat en återbetalning på {}, betald {}. Bekräfta den när den syns på kontot.",
                p.organisation,
                format_kronor(p.amount),
                format_date(p.paid_on)
            ))
            .link(
                "Öppna återbetalningen",
                url(&format!("/aterbetalningar/{}/{}", p.year, p.organisation_id)),
            );
            let to = db::staff(conn, &[Role::CaseOfficer]).await?;
            enqueue_all(conn, public_url, &to, "repayment.registered", &content).await
        }
        Notice::RepaymentConfirmed(id) => {
            let p = db::repayment(conn, id).await?;
            let page = url(&format!(
                "/aterbetalningar/{}/{}",
                p.year, p.organisation_id
            ));
            let received = p.received_amount.unwrap_or(p.amount);
            let content = Content::new(format!("Återbetalningen för {} är mottagen", p.year))
                .paragraph(format!(
                    "Tillväxtverket har tagit emot {} den {}.",
                    format_kronor(received),
                    p.received_on.map(format_date).unwrap_or_default()
                ))
                .link("Öppna återbetalningen", page.clone());
            let to = db::coordinators(conn, p.organisation_id).await?;
            enqueue_all(conn, public_url, &to, "repayment.confirmed", &content).await?;
            if p.overpayment {
                let over = p.received_total - p.owed.unwrap_or_default();
                let content = Content::new(format!(
                    "Överbetalning för {}: {} att betala tillbaka till {}",
                    p.year,
                    format_kronor(over),
                    p.organisation
                ))
                .paragraph(format!(
                    "{} har betalat {} mer än det som skulle återbetalas för {}. Överbetalningen är regionens pengar och ska betalas tillbaka till den.",
                    p.organisation,
                    format_kronor(over),
                    p.year
                ))
                .link("Öppna återbetalningen", page);
                let mut to = db::coordinators(conn, p.organisation_id).await?;
                add_unique(&mut to, db::staff(conn, &[Role::CaseOfficer]).await?);
                enqueue_all(conn, public_url, &to, "repayment.overpaid", &content).await?;
            }
            Ok(())
        }
        Notice::Message { thread, by_staff } => {
            let (organisation, name, case) = db::thread_case(conn, thread).await?;
            let (to, subject) = if by_staff {
                (
                    db::coordinators(conn, organisation).await?,
                    format!("Nytt meddelande från Tillväxtverket om {case}"),
                )
            } else {
                (
                    db::staff(conn, &[Role::CaseOfficer]).await?,
                    format!("Nytt meddelande från {name} om {case}"),
                )
            };
            let content = Content::new(subject)
                .paragraph(format!(
                    "Det finns ett nytt meddelande om {case} ({name}). Läs och svara i Digikoord."
                ))
                .link("Läs meddelandet", url(&thread.page()));
            enqueue_all(conn, public_url, &to, "message", &content).await
        }
        Notice::RefundPrepared(id) | Notice::RefundPaid(id) => {
            let f = db::refund(conn, id).await?;
            let page = url(&format!(
                "/aterbetalningar/{}/{}#tillbaka",
                f.year, f.organisation_id
            ));
            if matches!(notice, Notice::RefundPrepared(_)) {
                let content = Content::new(format!(
                    "Återbetalning till {} att attestera: {}",
                    f.organisation,
                    format_kronor(f.amount)
                ))
                .paragraph(format!(
                    "{} har betalat in för mycket för {}. En handläggare har förberett en återbetalning på {} till regionen; den betalas när en annan person har attesterat den.",
                    f.organisation,
                    f.year,
                    format_kronor(f.amount)
                ))
                .link("Attestera återbetalningen", page);
                let to = db::staff(conn, &[Role::Approver]).await?;
                enqueue_all(conn, public_url, &to, "refund.prepared", &content).await
            } else {
                let content = Content::new(format!(
                    "Tillväxtverket har betalat tillbaka {} för {}",
                    format_kronor(f.amount),
                    f.year
                ))
                .paragraph(format!(
                    "{} som {} betalade in för mycket för {} är utbetalt till er{}.",
                    format_kronor(f.amount),
                    f.organisation,
                    f.year,
                    f.paid_date
                        .map(|d| format!(" den {}", format_date(d)))
                        .unwrap_or_default()
                ))
                .link("Öppna återbetalningen", page);
                let to = db::coordinators(conn, f.organisation_id).await?;
                enqueue_all(conn, public_url, &to, "refund.paid", &content).await
            }
        }
        Notice::ExtensionGranted {
            year,
            organisation,
            deadline,
        } => {
            let x = db::extension(conn, year, organisation, deadline).await?;
            let what = deadline.label();
            let content = Content::new(format!("Ny sista dag för {what} {year}"))
                .paragraph(format!(
                    "Tillväxtverket har gett {} förlängd tid för {what} {year}: ny sista dag är {}.",
                    x.organisation,
                    format_date(x.new_deadline)
                ))
                .paragraph(format!("Skäl: {}", x.reason))
                .paragraph(format!("Grund: {}", x.basis))
                .link("Öppna Digikoord", url("/"));
            let to = db::coordinators(conn, organisation).await?;
            enqueue_all(
                conn,
                public_url,
                &to,
                "deadline_extension.granted",
                &content,
            )
            .await
        }
        Notice::ExtensionWithdrawn {
            year,
            organisation,
            deadline,
            was,
            back_to,
            reason,
        } => {
            let what = deadline.label();
            let content = Content::new(format!(
                "Den förlängda tiden för {what} {year} är återkallad"
            ))
            .paragraph(format!(
                "Tillväxtverket har återkallat den förlängda tiden för {what} {year}, som gällde till {}. Sista dag är åter {}.",
                format_date(was),
                format_date(back_to)
            ))
            .paragraph(format!("Skäl: {reason}"))
            .link("Öppna Digikoord", url("/"));
            let to = db::coordinators(conn, organisation).await?;
            enqueue_all(
                conn,
                public_url,
                &to,
                "deadline_extension.withdrawn",
                &content,
            )
            .await
        }
        Notice::RepaymentCorrected {
            id,
            amount_before,
            paid_on_before,
        } => {
            let p = db::repayment(conn, id).await?;
            let content = Content::new(format!(
                "Ändrad återbetalning att bekräfta: {} ({})",
                p.organisation, p.year
            ))
            .paragraph(format!(
                "{} har ändrat en registrerad återbetalning för {}: från {}, betald {}, till {}, betald {}. Bekräfta den när den syns på kontot.",
                p.organisation,
                p.year,
                format_kronor(amount_before),
                format_date(paid_on_before),
                format_kronor(p.amount),
                format_date(p.paid_on)
            ))
            .link(
                "Öppna återbetalningen",
                url(&format!("/aterbetalningar/{}/{}", p.year, p.organisation_id)),
            );
            let to = db::staff(conn, &[Role::CaseOfficer]).await?;
            enqueue_all(conn, public_url, &to, "repayment.corrected", &content).await
        }
        Notice::RepaymentWithdrawn(id) => {
            let p = db::repayment(conn, id).await?;
            let content = Content::new(format!(
                "Återbetalning borttagen: {} ({})",
                p.organisation, p.year
            ))
            .paragraph(format!(
                "{} har tagit bort en registrerad återbetalning för {} på {}, betald {}. Den ska inte längre bekräftas.",
                p.organisation,
                p.year,
                format_kronor(p.amount),
                format_date(p.paid_on)
            ))
            .link(
                "Öppna återbetalningen",
                url(&format!("/aterbetalningar/{}/{}", p.year, p.organisation_id)),
            );
            let to = db::staff(conn, &[Role::CaseOfficer]).await?;
            enqueue_all(conn, public_url, &to, "repayment.withdrawn", &content).await
        }
        Notice::AwaitingSignatory(submission) => {
            let f = signatory::db::facts(conn, submission).await?;
            let (subject, what, event) = match submission {
                Submission::Requisition(_) => (
                    format!(
                        "Rekvisition att bekräfta: {}",
                        f.case_number.as_deref().unwrap_or_default()
                    ),
                    format!("rekvisitionen för {}", f.year),
                    "requisition.prepared",
                ),
                Submission::Report(_) => (
                    format!("Redovisning att bekräfta: {}", f.year),
                    format!("redovisningen för {}", f.year),
                    "report.prepared",
                ),
            };
            let content = Content::new(subject)
                .paragraph(format!(
                    "{} har upprättat {what} för {} och skickat den till dig som firmatecknare. Den skickas till Tillväxtverket först när en firmatecknare har läst och bekräftat den i Digikoord.",
                    f.prepared_by_name.as_deref().unwrap_or("En koordinator"),
                    f.organisation
                ))
                .link("Läs och bekräfta", url(&submission.signing_page()));
            let to = signatory::db::recipients(conn, f.organisation_id, f.prepared_by).await?;
            enqueue_all(conn, public_url, &to, event, &content).await
        }
        Notice::SignatoryConfirmed(submission) => {
            let f = signatory::db::facts(conn, submission).await?;
            let Some(preparer) = f.prepared_by else {
                return Ok(());
            };
            let (subject, what, event) = match submission {
                Submission::Requisition(_) => (
                    format!(
                        "Rekvisitionen {} är bekräftad och inskickad",
                        f.case_number.as_deref().unwrap_or_default()
                    ),
                    format!("rekvisitionen för {}", f.year),
                    "requisition.signed",
                ),
                Submission::Report(_) => (
                    format!("Redovisningen för {} är bekräftad och inskickad", f.year),
                    format!("redovisningen för {}", f.year),
                    "report.signed",
                ),
            };
            let content = Content::new(subject)
                .paragraph(format!(
                    "Firmatecknaren {} har bekräftat {what} som du upprättade för {} och skickat den till Tillväxtverket.",
                    f.signed_by_name.as_deref().unwrap_or_default(),
                    f.organisation
                ))
                .link("Öppna kvittot", url(&submission.receipt()));
            let to: Vec<Recipient> = db::user(conn, preparer).await?.into_iter().collect();
            enqueue_all(conn, public_url, &to, event, &content).await
        }
        Notice::SignatorySentBack { submission, by, to } => {
            let f = signatory::db::facts(conn, submission).await?;
            let by = db::user(conn, by)
                .await?
                .map(|r| r.name)
                .unwrap_or_else(|| "Firmatecknaren".to_string());
            let (subject, what, event) = match submission {
                Submission::Requisition(_) => (
                    format!(
                        "Firmatecknaren har skickat tillbaka rekvisitionen {}",
                        f.case_number.as_deref().unwrap_or_default()
                    ),
                    format!("rekvisitionen för {}", f.year),
                    "requisition.signatory_returned",
                ),
                Submission::Report(_) => (
                    format!(
                        "Firmatecknaren har skickat tillbaka redovisningen för {}",
                        f.year
                    ),
                    format!("redovisningen för {}", f.year),
                    "report.signatory_returned",
                ),
            };
            let content = Content::new(subject)
                .paragraph(format!(
                    "{by} har skickat tillbaka {what} till dig. Ändra det som behövs och skicka den till firmatecknaren igen."
                ))
                .paragraph(format!(
                    "Meddelande från firmatecknaren: {}",
                    f.signatory_note.as_deref().unwrap_or_default()
                ))
                .link("Öppna", url(&submission.page()));
            let to: Vec<Recipient> = db::user(conn, to).await?.into_iter().collect();
            enqueue_all(conn, public_url, &to, event, &content).await
        }
        Notice::EventCancelled(id) => {
            let Some(event) = crate::network::db::event(&mut *conn, id).await? else {
                return Ok(());
            };
            let registered =
                crate::network::db::registrations(&mut *conn, id, crate::auth::Scope::All).await?;
            let mut to = Vec::new();
            add_unique(
                &mut to,
                registered
                    .iter()
                    .map(|r| Recipient::address(&r.name, &r.email)),
            );
            let content = Content::new(format!("Inställd: {}", event.title))
                .paragraph(format!(
                    "Tillväxtverket har ställt in ”{}” {}. Du var anmäld.",
                    event.title,
                    event.when()
                ))
                .paragraph(format!(
                    "Skäl: {}",
                    event.cancel_reason.as_deref().unwrap_or_default()
                ))
                .link("Öppna träffen", url(&format!("/natverk/traffar/{id}")));
            enqueue_all(conn, public_url, &to, "network_event.cancelled", &content).await
        }
    }
}

/// The Bankgirot OCR number of an actor's repayment for a year, made from its case number
/// (`bank::model::ocr_reference`), when it has a case.
pub(super) async fn repayment_ocr(
    conn: &mut PgConnection,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Option<String>> {
    Ok(
        crate::bank::db::repayment_case_number(&mut *conn, year, organisation)
            .await?
            .as_deref()
            .and_then(crate::bank::model::ocr_reference),
    )
}

/// What a mail about a repayment says about paying it: the OCR number, and that the older
/// reference still works.
pub(super) fn pay_with_ocr(ocr: &str) -> String {
    format!(
        "Ange OCR-nummer {ocr} när ni betalar till Tillväxtverkets bankgiro, så kopplas betalningen till ärendet. Den äldre referensen (ärendenumret följt av -AB) går också bra."
    )
}

/// The region's coordinators and the requisition's contact person (once, even when the
/// contact person is one of them).
async fn region(conn: &mut PgConnection, r: &db::RequisitionFacts) -> sqlx::Result<Vec<Recipient>> {
    let mut to = db::coordinators(conn, r.organisation_id).await?;
    if let Some(email) = r
        .contact_email
        .as_deref()
        .filter(|e| crate::input::is_email(e))
    {
        add_unique(
            &mut to,
            [Recipient::address(
                r.contact_name.as_deref().unwrap_or(""),
                email,
            )],
        );
    }
    Ok(to)
}

/// When the region reports on the funds: its own report deadline for the year, a later
/// date granted to it said so, an assumed date marked as one.
fn report_due_sentence(r: &db::RequisitionFacts) -> String {
    let Some(due) = r.report_due else {
        return "Verksamheten och hur medlen använts redovisas enligt Tillväxtverkets anvisningar."
            .into();
    };
    let shown = if r.report_extended {
        format!("{} (förlängd tid)", format_date(due))
    } else {
        marked_date(due, r.report_assumed)
    };
    format!("Verksamheten och hur medlen använts redovisas senast {shown}.")
}

fn version_note(version: i32) -> String {
    if version > 1 {
        format!(" (version {version}, en rättelse)")
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid(report_due: Option<chrono::NaiveDate>, extended: bool, assumed: bool) -> String {
        report_due_sentence(&db::RequisitionFacts {
            id: Uuid::nil(),
            case_number: "DK-2025-001".into(),
            year: 2025,
            organisation_id: Uuid::nil(),
            organisation: "Region Skåne".into(),
            contact_name: None,
            contact_email: None,
            amount: None,
            state_note: None,
            payout_amount: None,
            planned_date: None,
            paid_amount: None,
            paid_date: None,
            prepared_by: None,
            sent_back_reason: None,
            report_due,
            report_extended: extended,
            report_assumed: assumed,
        })
    }

    #[test]
    fn the_mail_tells_the_ocr_number_to_pay_with() {
        let ocr = crate::bank::model::ocr_reference("DK-2025-007").expect("ocr");
        let said = pay_with_ocr(&ocr);
        assert!(said.contains("OCR-nummer 202500799"), "{said}");
        assert!(said.contains("-AB"), "{said}");
    }

    #[test]
    fn the_payout_names_the_actors_own_report_deadline() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 31);
        assert_eq!(
            paid(day, false, false),
            "Verksamheten och hur medlen använts redovisas senast 31 januari 2026."
        );
        assert!(
            paid(day, false, true).contains("31 januari 2026 (antaget – ej angivet i beslutet)")
        );
        let later = chrono::NaiveDate::from_ymd_opt(2026, 2, 20);
        assert!(paid(later, true, true).contains("20 februari 2026 (förlängd tid)"));
        assert!(!paid(None, false, false).contains("januari"));
    }
}
