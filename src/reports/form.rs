//! The report's forms as the region types them: the tasks, the analysis, the finances and
//! an activity, and what each must hold.

use rust_decimal::Decimal;
use serde::Deserialize;

use super::model::{ActivityKind, Costs, SUB_GOALS, SelfAssessment};
use crate::{
    input,
    money::{Amount, format_kronor},
    web::FormErrors,
};

pub const TASK_MAX: usize = 5000;
pub const ANALYSIS_MAX: usize = 10000;
pub const MOTIVATION_MAX: usize = 2000;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TasksForm {
    pub task_1: String,
    pub task_2: String,
    pub task_3: String,
    pub task_4: String,
    pub task_5: String,
    /// The part a step button asked to go to after saving (`Part::from_slug`); empty for the
    /// usual next step.
    pub go: String,
}

impl TasksForm {
    pub fn as_array(&self) -> [&str; 5] {
        [
            &self.task_1,
            &self.task_2,
            &self.task_3,
            &self.task_4,
            &self.task_5,
        ]
    }

    /// Saved as typed (trimmed); only the length is a reason to refuse.
    pub fn validate(&self) -> Result<[String; 5], FormErrors> {
        let mut errors = FormErrors::default();
        const FIELDS: [&str; 5] = ["task_1", "task_2", "task_3", "task_4", "task_5"];
        let values = [0, 1, 2, 3, 4]
            .map(|i| input::text(&mut errors, FIELDS[i], self.as_array()[i], TASK_MAX));
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(errors)
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnalysisForm {
    pub needs_and_challenges: String,
    pub results_and_effects: String,
    pub self_assessment: String,
    pub self_assessment_motivation: String,
    /// The part a step button asked to go to after saving (`Part::from_slug`); empty for the
    /// usual next step.
    pub go: String,
}

pub struct Analysis {
    pub needs_and_challenges: String,
    pub results_and_effects: String,
    pub self_assessment: Option<SelfAssessment>,
    pub self_assessment_motivation: String,
}

impl AnalysisForm {
    pub fn validate(&self) -> Result<Analysis, FormErrors> {
        let mut errors = FormErrors::default();
        let needs = input::text(
            &mut errors,
            "needs_and_challenges",
            &self.needs_and_challenges,
            ANALYSIS_MAX,
        );
        let results = input::text(
            &mut errors,
            "results_and_effects",
            &self.results_and_effects,
            ANALYSIS_MAX,
        );
        let assessment = match self.self_assessment.trim() {
            "" => None,
            key => {
                let a = SelfAssessment::from_key(key);
                if a.is_none() {
                    errors.add("self_assessment", "Välj ett av svaren.");
                }
                a
            }
        };
        let motivation = input::text(
            &mut errors,
            "self_assessment_motivation",
            &self.self_assessment_motivation,
            MOTIVATION_MAX,
        );
        if errors.is_empty() {
            Ok(Analysis {
                needs_and_challenges: needs,
                results_and_effects: results,
                self_assessment: assessment,
                self_assessment_motivation: motivation,
            })
        } else {
            Err(errors)
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FinancesForm {
    pub cost_personnel: String,
    pub cost_services: String,
    pub cost_travel: String,
    pub cost_other: String,
    pub co_financing: String,
    /// The part a step button asked to go to after saving (`Part::from_slug`); empty for the
    /// usual next step.
    pub go: String,
}

impl FinancesForm {
    pub fn validate(&self, received: Decimal) -> Result<(Costs, Option<Decimal>), FormErrors> {
        let mut errors = FormErrors::default();
        let mut cost = |field: &'static str, value: &str| -> Decimal {
            if value.trim().is_empty() {
                return Decimal::ZERO;
            }
            match Amount::parse(value) {
                Ok(a) => a.value(),
                Err(e) => {
                    errors.add(field, e);
                    Decimal::ZERO
                }
            }
        };
        let costs = Costs {
            personnel: cost("cost_personnel", &self.cost_personnel),
            services: cost("cost_services", &self.cost_services),
            travel: cost("cost_travel", &self.cost_travel),
            other: cost("cost_other", &self.cost_other),
        };
        let co_financing = if self.co_financing.trim().is_empty() {
            None
        } else {
            match Amount::parse(&self.co_financing) {
                Ok(a) => Some(a.value()),
                Err(e) => {
                    errors.add("co_financing", e);
                    None
                }
            }
        };
        if errors.is_empty() && costs.used() > received {
            errors.add(
                "cost_personnel",
                format!(
                    "Kostnaderna är tillsammans {}, mer än de {} ni har tagit emot. De använda medlen kan inte vara fler än de mottagna.",
                    format_kronor(costs.used()),
                    format_kronor(received)
                ),
            );
        }
        if errors.is_empty() {
            Ok((costs, co_financing))
        } else {
            Err(errors)
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    pub title: String,
    pub description: String,
    pub held: String,
    pub goal_kompetens: Option<String>,
    pub goal_trygghet: Option<String>,
    pub goal_innovation: Option<String>,
    pub goal_ledning: Option<String>,
    pub goal_infrastruktur: Option<String>,
    pub kind: String,
    pub partners: String,
    pub participants: String,
    /// The part a step button asked to go to after saving (`Part::from_slug`); empty for the
    /// usual next step.
    pub go: String,
}

#[derive(Debug)]
pub struct Activity {
    pub title: String,
    pub description: String,
    pub held: String,
    pub sub_goals: Vec<String>,
    pub kind: ActivityKind,
    pub partners: String,
    pub participants: i32,
}

impl ActivityForm {
    pub fn goals(&self) -> Vec<&'static str> {
        let checked = [
            &self.goal_kompetens,
            &self.goal_trygghet,
            &self.goal_innovation,
            &self.goal_ledning,
            &self.goal_infrastruktur,
        ];
        SUB_GOALS
            .iter()
            .zip(checked)
            .filter(|(_, c)| c.is_some())
            .map(|((k, _), _)| *k)
            .collect()
    }

    pub fn has_goal(&self, key: &str) -> bool {
        self.goals().contains(&key)
    }

    /// Nothing typed: a step button on an empty form adds no activity, it only moves on.
    pub fn is_blank(&self) -> bool {
        [
            &self.title,
            &self.description,
            &self.held,
            &self.kind,
            &self.partners,
            &self.participants,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
            && self.goals().is_empty()
    }

    pub fn validate(&self) -> Result<Activity, FormErrors> {
        let mut errors = FormErrors::default();
        let title = input::text(&mut errors, "title", &self.title, 200);
        if title.is_empty() {
            errors.add("title", "Ange aktivitetens rubrik.");
        }
        let description = input::text(&mut errors, "description", &self.description, 2000);
        let held = input::text(&mut errors, "held", &self.held, 100);
        if held.is_empty() {
            errors.add(
                "held",
                "Ange när aktiviteten genomfördes, till exempel ”mars 2025”.",
            );
        }
        let sub_goals: Vec<String> = self.goals().into_iter().map(str::to_string).collect();
        if sub_goals.is_empty() {
            errors.add(
                "sub_goals",
                "Välj minst ett delmål som aktiviteten bidrog till.",
            );
        }
        let kind = ActivityKind::from_key(self.kind.trim());
        if kind.is_none() {
            errors.add("kind", "Välj vilken sorts aktivitet det var.");
        }
        let partners = input::text(&mut errors, "partners", &self.partners, 1000);
        let participants = match self.participants.trim() {
            "" => Some(0),
            p => p
                .parse::<i32>()
                .ok()
                .filter(|n| (0..=1_000_000).contains(n)),
        };
        if participants.is_none() {
            errors.add(
                "participants",
                "Ange antalet deltagare som ett heltal, till exempel 25.",
            );
        }
        match (kind, participants) {
            (Some(kind), Some(participants)) if errors.is_empty() => Ok(Activity {
                title,
                description,
                held,
                sub_goals,
                kind,
                partners,
                participants,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn costs_above_what_was_received_or_negative_are_refused() {
        let form = FinancesForm {
            cost_personnel: "900 000".into(),
            cost_services: "100 000,01".into(),
            ..Default::default()
        };
        let errors = form.validate(dec("1000000")).expect_err("over received");
        assert!(
            errors
                .get("cost_personnel")
                .is_some_and(|e| e.contains("mer än"))
        );
        let negative = FinancesForm {
            cost_travel: "-5".into(),
            ..Default::default()
        };
        assert!(
            negative
                .validate(dec("1000000"))
                .expect_err("negative")
                .get("cost_travel")
                .is_some()
        );
        let all = FinancesForm {
            cost_personnel: "1 000 000".into(),
            ..Default::default()
        };
        let (costs, co) = all.validate(dec("1000000")).expect("everything used");
        assert_eq!(costs.unused(dec("1000000")), Decimal::ZERO);
        assert_eq!(co, None);
    }

    #[test]
    fn an_activity_needs_a_title_a_time_a_sub_goal_a_kind_and_a_whole_number_of_participants() {
        let ok = ActivityForm {
            title: "Nätverksträff om AI".into(),
            held: "mars 2025".into(),
            goal_innovation: Some("ja".into()),
            kind: "network_meeting".into(),
            participants: "42".into(),
            ..Default::default()
        };
        let activity = ok.validate().expect("valid");
        assert_eq!(activity.sub_goals, vec!["innovation"]);
        let bad = ActivityForm {
            participants: "många".into(),
            kind: "party".into(),
            goal_innovation: None,
            ..ok
        };
        let errors = bad.validate().expect_err("invalid");
        for field in ["participants", "kind", "sub_goals"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
    }

    #[test]
    fn an_activity_form_with_nothing_typed_is_blank_and_one_word_is_not() {
        let nothing = ActivityForm {
            title: "  ".into(),
            go: "analys".into(),
            ..Default::default()
        };
        assert!(nothing.is_blank());
        let a_goal = ActivityForm {
            goal_ledning: Some("ja".into()),
            ..Default::default()
        };
        assert!(!a_goal.is_blank());
        let a_title = ActivityForm {
            title: "Träff".into(),
            ..Default::default()
        };
        assert!(!a_title.is_blank());
    }
}
