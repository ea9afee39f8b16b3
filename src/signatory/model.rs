//! The pure rules of the region's signatory: where a requisition or a report stands towards
//! the signatory, the steps the region's people take around it and from where, who may take
//! each, and where a coordinator's *send* goes. The SQL updates take their conditions from
//! here (`awaiting_signatory` in the schema is `Standing::Awaiting`).

use chrono::{DateTime, SecondsFormat, Utc};
use uuid::Uuid;

/// What a signatory confirms: a requisition or a report, by its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Submission {
    Requisition(Uuid),
    Report(Uuid),
}

impl Submission {
    pub fn id(self) -> Uuid {
        match self {
            Submission::Requisition(id) | Submission::Report(id) => id,
        }
    }

    /// The signatory's page of it: the whole document, with the confirmation.
    pub fn signing_page(self) -> String {
        match self {
            Submission::Requisition(id) => format!("/firmatecknare/rekvisition/{id}"),
            Submission::Report(id) => format!("/firmatecknare/redovisning/{id}"),
        }
    }

    /// Its own page, where the region follows it.
    pub fn page(self) -> String {
        match self {
            Submission::Requisition(id) => format!("/rekvisitioner/{id}"),
            Submission::Report(id) => format!("/redovisningar/{id}"),
        }
    }

    /// Its receipt, naming who prepared it and who confirmed it.
    pub fn receipt(self) -> String {
        format!("{}/kvitto", self.page())
    }
}

/// Where a requisition or report stands towards the region's signatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// The region's to write in and send: a draft, or returned for completion.
    Open,
    /// Prepared by a coordinator and waiting for a signatory's confirmation; nothing in it
    /// changes meanwhile.
    Awaiting,
    /// Sent to Tillväxtverket, or ended: nothing for the region's signatory.
    Closed,
}

impl Standing {
    /// `open_state`: its state lets the region change it (draft or returned); `prepared` and
    /// `signed`: whether `prepared_at` and `signed_at` are set.
    pub fn of(open_state: bool, prepared: bool, signed: bool) -> Standing {
        match (open_state, prepared, signed) {
            (false, _, _) => Standing::Closed,
            (true, true, false) => Standing::Awaiting,
            // Never prepared, sent back, taken back, or signed in an earlier round and since
            // returned by Tillväxtverket.
            (true, _, _) => Standing::Open,
        }
    }
}

/// What the region's people do around the signatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A coordinator sends it to the signatory (*Skicka till firmatecknaren*).
    Prepare,
    /// A coordinator sends it straight to Tillväxtverket: no signatory besides themselves.
    SubmitDirectly,
    /// A signatory confirms it and sends it to Tillväxtverket.
    Confirm,
    /// A signatory sends it back to the coordinator, with a message.
    SendBack,
    /// A coordinator of the region takes it back from the signatory to change it.
    TakeBack,
}

impl Step {
    /// Where the step is taken from. The SQL updates check it, so of two clicks one wins.
    pub fn starts_at(self) -> Standing {
        match self {
            Step::Prepare | Step::SubmitDirectly => Standing::Open,
            Step::Confirm | Step::SendBack | Step::TakeBack => Standing::Awaiting,
        }
    }

    /// Where it leads.
    pub fn target(self) -> Standing {
        match self {
            Step::Prepare => Standing::Awaiting,
            Step::SubmitDirectly | Step::Confirm => Standing::Closed,
            Step::SendBack | Step::TakeBack => Standing::Open,
        }
    }

    /// Only a signatory takes it, and never on what they prepared themselves.
    pub fn by_signatory(self) -> bool {
        matches!(self, Step::Confirm | Step::SendBack)
    }
}

/// Who asks: a coordinator of the case's region, and whether they are its signatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Who {
    pub id: Uuid,
    pub signatory: bool,
}

/// Why a step can't be taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Only the region's signatory confirms or sends back.
    NotSignatory,
    /// It is not where the step starts: someone came first, or it was changed.
    NotThere(Standing),
    /// The one who prepared it never confirms it (nor sends it back to themselves).
    OwnPreparation,
}

impl Refusal {
    /// Said to the person; `what` names the case (*Rekvisitionen DK-2025-007*).
    pub fn message(self, what: &str) -> String {
        match self {
            Refusal::NotSignatory => format!(
                "{what} bekräftas av regionens firmatecknare. Du är inte markerad som firmatecknare i Digikoord; en administratör på Tillväxtverket markerar vem som är det."
            ),
            Refusal::NotThere(Standing::Open) => format!(
                "{what} väntar inte på firmatecknarens bekräftelse: den är inte skickad till firmatecknaren, eller har skickats eller tagits tillbaka för ändringar. Ladda om sidan för att se hur den står nu."
            ),
            Refusal::NotThere(Standing::Awaiting) => format!(
                "{what} väntar redan på firmatecknarens bekräftelse och kan inte ändras under tiden. Ta tillbaka den från firmatecknaren om något behöver ändras."
            ),
            Refusal::NotThere(Standing::Closed) => format!(
                "{what} är redan inskickad till Tillväxtverket, eller avslutad. Ladda om sidan för att se hur den står nu."
            ),
            Refusal::OwnPreparation => format!(
                "Du har själv upprättat {}; en annan firmatecknare måste läsa och bekräfta den.",
                lower_first(what)
            ),
        }
    }
}

/// `Rekvisitionen DK-2025-007` → `rekvisitionen DK-2025-007`.
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether `who` may take `step` on a case that stands at `standing`, prepared by
/// `prepared_by` (when it awaits the signatory).
pub fn may(
    step: Step,
    standing: Standing,
    who: Who,
    prepared_by: Option<Uuid>,
) -> Result<(), Refusal> {
    if step.by_signatory() && !who.signatory {
        return Err(Refusal::NotSignatory);
    }
    if standing != step.starts_at() {
        return Err(Refusal::NotThere(standing));
    }
    if step.by_signatory() && prepared_by == Some(who.id) {
        return Err(Refusal::OwnPreparation);
    }
    Ok(())
}

/// The version of a requisition or report the signatory was shown: when it was drawn up
/// for them (`prepared_at`), to the microsecond the database keeps, as RFC 3339. Their
/// confirm and send-back forms carry it back, and the step is taken only on that version:
/// taken back, changed and sent again, it is another (`2025-03-01T09:15:02.123456Z`).
pub fn version_token(prepared_at: DateTime<Utc>) -> String {
    prepared_at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The version a form carried back; `None` when it carries none that can be one.
pub fn parse_version(token: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(token.trim())
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Whether the form was sent from the version that waits now (`prepared_at`).
pub fn same_version(token: &str, prepared_at: Option<DateTime<Utc>>) -> bool {
    matches!((parse_version(token), prepared_at), (Some(shown), Some(now)) if shown == now)
}

/// Said when what the signatory read is no longer what waits for them (`noun`:
/// *Rekvisitionen*, *Redovisningen*); nothing is done.
pub fn changed_since_read(noun: &str, step: Step) -> String {
    let before = match step {
        Step::SendBack => "skickar tillbaka den",
        _ => "bekräftar",
    };
    format!("{noun} har ändrats sedan du öppnade den. Läs den igen innan du {before}.")
}

/// Where a coordinator's *send* goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// To the region's signatories (but the sender), who confirm before it goes on.
    ToSignatory,
    /// Straight to Tillväxtverket, as before signatories: the region has none besides the
    /// sender (a signatory who prepares it signs it by sending).
    Direct,
}

/// Where `sender`'s *send* goes, given the region's active signatories.
pub fn route(sender: Uuid, signatories: &[Uuid]) -> Route {
    if signatories.iter().any(|s| *s != sender) {
        Route::ToSignatory
    } else {
        Route::Direct
    }
}

/// Names as a sentence says them: `Per Lind`, `Per Lind och Eva Ek`, `A, B och C`.
pub fn names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} och {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn a_case_awaits_the_signatory_while_open_prepared_and_unsigned() {
        assert_eq!(Standing::of(true, false, false), Standing::Open);
        assert_eq!(Standing::of(true, true, false), Standing::Awaiting);
        // Signed in an earlier round, then returned by Tillväxtverket: the region's again.
        assert_eq!(Standing::of(true, true, true), Standing::Open);
        for (prepared, signed) in [(false, false), (true, false), (true, true)] {
            assert_eq!(Standing::of(false, prepared, signed), Standing::Closed);
        }
    }

    #[test]
    fn each_step_leads_from_where_it_starts() {
        assert_eq!(Step::Prepare.starts_at(), Standing::Open);
        assert_eq!(Step::Prepare.target(), Standing::Awaiting);
        for step in [Step::Confirm, Step::SendBack, Step::TakeBack] {
            assert_eq!(step.starts_at(), Standing::Awaiting, "{step:?}");
        }
        assert_eq!(Step::Confirm.target(), Standing::Closed);
        assert_eq!(Step::SubmitDirectly.target(), Standing::Closed);
        assert_eq!(Step::SendBack.target(), Standing::Open);
        assert_eq!(Step::TakeBack.target(), Standing::Open);
    }

    #[test]
    fn only_a_signatory_who_did_not_prepare_it_confirms_or_sends_it_back() {
        let (coordinator, signatory) = (person(1), person(2));
        let them = Who {
            id: signatory,
            signatory: true,
        };
        for step in [Step::Confirm, Step::SendBack] {
            assert_eq!(
                may(step, Standing::Awaiting, them, Some(coordinator)),
                Ok(())
            );
            let colleague = Who {
                id: person(3),
                signatory: false,
            };
            assert_eq!(
                may(step, Standing::Awaiting, colleague, Some(coordinator)),
                Err(Refusal::NotSignatory)
            );
            // A signatory who prepared it is its preparer here, never its signatory.
            assert_eq!(
                may(step, Standing::Awaiting, them, Some(signatory)),
                Err(Refusal::OwnPreparation)
            );
            for standing in [Standing::Open, Standing::Closed] {
                assert_eq!(
                    may(step, standing, them, Some(coordinator)),
                    Err(Refusal::NotThere(standing))
                );
            }
        }
    }

    #[test]
    fn any_coordinator_of_the_region_takes_it_back_while_it_waits() {
        let who = Who {
            id: person(1),
            signatory: false,
        };
        assert_eq!(
            may(Step::TakeBack, Standing::Awaiting, who, Some(person(1))),
            Ok(())
        );
        assert_eq!(
            may(Step::TakeBack, Standing::Awaiting, who, Some(person(2))),
            Ok(())
        );
        assert_eq!(
            may(Step::TakeBack, Standing::Open, who, None),
            Err(Refusal::NotThere(Standing::Open))
        );
        // Nothing is prepared twice, nor sent past the signatory.
        for step in [Step::Prepare, Step::SubmitDirectly] {
            assert_eq!(
                may(step, Standing::Awaiting, who, Some(person(2))),
                Err(Refusal::NotThere(Standing::Awaiting))
            );
            assert_eq!(may(step, Standing::Open, who, None), Ok(()));
        }
    }

    #[test]
    fn a_send_goes_to_the_signatory_when_the_region_has_one_besides_the_sender() {
        let (me, other) = (person(1), person(2));
        assert_eq!(route(me, &[]), Route::Direct);
        assert_eq!(route(me, &[other]), Route::ToSignatory);
        // A region's only signatory signs what they prepare by sending it.
        assert_eq!(route(me, &[me]), Route::Direct);
        // With another signatory, what a signatory prepares goes to the other.
        assert_eq!(route(me, &[me, other]), Route::ToSignatory);
    }

    #[test]
    fn refusals_name_the_case_in_swedish() {
        let what = "Rekvisitionen DK-2025-007";
        assert!(
            Refusal::OwnPreparation
                .message(what)
                .contains("upprättat rekvisitionen DK-2025-007")
        );
        assert!(Refusal::NotSignatory.message(what).starts_with(what));
        assert!(
            Refusal::NotThere(Standing::Closed)
                .message(what)
                .contains("redan inskickad")
        );
    }

    #[test]
    fn the_signatory_acts_only_on_the_version_they_were_shown() {
        let shown = DateTime::parse_from_rfc3339("2025-03-01T09:15:02.123456Z")
            .expect("moment")
            .with_timezone(&Utc);
        let token = version_token(shown);
        assert_eq!(token, "2025-03-01T09:15:02.123456Z");
        assert_eq!(parse_version(&token), Some(shown));
        assert!(same_version(&token, Some(shown)));
        // Drawn up again a microsecond later: another version.
        let again = shown + chrono::Duration::microseconds(1);
        assert!(!same_version(&token, Some(again)));
        // Nothing waits, or the form carried nothing that is a version.
        assert!(!same_version(&token, None));
        for bad in ["", "igår", "2025-03-01"] {
            assert!(!same_version(bad, Some(shown)), "{bad:?}");
        }
        assert_eq!(
            changed_since_read("Rekvisitionen", Step::Confirm),
            "Rekvisitionen har ändrats sedan du öppnade den. Läs den igen innan du bekräftar."
        );
        assert_eq!(
            changed_since_read("Redovisningen", Step::SendBack),
            "Redovisningen har ändrats sedan du öppnade den. Läs den igen innan du skickar tillbaka den."
        );
    }

    #[test]
    fn names_read_as_a_swedish_list() {
        let n = |v: &[&str]| names(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(n(&[]), "");
        assert_eq!(n(&["Per Lind"]), "Per Lind");
        assert_eq!(n(&["Per Lind", "Eva Ek"]), "Per Lind och Eva Ek");
        assert_eq!(n(&["A", "B", "C"]), "A, B och C");
    }
}
