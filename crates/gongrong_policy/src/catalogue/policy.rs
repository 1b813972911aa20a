//! A policy file's metadata checked against the catalogue: its category, department, groups and
//! needs exist; its outputs are variables of the right type, entity and period.

use super::compile::Compiler;
use super::files::PolicyFile;
use super::{Coded, Entity, ExclusivityGroup, Label, PolicyDef, PolicyPeriod, VarDef, VarId};
use crate::check::suggest;
use crate::period::PeriodKind;
use crate::types::Type;
use std::collections::HashMap;
use toml::Spanned;

#[allow(clippy::too_many_arguments)]
pub(super) fn policy(
    c: &mut Compiler<'_>,
    file: usize,
    p: &PolicyFile,
    var_index: &HashMap<String, VarId>,
    vars: &[VarDef],
    categories: &[Coded],
    departments: &[Coded],
    groups: &[ExclusivityGroup],
    needs: &[(usize, Spanned<String>, Label, Spanned<String>)],
) -> Option<PolicyDef> {
    let code = p.code.get_ref().clone();
    let mut ok = true;
    let mut known = |c: &mut Compiler<'_>,
                     what: &str,
                     s: &Spanned<String>,
                     list: &mut dyn Iterator<Item = &str>| {
        let names: Vec<&str> = list.collect();
        if !names.contains(&s.get_ref().as_str()) {
            c.err(
                file,
                s.span().start,
                format!(
                    "{code}: unknown {what} `{}`{}",
                    s.get_ref(),
                    suggest(s.get_ref(), names.iter().copied())
                ),
            );
            ok = false;
        }
    };
    known(
        c,
        "category",
        &p.category,
        &mut categories.iter().map(|x| x.code.as_str()),
    );
    known(
        c,
        "department",
        &p.department,
        &mut departments.iter().map(|x| x.code.as_str()),
    );
    for g in &p.exclusivity {
        known(
            c,
            "exclusivity group",
            g,
            &mut groups.iter().map(|x| x.code.as_str()),
        );
    }
    for n in &p.covers {
        known(
            c,
            "need",
            n,
            &mut needs.iter().map(|x| x.1.get_ref().as_str()),
        );
    }
    let Some(period) = PolicyPeriod::parse(p.period.get_ref()) else {
        c.err(
            file,
            p.period.span().start,
            format!(
                "{code}: unknown period `{}` (monthly, yearly or once)",
                p.period.get_ref()
            ),
        );
        return None;
    };
    let unknown_var = |c: &mut Compiler<'_>, s: &Spanned<String>| {
        c.err(
            file,
            s.span().start,
            format!(
                "{code}: unknown variable `{}`{}",
                s.get_ref(),
                suggest(s.get_ref(), var_index.keys().map(String::as_str))
            ),
        );
    };
    let output =
        |c: &mut Compiler<'_>, s: &Spanned<String>, want: Type, what: &str| -> Option<VarId> {
            let Some(id) = var_index.get(s.get_ref()).copied() else {
                unknown_var(c, s);
                return None;
            };
            let v = &vars[id.0 as usize];
            if v.ty != want {
                c.err(
                    file,
                    s.span().start,
                    format!(
                        "{code}: the {what} output `{}` must be {}",
                        s.get_ref(),
                        if want == Type::Bool {
                            "a bool"
                        } else {
                            "money"
                        }
                    ),
                );
                return None;
            }
            if period == PolicyPeriod::Monthly && v.period != PeriodKind::Month {
                c.err(
                    file,
                    s.span().start,
                    format!(
                        "{code} is monthly: its output `{}` must be a monthly variable",
                        s.get_ref()
                    ),
                );
                return None;
            }
            if v.period == PeriodKind::Fixed {
                c.err(
                    file,
                    s.span().start,
                    format!(
                        "{code}: the output `{}` must have a period (month or year)",
                        s.get_ref()
                    ),
                );
                return None;
            }
            Some(id)
        };
    let eligible = output(c, &p.eligible, Type::Bool, "eligible");
    let amount = p
        .amount
        .as_ref()
        .map(|a| (output(c, a, Type::Money, "amount"), a));
    let eligible = eligible?;
    let entity = vars[eligible.0 as usize].entity;
    let amount = match amount {
        Some((Some(a), s)) => {
            if vars[a.0 as usize].entity != entity {
                c.err(
                    file,
                    s.span().start,
                    format!("{code}: `eligible` and `amount` must describe the same entity"),
                );
                return None;
            }
            Some(a)
        }
        Some((None, _)) => return None,
        None => None,
    };
    let beneficiary = match &p.beneficiary {
        None => None,
        Some(s) => match var_index.get(s.get_ref()).copied() {
            Some(id)
                if vars[id.0 as usize].ty == Type::Bool
                    && vars[id.0 as usize].entity == Entity::Person
                    && entity == Entity::Household =>
            {
                Some(id)
            }
            Some(_) => {
                c.err(file, s.span().start, format!("{code}: the beneficiary `{}` must be a person bool variable of a household policy", s.get_ref()));
                return None;
            }
            None => {
                unknown_var(c, s);
                return None;
            }
        },
    };
    if !ok {
        return None;
    }
    Some(PolicyDef {
        beneficiary,
        code,
        name: p.name.clone(),
        description: p.description.clone(),
        category: p.category.get_ref().clone(),
        department: p.department.get_ref().clone(),
        legal_reference: p.legal_reference.clone(),
        period,
        exclusivity: p.exclusivity.iter().map(|s| s.get_ref().clone()).collect(),
        covers: p.covers.iter().map(|s| s.get_ref().clone()).collect(),
        eligible,
        amount,
        entity,
        illustrative: p.illustrative,
        enabled: true,
        location: c.loc(file, p.code.span().start),
    })
}
