//! The rules of a request for public documents, pure: its two states and what each allows, the
//! secrecy review of a document and what it means for the bundle, the forms, and the list of
//! documents (`Förteckning.csv`) that goes in the bundle.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    export::csv::field,
    input::required_text,
    input::text,
    records::{
        documents::CaseDocument,
        model::{decision_key, receipt_key, report_key},
    },
    web::FormErrors,
};

/// What the legal hold of an open request is placed on: the actor's year, everything of it
/// (`retention`).
pub const HOLD_ENTITY: &str = "actor_year";

/// The legal hold's entity id of an actor's year: `2025:<organisation>`.
pub fn hold_entity_id(year: i32, organisation_id: Uuid) -> String {
    format!("{year}:{organisation_id}")
}

/// A request is open while its documents are reviewed and handed over, and decided once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "disclosure_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    Open,
    Decided,
}

impl RequestState {
    pub fn label(self) -> &'static str {
        match self {
            RequestState::Open => "Öppen",
            RequestState::Decided => "Avslutad",
        }
    }

    /// A document's review may be made, or changed, only while the request is open.
    pub fn may_review(self) -> bool {
        self == RequestState::Open
    }

    pub fn is_open(self) -> bool {
        self == RequestState::Open
    }
}

/// The secrecy review of one document (offentlighets- och sekretesslagen): not yet made, or
/// released whole, released with what is secret masked, or withheld.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "disclosure_review", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Review {
    NotReviewed,
    Release,
    ReleaseMasked,
    Withhold,
}

impl Review {
    /// What a reviewer may mark a document as.
    pub const CHOICES: [Review; 3] = [Review::Release, Review::ReleaseMasked, Review::Withhold];

    pub fn key(self) -> &'static str {
        match self {
            Review::NotReviewed => "not_reviewed",
            Review::Release => "release",
            Review::ReleaseMasked => "release_masked",
            Review::Withhold => "withhold",
        }
    }

    /// A reviewer's choice as the form sends it; "not reviewed" is no choice.
    pub fn from_key(key: &str) -> Option<Review> {
        Review::CHOICES.into_iter().find(|r| r.key() == key.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Review::NotReviewed => "Ej sekretessprövad",
            Review::Release => "Lämnas ut",
            Review::ReleaseMasked => "Lämnas ut med maskering – maskera före utlämnande",
            Review::Withhold => "Lämnas inte ut (sekretess)",
        }
    }

    pub fn is_reviewed(self) -> bool {
        self != Review::NotReviewed
    }

    /// Masking or withholding names the secrecy provision it rests on.
    pub fn needs_provision(self) -> bool {
        matches!(self, Review::ReleaseMasked | Review::Withhold)
    }

    /// The bundle's folder for the document's PDF/A; `None`: not in the bundle, only listed.
    /// Only a document released whole is in the bundle: one to be masked is listed
    /// (`MASKED_NOT_IN_BUNDLE`), and staff download it for masking from its own page, so
    /// that nothing unmasked is ever handed over by mistake.
    pub fn folder(self) -> Option<&'static str> {
        match self {
            Review::Release => Some("Lämnas ut"),
            Review::ReleaseMasked | Review::NotReviewed | Review::Withhold => None,
        }
    }

    /// What the bundle's list says of a document that is not in the bundle.
    pub fn not_in_bundle(self) -> &'static str {
        match self {
            Review::ReleaseMasked => MASKED_NOT_IN_BUNDLE,
            Review::Release | Review::NotReviewed | Review::Withhold => "Ingår inte",
        }
    }
}

/// A document to be masked, in the bundle's list: it is handed over once masked, by hand.
pub const MASKED_NOT_IN_BUNDLE: &str = "Lämnas ut efter maskering – ingår inte i paketet";

/// The key of a case document's kept PDF/A as it is now (`records::model`): a decision's is
/// its own; a receipt's and a report's name the filing (`filed_at`, when it was last sent
/// in), so a requisition or report sent in again is another file. `None`: the document is
/// no longer there (never filed, or disposed of).
pub fn document_key(document: CaseDocument, filed_at: Option<DateTime<Utc>>) -> Option<String> {
    let at = filed_at?;
    Some(match document {
        CaseDocument::Decision(id) => decision_key(id),
        CaseDocument::RequisitionReceipt(id) => receipt_key(id, at),
        CaseDocument::Report(id) => report_key(id, at),
    })
}

/// What a listed document is; with its id, the `records::documents::CaseDocument` it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "disclosure_document_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Decision,
    RequisitionReceipt,
    Report,
}

impl DocumentKind {
    /// The kind and the id a case document is kept by.
    pub fn of(document: CaseDocument) -> (DocumentKind, Uuid) {
        match document {
            CaseDocument::Decision(id) => (DocumentKind::Decision, id),
            CaseDocument::RequisitionReceipt(id) => (DocumentKind::RequisitionReceipt, id),
            CaseDocument::Report(id) => (DocumentKind::Report, id),
        }
    }

    /// The case document this kind and id name.
    pub fn document(self, id: Uuid) -> CaseDocument {
        match self {
            DocumentKind::Decision => CaseDocument::Decision(id),
            DocumentKind::RequisitionReceipt => CaseDocument::RequisitionReceipt(id),
            DocumentKind::Report => CaseDocument::Report(id),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Decision => "Beslut",
            DocumentKind::RequisitionReceipt => "Rekvisition",
            DocumentKind::Report => "Redovisning",
        }
    }
}

/// A document of a request, as listed when it was registered, with its review.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Document {
    pub position: i32,
    pub kind: DocumentKind,
    pub document_id: Uuid,
    pub title: String,
    pub dated: NaiveDate,
    pub review: Review,
    pub review_note: Option<String>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The kept PDF/A the review is of (`case_document_pdfs.key`) and its SHA-256.
    pub pdf_key: Option<String>,
    pub pdf_sha256: Option<String>,
    /// When the case document was last filed, as it is now (a decision: when it was made);
    /// `None` when it is no longer there.
    pub filed_at: Option<DateTime<Utc>>,
}

impl Document {
    pub fn case_document(&self) -> CaseDocument {
        self.kind.document(self.document_id)
    }

    /// The key of the case document's PDF/A as it is now.
    pub fn current_key(&self) -> Option<String> {
        document_key(self.case_document(), self.filed_at)
    }

    /// Reviewed, but the case's document is no longer the file reviewed (sent in again, or
    /// gone): it must be reviewed again before anything is handed over.
    pub fn changed_since_review(&self) -> bool {
        self.review.is_reviewed() && self.current_key() != self.pdf_key
    }

    /// A document to be masked, downloaded from its own page.
    pub fn to_mask(&self) -> bool {
        self.review == Review::ReleaseMasked
    }

    /// The document's PDF/A in the bundle: `Lämnas ut/03 Beslut ….pdf`; `None` when it is not
    /// in the bundle (withheld, or not reviewed). The position keeps names apart.
    pub fn entry_name(&self, filename: &str) -> Option<String> {
        let folder = self.review.folder()?;
        let safe: String = filename
            .trim()
            .chars()
            .map(|c| match c {
                '/' | '\\' | ':' => '-',
                c if c.is_control() => '_',
                c => c,
            })
            .collect();
        let safe = match safe.trim_start_matches('.') {
            "" => "handling.pdf".to_string(),
            s => s.to_string(),
        };
        Some(format!("{folder}/{:02} {safe}", self.position))
    }
}

/// How many documents still wait for their review.
pub fn unreviewed(documents: &[Document]) -> usize {
    documents.iter().filter(|d| !d.review.is_reviewed()).count()
}

/// The positions of the documents reviewed that are no longer the file reviewed.
pub fn changed_since_review(documents: &[Document]) -> Vec<i32> {
    documents
        .iter()
        .filter(|d| d.changed_since_review())
        .map(|d| d.position)
        .collect()
}

/// `1`, `1 och 3`, `1, 2 och 4`.
fn positions(numbers: &[i32]) -> String {
    let words: Vec<String> = numbers.iter().map(i32::to_string).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} och {last}", rest.join(", ")),
    }
}

/// What to do about documents no longer the files reviewed: review them again while the
/// request is open; once it is decided its reviews stay, so a new request is registered.
const DECIDED_AND_CHANGED: &str = "Begäran är avslutad och prövningarna kan inte göras om: registrera en ny begäran för handlingarna som de är nu.";

/// Why a document reviewed must be reviewed again, or `None`: none has changed.
fn changed_refusal(state: RequestState, documents: &[Document], what: &str) -> Option<String> {
    let open = state.is_open();
    match changed_since_review(documents).as_slice() {
        [] => None,
        [one] => Some(format!(
            "{what}: handling {one} är inte längre den som sekretessprövades (regionen har skickat in ärendet på nytt, eller handlingen finns inte kvar). {}",
            if open {
                "Öppna den och pröva den igen."
            } else {
                DECIDED_AND_CHANGED
            }
        )),
        many => Some(format!(
            "{what}: handlingarna {} är inte längre de som sekretessprövades (regionen har skickat in ärendet på nytt, eller handlingarna finns inte kvar). {}",
            positions(many),
            if open {
                "Öppna dem och pröva dem igen."
            } else {
                DECIDED_AND_CHANGED
            }
        )),
    }
}

/// Why the bundle cannot be made yet, or `None` when it can: every document reviewed, and
/// each still the file that was reviewed.
pub fn bundle_refusal(state: RequestState, documents: &[Document]) -> Option<String> {
    match unreviewed(documents) {
        0 => changed_refusal(state, documents, "Paketet kan inte skapas"),
        1 => Some(
            "Paketet kan inte skapas än: en handling är inte sekretessprövad. Pröva den först, så att ingenting lämnas ut utan prövning."
                .into(),
        ),
        n => Some(format!(
            "Paketet kan inte skapas än: {n} handlingar är inte sekretessprövade. Pröva dem först, så att ingenting lämnas ut utan prövning."
        )),
    }
}

/// Why the request cannot be decided, or `None` when it can: open, every document reviewed
/// as it is now.
pub fn decide_refusal(state: RequestState, documents: &[Document]) -> Option<String> {
    if !state.is_open() {
        return Some("Begäran är redan avslutad.".into());
    }
    match unreviewed(documents) {
        0 => changed_refusal(state, documents, "Begäran kan inte avslutas än"),
        1 => Some("Begäran kan inte avslutas än: en handling är inte sekretessprövad.".into()),
        n => Some(format!(
            "Begäran kan inte avslutas än: {n} handlingar är inte sekretessprövade."
        )),
    }
}

/// What the request comes to, by the reviews of its documents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The case has no documents in Digikoord.
    NoDocuments,
    /// Every document is released whole.
    AllReleased,
    /// Some are masked or withheld: the requester may ask for a written decision that can be
    /// appealed (OSL 6 kap. 7 §).
    Partly,
    /// Every document is withheld.
    NoneReleased,
}

impl Outcome {
    pub fn of(documents: &[Document]) -> Outcome {
        if documents.is_empty() {
            Outcome::NoDocuments
        } else if documents.iter().all(|d| d.review == Review::Release) {
            Outcome::AllReleased
        } else if documents.iter().all(|d| d.review == Review::Withhold) {
            Outcome::NoneReleased
        } else {
            Outcome::Partly
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::NoDocuments => "Ärendet har inga handlingar i Digikoord att lämna ut.",
            Outcome::AllReleased => "Alla handlingar lämnas ut i sin helhet.",
            Outcome::Partly => {
                "Handlingarna lämnas ut delvis: någon maskeras eller lämnas inte ut på grund av sekretess."
            }
            Outcome::NoneReleased => "Ingen handling lämnas ut: alla omfattas av sekretess.",
        }
    }

    /// Whether anything is masked or withheld: then the requester is told they may ask for
    /// the agency's written decision, which can be appealed.
    pub fn refuses_any(self) -> bool {
        matches!(self, Outcome::Partly | Outcome::NoneReleased)
    }
}

/// `Förteckning.csv`: every document of the request with its review and the provision or
/// note, and the bundle's file for those released (those to be masked and those withheld
/// are listed, never included). UTF-8 with a BOM and semicolons, as Swedish Excel opens it.
pub fn inventory_csv(documents: &[Document], entries: &[(i32, String)]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header = [
        "Nr",
        "Handling",
        "Slag",
        "Datum",
        "Sekretessprövning",
        "Sekretessbestämmelse eller anteckning",
        "Prövad av",
        "Prövad",
        "Fil i paketet",
    ];
    out.push_str(&header.join(";"));
    out.push_str("\r\n");
    for d in documents {
        let file = entries
            .iter()
            .find(|(position, _)| *position == d.position)
            .map(|(_, name)| name.as_str())
            .unwrap_or(d.review.not_in_bundle());
        let reviewed_at = d
            .reviewed_at
            .map(|t| crate::clock::swedish_date(t).to_string())
            .unwrap_or_default();
        let row = [
            d.position.to_string(),
            field(&d.title),
            field(d.kind.label()),
            d.dated.to_string(),
            field(d.review.label()),
            field(d.review_note.as_deref().unwrap_or_default()),
            field(d.reviewed_by_name.as_deref().unwrap_or_default()),
            reviewed_at,
            field(file),
        ];
        out.push_str(&row.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// The bundle's file name.
pub fn bundle_name(number: i64) -> String {
    format!("Begäran om allmän handling nr {number}.zip")
}

// ---- The forms ----

/// A request as registered: when it came, who asks (may be empty), how to answer, what was
/// asked for, and the case (`ar`, `organisation_id`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequestForm {
    pub received_on: String,
    pub requester: String,
    pub reply_to: String,
    pub asked_for: String,
    pub ar: String,
    pub organisation_id: String,
}

/// A request read from its form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NewRequest {
    pub received_on: NaiveDate,
    pub requester: String,
    pub reply_to: String,
    pub asked_for: String,
    pub year: i32,
    pub organisation_id: Uuid,
}

impl RequestForm {
    /// The form as it was sent; each fault beside its field. A request may not have come in
    /// after `today` (Swedish).
    pub fn validate(&self, today: NaiveDate) -> Result<NewRequest, FormErrors> {
        let mut errors = FormErrors::default();
        let received_on = match crate::dates::parse_date(&self.received_on) {
            Ok(d) if d > today => {
                errors.add(
                    "received_on",
                    "Dagen då begäran kom in kan inte vara senare än i dag.",
                );
                None
            }
            Ok(d) => Some(d),
            Err(message) => {
                errors.add("received_on", message);
                None
            }
        };
        let requester = text(&mut errors, "requester", &self.requester, 200);
        let reply_to = required_text(
            &mut errors,
            "reply_to",
            &self.reply_to,
            500,
            "Skriv hur handlingarna ska lämnas ut, till exempel en e-postadress, en postadress eller att de hämtas på plats.",
        );
        let asked_for = required_text(
            &mut errors,
            "asked_for",
            &self.asked_for,
            2000,
            "Skriv vad begäran gäller, med den sökandes egna ord.",
        );
        let year = match crate::dates::parse_year(&self.ar) {
            Ok(y) => Some(y),
            Err(_) => {
                errors.add("ar", "Välj vilket år ärendet gäller.");
                None
            }
        };
        let organisation_id = match Uuid::parse_str(self.organisation_id.trim()) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.add("organisation_id", "Välj vilken region ärendet gäller.");
                None
            }
        };
        match (received_on, reply_to, asked_for, year, organisation_id) {
            (
                Some(received_on),
                Some(reply_to),
                Some(asked_for),
                Some(year),
                Some(organisation_id),
            ) if errors.is_empty() => Ok(NewRequest {
                received_on,
                requester,
                reply_to,
                asked_for,
                year,
                organisation_id,
            }),
            _ => Err(errors),
        }
    }
}

/// A document's review: the choice, and the provision (required when masked or withheld).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReviewForm {
    pub review: String,
    pub note: String,
}

/// A review read from its form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reviewed {
    pub review: Review,
    pub note: Option<String>,
}

impl ReviewForm {
    pub fn validate(&self) -> Result<Reviewed, FormErrors> {
        let mut errors = FormErrors::default();
        let review = Review::from_key(&self.review);
        if review.is_none() {
            errors.add(
                "review",
                "Välj om handlingen lämnas ut, lämnas ut med maskering eller inte lämnas ut.",
            );
        }
        let note = crate::input::optional_text(&mut errors, "note", &self.note, 1000);
        if review.is_some_and(Review::needs_provision)
            && note.is_none()
            && errors.get("note").is_none()
        {
            errors.add(
                "note",
                "Ange vilken sekretessbestämmelse maskeringen eller sekretessen grundas på, till exempel OSL 21 kap. 1 §.",
            );
        }
        match review {
            Some(review) if errors.is_empty() => Ok(Reviewed { review, note }),
            _ => Err(errors),
        }
    }
}

/// Deciding a request: how it was answered, if noted.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecideForm {
    pub note: String,
}

impl DecideForm {
    pub fn validate(&self) -> Result<Option<String>, FormErrors> {
        let mut errors = FormErrors::default();
        let note = crate::input::optional_text(&mut errors, "note", &self.note, 2000);
        if errors.is_empty() {
            Ok(note)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn filed() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-03-01T09:30:00Z")
            .expect("time")
            .with_timezone(&Utc)
    }

    /// A decision listed at `position`, reviewed as `review` (of the file it is now).
    fn document(position: i32, review: Review) -> Document {
        let document_id = Uuid::from_u128(u128::try_from(position).unwrap_or_default());
        Document {
            position,
            kind: DocumentKind::Decision,
            document_id,
            title: format!("Beslut {position}"),
            dated: day(2025, 3, 1),
            review,
            review_note: review
                .needs_provision()
                .then(|| "OSL 21 kap. 1 §".to_string()),
            reviewed_by_name: review
                .is_reviewed()
                .then(|| "Hanna Handläggare".to_string()),
            reviewed_at: None,
            pdf_key: review.is_reviewed().then(|| decision_key(document_id)),
            pdf_sha256: review.is_reviewed().then(|| "a".repeat(64)),
            filed_at: Some(filed()),
        }
    }

    /// A requisition's receipt at `position`, reviewed as `review` when it was filed at
    /// `reviewed_filing`, and filed at `filed_at` now.
    fn receipt(
        position: i32,
        review: Review,
        reviewed_filing: DateTime<Utc>,
        filed_at: Option<DateTime<Utc>>,
    ) -> Document {
        let id = Uuid::from_u128(1000 + u128::try_from(position).unwrap_or_default());
        Document {
            kind: DocumentKind::RequisitionReceipt,
            document_id: id,
            pdf_key: review
                .is_reviewed()
                .then(|| receipt_key(id, reviewed_filing)),
            filed_at,
            ..document(position, review)
        }
    }

    fn form(received_on: &str) -> RequestForm {
        RequestForm {
            received_on: received_on.into(),
            requester: String::new(),
            reply_to: "Hämtas i receptionen".into(),
            asked_for: "Alla handlingar i Region Skånes ärende 2025".into(),
            ar: "2025".into(),
            organisation_id: Uuid::nil().to_string(),
        }
    }

    #[test]
    fn a_request_may_be_anonymous_but_not_from_the_future_and_must_say_what_and_how() {
        let today = day(2025, 3, 1);
        let ok = form("2025-02-28").validate(today).expect("valid");
        assert_eq!(ok.requester, "", "anonymous is allowed");
        assert_eq!(ok.received_on, day(2025, 2, 28));
        assert!(form("2025-03-01").validate(today).is_ok(), "today is fine");

        let errors = form("2025-03-02").validate(today).expect_err("tomorrow");
        assert!(errors.get("received_on").is_some());
        let errors = RequestForm::default().validate(today).expect_err("empty");
        for field in [
            "received_on",
            "reply_to",
            "asked_for",
            "ar",
            "organisation_id",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert!(errors.get("requester").is_none());
        let long = RequestForm {
            requester: "x".repeat(201),
            ..form("2025-02-28")
        };
        assert!(
            long.validate(today)
                .expect_err("long")
                .get("requester")
                .is_some()
        );
    }

    #[test]
    fn masking_or_withholding_names_its_provision_and_release_needs_none() {
        let review = |r: &str, n: &str| {
            ReviewForm {
                review: r.into(),
                note: n.into(),
            }
            .validate()
        };
        assert_eq!(
            review("release", "").ok(),
            Some(Reviewed {
                review: Review::Release,
                note: None
            })
        );
        for masked_or_withheld in ["release_masked", "withhold"] {
            let errors = review(masked_or_withheld, "  ").expect_err("no provision");
            assert!(errors.get("note").is_some());
            assert_eq!(
                review(masked_or_withheld, " OSL 21 kap. 1 § ")
                    .expect("with provision")
                    .note
                    .as_deref(),
                Some("OSL 21 kap. 1 §")
            );
        }
        assert!(review("not_reviewed", "").is_err(), "not a choice");
        assert!(review("", "").expect_err("none").get("review").is_some());
        assert!(review("release", &"x".repeat(1001)).is_err());
    }

    #[test]
    fn only_an_open_request_is_reviewed_and_decided_and_only_when_every_document_is_reviewed() {
        let open = RequestState::Open;
        assert!(open.may_review());
        assert!(!RequestState::Decided.may_review());
        let waiting = [
            document(1, Review::Release),
            document(2, Review::NotReviewed),
        ];
        assert!(bundle_refusal(open, &waiting).is_some_and(|m| m.contains("en handling")));
        assert!(decide_refusal(open, &waiting).is_some());
        let done = [document(1, Review::Release), document(2, Review::Withhold)];
        assert_eq!(bundle_refusal(open, &done), None);
        assert_eq!(decide_refusal(open, &done), None);
        assert!(decide_refusal(RequestState::Decided, &done).is_some());
        assert_eq!(
            bundle_refusal(open, &[]),
            None,
            "a case without documents: a list only"
        );
    }

    #[test]
    fn a_document_sent_in_again_after_its_review_is_reviewed_again_before_anything_is_handed_over()
    {
        let first = filed();
        let again = first + chrono::Duration::days(3);
        // Reviewed as it is now: nothing changed.
        let same = receipt(2, Review::Release, first, Some(first));
        assert_eq!(same.current_key(), same.pdf_key);
        assert!(!same.changed_since_review());
        // Sent in again: another receipt, under another key.
        let resent = receipt(2, Review::Release, first, Some(again));
        assert_ne!(resent.current_key(), resent.pdf_key);
        assert!(resent.changed_since_review());
        // Gone (disposed of, or never filed): not the file reviewed either.
        let gone = receipt(3, Review::Withhold, first, None);
        assert_eq!(gone.current_key(), None);
        assert!(gone.changed_since_review());
        // Not reviewed yet: nothing to have changed.
        assert!(!receipt(4, Review::NotReviewed, first, Some(again)).changed_since_review());

        let documents = [document(1, Review::Release), resent.clone(), gone];
        assert_eq!(changed_since_review(&documents), vec![2, 3]);
        let refusal = bundle_refusal(RequestState::Open, &documents).expect("refused");
        assert!(refusal.contains("handlingarna 2 och 3"), "{refusal}");
        assert!(refusal.contains("pröva dem igen"), "{refusal}");
        // Decided, the reviews stay: the bundle is still refused, and a new request is the way.
        let refusal = bundle_refusal(RequestState::Decided, &documents).expect("refused");
        assert!(refusal.contains("registrera en ny begäran"), "{refusal}");
        assert!(
            decide_refusal(RequestState::Open, &documents)
                .is_some_and(|m| m.contains("pröva dem igen"))
        );
        let refusal = bundle_refusal(RequestState::Open, &[document(1, Review::Release), resent])
            .expect("refused");
        assert!(refusal.contains("handling 2 är inte längre"), "{refusal}");
        assert_eq!(positions(&[1, 2, 4]), "1, 2 och 4");
        assert_eq!(positions(&[7]), "7");
    }

    #[test]
    fn a_documents_key_is_the_kept_pdfs_of_that_filing() {
        let id = Uuid::from_u128(9);
        let at = filed();
        assert_eq!(
            document_key(CaseDocument::Decision(id), Some(at)),
            Some(decision_key(id))
        );
        assert_eq!(
            document_key(CaseDocument::RequisitionReceipt(id), Some(at)),
            Some(receipt_key(id, at))
        );
        assert_eq!(
            document_key(CaseDocument::Report(id), Some(at)),
            Some(report_key(id, at))
        );
        for document in [
            CaseDocument::Decision(id),
            CaseDocument::RequisitionReceipt(id),
            CaseDocument::Report(id),
        ] {
            assert_eq!(document_key(document, None), None, "{document:?}");
        }
    }

    #[test]
    fn only_documents_released_whole_are_in_the_bundle_and_the_list_says_why_the_rest_are_not() {
        assert_eq!(
            document(3, Review::Release)
                .entry_name("Beslut.pdf")
                .as_deref(),
            Some("Lämnas ut/03 Beslut.pdf")
        );
        assert_eq!(
            document(12, Review::Release)
                .entry_name("a/b\\c.pdf")
                .as_deref(),
            Some("Lämnas ut/12 a-b-c.pdf")
        );
        assert_eq!(
            document(12, Review::ReleaseMasked).entry_name("x.pdf"),
            None,
            "masked by hand, never in the bundle"
        );
        assert_eq!(document(4, Review::Withhold).entry_name("x.pdf"), None);
        assert_eq!(document(5, Review::NotReviewed).entry_name("x.pdf"), None);
        assert_eq!(
            document(6, Review::Release).entry_name("..").as_deref(),
            Some("Lämnas ut/06 handling.pdf")
        );

        let documents = [
            document(1, Review::Release),
            document(2, Review::Withhold),
            document(3, Review::ReleaseMasked),
        ];
        let entries = vec![(1, "Lämnas ut/01 Beslut 1.pdf".to_string())];
        let csv = String::from_utf8(inventory_csv(&documents, &entries)).expect("utf-8");
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 4, "{csv}");
        assert!(lines[1].starts_with("1;Beslut 1;Beslut;2025-03-01;Lämnas ut;;"));
        assert!(lines[1].ends_with(";Lämnas ut/01 Beslut 1.pdf"));
        assert!(lines[2].contains("Lämnas inte ut (sekretess);OSL 21 kap. 1 §"));
        assert!(lines[2].ends_with(";Ingår inte"));
        assert!(lines[3].contains("Lämnas ut med maskering – maskera före utlämnande"));
        assert!(
            lines[3].ends_with(";Lämnas ut efter maskering – ingår inte i paketet"),
            "{}",
            lines[3]
        );
    }

    #[test]
    fn the_outcome_follows_the_reviews() {
        assert_eq!(Outcome::of(&[]), Outcome::NoDocuments);
        assert_eq!(
            Outcome::of(&[document(1, Review::Release)]),
            Outcome::AllReleased
        );
        assert_eq!(
            Outcome::of(&[
                document(1, Review::Release),
                document(2, Review::ReleaseMasked)
            ]),
            Outcome::Partly
        );
        assert_eq!(
            Outcome::of(&[document(1, Review::Withhold)]),
            Outcome::NoneReleased
        );
        assert!(Outcome::Partly.refuses_any() && !Outcome::AllReleased.refuses_any());
    }

    #[test]
    fn a_case_document_is_stored_and_named_again_as_the_same() {
        let id = Uuid::new_v4();
        for document in [
            CaseDocument::Decision(id),
            CaseDocument::RequisitionReceipt(id),
            CaseDocument::Report(id),
        ] {
            let (kind, kept) = DocumentKind::of(document);
            assert_eq!(kind.document(kept), document);
        }
        assert_eq!(
            hold_entity_id(2025, Uuid::nil()),
            format!("2025:{}", Uuid::nil())
        );
        for r in Review::CHOICES {
            assert_eq!(Review::from_key(r.key()), Some(r));
        }
    }
}
