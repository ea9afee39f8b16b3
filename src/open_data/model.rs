//! What a year's open data holds, made from the summary's `Year` and nothing else.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::{
    repayments::model::Status,
    summary::model::{ActorYear, Year},
};

#[derive(Clone, Debug, Serialize)]
pub struct OpenActor {
    pub actor: String,
    /// Paid out by Tillväxtverket (paid payouts only).
    pub paid_out: Decimal,
    /// Repaid, once the repayment is settled; `None` until then.
    pub repaid: Option<Decimal>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OpenYear {
    pub year: i32,
    pub decision: String,
    pub actors: Vec<OpenActor>,
    pub total_paid_out: Decimal,
    pub total_repaid: Decimal,
}

fn open_actor(a: &ActorYear) -> OpenActor {
    let settled = matches!(a.balance.status(), Status::Settled | Status::NothingOwed);
    OpenActor {
        actor: a.actor_name.clone(),
        paid_out: a.paid_out.unwrap_or_default(),
        repaid: settled.then(|| a.balance.net()),
    }
}

impl OpenYear {
    pub fn of(year: &Year) -> OpenYear {
        let actors: Vec<OpenActor> = year.actors.iter().map(open_actor).collect();
        OpenYear {
            year: year.year,
            decision: year.decision_number.clone(),
            total_paid_out: actors.iter().map(|a| a.paid_out).sum(),
            total_repaid: actors.iter().filter_map(|a| a.repaid).sum(),
            actors,
        }
    }

    /// UTF-8 with a BOM, semicolons and decimal commas.
    pub fn csv(&self) -> Vec<u8> {
        use crate::export::csv::{amount, field};
        let mut out = String::from("\u{feff}År;Aktör;Utbetalt;Återbetalt\r\n");
        for a in &self.actors {
            out.push_str(&format!(
                "{};{};{};{}\r\n",
                self.year,
                field(&a.actor),
                amount(a.paid_out),
                a.repaid.map(amount).unwrap_or_default()
            ));
        }
        out.push_str(&format!(
            "{};Summa;{};{}\r\n",
            self.year,
            amount(self.total_paid_out),
            amount(self.total_repaid)
        ));
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csv_has_a_row_per_actor_and_the_totals() {
        let data = OpenYear {
            year: 2025,
            decision: "I2021/00795".into(),
            actors: vec![
                OpenActor {
                    actor: "Region A".into(),
                    paid_out: Decimal::from(1_000_000),
                    repaid: Some(Decimal::new(1_250_050, 2)),
                },
                OpenActor {
                    actor: "Region \"B\"; C".into(),
                    paid_out: Decimal::from(500_000),
                    repaid: None,
                },
            ],
            total_paid_out: Decimal::from(1_500_000),
            total_repaid: Decimal::new(1_250_050, 2),
        };
        let csv = String::from_utf8(data.csv()).expect("utf-8");
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[1], "2025;Region A;1000000,00;12500,50");
        assert_eq!(lines[2], "2025;\"Region \"\"B\"\"; C\";500000,00;");
        assert_eq!(lines[3], "2025;Summa;1500000,00;12500,50");
    }
}
