//! The year's charts, the same on the pages and in the DOCX summary: how far the actors
//! have come, used against unused per actor, and the trend over the years.

use super::model::{Totals, Year};
use crate::charts::{DOTS, HATCH, SOLID, Series, grouped_with_gaps, progress, stacked};

pub fn progress_chart(year: &Year) -> String {
    progress_chart_of(year.year, &year.progress(), year.actors.len())
}

/// The progress chart from the steps' counts (`model::Progress::steps`) of `actors` actors.
pub fn progress_chart_of(year: i32, steps: &[(String, usize)], actors: usize) -> String {
    progress(
        "framsteg",
        &format!("Hur långt aktörerna har kommit {year}"),
        steps,
        actors,
    )
}

pub fn used_chart(year: &Year) -> String {
    let rows = year.used_and_unused();
    stacked(
        "anvant",
        &format!("Använt och outnyttjat per aktör {}", year.year),
        &rows.iter().map(|(a, _, _)| a.clone()).collect::<Vec<_>>(),
        &[
            Series {
                name: "Använt",
                fill: SOLID,
                values: rows.iter().map(|(_, u, _)| *u).collect(),
            },
            Series {
                name: "Outnyttjat",
                fill: HATCH,
                values: rows.iter().map(|(_, _, n)| *n).collect(),
            },
        ],
    )
}

/// `trend`: every year's totals, oldest first; `None` for a year Digikoord has no figures
/// of (neither cases nor imported history), drawn as a marked gap, not as bars of 0.
pub fn trend_chart(trend: &[(i32, Option<Totals>)]) -> String {
    let totals = |pick: fn(&Totals) -> rust_decimal::Decimal| -> Vec<rust_decimal::Decimal> {
        trend
            .iter()
            .map(|(_, t)| t.as_ref().map(pick).unwrap_or_default())
            .collect()
    };
    grouped_with_gaps(
        "trend",
        "Utbetalt, använt och återbetalt år för år",
        &trend.iter().map(|(y, _)| y.to_string()).collect::<Vec<_>>(),
        &[
            Series {
                name: "Utbetalt",
                fill: SOLID,
                values: totals(|t| t.paid_out),
            },
            Series {
                name: "Använt",
                fill: HATCH,
                values: totals(|t| t.used.unwrap_or_default()),
            },
            Series {
                name: "Återbetalt",
                fill: DOTS,
                values: totals(|t| t.repaid),
            },
        ],
        &trend.iter().map(|(_, t)| t.is_some()).collect::<Vec<_>>(),
    )
}
