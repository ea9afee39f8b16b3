//! What the year's approved reports say together: their activities counted by sub-goal and
//! kind, and how the regions assessed themselves.

use serde::Serialize;

use super::model::Activity;
use crate::reports::model::{ActivityKind, SUB_GOALS};

/// Activities counted by sub-goal and kind, in total and per actor.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ActivityStats {
    pub total: usize,
    pub by_goal: Vec<(&'static str, usize)>,
    pub by_kind: Vec<(&'static str, usize)>,
    pub participants: i64,
    pub partners: Vec<String>,
    pub per_actor: Vec<ActorActivities>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ActorActivities {
    pub actor_name: String,
    pub activities: usize,
    pub by_goal: Vec<usize>,
    pub participants: i64,
}

fn count_goals<'a>(activities: impl Iterator<Item = &'a Activity> + Clone) -> Vec<usize> {
    SUB_GOALS
        .iter()
        .map(|(key, _)| {
            activities
                .clone()
                .filter(|a| a.sub_goals.iter().any(|g| g == key))
                .count()
        })
        .collect()
}

pub fn activity_stats<'a>(
    reports: impl Iterator<Item = (&'a str, &'a [Activity])>,
) -> ActivityStats {
    let reports: Vec<(&str, &[Activity])> = reports.collect();
    let all = || reports.iter().flat_map(|(_, a)| a.iter());
    let goals = count_goals(all());
    let mut partners: Vec<String> = all()
        .flat_map(|a| a.partners.split([',', ';']))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    partners.sort();
    partners.dedup();
    ActivityStats {
        total: all().count(),
        by_goal: SUB_GOALS
            .iter()
            .map(|(_, label)| *label)
            .zip(goals)
            .collect(),
        by_kind: ActivityKind::ALL
            .iter()
            .map(|k| (k.label(), all().filter(|a| a.kind == *k).count()))
            .collect(),
        participants: all().map(|a| i64::from(a.participants)).sum(),
        partners,
        per_actor: reports
            .iter()
            .map(|(name, activities)| ActorActivities {
                actor_name: name.to_string(),
                activities: activities.len(),
                by_goal: count_goals(activities.iter()),
                participants: activities.iter().map(|a| i64::from(a.participants)).sum(),
            })
            .collect(),
    }
}

/// How many actors report a positive change: "17 av 20".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AssessmentCounts {
    pub reports: usize,
    pub yes: usize,
    pub partly: usize,
    pub no: usize,
    pub cant_say: usize,
}

impl AssessmentCounts {
    pub fn of(&self, n: usize) -> String {
        format!("{n} av {}", self.reports)
    }
}
