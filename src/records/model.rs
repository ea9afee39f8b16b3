//! The pure rules of decision records: the kinds of decision, what each one says in Swedish
//! (the decision, its reasons and what it rests on), who decided after whose presentation
//! (förvaltningslagen 2017:900, 31 §), the content checksum that shows a record is as it was
//! made, which registered case (diarienummer) a decision belongs to, and the keys under
//! which a case document's PDF/A is kept. Unit-tested; no I/O.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::Role, dates::format_date, money::format_kronor, programme::model::ExtendedDeadline,
    registry::model::CaseKind,
};

/// What was decided, as the schema's `decision_kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "decision_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Decided when the approver attests the payout the case officer prepared.
    RequisitionApproved,
    RequisitionReturned,
    RequisitionRejected,
    ReportApproved,
    ReportReturned,
    RefundApproved,
    /// Granted, or changed (a changed extension is a new decision).
    ExtensionGranted,
    RoleGranted,
}

impl DecisionKind {
    pub const ALL: [DecisionKind; 8] = [
        DecisionKind::RequisitionApproved,
        DecisionKind::RequisitionReturned,
        DecisionKind::RequisitionRejected,
        DecisionKind::ReportApproved,
        DecisionKind::ReportReturned,
        DecisionKind::RefundApproved,
        DecisionKind::ExtensionGranted,
        DecisionKind::RoleGranted,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DecisionKind::RequisitionApproved => "requisition_approved",
            DecisionKind::RequisitionReturned => "requisition_returned",
            DecisionKind::RequisitionRejected => "requisition_rejected",
            DecisionKind::ReportApproved => "report_approved",
            DecisionKind::ReportReturned => "report_returned",
            DecisionKind::RefundApproved => "refund_approved",
            DecisionKind::ExtensionGranted => "extension_granted",
            DecisionKind::RoleGranted => "role_granted",
        }
    }

    /// The decision's kind as the lists and the document name it.
    pub fn label(self) -> &'static str {
        match self {
            DecisionKind::RequisitionApproved => "Rekvisition beviljad",
            DecisionKind::RequisitionReturned => "Rekvisition återsänd för komplettering",
            DecisionKind::RequisitionRejected => "Rekvisition avslagen",
            DecisionKind::ReportApproved => "Redovisning godkänd",
            DecisionKind::ReportReturned => "Redovisning återsänd för komplettering",
            DecisionKind::RefundApproved => "Tillbakabetalning till regionen beviljad",
            DecisionKind::ExtensionGranted => "Förlängd tid",
            DecisionKind::RoleGranted => "Behörighet beviljad",
        }
    }
}

/// A decision to record, in the transaction that makes it (`records::db::record`). People
/// are named by their user id only: the record shows their name as it is when read.
#[derive(Clone, Debug)]
pub struct NewDecision {
    pub kind: DecisionKind,
    pub year: Option<i32>,
    pub organisation_id: Option<Uuid>,
    /// Digikoord's case number (`DK-2025-007`), when the decision belongs to one.
    pub case_number: Option<String>,
    /// The record decided on, as the audit log names it (`requisition`, `report`, …).
    pub entity: &'static str,
    pub entity_id: String,
    /// What was decided.
    pub decision: String,
    /// Why.
    pub reasons: String,
    /// Beslutsfattare.
    pub decided_by: Uuid,
    /// Föredragande: the one who prepared and presented the case, if someone else did.
    pub presented_by: Option<Uuid>,
    /// The recorded decision this one rests on, if it is in the register.
    pub rests_on_record: Option<Uuid>,
    /// What it rests on, in words (always given).
    pub rests_on: String,
    /// The region's coordinator who drew up what was decided on and its signatory who
    /// confirmed it, when the region has one (`crate::signatory`).
    pub region: Option<RegionSigning>,
}

/// The region's own four eyes on a requisition or report: the coordinator who drew it up
/// and the authorised signatory (*firmatecknare*) who confirmed it and sent it in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegionSigning {
    pub prepared_by: Uuid,
    pub signed_by: Uuid,
}

impl RegionSigning {
    /// From a requisition's or report's `prepared_by` and `signed_by`: both when its
    /// signatory confirmed it, else none (sent in by the region without a signatory).
    pub fn of(prepared_by: Option<Uuid>, signed_by: Option<Uuid>) -> Option<RegionSigning> {
        let (prepared_by, signed_by) = (prepared_by?, signed_by?);
        (prepared_by != signed_by).then_some(RegionSigning {
            prepared_by,
            signed_by,
        })
    }
}

/// How the record names the region's two people: `Upprättad av Karin Ek (regional
/// koordinator) och bekräftad av firmatecknare Per Lind.`
pub fn region_sentence(prepared_by: &str, signed_by: &str) -> String {
    format!(
        "Upprättad av {prepared_by} (regional koordinator) och bekräftad av firmatecknare {signed_by}."
    )
}

/// What the region's sentence is about, by the record's entity.
pub fn region_label(entity: &str) -> &'static str {
    match entity {
        "requisition" => "Rekvisitionen från regionen",
        "report" => "Redovisningen från regionen",
        _ => "Från regionen",
    }
}

// ---- Who decided ----

/// A person on a record, by their name as it is now and their role when they acted.
#[derive(Clone, Copy, Debug)]
pub struct Person<'a> {
    pub name: &'a str,
    pub role: Role,
}

impl Person<'_> {
    /// `Anna Andersson, attestant`.
    pub fn described(&self) -> String {
        format!("{}, {}", self.name, self.role.label().to_lowercase())
    }
}

/// The record's sentence on who decided (beslutsfattare) and who presented the case
/// (föredragande), as förvaltningslagen 31 § asks a decision to be documented.
pub fn decided_by_sentence(decider: Person<'_>, presenter: Option<Person<'_>>) -> String {
    match presenter {
        Some(p) => format!(
            "Beslutet har fattats av {}, efter föredragning av {}.",
            decider.described(),
            p.described()
        ),
        None => format!("Beslutet har fattats av {}.", decider.described()),
    }
}

// ---- What each decision says ----

/// What a requisition's approval rests on: the Government's decision it was made under.
pub fn government_decision(decision_number: &str) -> String {
    format!("Regeringens beslut {decision_number}")
}

/// The requisition's approval, decided as its payout is attested: `Rekvisitionen beviljas.
/// 1 000 000 kr betalas ut till Region Stockholm.`
pub fn requisition_approved(amount: Decimal, actor_name: &str) -> String {
    format!(
        "Rekvisitionen beviljas. {} betalas ut till {actor_name}.",
        format_kronor(amount)
    )
}

pub fn requisition_approved_reasons(year: i32, decision_number: &str) -> String {
    format!(
        "Rekvisitionen är fullständig och avser programåret {year}. Beloppet ryms inom det rekvirerade beloppet och årets belopp per aktör enligt regeringens beslut {decision_number}. Utbetalningen har förberetts av en handläggare och attesterats av en annan person."
    )
}

pub fn requisition_returned(case_number: &str, actor_name: &str) -> String {
    format!("Rekvisitionen {case_number} skickas tillbaka till {actor_name} för komplettering.")
}

pub fn requisition_rejected(case_number: &str) -> String {
    format!("Rekvisitionen {case_number} avslås.")
}

pub fn report_approved(year: i32, actor_name: &str, unused: Decimal) -> String {
    match unused > Decimal::ZERO {
        true => format!(
            "Redovisningen för {year} från {actor_name} godkänns. Outnyttjade medel att återbetala: {}.",
            format_kronor(unused)
        ),
        false => format!(
            "Redovisningen för {year} från {actor_name} godkänns. Medlen är använda; inget ska återbetalas."
        ),
    }
}

/// Why a report is approved: it is complete, and what it says was used fits what was
/// received; the officer's comment, if any, after.
pub fn report_approved_reasons(used: Decimal, received: Decimal, comment: Option<&str>) -> String {
    let mut reasons = format!(
        "Redovisningen är fullständig: uppdraget, aktiviteterna, behov och resultat och ekonomin är redovisade. Använda medel, {}, ryms inom mottagna medel, {}.",
        format_kronor(used),
        format_kronor(received)
    );
    if let Some(comment) = comment.map(str::trim).filter(|c| !c.is_empty()) {
        reasons.push_str(&format!("\n\nHandläggarens kommentar: {comment}"));
    }
    reasons
}

pub fn report_returned(year: i32, actor_name: &str) -> String {
    format!("Redovisningen för {year} från {actor_name} skickas tillbaka för komplettering.")
}

/// What a report decision rests on: the decision to grant the year's requisition (its day,
/// when it is in the register), under the Government's decision.
pub fn rests_on_requisition(
    case_number: &str,
    decision_number: &str,
    decided: Option<NaiveDate>,
) -> String {
    match decided {
        Some(day) => format!(
            "Beslutet den {} att bevilja rekvisitionen {case_number} enligt regeringens beslut {decision_number}",
            format_date(day)
        ),
        None => format!(
            "Den beviljade och utbetalda rekvisitionen {case_number} enligt regeringens beslut {decision_number}"
        ),
    }
}

pub fn refund_approved(amount: Decimal, actor_name: &str, year: i32) -> String {
    format!(
        "{} betalas tillbaka till {actor_name}, som har betalat in mer än den ska återbetala för {year}.",
        format_kronor(amount)
    )
}

pub fn refund_reasons(year: i32) -> String {
    format!(
        "Regionens bekräftade inbetalningar för {year} överstiger det belopp som ska återbetalas enligt den godkända redovisningen. Det som har betalats in för mycket är regionens pengar. Tillbakabetalningen har förberetts av en handläggare och attesterats av en annan person."
    )
}

/// What a refund rests on: the decision to approve the year's report.
pub fn rests_on_report(year: i32, case_number: Option<&str>, decided: Option<NaiveDate>) -> String {
    let case = case_number
        .map(|c| format!(" i ärende {c}"))
        .unwrap_or_default();
    match decided {
        Some(day) => format!(
            "Beslutet den {} att godkänna redovisningen för {year}{case}",
            format_date(day)
        ),
        None => format!("Den godkända redovisningen för {year}{case}"),
    }
}

/// An extension granted (`changed: false`) or moved (`true`).
pub fn extension_granted(
    actor_name: &str,
    deadline: ExtendedDeadline,
    year: i32,
    new_deadline: NaiveDate,
    changed: bool,
) -> String {
    match changed {
        false => format!(
            "{actor_name} får förlängd tid för {} {year}. Ny sista dag är {}.",
            deadline.label(),
            format_date(new_deadline)
        ),
        true => format!(
            "Den förlängda tiden för {actor_name} gällande {} {year} ändras. Ny sista dag är {}.",
            deadline.label(),
            format_date(new_deadline)
        ),
    }
}

/// The reason typed for the extension, and for a change also why it was changed.
pub fn extension_reasons(reason: &str, changed_because: Option<&str>) -> String {
    match changed_because.map(str::trim).filter(|c| !c.is_empty()) {
        Some(why) => format!("{}\n\nSkäl till ändringen: {why}", reason.trim()),
        None => reason.trim().to_string(),
    }
}

/// A staff role confirmed; the person is the record's subject (its user id), never named in
/// its text.
pub fn role_granted(role: Role, from: Option<Role>) -> String {
    match from {
        Some(from) => format!(
            "Användaren får rollen {} i stället för rollen {}.",
            role.label().to_lowercase(),
            from.label().to_lowercase()
        ),
        None => format!(
            "Användaren får rollen {} och ett aktivt konto.",
            role.label().to_lowercase()
        ),
    }
}

/// Why: the second administrator has checked the request (four eyes); a request without
/// someone who asked was registered by the operator at installation.
pub fn role_granted_reasons(requested_by_someone: bool) -> String {
    match requested_by_someone {
        true => "Rollen har begärts av en administratör och bekräftats av en annan administratör, som principen om fyra ögon kräver för Tillväxtverkets roller i Digikoord.".to_string(),
        false => "Rollen har registrerats av driften vid installationen och bekräftats av en administratör, som principen om fyra ögon kräver för Tillväxtverkets roller i Digikoord.".to_string(),
    }
}

pub fn role_request(request: i64, role: Role, requested: NaiveDate) -> String {
    format!(
        "Begäran nr {request} den {} om rollen {}",
        format_date(requested),
        role.label().to_lowercase()
    )
}

// ---- The content checksum ----

/// A record's content as its checksum covers it: every field the record says, in this
/// order, as JSON. The moment to the microsecond, as the database keeps it.
#[derive(Debug, Serialize)]
pub struct Content<'a> {
    pub id: Uuid,
    pub kind: &'a str,
    pub year: Option<i32>,
    pub organisation_id: Option<Uuid>,
    pub case_number: Option<&'a str>,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub decided_at: String,
    pub decision: &'a str,
    pub reasons: &'a str,
    pub decided_by: Uuid,
    pub decided_by_role: &'a str,
    pub presented_by: Option<Uuid>,
    pub presented_by_role: Option<&'a str>,
    pub rests_on_record: Option<Uuid>,
    pub rests_on: &'a str,
    pub region_prepared_by: Option<Uuid>,
    pub region_signed_by: Option<Uuid>,
}

/// The moment as the checksum writes it: UTC, to the microsecond.
pub fn moment(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The SHA-256 of the content, in hex.
pub fn checksum(content: &Content<'_>) -> Result<String, String> {
    let json = serde_json::to_string(content).map_err(|e| format!("decision record: {e}"))?;
    Ok(hex::encode(Sha256::digest(json.as_bytes())))
}

// ---- The registered case ----

/// Which of Tillväxtverket's registered cases (`crate::registry`, the diarienummer) a
/// decision belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Registered {
    Requisition,
    Report,
    Repayment,
}

impl Registered {
    pub fn case_kind(self) -> CaseKind {
        match self {
            Registered::Requisition => CaseKind::Requisition,
            Registered::Report => CaseKind::Report,
            Registered::Repayment => CaseKind::Repayment,
        }
    }

    /// The registry's kind as one of these; the year's summary is none of a region's cases.
    pub fn of(kind: &CaseKind) -> Option<Registered> {
        match kind {
            CaseKind::Requisition => Some(Registered::Requisition),
            CaseKind::Report => Some(Registered::Report),
            CaseKind::Repayment => Some(Registered::Repayment),
            CaseKind::Summary => None,
        }
    }
}

/// The registered case a decision belongs to: the requisition's, the report's or the
/// repayment's; an extension's by the deadline it moves (its entity id ends in the deadline's
/// key: `2025/<organisation>/report`); a role grant's to none.
pub fn registered_case(kind: DecisionKind, entity_id: &str) -> Option<Registered> {
    match kind {
        DecisionKind::RequisitionApproved
        | DecisionKind::RequisitionReturned
        | DecisionKind::RequisitionRejected => Some(Registered::Requisition),
        DecisionKind::ReportApproved | DecisionKind::ReportReturned => Some(Registered::Report),
        DecisionKind::RefundApproved => Some(Registered::Repayment),
        DecisionKind::ExtensionGranted => {
            match entity_id
                .rsplit('/')
                .next()
                .and_then(ExtendedDeadline::parse)?
            {
                ExtendedDeadline::Requisition => Some(Registered::Requisition),
                ExtendedDeadline::Report => Some(Registered::Report),
                ExtendedDeadline::Repayment => Some(Registered::Repayment),
            }
        }
        DecisionKind::RoleGranted => None,
    }
}

/// Where the record's case is, for someone of `role` (who reaches the record already):
/// the requisition's or report's page, the repayment's, the year's extensions (staff), the
/// user's (administrators). `None` where they have no such page.
pub fn case_link(
    entity: &str,
    entity_id: &str,
    year: Option<i32>,
    organisation: Option<Uuid>,
    role: Role,
) -> Option<String> {
    match entity {
        "requisition" => Some(format!("/rekvisitioner/{entity_id}")),
        "report" => Some(format!("/redovisningar/{entity_id}")),
        "refund" => year
            .zip(organisation)
            .map(|(y, o)| format!("/aterbetalningar/{y}/{o}")),
        "deadline_extension" if role.is_staff() => {
            year.map(|y| format!("/handlaggning/forlangningar?ar={y}"))
        }
        "user" if role == Role::Admin => Some(format!("/admin/anvandare/{entity_id}")),
        _ => None,
    }
}

// ---- The kept PDF/A ----

/// The key a decision record's PDF/A is kept under.
pub fn decision_key(id: Uuid) -> String {
    format!("decision:{id}")
}

/// A filed requisition's receipt: one per submission (a requisition sent in again after a
/// return is a new receipt).
pub fn receipt_key(requisition: Uuid, submitted_at: DateTime<Utc>) -> String {
    format!("receipt:{requisition}:{}", submitted_at.timestamp())
}

/// A filed report, one per submission of its version.
pub fn report_key(report: Uuid, submitted_at: DateTime<Utc>) -> String {
    format!("report:{report}:{}", submitted_at.timestamp())
}

/// `3 mars 2025 kl. 14.05`, in Swedish time (as the pages' `datetime` filter says it).
pub fn swedish_moment(at: DateTime<Utc>) -> String {
    let local = crate::clock::swedish(at);
    format!(
        "{} kl. {}",
        format_date(local.date_naive()),
        local.format("%H.%M")
    )
}

/// What a receipt or report rendered now would misstate: the region saved changes after it
/// was last sent in (a returned requisition or report being completed), so what the row
/// says now is not what was filed. The audit actions that file a case (the region's own, or
/// its signatory's confirmation, which sends it in), and those that change what was filed
/// (preparing a requisition for the signatory saves its fields too).
pub const REQUISITION_SIGNED: &str = "requisition.signed";
pub const REQUISITION_FILED: [&str; 3] = [
    "requisition.submitted",
    "requisition.resubmitted",
    REQUISITION_SIGNED,
];
pub const REQUISITION_CHANGED: [&str; 2] = ["requisition.saved", "requisition.prepared"];
pub const REPORT_SIGNED: &str = "report.signed";
pub const REPORT_FILED: [&str; 2] = ["report.submitted", REPORT_SIGNED];
pub const REPORT_CHANGED: [&str; 6] = [
    "report.saved",
    "report.activity_added",
    "report.activity_changed",
    "report.activity_removed",
    "report.attachment_added",
    "report.attachment_removed",
];

/// Who a filed case's document names: the one who sent it in, or, when the region's
/// signatory confirmed it (which sent it in), the one who prepared it and the signatory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SentBy<'a> {
    Region {
        name: &'a str,
    },
    Signatory {
        prepared_by: Option<&'a str>,
        signed_by: &'a str,
        signed_at: DateTime<Utc>,
    },
}

impl SentBy<'_> {
    /// The lines the document says it with: (label, value).
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        match self {
            SentBy::Region { name } => vec![("Inskickad av", name.to_string())],
            SentBy::Signatory {
                prepared_by,
                signed_by,
                signed_at,
            } => {
                let mut lines = Vec::new();
                if let Some(name) = prepared_by {
                    lines.push(("Upprättad av", name.to_string()));
                }
                lines.push((
                    "Bekräftad och inskickad av firmatecknaren",
                    format!("{signed_by}, {}", swedish_moment(*signed_at)),
                ));
                lines
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn plain(s: String) -> String {
        s.replace('\u{a0}', " ")
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn the_record_names_the_one_who_decided_and_the_one_who_presented() {
        let decider = Person {
            name: "Anna Attestant",
            role: Role::Approver,
        };
        let presenter = Person {
            name: "Hans Handläggare",
            role: Role::CaseOfficer,
        };
        assert_eq!(
            decided_by_sentence(decider, Some(presenter)),
            "Beslutet har fattats av Anna Attestant, attestant, efter föredragning av Hans Handläggare, handläggare."
        );
        assert_eq!(
            decided_by_sentence(presenter, None),
            "Beslutet har fattats av Hans Handläggare, handläggare."
        );
        let admin = Person {
            name: "Ada Admin",
            role: Role::Admin,
        };
        assert_eq!(admin.described(), "Ada Admin, administratör");
    }

    #[test]
    fn an_approved_requisition_says_how_much_is_paid_to_whom_under_which_decision() {
        let amount = Decimal::from_str("1000000").expect("amount");
        assert_eq!(
            plain(requisition_approved(amount, "Region Stockholm")),
            "Rekvisitionen beviljas. 1 000 000 kr betalas ut till Region Stockholm."
        );
        assert_eq!(
            government_decision("I2021/00795"),
            "Regeringens beslut I2021/00795"
        );
        assert!(requisition_approved_reasons(2025, "I2021/00795").contains("I2021/00795"));
        assert_eq!(
            requisition_rejected("DK-2025-007"),
            "Rekvisitionen DK-2025-007 avslås."
        );
        assert_eq!(
            requisition_returned("DK-2025-007", "Region Skåne"),
            "Rekvisitionen DK-2025-007 skickas tillbaka till Region Skåne för komplettering."
        );
    }

    #[test]
    fn a_report_decision_rests_on_the_requisitions_decision_by_its_day_when_recorded() {
        assert_eq!(
            rests_on_requisition("DK-2025-007", "I2021/00795", Some(day(2025, 3, 3))),
            "Beslutet den 3 mars 2025 att bevilja rekvisitionen DK-2025-007 enligt regeringens beslut I2021/00795"
        );
        assert_eq!(
            rests_on_requisition("DK-2025-007", "I2021/00795", None),
            "Den beviljade och utbetalda rekvisitionen DK-2025-007 enligt regeringens beslut I2021/00795"
        );
        let used = Decimal::from_str("810000").expect("used");
        let received = Decimal::from_str("1000000").expect("received");
        let unused = received - used;
        assert_eq!(
            plain(report_approved(2025, "Region Stockholm", unused)),
            "Redovisningen för 2025 från Region Stockholm godkänns. Outnyttjade medel att återbetala: 190 000 kr."
        );
        assert_eq!(
            report_approved(2025, "Region Skåne", Decimal::ZERO),
            "Redovisningen för 2025 från Region Skåne godkänns. Medlen är använda; inget ska återbetalas."
        );
        let without = plain(report_approved_reasons(used, received, Some("  ")));
        assert!(without.contains("810 000 kr"), "{without}");
        assert!(!without.contains("kommentar"), "{without}");
        let with = report_approved_reasons(used, received, Some("Bra redovisat."));
        assert!(
            with.ends_with("Handläggarens kommentar: Bra redovisat."),
            "{with}"
        );
        assert_eq!(
            rests_on_report(2025, Some("DK-2025-007"), Some(day(2026, 2, 20))),
            "Beslutet den 20 februari 2026 att godkänna redovisningen för 2025 i ärende DK-2025-007"
        );
        assert_eq!(
            rests_on_report(2025, None, None),
            "Den godkända redovisningen för 2025"
        );
    }

    #[test]
    fn an_extension_says_the_new_day_and_a_change_also_why_it_changed() {
        assert_eq!(
            extension_granted(
                "Region Halland",
                ExtendedDeadline::Report,
                2025,
                day(2026, 3, 31),
                false
            ),
            "Region Halland får förlängd tid för redovisningen 2025. Ny sista dag är 31 mars 2026."
        );
        assert!(
            extension_granted(
                "Region Halland",
                ExtendedDeadline::Repayment,
                2025,
                day(2026, 4, 30),
                true
            )
            .starts_with(
                "Den förlängda tiden för Region Halland gällande återbetalningen 2025 ändras."
            )
        );
        assert_eq!(extension_reasons(" Nytt bokslut. ", None), "Nytt bokslut.");
        assert_eq!(
            extension_reasons("Nytt bokslut.", Some("Fel datum.")),
            "Nytt bokslut.\n\nSkäl till ändringen: Fel datum."
        );
    }

    #[test]
    fn a_role_grant_names_the_roles_never_the_person() {
        assert_eq!(
            role_granted(Role::Approver, Some(Role::CaseOfficer)),
            "Användaren får rollen attestant i stället för rollen handläggare."
        );
        assert_eq!(
            role_granted(Role::Admin, None),
            "Användaren får rollen administratör och ett aktivt konto."
        );
        assert_eq!(
            role_request(12, Role::Admin, day(2026, 1, 5)),
            "Begäran nr 12 den 5 januari 2026 om rollen administratör"
        );
        assert!(role_granted_reasons(true).contains("fyra ögon"));
        assert!(role_granted_reasons(false).contains("driften"));
    }

    fn content<'a>(decision: &'a str, at: DateTime<Utc>) -> Content<'a> {
        Content {
            id: Uuid::nil(),
            kind: DecisionKind::RequisitionApproved.key(),
            year: Some(2025),
            organisation_id: Some(Uuid::nil()),
            case_number: Some("DK-2025-007"),
            entity: "requisition",
            entity_id: "0",
            decided_at: moment(at),
            decision,
            reasons: "Skäl.",
            decided_by: Uuid::nil(),
            decided_by_role: Role::Approver.key(),
            presented_by: None,
            presented_by_role: None,
            rests_on_record: None,
            rests_on: "Regeringens beslut I2021/00795",
            region_prepared_by: None,
            region_signed_by: None,
        }
    }

    #[test]
    fn the_checksum_is_the_same_for_the_same_content_and_changes_with_any_of_it() {
        let at = DateTime::parse_from_rfc3339("2025-03-03T10:15:30.123456Z")
            .expect("moment")
            .with_timezone(&Utc);
        let one = checksum(&content("Rekvisitionen beviljas.", at)).expect("checksum");
        assert_eq!(one.len(), 64);
        assert!(one.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            one,
            checksum(&content("Rekvisitionen beviljas.", at)).expect("checksum")
        );
        assert_ne!(
            one,
            checksum(&content("Rekvisitionen avslås.", at)).expect("checksum")
        );
        let a_microsecond_later = at + chrono::Duration::microseconds(1);
        assert_ne!(
            one,
            checksum(&content("Rekvisitionen beviljas.", a_microsecond_later)).expect("checksum")
        );
        assert_eq!(moment(at), "2025-03-03T10:15:30.123456Z");
        // The region's preparer and signatory are part of what the checksum covers.
        let signed = Content {
            region_prepared_by: Some(Uuid::from_u128(1)),
            region_signed_by: Some(Uuid::from_u128(2)),
            ..content("Rekvisitionen beviljas.", at)
        };
        let other_signatory = Content {
            region_signed_by: Some(Uuid::from_u128(3)),
            ..content("Rekvisitionen beviljas.", at)
        };
        let signed_sum = checksum(&signed).expect("checksum");
        assert_ne!(one, signed_sum);
        assert_ne!(
            signed_sum,
            checksum(&Content {
                region_prepared_by: Some(Uuid::from_u128(1)),
                ..other_signatory
            })
            .expect("checksum")
        );
    }

    #[test]
    fn the_record_names_the_regions_preparer_and_signatory_only_when_there_were_two() {
        let (karin, per) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_eq!(
            RegionSigning::of(Some(karin), Some(per)),
            Some(RegionSigning {
                prepared_by: karin,
                signed_by: per
            })
        );
        // Sent in without a signatory, or drawn up and not (yet) confirmed: none.
        assert_eq!(RegionSigning::of(None, None), None);
        assert_eq!(RegionSigning::of(Some(karin), None), None);
        assert_eq!(RegionSigning::of(None, Some(per)), None);
        assert_eq!(RegionSigning::of(Some(karin), Some(karin)), None);
        assert_eq!(
            region_sentence("Karin Ek", "Per Lind"),
            "Upprättad av Karin Ek (regional koordinator) och bekräftad av firmatecknare Per Lind."
        );
        assert_eq!(region_label("requisition"), "Rekvisitionen från regionen");
        assert_eq!(region_label("report"), "Redovisningen från regionen");
        assert_eq!(region_label("refund"), "Från regionen");
    }

    #[test]
    fn each_decision_belongs_to_its_registered_case_and_an_extension_to_the_one_it_moves() {
        assert_eq!(
            registered_case(DecisionKind::RequisitionRejected, "x"),
            Some(Registered::Requisition)
        );
        assert_eq!(
            registered_case(DecisionKind::ReportReturned, "x"),
            Some(Registered::Report)
        );
        assert_eq!(
            registered_case(DecisionKind::RefundApproved, "x"),
            Some(Registered::Repayment)
        );
        let org = Uuid::nil();
        assert_eq!(
            registered_case(
                DecisionKind::ExtensionGranted,
                &format!("2025/{org}/report")
            ),
            Some(Registered::Report)
        );
        assert_eq!(
            registered_case(
                DecisionKind::ExtensionGranted,
                &format!("2025/{org}/repayment")
            ),
            Some(Registered::Repayment)
        );
        assert_eq!(
            registered_case(DecisionKind::ExtensionGranted, "2025"),
            None
        );
        assert_eq!(registered_case(DecisionKind::RoleGranted, "x"), None);
        for r in [
            Registered::Requisition,
            Registered::Report,
            Registered::Repayment,
        ] {
            assert_eq!(Registered::of(&r.case_kind()), Some(r));
        }
        assert_eq!(Registered::of(&CaseKind::Summary), None);
    }

    #[test]
    fn a_document_is_kept_once_per_submission() {
        let id = Uuid::nil();
        let at = DateTime::<Utc>::from_timestamp(1_740_000_000, 500).expect("moment");
        assert_eq!(
            receipt_key(id, at),
            format!("receipt:{id}:1740000000"),
            "whole seconds"
        );
        assert_eq!(report_key(id, at), format!("report:{id}:1740000000"));
        assert_eq!(decision_key(id), format!("decision:{id}"));
        assert_ne!(
            receipt_key(id, at),
            receipt_key(id, at + chrono::Duration::seconds(60)),
            "sent in again is a new receipt"
        );
        // 14.05 in Stockholm on 3 March is 13.05 UTC.
        let moment = DateTime::parse_from_rfc3339("2025-03-03T13:05:00Z")
            .expect("moment")
            .with_timezone(&Utc);
        assert_eq!(swedish_moment(moment), "3 mars 2025 kl. 14.05");
    }

    #[test]
    fn a_record_links_its_case_where_the_reader_has_a_page_for_it() {
        let id = Uuid::nil();
        assert_eq!(
            case_link("requisition", "r1", Some(2025), Some(id), Role::Coordinator).as_deref(),
            Some("/rekvisitioner/r1")
        );
        assert_eq!(
            case_link("refund", "f1", Some(2025), Some(id), Role::Approver),
            Some(format!("/aterbetalningar/2025/{id}"))
        );
        assert_eq!(
            case_link(
                "deadline_extension",
                "x",
                Some(2025),
                Some(id),
                Role::Coordinator
            ),
            None
        );
        assert_eq!(
            case_link(
                "deadline_extension",
                "x",
                Some(2025),
                Some(id),
                Role::CaseOfficer
            )
            .as_deref(),
            Some("/handlaggning/forlangningar?ar=2025")
        );
        assert_eq!(case_link("user", "u1", None, None, Role::Approver), None);
        assert_eq!(
            case_link("user", "u1", None, None, Role::Admin).as_deref(),
            Some("/admin/anvandare/u1")
        );
    }

    #[test]
    fn a_document_names_who_sent_it_in_or_both_the_preparer_and_the_signatory() {
        assert_eq!(
            SentBy::Region { name: "Karin Ek" }.lines(),
            vec![("Inskickad av", "Karin Ek".to_string())]
        );
        let signed_at = DateTime::parse_from_rfc3339("2025-03-03T13:05:00Z")
            .expect("moment")
            .with_timezone(&Utc);
        assert_eq!(
            SentBy::Signatory {
                prepared_by: Some("Karin Ek"),
                signed_by: "Per Lind",
                signed_at,
            }
            .lines(),
            vec![
                ("Upprättad av", "Karin Ek".to_string()),
                (
                    "Bekräftad och inskickad av firmatecknaren",
                    "Per Lind, 3 mars 2025 kl. 14.05".to_string()
                ),
            ]
        );
    }

    #[test]
    fn every_kind_has_a_label_and_a_key_of_its_own() {
        let keys: std::collections::BTreeSet<&str> =
            DecisionKind::ALL.iter().map(|k| k.key()).collect();
        let labels: std::collections::BTreeSet<&str> =
            DecisionKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(keys.len(), DecisionKind::ALL.len());
        assert_eq!(labels.len(), DecisionKind::ALL.len());
    }
}
