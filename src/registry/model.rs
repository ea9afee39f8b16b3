//! The pure rules of the diarienummer: which cases there are, how a typed number is read,
//! how the series writes its next one, and what each form must hold.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{dates::parse_year, web::FormErrors};

/// The kinds of case that get a diarienummer, as the schema has them (`registry_case_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type, Serialize)]
#[sqlx(type_name = "registry_case_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    Requisition,
    Report,
    Repayment,
    /// The year's report to the Government (26 March): Tillväxtverket's own, no actor's.
    Summary,
}

impl CaseKind {
    pub const ALL: [CaseKind; 4] = [
        CaseKind::Requisition,
        CaseKind::Report,
        CaseKind::Repayment,
        CaseKind::Summary,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Requisition => "Rekvisition",
            CaseKind::Report => "Redovisning",
            CaseKind::Repayment => "Återbetalning",
            CaseKind::Summary => "Redovisning till regeringen",
        }
    }

    /// As the forms send it.
    pub fn key(self) -> &'static str {
        match self {
            CaseKind::Requisition => "requisition",
            CaseKind::Report => "report",
            CaseKind::Repayment => "repayment",
            CaseKind::Summary => "summary",
        }
    }

    pub fn from_key(key: &str) -> Option<CaseKind> {
        CaseKind::ALL.into_iter().find(|k| k.key() == key.trim())
    }

    /// An actor's case; the summary is the whole programme's.
    pub fn is_an_actors(self) -> bool {
        self != CaseKind::Summary
    }
}

/// A case's diarienummer, as other domains read it (`db::for_year`).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    pub kind: CaseKind,
    pub year: i32,
    pub organisation_id: Option<Uuid>,
    pub diarienummer: String,
}

/// Which case: its kind, its year and, for an actor's, the organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Case {
    pub kind: CaseKind,
    pub year: i32,
    pub organisation_id: Option<Uuid>,
}

impl Case {
    /// The case a form names (its hidden fields), or `None` when the fields name none: a
    /// kind, a year, and an organisation exactly when the kind is an actor's.
    pub fn of(kind: &str, year: &str, organisation: &str) -> Option<Case> {
        let kind = CaseKind::from_key(kind)?;
        let year = parse_year(year).ok()?;
        let organisation_id = match (kind.is_an_actors(), organisation.trim()) {
            (true, typed) => Some(Uuid::parse_str(typed).ok()?),
            (false, "") => None,
            (false, _) => return None,
        };
        Some(Case {
            kind,
            year,
            organisation_id,
        })
    }

    /// The case as one word for the page's element ids: `requisition-2025-<uuid>`.
    pub fn dom_id(&self) -> String {
        match self.organisation_id {
            Some(org) => format!("{}-{}-{org}", self.kind.key(), self.year),
            None => format!("{}-{}", self.kind.key(), self.year),
        }
    }
}

/// Whether a search finds a case by any of its texts (its diarienummer, case number, actor,
/// year, kind), in any case; an empty search finds every case.
pub fn found(search: &str, texts: &[&str]) -> bool {
    let search = search.trim().to_lowercase();
    search.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&search))
}

/// The longest diarienummer (the schema's limit too).
pub const MAX_CHARS: usize = 50;

/// A diarienummer as typed, as it is kept: trimmed, each run of spaces one space, at most
/// 50 characters; or what to say beside the field.
pub fn parse_diarienummer(input: &str) -> Result<String, &'static str> {
    let number = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if number.is_empty() {
        Err("Skriv diarienumret, till exempel Ä 2026-00042, eller ta nästa nummer ur serien.")
    } else if number.chars().count() > MAX_CHARS {
        Err("Ett diarienummer är högst 50 tecken.")
    } else if number.chars().any(char::is_control) {
        Err("Diarienumret innehåller ett otillåtet tecken.")
    } else {
        Ok(number)
    }
}

/// The number the series writes: `Ä 2026-00042` (prefix, year, the running number in
/// `digits` digits); without a prefix `2026-00042`.
pub fn series_number(prefix: &str, year: i32, n: i32, digits: i32) -> String {
    let width = usize::try_from(digits).unwrap_or(1);
    let running = format!("{year}-{n:0width$}");
    match prefix.trim() {
        "" => running,
        prefix => format!("{prefix} {running}"),
    }
}

/// How the registrar gives the number: typed from the agency's diary, or the series' next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Given {
    Typed(String),
    FromSeries,
}

/// The registrar's form on a case without a diarienummer. The button pressed says how
/// (`satt`: `serie` takes the series' next number; anything else registers what is typed).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RegisterForm {
    pub kind: String,
    pub year: String,
    pub organisation: String,
    pub diarienummer: String,
    pub satt: String,
}

impl RegisterForm {
    pub fn case(&self) -> Option<Case> {
        Case::of(&self.kind, &self.year, &self.organisation)
    }

    /// How the number is given, or what to say beside the field.
    pub fn given(&self) -> Result<Given, &'static str> {
        if self.satt.trim() == "serie" {
            if self.diarienummer.trim().is_empty() {
                Ok(Given::FromSeries)
            } else {
                Err(
                    "Lämna fältet tomt för att ta nästa nummer ur serien, eller tryck Registrera för att registrera numret du har skrivit.",
                )
            }
        } else {
            parse_diarienummer(&self.diarienummer).map(Given::Typed)
        }
    }
}

/// The registrar's correction of a registered number: the entry, the right number, why.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CorrectForm {
    pub entry: String,
    pub diarienummer: String,
    pub reason: String,
}

/// The longest reason for a correction.
pub const REASON_MAX: usize = 1000;

/// A correction as it is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Correction {
    pub diarienummer: String,
    pub reason: String,
}

impl CorrectForm {
    /// The entry's id, if the form names one.
    pub fn entry_id(&self) -> Option<i64> {
        self.entry.trim().parse().ok().filter(|id| *id > 0)
    }

    /// The correction, or each field's fault (the number's beside `diarienummer`, the
    /// reason's beside `reason`); `was` is the number it has now.
    pub fn validate(&self, was: &str) -> Result<Correction, FormErrors> {
        let mut errors = FormErrors::default();
        let number = match parse_diarienummer(&self.diarienummer) {
            Ok(n) if n == was => {
                errors.add(
                    "diarienummer",
                    "Ärendet har redan det diarienumret. Skriv det rätta numret.",
                );
                None
            }
            Ok(n) => Some(n),
            Err(message) => {
                errors.add("diarienummer", message);
                None
            }
        };
        let reason = self.reason.trim();
        if reason.is_empty() {
            errors.add(
                "reason",
                "Skriv varför diarienumret ändras, till exempel att det var felskrivet.",
            );
        } else if reason.chars().count() > REASON_MAX {
            errors.add("reason", "Skälet får vara högst 1 000 tecken.");
        }
        match number {
            Some(diarienummer) if errors.is_empty() => Ok(Correction {
                diarienummer,
                reason: reason.to_string(),
            }),
            _ => Err(errors),
        }
    }
}

/// A year's number series as an administrator sets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Series {
    pub year: i32,
    pub prefix: String,
    pub next: i32,
    pub digits: i32,
}

impl Series {
    /// The number the series gives next.
    pub fn next_number(&self) -> String {
        series_number(&self.prefix, self.year, self.next, self.digits)
    }
}

/// The administrator's form for a year's series.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SeriesForm {
    pub year: String,
    pub prefix: String,
    pub next: String,
    pub digits: String,
}

impl SeriesForm {
    /// The form for a new series of `year`: `Ä`, from 1, in five digits.
    pub fn for_year(year: i32) -> SeriesForm {
        SeriesForm {
            year: year.to_string(),
            prefix: "Ä".into(),
            next: "1".into(),
            digits: "5".into(),
        }
    }

    pub fn validate(&self) -> Result<Series, FormErrors> {
        let mut errors = FormErrors::default();
        let year = parse_year(&self.year)
            .map_err(|e| errors.add("year", e))
            .ok();
        let prefix = self.prefix.split_whitespace().collect::<Vec<_>>().join(" ");
        if prefix.chars().count() > 20 {
            errors.add("prefix", "Prefixet får vara högst 20 tecken.");
        }
        let next = match self.next.trim().parse::<i32>() {
            Ok(n) if (1..=99_999_999).contains(&n) => Some(n),
            _ => {
                errors.add(
                    "next",
                    "Ange nästa löpnummer som ett heltal från 1, till exempel 42.",
                );
                None
            }
        };
        let digits = match self.digits.trim().parse::<i32>() {
            Ok(d) if (1..=8).contains(&d) => Some(d),
            _ => {
                errors.add(
                    "digits",
                    "Ange hur många siffror löpnumret skrivs med, från 1 till 8.",
                );
                None
            }
        };
        match (year, next, digits) {
            (Some(year), Some(next), Some(digits)) if errors.is_empty() => Ok(Series {
                year,
                prefix,
                next,
                digits,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_swedish_label_and_a_key_that_reads_back() {
        assert_eq!(CaseKind::Requisition.label(), "Rekvisition");
        assert_eq!(CaseKind::Report.label(), "Redovisning");
        assert_eq!(CaseKind::Repayment.label(), "Återbetalning");
        assert_eq!(CaseKind::Summary.label(), "Redovisning till regeringen");
        for kind in CaseKind::ALL {
            assert_eq!(CaseKind::from_key(kind.key()), Some(kind));
        }
        assert_eq!(CaseKind::from_key("payout"), None);
    }

    #[test]
    fn a_case_names_an_organisation_exactly_when_it_is_an_actors() {
        let org = Uuid::new_v4();
        assert_eq!(
            Case::of("report", "2025", &org.to_string()),
            Some(Case {
                kind: CaseKind::Report,
                year: 2025,
                organisation_id: Some(org)
            })
        );
        assert_eq!(
            Case::of("summary", "2025", ""),
            Some(Case {
                kind: CaseKind::Summary,
                year: 2025,
                organisation_id: None
            })
        );
        assert_eq!(Case::of("summary", "2025", &org.to_string()), None);
        assert_eq!(Case::of("report", "2025", ""), None);
        assert_eq!(Case::of("report", "1999", &org.to_string()), None);
        assert_eq!(Case::of("nonsense", "2025", &org.to_string()), None);
        assert_eq!(
            Case::of("summary", "2025", "")
                .map(|c| c.dom_id())
                .as_deref(),
            Some("summary-2025")
        );
    }

    #[test]
    fn a_search_finds_a_case_by_any_of_its_texts_in_any_case() {
        let texts = ["Ä 2026-00042", "DK-2025-007", "Region Skåne", "2025"];
        assert!(found("", &texts));
        assert!(found(" ä 2026-000 ", &texts));
        assert!(found("skåne", &texts));
        assert!(found("dk-2025", &texts));
        assert!(!found("Stockholm", &texts));
    }

    #[test]
    fn a_typed_diarienummer_is_kept_tidy_and_short() {
        assert_eq!(
            parse_diarienummer("  Ä  2026-00042 "),
            Ok("Ä 2026-00042".into())
        );
        assert!(parse_diarienummer("   ").is_err());
        assert!(parse_diarienummer(&"1".repeat(51)).is_err());
        assert_eq!(parse_diarienummer(&"1".repeat(50)).map(|n| n.len()), Ok(50));
    }

    #[test]
    fn the_series_writes_prefix_year_and_a_padded_running_number() {
        assert_eq!(series_number("Ä", 2026, 42, 5), "Ä 2026-00042");
        assert_eq!(series_number("", 2026, 42, 5), "2026-00042");
        assert_eq!(series_number("Dnr", 2027, 123_456, 3), "Dnr 2027-123456");
        let series = Series {
            year: 2026,
            prefix: "Ä".into(),
            next: 7,
            digits: 4,
        };
        assert_eq!(series.next_number(), "Ä 2026-0007");
    }

    #[test]
    fn the_registrar_either_types_a_number_or_takes_the_series_next() {
        let form = |diarienummer: &str, satt: &str| RegisterForm {
            diarienummer: diarienummer.into(),
            satt: satt.into(),
            ..RegisterForm::default()
        };
        assert_eq!(
            form(" Ä 2026-1 ", "skriv").given(),
            Ok(Given::Typed("Ä 2026-1".into()))
        );
        assert_eq!(
            form("Ä 2026-1", "").given(),
            Ok(Given::Typed("Ä 2026-1".into()))
        );
        assert_eq!(form("", "serie").given(), Ok(Given::FromSeries));
        assert!(form("Ä 2026-1", "serie").given().is_err());
        assert!(form("", "skriv").given().is_err());
    }

    #[test]
    fn a_correction_needs_another_number_and_a_reason() {
        let form = |n: &str, r: &str| CorrectForm {
            entry: "7".into(),
            diarienummer: n.into(),
            reason: r.into(),
        };
        assert_eq!(form("", "").entry_id(), Some(7));
        assert_eq!(
            form("Ä 2026-2", "Felskrivet.").validate("Ä 2026-1").ok(),
            Some(Correction {
                diarienummer: "Ä 2026-2".into(),
                reason: "Felskrivet.".into()
            })
        );
        let same = form("Ä 2026-1", "Felskrivet.")
            .validate("Ä 2026-1")
            .expect_err("the same number");
        assert!(same.get("diarienummer").is_some());
        let no_reason = form("Ä 2026-2", " ")
            .validate("Ä 2026-1")
            .expect_err("no reason");
        assert!(no_reason.get("reason").is_some());
        assert_eq!(
            CorrectForm {
                entry: "x".into(),
                ..CorrectForm::default()
            }
            .entry_id(),
            None
        );
    }

    #[test]
    fn an_administrator_sets_a_series_within_its_bounds() {
        let form = |year: &str, prefix: &str, next: &str, digits: &str| SeriesForm {
            year: year.into(),
            prefix: prefix.into(),
            next: next.into(),
            digits: digits.into(),
        };
        assert_eq!(
            form("2026", " Ä ", "42", "5").validate().ok(),
            Some(Series {
                year: 2026,
                prefix: "Ä".into(),
                next: 42,
                digits: 5
            })
        );
        let bad = form("26", &"x".repeat(21), "0", "9")
            .validate()
            .expect_err("every field wrong");
        for field in ["year", "prefix", "next", "digits"] {
            assert!(bad.get(field).is_some(), "{field}");
        }
        assert_eq!(
            SeriesForm::for_year(2026).validate().ok().map(|s| s.next),
            Some(1)
        );
    }
}
