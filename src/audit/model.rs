//! The audit log as an official reads it: each entry one Swedish sentence, the case it
//! belongs to, and the log's filters. Pure, so every sentence is unit-tested.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::{dates::format_date, money::format_kronor};

/// Entries on one page of the log.
pub const PAGE_SIZE: i64 = 100;

/// What a sentence is made from: who, which action, on what, and the case if known.
pub struct Facts<'a> {
    pub actor: Option<&'a str>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub before: Option<&'a Value>,
    pub after: Option<&'a Value>,
    pub case_number: Option<&'a str>,
}

impl Facts<'_> {
    /// A value of the entry's after (or, failing that, before) as text.
    fn text(&self, path: &[&str]) -> Option<String> {
        [self.after, self.before]
            .into_iter()
            .flatten()
            .find_map(|v| at(v, path))
    }

    fn amount(&self, key: &str) -> Option<String> {
        self.text(&[key])
            .and_then(|s| Decimal::from_str(&s).ok())
            .map(format_kronor)
    }

    fn date(&self, key: &str) -> Option<String> {
        self.text(&[key])
            .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
            .map(format_date)
    }

    /// "rekvisitionen DK-2026-021", or "en rekvisition" when the case is not known.
    fn the(&self, definite: &str, indefinite: &str) -> String {
        match self.case_number {
            Some(c) => format!("{definite} {c}"),
            None => indefinite.to_string(),
        }
    }

    /// " i ärende DK-2026-021", or nothing.
    fn in_case(&self) -> String {
        self.case_number
            .map(|c| format!(" i ärende {c}"))
            .unwrap_or_default()
    }
}

fn at(v: &Value, path: &[&str]) -> Option<String> {
    let mut v = v;
    for key in path {
        v = v.get(key)?;
    }
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn with(s: String, extra: Option<String>) -> String {
    match extra {
        Some(x) => format!("{s}, {x}"),
        None => s,
    }
}

fn quoted(name: Option<String>) -> String {
    name.map(|n| format!(" ”{n}”")).unwrap_or_default()
}

/// " på rekvisition 2025": the registrar's case, when the entry names it.
fn registry_case(f: &Facts) -> String {
    match (
        f.text(&["kind"])
            .and_then(|k| crate::registry::model::CaseKind::from_key(&k)),
        f.text(&["year"]),
    ) {
        (Some(kind), Some(year)) => format!(" på {} {year}", kind.label().to_lowercase()),
        _ => String::new(),
    }
}

/// " i Region Skånes ärende 2025": the case a request for public documents concerns.
fn disclosure_case(f: &Facts) -> String {
    match (f.text(&["actor_name"]), f.text(&["year"])) {
        (Some(actor), Some(year)) => format!(" i {actor}s ärende {year}"),
        _ => String::new(),
    }
}

/// The entry as a Swedish sentence: "Anna Attestant attesterade utbetalningen
/// DK-2026-021, 1 000 000 kr". An action without words of its own still reads as Swedish.
pub fn sentence(f: &Facts) -> String {
    let who = match (f.actor, f.action) {
        (Some(name), _) => name,
        (None, "auth.login_failed" | "password.reset_requested") => "Någon",
        (None, _) => "Systemet",
    };
    format!("{who} {}", predicate(f))
}

fn predicate(f: &Facts) -> String {
    let requisition = || f.the("rekvisitionen", "en rekvisition");
    let payout = || f.the("utbetalningen", "en utbetalning");
    let report = || f.the("redovisningen", "en redovisning");
    let repayment = || f.the("återbetalningen", "en återbetalning");
    let file = || quoted(f.text(&["filename"]));
    let activity = || quoted(f.text(&["title"]));
    let user = || {
        f.text(&["name"])
            .map(|n| format!(" {n}"))
            .unwrap_or_default()
    };
    match f.action {
        // Issue 31: the region's signatory, decision records, the registrar, public
        // documents, a new device.
        "requisition.prepared" => {
            format!(
                "skickade {} till firmatecknaren för bekräftelse",
                requisition()
            )
        }
        "requisition.signed" => format!(
            "bekräftade {} som firmatecknare och skickade in den till Tillväxtverket",
            requisition()
        ),
        "requisition.signatory_returned" => format!(
            "skickade som firmatecknare tillbaka {} till koordinatorn",
            requisition()
        ),
        "requisition.taken_back" => {
            format!("tog tillbaka {} från firmatecknaren", requisition())
        }
        "report.prepared" => format!("skickade {} till firmatecknaren för bekräftelse", report()),
        "report.signed" => format!(
            "bekräftade {} som firmatecknare och skickade in den till Tillväxtverket",
            report()
        ),
        "report.signatory_returned" => format!(
            "skickade som firmatecknare tillbaka {} till koordinatorn",
            report()
        ),
        "report.taken_back" => format!("tog tillbaka {} från firmatecknaren", report()),
        "user.signatory_set" => match f.after.and_then(|v| v.get("signatory")) {
            Some(Value::Bool(true)) => format!("gjorde{} till firmatecknare", user()),
            Some(Value::Bool(false)) => format!("tog bort{} som firmatecknare", user()),
            _ => format!("ändrade om{} är firmatecknare", user()),
        },
        "decision.recorded" => format!(
            "fattade beslutet{}{}",
            quoted(f.text(&["title"])),
            f.text(&["case_number"])
                .map(|c| format!(" i ärende {c}"))
                .unwrap_or_default()
        ),
        "case_document.kept" => format!("sparade{} som PDF/A", quoted(f.text(&["filename"]))),
        "registry.registered" => format!(
            "registrerade diarienumret{}{}",
            quoted(f.text(&["diarienummer"])),
            registry_case(f)
        ),
        "registry.corrected" => format!(
            "ändrade diarienumret{} till{}{}",
            quoted(f.before.and_then(|v| at(v, &["diarienummer"]))),
            quoted(f.after.and_then(|v| at(v, &["diarienummer"]))),
            registry_case(f)
        ),
        "registry.series_set" => format!(
            "ställde in nummerserien för diarienummer {}",
            f.text(&["year"]).unwrap_or_default()
        ),
        "auth.new_device" => with("loggade in från en ny enhet".into(), f.text(&["browser"])),
        "disclosure.registered" => format!(
            "registrerade begäran om allmän handling nr {}{}",
            f.text(&["number"]).unwrap_or_default(),
            disclosure_case(f)
        ),
        "disclosure.reviewed" => with(
            format!(
                "sekretessprövade handlingen{} i begäran om allmän handling nr {}",
                quoted(f.text(&["title"])),
                f.text(&["number"]).unwrap_or_default()
            ),
            f.text(&["review_label"]),
        ),
        "disclosure.document_opened" => format!(
            "öppnade handlingen{} för sekretessprövning i begäran om allmän handling nr {}",
            quoted(f.text(&["title"])),
            f.text(&["number"]).unwrap_or_default()
        ),
        "disclosure.bundled" => format!(
            "laddade ner paketet{} till begäran om allmän handling nr {}",
            quoted(f.text(&["filename"])),
            f.text(&["number"]).unwrap_or_default()
        ),
        "disclosure.decided" => with(
            format!(
                "avslutade begäran om allmän handling nr {}",
                f.text(&["number"]).unwrap_or_default()
            ),
            f.text(&["outcome"]),
        ),
        "retention.class_set" => match (f.text(&["name"]), f.text(&["class_label"])) {
            (Some(n), Some(c)) => format!(
                "satte gallringsklassen för {} till {}",
                n.to_lowercase(),
                c.to_lowercase()
            ),
            _ => "ändrade en gallringsklass".to_string(),
        },
        "disposal.proposed" => match f.text(&["due"]) {
            Some(n) => format!(
                "föreslog gallring nr {}: {n} handlingar kan gallras",
                f.entity_id
            ),
            None => format!("föreslog gallring nr {}", f.entity_id),
        },
        "disposal.confirmed" => match f.text(&["removed"]) {
            Some(n) => format!(
                "bekräftade gallring nr {}: {n} handlingar togs bort",
                f.entity_id
            ),
            None => format!("bekräftade gallring nr {}", f.entity_id),
        },
        "disposal.cancelled" => format!("avbröt gallringsförslag nr {}", f.entity_id),
        "legal_hold.placed" => format!("lade spärr nr {} mot gallring", f.entity_id),
        "legal_hold.released" => format!("hävde spärr nr {} mot gallring", f.entity_id),
        "archive.package_requested" => match f.text(&["year"]) {
            Some(y) => format!("begärde ett arkivpaket för programåret {y}"),
            None => "begärde ett arkivpaket".to_string(),
        },
        "archive.package_made" => match f.text(&["year"]) {
            Some(y) => format!("skapade arkivpaketet{} för programåret {y}", file()),
            None => format!("skapade arkivpaketet{}", file()),
        },
        "archive.package_failed" => match f.text(&["year"]) {
            Some(y) => format!("kunde inte skapa arkivpaketet för programåret {y}"),
            None => "kunde inte skapa ett arkivpaket".to_string(),
        },
        "privacy.extract_made" => match f.entity {
            "contact" => "tog fram ett registerutdrag om en kontaktperson".to_string(),
            _ => "tog fram ett registerutdrag om en användare".to_string(),
        },
        "privacy.settings_saved" => match f
            .after
            .and_then(|a| a.get("anonymise_after_months"))
            .and_then(Value::as_u64)
        {
            Some(m) => format!(
                "ställde in att inaktiverade konton anonymiseras {m} månader efter inaktiveringen"
            ),
            None => "ställde in att inaktiverade konton inte anonymiseras automatiskt".to_string(),
        },
        "privacy.anonymised" => match f
            .after
            .and_then(|a| a.get("pseudonym"))
            .and_then(Value::as_str)
        {
            Some(p) => {
                format!("anonymiserade personuppgifterna i ett inaktiverat konto, som nu heter {p}")
            }
            None => "anonymiserade personuppgifterna i ett inaktiverat konto".to_string(),
        },
        "requisition.created" => format!("påbörjade {}", requisition()),
        "requisition.saved" => format!("sparade ändringar i {}", requisition()),
        "requisition.submitted" => format!("skickade in {}", requisition()),
        "requisition.resubmitted" => format!("skickade in {} på nytt", requisition()),
        "requisition.approved" => with(format!("godkände {}", requisition()), f.amount("amount")),
        "requisition.returned" => {
            format!("skickade tillbaka {} för komplettering", requisition())
        }
        "requisition.rejected" => format!("avslog {}", requisition()),
        "requisition.withdrawn" => format!("återkallade {}", requisition()),
        "requisition.attachment_added" => {
            format!("lade till bilagan{} i {}", file(), requisition())
        }
        "requisition.attachment_removed" => {
            format!("tog bort bilagan{} från {}", file(), requisition())
        }
        "payout.approved" => with(format!("attesterade {}", payout()), f.amount("amount")),
        "payout.sent_back" => format!("skickade tillbaka {} till handläggaren", payout()),
        "payout.paid" => with(
            format!("registrerade {} som utbetald", payout()),
            f.amount("paid_amount"),
        ),
        "report.created" => format!("påbörjade {}", report()),
        "report.saved" => {
            let part = match f.text(&["part"]).as_deref() {
                Some("tasks") => "uppdraget",
                Some("analysis") => "behov, resultat och självskattning",
                Some("finances") => "ekonomin",
                _ => "ändringar",
            };
            format!("sparade {part} i {}", report())
        }
        "report.activity_added" => format!("lade till aktiviteten{} i {}", activity(), report()),
        "report.activity_changed" => format!("ändrade aktiviteten{} i {}", activity(), report()),
        "report.activity_removed" => {
            format!("tog bort aktiviteten{} från {}", activity(), report())
        }
        "report.attachment_added" => format!("lade till bilagan{} i {}", file(), report()),
        "report.attachment_removed" => format!("tog bort bilagan{} från {}", file(), report()),
        "report.submitted" => format!("skickade in {}", report()),
        "report.approved" => format!("godkände {}", report()),
        "report.returned" => format!("skickade tillbaka {} för komplettering", report()),
        "report.new_version" => format!("påbörjade en ny version av {}", report()),
        "repayment.registered" => with(
            format!("registrerade en inbetalning till {}", repayment()),
            f.amount("amount"),
        ),
        "repayment.corrected" => with(
            format!("rättade en inbetalning till {}", repayment()),
            f.amount("amount"),
        ),
        "repayment.withdrawn" => with(
            format!("tog bort en inbetalning till {}", repayment()),
            f.amount("amount"),
        ),
        "repayment.confirmed" => with(
            format!(
                "bekräftade att en inbetalning till {} har kommit in",
                repayment()
            ),
            f.amount("received_amount"),
        ),
        "refund.prepared" => with(
            format!(
                "förberedde en tillbakabetalning till regionen{}",
                f.in_case()
            ),
            f.amount("amount"),
        ),
        "refund.approved" => with(
            format!(
                "attesterade en tillbakabetalning till regionen{}",
                f.in_case()
            ),
            f.amount("amount"),
        ),
        "refund.sent_back" => format!(
            "skickade tillbaka en tillbakabetalning{} till handläggaren",
            f.in_case()
        ),
        "refund.paid" => with(
            format!(
                "registrerade en tillbakabetalning till regionen{} som utbetald",
                f.in_case()
            ),
            f.amount("amount"),
        ),
        "deadline_extension.granted" | "deadline_extension.changed" => {
            let verb = if f.action.ends_with("granted") {
                "beviljade förlängd tid"
            } else {
                "ändrade den förlängda tiden"
            };
            match f.date("new_deadline") {
                Some(d) => format!("{verb}{} till {d}", f.in_case()),
                None => format!("{verb}{}", f.in_case()),
            }
        }
        "deadline_extension.withdrawn" => {
            format!("återkallade den förlängda tiden{}", f.in_case())
        }
        "period.created" | "period.updated" => {
            let verb = if f.action == "period.created" {
                "skapade"
            } else {
                "ändrade"
            };
            match f.text(&["period", "decision_number"]) {
                Some(n) => format!("{verb} programperioden med beslut {n}"),
                None => format!("{verb} en programperiod"),
            }
        }
        "actor.added" => format!(
            "lade till{} som aktör i programperioden",
            f.text(&["actor_name"])
                .map(|n| format!(" {n}"))
                .unwrap_or_default()
        ),
        "actor.removed" => format!(
            "tog bort{} som aktör ur programperioden",
            f.text(&["actor_name"])
                .map(|n| format!(" {n}"))
                .unwrap_or_default()
        ),
        "programme_year.updated" => format!("ändrade programåret {}", f.entity_id),
        "bank_file.imported" => with(
            format!("läste in bankens fil{} med inbetalningar", file()),
            f.amount("total"),
        ),
        "bank_payment.confirmed" => with(
            format!(
                "bekräftade en inbetalning från bankens fil som mottagen på {}",
                f.text(&["case_number"])
                    .map_or_else(repayment, |c| format!("återbetalningen {c}"))
            ),
            f.amount("amount"),
        ),
        "bank_payment.dismissed" => with(
            "avvisade en inbetalning från bankens fil: den är inte en återbetalning".to_string(),
            f.amount("amount"),
        ),
        "reference_rate.set" => match (f.date("half_year_start"), f.text(&["rate"])) {
            (Some(from), Some(rate)) => format!(
                "angav Riksbankens referensränta {} % för halvåret från {from}",
                rate.replace('.', ",")
            ),
            _ => "angav Riksbankens referensränta för ett halvår".to_string(),
        },
        "late_interest.decided" => {
            let whose = f
                .text(&["actor_name"])
                .map(|n| format!(" för {n}"))
                .unwrap_or_default();
            match f
                .after
                .and_then(|a| a.get("claim"))
                .and_then(Value::as_bool)
            {
                Some(true) => with(
                    format!("beslutade att debitera dröjsmålsränta{whose}"),
                    f.amount("interest_so_far"),
                ),
                Some(false) => format!("beslutade att inte debitera dröjsmålsränta{whose}"),
                None => format!("beslutade om dröjsmålsränta{whose}"),
            }
        }
        "payment_file.created" => with(
            format!("skapade betalningsfilen{} till banken", file()),
            f.amount("total"),
        ),
        "payment_file.downloaded" => format!("laddade ner betalningsfilen{}", file()),
        "payment_file.settings_saved" => {
            "ändrade avsändaren av betalningsfilerna till banken".to_string()
        }
        "ledger.settings_saved" => "ändrade kontoplanen för bokföringen (SIE)".to_string(),
        "ledger.exported" => match (f.date("from"), f.date("to")) {
            (Some(from), Some(to)) => {
                format!(
                    "laddade ner verifikationerna {from} – {to} som SIE-fil till ekonomisystemet"
                )
            }
            _ => "laddade ner verifikationerna som SIE-fil till ekonomisystemet".to_string(),
        },
        "summary.sections_saved" => format!(
            "sparade Tillväxtverkets avsnitt i sammanställningen för {}",
            f.entity_id
        ),
        "summary.exported" => match f.text(&["year"]) {
            Some(y) => format!("skapade en export av sammanställningen för {y}"),
            None => "skapade en export av sammanställningen".to_string(),
        },
        "summary.submitted" => format!("markerade exporten{} som inlämnad till regeringen", file()),
        "user.created" => format!("lade upp användaren{}", user()),
        "user.updated" => format!("ändrade användaren{}", user()),
        "user.activated" => format!("aktiverade användaren{}", user()),
        "user.deactivated" => format!("inaktiverade användaren{}", user()),
        "user.reminders_set" => "ändrade sina påminnelser".to_string(),
        "auth.login" => "loggade in".to_string(),
        "auth.logout" => "loggade ut".to_string(),
        "auth.login_failed" => format!("försökte logga in som {} utan att lyckas", f.entity_id),
        "auth.second_factor_failed" => "angav en felaktig kod vid inloggningen".to_string(),
        "auth.recovery_code_used" => "loggade in med en reservkod".to_string(),
        "auth.reauthenticated" => "bekräftade sin identitet på nytt".to_string(),
        "auth.logged_out_elsewhere" => "loggade ut sina andra inloggningar".to_string(),
        "auth.post_kept" => {
            "skickade ett formulär efter att inloggningen hade gått ut; texten sparades".to_string()
        }
        "second_factor.enrolled" => "aktiverade tvåstegsverifiering".to_string(),
        "second_factor.reset" => "återställde tvåstegsverifieringen för en användare".to_string(),
        "password.set" => "valde ett nytt lösenord".to_string(),
        "password.reset_requested" => "bad om ett nytt lösenord".to_string(),
        "password.link_created" => format!(
            "skapade en länk för att välja lösenord åt användaren{}",
            user()
        ),
        "auth.password_refused" => "angav ett lösenord som inte godtogs".to_string(),
        "requisition.message" => format!("skrev ett meddelande om {}", requisition()),
        "report.message" => format!("skrev ett meddelande om {}", report()),
        "repayment.message" => format!("skrev ett meddelande om {}", repayment()),
        "account_request.requested" => "ansökte om ett konto".to_string(),
        "account_request.confirmed" => format!("godkände en ansökan om konto{}", user()),
        "account_request.refused" => "avslog en ansökan om konto".to_string(),
        "account_request.withdrawn" => "drog tillbaka en ansökan om konto".to_string(),
        "role_grant.requested" => "begärde en ny roll för en användare".to_string(),
        "role_grant.confirmed" => "bekräftade en ny roll för en användare".to_string(),
        "role_grant.refused" => "nekade en begärd roll för en användare".to_string(),
        "role_grant.withdrawn" => "drog tillbaka en begärd roll för en användare".to_string(),
        "agency_account.updated" => match f.text(&["year"]) {
            Some(y) => format!("ändrade Tillväxtverkets redovisning mot Kammarkollegiet för {y}"),
            None => "ändrade Tillväxtverkets redovisning mot Kammarkollegiet".to_string(),
        },
        "agency_document.exported" => {
            "skapade ett av Tillväxtverkets dokument till Kammarkollegiet".to_string()
        }
        "agency_document.submitted" => format!("markerade dokumentet{} som inlämnat", file()),
        "calendar_link.created" => "skapade en kalenderlänk".to_string(),
        "calendar_link.renewed" => "bytte ut sin kalenderlänk".to_string(),
        "demo.period_created" => "lade upp demoperioden".to_string(),
        "demo.period_extended" => "förlängde demoperioden med ett år".to_string(),
        "demo.users_activated" => "aktiverade demoanvändarna".to_string(),
        "demo.users_deactivated" => "inaktiverade demoanvändarna".to_string(),
        "history.uploaded" => format!("laddade upp historikfilen{}", file()),
        "history.loaded" => format!("läste in historikfilen{}", file()),
        "identity_provider.created" => "lade till en inloggningstjänst".to_string(),
        "identity_provider.updated" => "ändrade en inloggningstjänst".to_string(),
        "identity_provider.switched_off" => "stängde av en inloggningstjänst".to_string(),
        "identity_provider.from_environment" => {
            "lade in inloggningstjänsten från serverns inställningar".to_string()
        }
        "identity_provider.change_requested" => {
            "begärde en ändring av en inloggningstjänst".to_string()
        }
        "identity_provider.change_refused" => {
            "nekade en begärd ändring av en inloggningstjänst".to_string()
        }
        "identity_provider.change_withdrawn" => {
            "drog tillbaka en begärd ändring av en inloggningstjänst".to_string()
        }
        "sso.login" => "loggade in via en inloggningstjänst".to_string(),
        "sso.refused" => "nekades inloggning via en inloggningstjänst".to_string(),
        "sso.link_pending" => "bad om att koppla sitt konto till en inloggningstjänst".to_string(),
        "sso.linked" => "kopplade ett konto till en inloggningstjänst".to_string(),
        "sso.link_refused" => "nekade en koppling till en inloggningstjänst".to_string(),
        "sso.unlinked" => "tog bort en koppling till en inloggningstjänst".to_string(),
        "mail.resent" => "skickade ett e-postmeddelande på nytt".to_string(),
        "mail_settings.updated" => "ändrade inställningarna för e-post".to_string(),
        "network_settings.updated" => "ändrade inställningarna för nätverket".to_string(),
        "network_contact.created" => format!("lade till kontakten{} i nätverket", user()),
        "network_contact.updated" => format!("ändrade kontakten{} i nätverket", user()),
        "network_contact.removed" => format!("tog bort kontakten{} ur nätverket", user()),
        "network_event.created" => format!("lade upp träffen{}", activity()),
        "network_event.updated" => format!("ändrade träffen{}", activity()),
        "network_event.cancelled" => format!("ställde in träffen{}", activity()),
        "network_event.attendance_recorded" => {
            format!("registrerade närvaron vid träffen{}", activity())
        }
        "network_event.document_added" => format!("lade till dokumentet{} till en träff", file()),
        "network_event.document_removed" => format!("tog bort dokumentet{} från en träff", file()),
        "network_registration.created" => "anmälde en deltagare till en träff".to_string(),
        "network_registration.withdrawn" => "återtog en anmälan till en träff".to_string(),
        "organisation.created" => format!("lade upp organisationen{}", user()),
        other => format!("gjorde ändringen ”{other}”{}", f.in_case()),
    }
}

/// Where an entry's case is shown: the report, the repayment or the requisition.
pub fn case_link(
    entity: &str,
    requisition: Option<Uuid>,
    report: Option<Uuid>,
    year: Option<i32>,
    organisation: Option<Uuid>,
) -> Option<String> {
    match (entity, report, year, organisation) {
        (_, Some(r), _, _) => Some(format!("/redovisningar/{r}")),
        ("repayment_payment" | "refund", _, Some(y), Some(o)) => {
            Some(format!("/aterbetalningar/{y}/{o}"))
        }
        _ => requisition.map(|id| format!("/rekvisitioner/{id}")),
    }
}

/// The log's filters as the page's form sends them (GET).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LogQuery {
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub arende: String,
    #[serde(default)]
    pub aktor: String,
    #[serde(default)]
    pub fran: String,
    #[serde(default)]
    pub till: String,
    #[serde(default)]
    pub sida: String,
    /// `stigande`: the oldest first; else the newest first.
    #[serde(default)]
    pub ordning: String,
}

/// The filters that hold; a value that can't be read filters nothing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub person: Option<Uuid>,
    pub case_number: Option<String>,
    pub organisation: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// The oldest entries first (`ordning=stigande`); else the newest.
    pub oldest_first: bool,
}

impl LogQuery {
    pub fn filter(&self) -> Filter {
        let date = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let case = self.arende.trim();
        Filter {
            person: Uuid::parse_str(self.person.trim()).ok(),
            case_number: (!case.is_empty()).then(|| case.chars().take(50).collect()),
            organisation: Uuid::parse_str(self.aktor.trim()).ok(),
            from: date(&self.fran),
            to: date(&self.till),
            oldest_first: self.oldest_first(),
        }
    }

    pub fn oldest_first(&self) -> bool {
        self.ordning.trim() == "stigande"
    }

    /// The filters without the order, as a query string (no `?`): the time heading's link
    /// adds the order it turns to.
    pub fn query_without_order(&self) -> String {
        let mut unordered = self.clone();
        unordered.ordning = String::new();
        unordered.query()
    }

    /// The page asked for, 1 to `pages`.
    pub fn page(&self, pages: i64) -> i64 {
        self.sida
            .trim()
            .parse::<i64>()
            .unwrap_or(1)
            .clamp(1, pages.max(1))
    }

    /// The filters as a query string (no `?`), for the page links and the export.
    pub fn query(&self) -> String {
        [
            ("person", &self.person),
            ("arende", &self.arende),
            ("aktor", &self.aktor),
            ("fran", &self.fran),
            ("till", &self.till),
            ("ordning", &self.ordning),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", crate::web::url_encode(v.trim())))
        .collect::<Vec<_>>()
        .join("&")
    }
}

/// How many pages `matching` entries fill; at least one.
pub fn pages(matching: i64) -> i64 {
    let full = matching.max(0) / PAGE_SIZE;
    let part = i64::from(matching.max(0) % PAGE_SIZE != 0);
    (full + part).max(1)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn said(action: &str, after: Value, case: Option<&str>) -> String {
        sentence(&Facts {
            actor: Some("Anna Attestant"),
            action,
            entity: "requisition",
            entity_id: "x",
            before: None,
            after: Some(&after),
            case_number: case,
        })
        .replace('\u{a0}', " ")
    }

    #[test]
    fn an_attest_names_the_payout_and_its_amount() {
        assert_eq!(
            said(
                "payout.approved",
                json!({ "amount": "1000000.00" }),
                Some("DK-2026-021")
            ),
            "Anna Attestant attesterade utbetalningen DK-2026-021, 1 000 000 kr"
        );
    }

    #[test]
    fn requisition_actions_read_as_sentences() {
        let case = Some("DK-2026-003");
        assert_eq!(
            said("requisition.submitted", json!({}), case),
            "Anna Attestant skickade in rekvisitionen DK-2026-003"
        );
        assert_eq!(
            said(
                "requisition.approved",
                json!({ "amount": "250000.50" }),
                case
            ),
            "Anna Attestant godkände rekvisitionen DK-2026-003, 250 000,50 kr"
        );
        assert_eq!(
            said("requisition.returned", json!({ "message": "x" }), case),
            "Anna Attestant skickade tillbaka rekvisitionen DK-2026-003 för komplettering"
        );
        assert_eq!(
            said("requisition.withdrawn", json!({}), None),
            "Anna Attestant återkallade en rekvisition"
        );
        assert_eq!(
            said("payout.paid", json!({ "paid_amount": 5000 }), case),
            "Anna Attestant registrerade utbetalningen DK-2026-003 som utbetald, 5 000 kr"
        );
    }

    #[test]
    fn reports_repayments_and_refunds_read_as_sentences() {
        let case = Some("DK-2025-010");
        assert_eq!(
            said("report.approved", json!({}), case),
            "Anna Attestant godkände redovisningen DK-2025-010"
        );
        assert_eq!(
            said("report.saved", json!({ "part": "finances" }), case),
            "Anna Attestant sparade ekonomin i redovisningen DK-2025-010"
        );
        assert_eq!(
            said("report.activity_added", json!({ "title": "Träff" }), case),
            "Anna Attestant lade till aktiviteten ”Träff” i redovisningen DK-2025-010"
        );
        assert_eq!(
            said("repayment.registered", json!({ "amount": "1200.00" }), case),
            "Anna Attestant registrerade en inbetalning till återbetalningen DK-2025-010, 1 200 kr"
        );
        assert_eq!(
            said("refund.approved", json!({ "amount": "300.00" }), case),
            "Anna Attestant attesterade en tillbakabetalning till regionen i ärende DK-2025-010, 300 kr"
        );
        assert_eq!(
            said(
                "deadline_extension.granted",
                json!({ "new_deadline": "2026-04-30" }),
                case
            ),
            "Anna Attestant beviljade förlängd tid i ärende DK-2025-010 till 30 april 2026"
        );
    }

    #[test]
    fn people_and_sign_ins_read_as_sentences() {
        assert_eq!(
            said("user.created", json!({ "name": "Karin Ek" }), None),
            "Anna Attestant lade upp användaren Karin Ek"
        );
        assert_eq!(
            said("auth.login", json!({}), None),
            "Anna Attestant loggade in"
        );
        let failed = sentence(&Facts {
            actor: None,
            action: "auth.login_failed",
            entity: "login",
            entity_id: "a@b.se",
            before: None,
            after: None,
            case_number: None,
        });
        assert_eq!(failed, "Någon försökte logga in som a@b.se utan att lyckas");
    }

    #[test]
    fn an_unknown_action_is_still_swedish() {
        assert_eq!(
            said("something.new", json!({}), None),
            "Anna Attestant gjorde ändringen ”something.new”"
        );
        let system = sentence(&Facts {
            actor: None,
            action: "demo.users_activated",
            entity: "user",
            entity_id: "demo",
            before: None,
            after: None,
            case_number: None,
        });
        assert_eq!(system, "Systemet aktiverade demoanvändarna");
    }

    /// Strings in the source shaped like an action that are not one: mail events of their
    /// own, and names of files, hosts and people in examples.
    const NOT_ACTIONS: &[&str] = &[
        "anna.andersson",
        "entity.verb",
        "karin.ek",
        "password.link",
        "payout.awaiting_approval",
        "repayment.overpaid",
        "repayment.owed",
        "something.new",
        "user.email_changed",
        "y.year",
    ];

    /// What follows the dot in a file's or a host's name.
    const NAME_ENDINGS: &[&str] = &[
        "csv", "docx", "dtd", "example", "exe", "html", "invalid", "jpg", "key", "log", "md",
        "org", "password", "pdf", "pid", "port", "se", "so", "sql", "vcf", "xlb", "xlsx", "xml",
    ];

    fn is_a_name(word: &str) -> bool {
        let ending = word.rsplit('.').next().unwrap_or_default();
        NAME_ENDINGS.contains(&ending)
    }

    /// Every `"entity.verb"` string literal in the Rust files under `dir`.
    fn dotted_literals(dir: &std::path::Path, found: &mut std::collections::BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("a source folder") {
            let path = entry.expect("a source entry").path();
            if path.is_dir() {
                dotted_literals(&path, found);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            let bytes = text.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                if bytes[i] != b'"' {
                    i += 1;
                    continue;
                }
                let start = i + 1;
                let mut end = start;
                while end < bytes.len() && matches!(bytes[end], b'a'..=b'z' | b'_' | b'.') {
                    end += 1;
                }
                let word = &text[start..end];
                let parts: Vec<&str> = word.split('.').collect();
                let shaped = parts.len() == 2 && parts.iter().all(|p| !p.is_empty());
                if end < bytes.len() && bytes[end] == b'"' && shaped {
                    found.insert(word.to_string());
                    i = end + 1;
                } else {
                    i = start;
                }
            }
        }
    }

    #[test]
    fn every_action_recorded_in_the_source_has_a_sentence_of_its_own() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = std::collections::BTreeSet::new();
        dotted_literals(&src, &mut found);
        let actions: Vec<String> = found
            .into_iter()
            .filter(|a| !NOT_ACTIONS.contains(&a.as_str()) && !is_a_name(a))
            .collect();
        assert!(
            actions.contains(&"payout.approved".to_string()),
            "the source was read: {actions:?}"
        );
        let without: Vec<&String> = actions
            .iter()
            .filter(|a| said(a, json!({}), None).contains("gjorde ändringen"))
            .collect();
        assert!(
            without.is_empty(),
            "give these a sentence in `predicate` (or, if they are not audit actions, list them in NOT_ACTIONS): {without:?}"
        );
    }

    #[test]
    fn each_entry_links_its_own_case() {
        let id = Uuid::nil();
        assert_eq!(
            case_link("report", Some(id), Some(id), Some(2026), Some(id)).as_deref(),
            Some(format!("/redovisningar/{id}").as_str())
        );
        assert_eq!(
            case_link("refund", Some(id), None, Some(2026), Some(id)),
            Some(format!("/aterbetalningar/2026/{id}"))
        );
        assert_eq!(
            case_link("requisition", Some(id), None, Some(2026), Some(id)),
            Some(format!("/rekvisitioner/{id}"))
        );
        assert_eq!(case_link("user", None, None, None, None), None);
    }

    #[test]
    fn the_filters_are_read_leniently_and_carried_in_links() {
        let q = LogQuery {
            person: "nonsense".into(),
            arende: " DK-2026-001 ".into(),
            fran: "2026-01-01".into(),
            till: "2026-13-01".into(),
            sida: "7".into(),
            ..LogQuery::default()
        };
        let f = q.filter();
        assert_eq!(f.person, None);
        assert_eq!(f.case_number.as_deref(), Some("DK-2026-001"));
        assert_eq!(f.from, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(f.to, None);
        assert_eq!(q.page(3), 3);
        assert_eq!(q.page(0), 1);
        assert!(
            q.query()
                .starts_with("person=nonsense&arende=DK-2026-001&fran=2026-01-01")
        );
        assert_eq!(pages(0), 1);
        assert_eq!(pages(100), 1);
        assert_eq!(pages(101), 2);
    }
}
