//! Why a household gets what it gets: an explanation of an evaluation as a tree a caseworker can
//! read. Each node is one variable's value for the household or one member, with its formula,
//! the parameter values it read (with the date each took effect) and the nodes it depends on;
//! inputs are leaves saying whether the value was given or defaulted. Nodes are shared (a DAG
//! serialised as a list with ids); the text rendering prints a shared node once and refers back.

use crate::catalogue::{Catalogue, Entity, Label, PolicyPeriod};
use crate::check::DepVia;
use crate::eval::{Evaluation, Origin};
use crate::facts::HouseholdFacts;
use crate::period::Period;
use crate::plan::SlotId;
use crate::types::Value;
use chrono::NaiveDate;
use gongrong_domain::Lang;
use serde::Serialize;
use std::fmt::Write;

/// A parameter value a formula read.
#[derive(Clone, Debug, Serialize)]
pub struct ParamUse {
    pub name: String,
    pub label: Label,
    pub value: serde_json::Value,
    pub display: Label,
    /// The date this value took effect.
    pub from: NaiveDate,
    pub reference: Option<String>,
    pub illustrative: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub id: usize,
    pub variable: String,
    pub label: Label,
    pub entity: Entity,
    /// Index of the member (person variables).
    pub member: Option<usize>,
    pub member_id: Option<String>,
    /// The period of this value (`None` for fixed facts).
    pub period: Option<Period>,
    pub value: serde_json::Value,
    /// The value as shown to a caseworker, in both languages.
    pub display: Label,
    pub origin: Origin,
    /// The formula as written (formula variables computed by it).
    pub formula: Option<String>,
    pub parameters: Vec<ParamUse>,
    pub depends_on: Vec<usize>,
}

/// One policy's outcome for the household: the household's (household policies) or each
/// member's (person policies) eligibility and amount, and the nodes explaining them.
#[derive(Clone, Debug, Serialize)]
pub struct PolicyOutcome {
    pub code: String,
    pub name: Label,
    pub department: String,
    pub period: PolicyPeriod,
    pub enabled: bool,
    pub entity: Entity,
    /// One entry for a household policy, one per member for a person policy.
    pub results: Vec<PolicyResult>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PolicyResult {
    pub member: Option<usize>,
    pub eligible: bool,
    pub amount: Option<serde_json::Value>,
    pub amount_display: Option<Label>,
    /// Node of the eligibility output, then of the amount output.
    pub nodes: Vec<usize>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub household: String,
    pub village: String,
    pub period: Period,
    /// The reforms applied to the catalogue, if any.
    pub reforms: Vec<String>,
    pub policies: Vec<PolicyOutcome>,
    pub nodes: Vec<Node>,
}

struct Builder<'a, 'p> {
    cat: &'a Catalogue,
    ev: &'a Evaluation<'p>,
    facts: &'a HouseholdFacts,
    memo: Vec<Option<usize>>,
    nodes: Vec<Node>,
}

impl Builder<'_, '_> {
    fn key(&self, slot: SlotId, member: Option<usize>) -> usize {
        slot.0 as usize * (self.ev.members() + 1) + member.map_or(0, |m| m + 1)
    }

    fn display(&self, v: Value) -> Label {
        Label {
            zh: self.cat.display_value(v, Lang::Zh),
            en: self.cat.display_value(v, Lang::En),
        }
    }

    /// The node of `slot` for `member` (iterative to keep deep graphs off the stack).
    fn node(&mut self, slot: SlotId, member: Option<usize>) -> usize {
        let mut stack: Vec<(SlotId, Option<usize>, bool)> = vec![(slot, member, false)];
        while let Some((s, m, expanded)) = stack.pop() {
            let k = self.key(s, m);
            if self.memo[k].is_some() {
                continue;
            }
            let deps = self.deps(s, m);
            if !expanded {
                stack.push((s, m, true));
                for &(ds, dm) in deps.iter().rev() {
                    if self.memo[self.key(ds, dm)].is_none() {
                        stack.push((ds, dm, false));
                    }
                }
                continue;
            }
            let depends_on = deps
                .iter()
                .filter_map(|&(ds, dm)| self.memo[self.key(ds, dm)])
                .collect();
            let id = self.make(s, m, depends_on);
            self.memo[k] = Some(id);
        }
        self.memo[self.key(slot, member)].unwrap_or(0)
    }

    fn deps(&self, slot: SlotId, member: Option<usize>) -> Vec<(SlotId, Option<usize>)> {
        if self.ev.origin(slot, member) != Some(Origin::Formula) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for &(ds, via) in self.ev.plan().slot_dependencies(slot) {
            match via {
                DepVia::Same => out.push((ds, member)),
                DepVia::Household => out.push((ds, None)),
                DepVia::Members => out.extend((0..self.ev.members()).map(|i| (ds, Some(i)))),
            }
        }
        out.dedup();
        out
    }

    fn make(&mut self, slot: SlotId, member: Option<usize>, depends_on: Vec<usize>) -> usize {
        let plan = self.ev.plan();
        let s = plan.slot(slot);
        let def = self.cat.var(s.var);
        let value = self.ev.slot_value(slot, member).unwrap_or(def.ty.zero());
        let origin = self.ev.origin(slot, member).unwrap_or(Origin::Default);
        let computed = origin == Origin::Formula;
        let parameters = if computed {
            plan.slot_parameters(slot)
                .iter()
                .map(|&(pid, v, from)| {
                    let p = self.cat.param(pid);
                    ParamUse {
                        name: p.name.clone(),
                        label: p.label.clone(),
                        value: self.cat.value_json(v),
                        display: self.display(v),
                        from,
                        reference: p.reference.clone(),
                        illustrative: p.illustrative,
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        let formula = match (&def.kind, computed) {
            (crate::catalogue::VarKind::Formula { source, .. }, true) => Some(source.clone()),
            _ => None,
        };
        let id = self.nodes.len();
        self.nodes.push(Node {
            id,
            variable: def.name.clone(),
            label: def.label.clone(),
            entity: def.entity,
            member,
            member_id: member
                .and_then(|m| self.facts.members.get(m))
                .map(|p| p.id.clone()),
            period: s.period,
            value: self.cat.value_json(value),
            display: self.display(value),
            origin,
            formula,
            parameters,
            depends_on,
        });
        id
    }
}

impl Evaluation<'_> {
    /// Explains every policy's outcome for this household.
    pub fn explain(&self, facts: &HouseholdFacts) -> Explanation {
        let plan = self.plan();
        let cat = plan.catalogue().clone();
        let mut b = Builder {
            cat: &cat,
            ev: self,
            facts,
            memo: vec![None; plan.slots().len() * (self.members() + 1)],
            nodes: Vec::new(),
        };
        let mut policies = Vec::new();
        for p in cat.policies() {
            let (Some(es), amount_slot) = (
                plan.slot_of(p.eligible, 0),
                p.amount.and_then(|a| plan.slot_of(a, 0)),
            ) else {
                continue; // a monthly policy in a yearly evaluation
            };
            let rows: Vec<Option<usize>> = match p.entity {
                Entity::Household => vec![None],
                Entity::Person => (0..self.members()).map(Some).collect(),
            };
            let results = rows
                .into_iter()
                .map(|m| {
                    let mut nodes = vec![b.node(es, m)];
                    let amount = amount_slot.map(|a| {
                        nodes.push(b.node(a, m));
                        self.slot_value(a, m)
                            .unwrap_or(Value::Money(gongrong_domain::Money::ZERO))
                    });
                    PolicyResult {
                        member: m,
                        eligible: self.slot_value(es, m).is_some_and(Value::as_bool),
                        amount: amount.map(|v| cat.value_json(v)),
                        amount_display: amount.map(|v| b.display(v)),
                        nodes,
                    }
                })
                .collect();
            policies.push(PolicyOutcome {
                code: p.code.clone(),
                name: p.name.clone(),
                department: p.department.clone(),
                period: p.period,
                enabled: p.enabled,
                entity: p.entity,
                results,
            });
        }
        Explanation {
            household: facts.id.clone(),
            village: facts.village.clone(),
            period: plan.period(),
            reforms: cat.reforms().to_vec(),
            policies,
            nodes: b.nodes,
        }
    }
}

impl Explanation {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// A plain-text tree for one policy (all policies when `code` is `None`), in `lang`. A node
    /// already shown is referred to by `↑` instead of being repeated.
    pub fn render_text(&self, lang: Lang, code: Option<&str>) -> String {
        let mut out = String::new();
        let mut shown = vec![false; self.nodes.len()];
        let who = |m: Option<usize>| match (m, lang) {
            (None, _) => String::new(),
            (Some(m), Lang::Zh) => format!("［成员{}］", m + 1),
            (Some(m), Lang::En) => format!(" [member {}]", m + 1),
        };
        for p in self
            .policies
            .iter()
            .filter(|p| code.is_none_or(|c| c == p.code))
        {
            for r in &p.results {
                let verdict = match (r.eligible, lang) {
                    (true, Lang::Zh) => "符合",
                    (false, Lang::Zh) => "不符合",
                    (true, Lang::En) => "entitled",
                    (false, Lang::En) => "not entitled",
                };
                let amount = r
                    .amount_display
                    .as_ref()
                    .map_or_else(String::new, |a| format!(" — {}", a.get(lang)));
                let _ = writeln!(
                    out,
                    "{} {}{}: {verdict}{amount}",
                    p.code,
                    p.name.get(lang),
                    who(r.member)
                );
                for &n in &r.nodes {
                    self.render_node(&mut out, n, 1, lang, &mut shown, &who);
                }
            }
        }
        out
    }

    fn render_node(
        &self,
        out: &mut String,
        id: usize,
        depth: usize,
        lang: Lang,
        shown: &mut Vec<bool>,
        who: &dyn Fn(Option<usize>) -> String,
    ) {
        let Some(n) = self.nodes.get(id) else { return };
        let pad = "  ".repeat(depth);
        let period = n.period.map_or_else(String::new, |p| format!(" ({p})"));
        let head = format!(
            "{pad}{}{} = {}{period}",
            n.label.get(lang),
            who(n.member),
            n.display.get(lang)
        );
        if shown[id] {
            let _ = writeln!(out, "{head}  ↑");
            return;
        }
        shown[id] = true;
        let origin = match (n.origin, lang) {
            (Origin::Fact, Lang::Zh) => "  〔申报〕",
            (Origin::Fact, Lang::En) => "  [given]",
            (Origin::Default, Lang::Zh) => "  〔未申报，默认值〕",
            (Origin::Default, Lang::En) => "  [not given: default]",
            (Origin::Given, Lang::Zh) => "  〔直接给定〕",
            (Origin::Given, Lang::En) => "  [set directly]",
            (Origin::Formula, _) => "",
        };
        let _ = writeln!(out, "{head}{origin}");
        if let Some(f) = &n.formula {
            let one_line = f.split_whitespace().collect::<Vec<_>>().join(" ");
            let _ = writeln!(out, "{pad}  = {one_line}");
        }
        for p in &n.parameters {
            let since = match lang {
                Lang::Zh => format!("{}起执行", p.from),
                Lang::En => format!("in force from {}", p.from),
            };
            let _ = writeln!(
                out,
                "{pad}  · {} [{}] = {} ({since})",
                p.label.get(lang),
                p.name,
                p.display.get(lang)
            );
        }
        for &d in &n.depends_on {
            self.render_node(out, d, depth + 1, lang, shown, who);
        }
    }
}
