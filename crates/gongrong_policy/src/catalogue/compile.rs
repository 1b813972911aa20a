//! From the files as read to the checked catalogue: names resolved, types and periods checked,
//! cycles refused, a topological order computed. Every problem is collected with its place.

use super::files::{FormulaDecl, InputDecl, Map, ParamDecl};
use super::graph::topological;
use super::policy::policy;
use super::source::CatalogueSource;
use super::{
    Catalogue, Coded, DatedValue, Entity, EnumDef, ExclusivityGroup, Label, Need, ParamDef,
    ParamId, ParamUnit, PolicyDef, PolicyId, VarDef, VarId, VarKind, Variant,
};
use crate::ast::{ExprKind, TExpr};
use crate::check::{Dep, Symbols, VarSym, check_formula, suggest};
use crate::error::{Diagnostic, LoadError, Location};
use crate::period::{MAX_YEARS_BACK, PeriodKind};
use crate::types::{EnumId, Ratio, Type, Value};
use chrono::NaiveDate;
use gongrong_domain::Money;
use std::collections::HashMap;
use std::sync::Arc;
use toml::Spanned;

/// Per-variable facts the compiler keeps beside [`VarDef`].
#[derive(Clone, Debug, Default)]
pub(crate) struct VarGraph {
    pub deps: Vec<Dep>,
    pub params: Vec<ParamId>,
}

struct Pending {
    /// The file holding the formula (a reform's, when it replaced the formula).
    file: usize,
    name: Spanned<String>,
    formula: Option<Spanned<String>>,
}

pub(super) struct Compiler<'a> {
    pub(super) src: &'a CatalogueSource,
    pub(super) diags: Vec<Diagnostic>,
}

pub(crate) fn toml_value(
    enums: &[EnumDef],
    ty: Type,
    fen: bool,
    v: &toml::Value,
) -> Result<Value, String> {
    use toml::Value as T;
    match (ty, v) {
        (Type::Money, T::Integer(i)) if fen => Ok(Value::Money(Money::from_fen(*i))),
        (Type::Money, _) if fen => Err("a whole number of fen".into()),
        (Type::Money, T::Integer(i)) => i
            .checked_mul(100)
            .map(|f| Value::Money(Money::from_fen(f)))
            .ok_or_else(|| "out of range".into()),
        (Type::Money, T::Float(f)) => {
            let fen = (f * 100.0).round();
            if (f * 100.0 - fen).abs() > 1e-6 || !fen.is_finite() {
                return Err(format!("{f} has more than two decimals of yuan"));
            }
            Ok(Value::Money(Money::from_fen(fen as i64)))
        }
        (Type::Money, T::String(s)) => Money::parse_yuan(s)
            .map(Value::Money)
            .map_err(|e| e.to_string()),
        (Type::Ratio, T::Integer(i)) => Ok(Value::Ratio(Ratio(
            i.saturating_mul(crate::types::RATIO_SCALE),
        ))),
        (Type::Ratio, T::Float(f)) => {
            let r = (f * 1e6).round();
            if (f * 1e6 - r).abs() > 1e-3 || !r.is_finite() {
                return Err(format!("{f} has more than six decimals"));
            }
            Ok(Value::Ratio(Ratio(r as i64)))
        }
        (Type::Ratio, T::String(s)) => Ratio::parse(s)
            .map(Value::Ratio)
            .ok_or_else(|| format!("{s:?} is not a ratio (e.g. 1.5 or \"15%\")")),
        (Type::Integer, T::Integer(i)) => Ok(Value::Int(*i)),
        (Type::Bool, T::Boolean(b)) => Ok(Value::Bool(*b)),
        (Type::Date, T::Datetime(d)) => d
            .date
            .and_then(|d| {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            })
            .map(Value::Date)
            .ok_or_else(|| "a date such as 2024-01-01".into()),
        (Type::Date, T::String(s)) => s
            .parse::<NaiveDate>()
            .map(Value::Date)
            .map_err(|_| "a date such as 2024-01-01".into()),
        (Type::Enum(e), T::String(s)) => enums
            .get(usize::from(e.0))
            .ok_or("unknown enum")?
            .value_of(e, s),
        (ty, other) => Err(format!(
            "expected {}, found the TOML {}",
            match ty {
                Type::Money => "an amount of yuan",
                Type::Integer => "an integer",
                Type::Ratio => "a ratio",
                Type::Bool => "true or false",
                Type::Date => "a date",
                Type::Enum(_) => "a variant name (a string)",
            },
            other.type_str()
        )),
    }
}

pub(crate) fn toml_date(d: &toml::value::Datetime) -> Option<NaiveDate> {
    if d.time.is_some() {
        return None;
    }
    let d = d.date?;
    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
}

impl Compiler<'_> {
    pub(super) fn err(&mut self, file: usize, offset: usize, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            location: self.src.loc(file, offset),
            message: message.into(),
        });
    }

    pub(super) fn loc(&self, file: usize, offset: usize) -> Location {
        self.src.loc(file, offset)
    }

    fn coded<T>(&mut self, file: usize, map: &Map<T>, label: impl Fn(&T) -> Label) -> Vec<Coded> {
        map.iter()
            .map(|(k, v)| Coded {
                code: k.get_ref().clone(),
                label: label(v.get_ref()),
                location: self.loc(file, k.span().start),
            })
            .collect()
    }

    fn parse_type(&mut self, enums: &[EnumDef], file: usize, s: &Spanned<String>) -> Option<Type> {
        let t = match s.get_ref().as_str() {
            "money" => Some(Type::Money),
            "integer" => Some(Type::Integer),
            "ratio" => Some(Type::Ratio),
            "bool" => Some(Type::Bool),
            "date" => Some(Type::Date),
            name => enums
                .iter()
                .position(|e| e.name == name)
                .and_then(|i| u16::try_from(i).ok())
                .map(|i| Type::Enum(EnumId(i))),
        };
        if t.is_none() {
            let msg = format!(
                "unknown type `{}` (money, integer, ratio, bool, date, or an enum of enums.toml){}",
                s.get_ref(),
                suggest(s.get_ref(), enums.iter().map(|e| e.name.as_str()))
            );
            self.err(file, s.span().start, msg);
        }
        t
    }

    fn entity(&mut self, file: usize, s: &Spanned<String>) -> Option<Entity> {
        let e = Entity::parse(s.get_ref());
        if e.is_none() {
            self.err(
                file,
                s.span().start,
                format!("unknown entity `{}` (person or household)", s.get_ref()),
            );
        }
        e
    }

    fn period(&mut self, file: usize, s: &Spanned<String>) -> Option<PeriodKind> {
        let p = PeriodKind::parse(s.get_ref());
        if p.is_none() {
            self.err(
                file,
                s.span().start,
                format!("unknown period `{}` (month, year or fixed)", s.get_ref()),
            );
        }
        p
    }

    /// A variable's entity, period and type, each checked.
    fn header(
        &mut self,
        enums: &[EnumDef],
        file: usize,
        entity: &Spanned<String>,
        period: &Spanned<String>,
        ty: &Spanned<String>,
    ) -> Option<(Entity, PeriodKind, Type)> {
        let e = self.entity(file, entity);
        let p = self.period(file, period);
        let t = self.parse_type(enums, file, ty);
        Some((e?, p?, t?))
    }

    fn enums(&mut self) -> Vec<EnumDef> {
        let Some((file, enums)) = &self.src.enums else {
            return Vec::new();
        };
        let file = *file;
        let mut out = Vec::new();
        for (k, v) in enums {
            let mut variants: Vec<Variant> = Vec::new();
            for var in &v.get_ref().variants {
                let d = var.get_ref();
                if variants.iter().any(|x| x.name == d.name) {
                    self.err(
                        file,
                        var.span().start,
                        format!("variant `{}` is declared twice", d.name),
                    );
                }
                variants.push(Variant {
                    name: d.name.clone(),
                    label: Label {
                        zh: d.zh.clone(),
                        en: d.en.clone(),
                    },
                });
            }
            if variants.is_empty() {
                self.err(file, k.span().start, "an enum needs at least one variant");
            }
            out.push(EnumDef {
                name: k.get_ref().clone(),
                label: v.get_ref().label.clone(),
                variants,
                location: self.loc(file, k.span().start),
            });
        }
        out
    }

    fn param(
        &mut self,
        enums: &[EnumDef],
        file: usize,
        name: String,
        key_at: usize,
        d: &ParamDecl,
        illustrative_default: bool,
    ) -> Option<ParamDef> {
        let unit = match d.unit.get_ref().as_str() {
            "yuan" => ParamUnit::Yuan,
            "fen" => ParamUnit::Fen,
            "ratio" => ParamUnit::Ratio,
            "count" => ParamUnit::Count,
            "bool" => ParamUnit::Bool,
            other => {
                self.err(
                    file,
                    d.unit.span().start,
                    format!("unknown unit `{other}` (yuan, fen, ratio, count, bool)"),
                );
                return None;
            }
        };
        let mut values = self.dated(enums, file, unit, &d.values);
        values.sort_by_key(|v| v.from);
        for w in values.windows(2) {
            if w[0].from == w[1].from {
                self.diags.push(Diagnostic {
                    location: w[1].location.clone(),
                    message: format!("`{name}` has two values from {}", w[1].from),
                });
            }
        }
        if values.is_empty() {
            self.err(file, key_at, format!("parameter `{name}` has no values"));
        }
        Some(ParamDef {
            name,
            label: d.label.clone(),
            unit,
            ty: unit.ty(),
            values,
            reference: d.reference.clone(),
            description: d.description.clone(),
            illustrative: d.illustrative.unwrap_or(illustrative_default),
            location: self.loc(file, key_at),
        })
    }

    fn dated(
        &mut self,
        enums: &[EnumDef],
        file: usize,
        unit: ParamUnit,
        decls: &[Spanned<super::files::DatedDecl>],
    ) -> Vec<DatedValue> {
        let mut out = Vec::new();
        for dv in decls {
            let d = dv.get_ref();
            let Some(from) = toml_date(d.from.get_ref()) else {
                self.err(
                    file,
                    d.from.span().start,
                    "`from` must be a date such as 2024-01-01",
                );
                continue;
            };
            match toml_value(enums, unit.ty(), unit == ParamUnit::Fen, d.value.get_ref()) {
                Ok(value) => out.push(DatedValue {
                    from,
                    value,
                    location: self.loc(file, dv.span().start),
                }),
                Err(m) => self.err(file, d.value.span().start, format!("bad value: {m}")),
            }
        }
        out
    }

    fn formula_location(
        &self,
        file: usize,
        formula: &Spanned<String>,
        at: crate::syntax::Span,
    ) -> Location {
        let f = self.src.file(file);
        let (base, exact) = f.string_origin(formula.span(), formula.get_ref());
        if exact {
            f.location(base + at.start as usize)
        } else {
            f.location(formula.span().start)
        }
    }
}

fn input_default(
    c: &mut Compiler<'_>,
    enums: &[EnumDef],
    file: usize,
    name: &Spanned<String>,
    d: &InputDecl,
    ty: Type,
) -> Value {
    match &d.default {
        Some(v) => match toml_value(enums, ty, false, v.get_ref()) {
            Ok(x) => x,
            Err(m) => {
                c.err(file, v.span().start, format!("bad default: {m}"));
                ty.zero()
            }
        },
        None => {
            if matches!(ty, Type::Date | Type::Enum(_)) {
                c.err(
                    file,
                    name.span().start,
                    format!(
                        "input `{}` needs a `default` (dates and enums have no natural one)",
                        name.get_ref()
                    ),
                );
            }
            ty.zero()
        }
    }
}

impl CatalogueSource {
    /// Checks and compiles the catalogue.
    pub fn compile(&self) -> Result<Catalogue, LoadError> {
        let mut c = Compiler {
            src: self,
            diags: Vec::new(),
        };
        let enums = c.enums();

        // Catalogue metadata.
        let (title, illustrative, categories, departments, groups, need_decls) = match &self.meta {
            Some((file, m)) => {
                let file = *file;
                let categories = c.coded(file, &m.categories, |d| d.label.clone());
                let departments = c.coded(file, &m.departments, |d| d.label.clone());
                let groups: Vec<ExclusivityGroup> = m
                    .exclusivity
                    .iter()
                    .map(|(k, v)| ExclusivityGroup {
                        code: k.get_ref().clone(),
                        label: v.get_ref().label.clone(),
                        description: v.get_ref().description.clone(),
                        location: c.loc(file, k.span().start),
                    })
                    .collect();
                let needs: Vec<(usize, Spanned<String>, Label, Spanned<String>)> = m
                    .needs
                    .iter()
                    .map(|(k, v)| {
                        (
                            file,
                            k.clone(),
                            v.get_ref().label.clone(),
                            v.get_ref().variable.clone(),
                        )
                    })
                    .collect();
                (
                    m.title.clone(),
                    m.illustrative,
                    categories,
                    departments,
                    groups,
                    needs,
                )
            }
            None => (
                Label::default(),
                false,
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            ),
        };

        // Parameters.
        let mut params: Vec<ParamDef> = Vec::new();
        let mut param_index: HashMap<String, ParamId> = HashMap::new();
        let mut add_param = |c: &mut Compiler<'_>, p: ParamDef, file: usize, at: usize| {
            if param_index.contains_key(&p.name) {
                c.err(
                    file,
                    at,
                    format!("parameter `{}` is declared twice", p.name),
                );
                return;
            }
            param_index.insert(p.name.clone(), ParamId(params.len() as u32));
            params.push(p);
        };
        for (file, ns, decls) in &self.params {
            for (k, d) in decls {
                let name = format!("{ns}.{}", k.get_ref());
                if let Some(p) = c.param(
                    &enums,
                    *file,
                    name,
                    k.span().start,
                    d.get_ref(),
                    illustrative,
                ) {
                    add_param(&mut c, p, *file, k.span().start);
                }
            }
        }

        // New dated values from reforms.
        for (file, name, values) in &self.param_overrides {
            let Some(id) = param_index.get(name.get_ref()).copied() else {
                c.err(
                    *file,
                    name.span().start,
                    format!(
                        "unknown parameter `{}`{}",
                        name.get_ref(),
                        suggest(name.get_ref(), param_index.keys().map(String::as_str))
                    ),
                );
                continue;
            };
            let unit = params[id.0 as usize].unit;
            let new = c.dated(&enums, *file, unit, values);
            let p = &mut params[id.0 as usize];
            p.values
                .retain(|old| !new.iter().any(|n| n.from == old.from));
            p.values.extend(new);
            p.values.sort_by_key(|v| v.from);
        }

        // Variable declarations (inputs and formulas), from shared files and policy files.
        let mut vars: Vec<VarDef> = Vec::new();
        let mut pending: Vec<Pending> = Vec::new();
        let mut var_index: HashMap<String, VarId> = HashMap::new();
        let mut declare = |c: &mut Compiler<'_>,
                           file: usize,
                           name: &Spanned<String>,
                           def: VarDef,
                           formula: Option<Spanned<String>>| {
            if let Some(prev) = var_index.get(name.get_ref()) {
                let at = vars[prev.0 as usize].location.clone();
                c.err(
                    file,
                    name.span().start,
                    format!("variable `{}` is already declared at {at}", name.get_ref()),
                );
                return;
            }
            var_index.insert(name.get_ref().clone(), VarId(vars.len() as u32));
            vars.push(def);
            pending.push(Pending {
                file,
                name: name.clone(),
                formula,
            });
        };
        type Decls<'x> = (
            usize,
            Option<PolicyId>,
            &'x Map<InputDecl>,
            &'x Map<FormulaDecl>,
        );
        let mut var_files: Vec<Decls<'_>> = self
            .var_files
            .iter()
            .map(|(f, v)| (*f, None, &v.inputs, &v.variables))
            .collect();
        for (i, (f, p)) in self.policies.iter().enumerate() {
            var_files.push((*f, Some(PolicyId(i as u32)), &p.inputs, &p.variables));
        }
        for (file, policy, inputs, formulas) in var_files {
            for (k, d) in inputs {
                let d = d.get_ref();
                let Some((entity, period, ty)) =
                    c.header(&enums, file, &d.entity, &d.period, &d.ty)
                else {
                    continue;
                };
                let default = input_default(&mut c, &enums, file, k, d, ty);
                let def = VarDef {
                    name: k.get_ref().clone(),
                    label: d.label.clone(),
                    entity,
                    period,
                    ty,
                    kind: VarKind::Input { default },
                    policy,
                    description: d.description.clone(),
                    location: c.loc(file, k.span().start),
                };
                declare(&mut c, file, k, def, None);
            }
            for (k, d) in formulas {
                let d = d.get_ref();
                let Some((entity, period, ty)) =
                    c.header(&enums, file, &d.entity, &d.period, &d.ty)
                else {
                    continue;
                };
                let def = VarDef {
                    name: k.get_ref().clone(),
                    label: d.label.clone(),
                    entity,
                    period,
                    ty,
                    kind: VarKind::Formula {
                        source: d.formula.get_ref().trim().to_owned(),
                        expr: TExpr::new(ty, ExprKind::Literal(ty.zero())),
                    },
                    policy,
                    description: d.description.clone(),
                    location: c.loc(file, k.span().start),
                };
                let (ffile, formula) = match self
                    .formula_overrides
                    .iter()
                    .rev()
                    .find(|(_, n, _)| n.get_ref() == k.get_ref())
                {
                    Some((rf, _, f)) => (*rf, f.clone()),
                    None => (file, d.formula.clone()),
                };
                let mut def = def;
                if let VarKind::Formula { source, .. } = &mut def.kind {
                    *source = formula.get_ref().trim().to_owned();
                }
                declare(&mut c, ffile, k, def, Some(formula));
            }
        }

        for (file, name, _) in &self.formula_overrides {
            let is_formula = var_index
                .get(name.get_ref())
                .is_some_and(|id| !vars[id.0 as usize].is_input());
            if !is_formula {
                c.err(
                    *file,
                    name.span().start,
                    format!(
                        "cannot replace the formula of `{}`: no formula variable of that name{}",
                        name.get_ref(),
                        suggest(name.get_ref(), var_index.keys().map(String::as_str))
                    ),
                );
            }
        }

        // Type-check formulas.
        let syms_vars: HashMap<String, VarSym> = var_index
            .iter()
            .map(|(n, id)| {
                let v = &vars[id.0 as usize];
                (
                    n.clone(),
                    VarSym {
                        id: *id,
                        entity: v.entity,
                        period: v.period,
                        ty: v.ty,
                    },
                )
            })
            .collect();
        let syms_params: HashMap<String, (ParamId, Type)> = param_index
            .iter()
            .map(|(n, id)| (n.clone(), (*id, params[id.0 as usize].ty)))
            .collect();
        let syms = Symbols {
            vars: &syms_vars,
            params: &syms_params,
            enums: &enums,
        };
        let mut graph: Vec<super::compile::VarGraph> = vec![Default::default(); vars.len()];
        for (i, p) in pending.iter().enumerate() {
            let Some(formula) = &p.formula else { continue };
            let v = &vars[i];
            let parsed = match crate::syntax::parse(formula.get_ref()) {
                Ok(e) => e,
                Err(e) => {
                    let location = c.formula_location(p.file, formula, e.span);
                    c.diags.push(Diagnostic {
                        location,
                        message: format!("in the formula of `{}`: {}", p.name.get_ref(), e.message),
                    });
                    continue;
                }
            };
            match check_formula(&syms, &parsed, v.entity, v.period, v.ty) {
                Ok(checked) => {
                    if let VarKind::Formula { expr, .. } = &mut vars[i].kind {
                        *expr = checked.expr;
                    }
                    graph[i] = VarGraph {
                        deps: checked.deps,
                        params: checked.params,
                    };
                }
                Err((span, message)) => {
                    let location = c.formula_location(p.file, formula, span);
                    c.diags.push(Diagnostic {
                        location,
                        message: format!("in the formula of `{}`: {message}", p.name.get_ref()),
                    });
                }
            }
        }

        // Policies.
        let mut policies: Vec<PolicyDef> = Vec::new();
        let mut policy_index: HashMap<String, PolicyId> = HashMap::new();
        for (i, (file, p)) in self.policies.iter().enumerate() {
            if let Some(def) = policy(
                &mut c,
                *file,
                p,
                &var_index,
                &vars,
                &categories,
                &departments,
                &groups,
                &need_decls,
            ) {
                if policy_index.contains_key(&def.code) {
                    c.err(
                        *file,
                        p.code.span().start,
                        format!("policy {} is declared twice", def.code),
                    );
                    continue;
                }
                policy_index.insert(def.code.clone(), PolicyId(i as u32));
                policies.push(def);
            }
        }
        // Policies switched off by reforms: their outputs become constants.
        for (code, file, at) in &self.switched_off {
            let Some(pid) = policy_index.get(code) else {
                c.err(
                    *file,
                    *at,
                    format!(
                        "cannot switch off {code}: no such policy{}",
                        suggest(code, policy_index.keys().map(String::as_str))
                    ),
                );
                continue;
            };
            let pol = &mut policies[pid.0 as usize];
            pol.enabled = false;
            let outputs = [Some(pol.eligible), pol.amount];
            for id in outputs.into_iter().flatten() {
                let v = &mut vars[id.0 as usize];
                let zero = v.ty.zero();
                v.kind = VarKind::Formula {
                    source: format!(
                        "{}  # switched off by a reform",
                        if v.ty == Type::Bool {
                            "false".to_owned()
                        } else {
                            "0 yuan".to_owned()
                        }
                    ),
                    expr: TExpr::new(v.ty, ExprKind::Literal(zero)),
                };
                graph[id.0 as usize] = VarGraph::default();
            }
        }

        // Needs.
        let mut needs = Vec::new();
        for (file, k, label, var) in &need_decls {
            match var_index.get(var.get_ref()) {
                Some(id) if vars[id.0 as usize].ty == Type::Bool => needs.push(Need {
                    code: k.get_ref().clone(),
                    label: label.clone(),
                    variable: *id,
                    location: c.loc(*file, k.span().start),
                }),
                Some(_) => c.err(
                    *file,
                    var.span().start,
                    format!(
                        "need `{}`: `{}` is not a bool variable",
                        k.get_ref(),
                        var.get_ref()
                    ),
                ),
                None => c.err(
                    *file,
                    var.span().start,
                    format!(
                        "need `{}`: unknown variable `{}`{}",
                        k.get_ref(),
                        var.get_ref(),
                        suggest(var.get_ref(), var_index.keys().map(String::as_str))
                    ),
                ),
            }
        }

        // Cycles and order.
        let edges: Vec<Vec<usize>> = graph
            .iter()
            .map(|g| g.deps.iter().map(|d| d.var.0 as usize).collect())
            .collect();
        let order = match topological(&edges) {
            Ok(o) => o.into_iter().map(|i| VarId(i as u32)).collect(),
            Err(cycle) => {
                let names: Vec<&str> = cycle.iter().map(|i| vars[*i].name.as_str()).collect();
                let first = &vars[cycle[0]];
                c.diags.push(Diagnostic {
                    location: first.location.clone(),
                    message: format!("dependency cycle: {} (a formula may not depend on itself, even in another year)", names.join(" → ")),
                });
                Vec::new()
            }
        };
        if c.diags.is_empty() {
            check_depth(&mut c, &order, &graph, &vars);
        }

        if !c.diags.is_empty() {
            c.diags.sort_by(|a, b| {
                (&a.location.file, a.location.line, a.location.column).cmp(&(
                    &b.location.file,
                    b.location.line,
                    b.location.column,
                ))
            });
            c.diags.dedup();
            return Err(LoadError {
                diagnostics: c.diags,
            });
        }
        Ok(Catalogue {
            title,
            enums,
            params,
            vars,
            policies,
            categories,
            departments,
            groups,
            needs,
            order,
            var_index,
            param_index,
            policy_index,
            graph,
            source: Arc::new(self.clone()),
            reforms: Vec::new(),
        })
    }
}

/// Refuses `@last_year` chains reaching further back than [`MAX_YEARS_BACK`].
fn check_depth(c: &mut Compiler<'_>, order: &[VarId], graph: &[VarGraph], vars: &[VarDef]) {
    // deepest[v] = how many years back v's evaluation reaches.
    let mut deepest = vec![0i32; vars.len()];
    for id in order {
        let i = id.0 as usize;
        let d = graph[i]
            .deps
            .iter()
            .map(|dep| deepest[dep.var.0 as usize] - i32::from(dep.year_offset))
            .max()
            .unwrap_or(0);
        deepest[i] = d;
        if d > i32::from(MAX_YEARS_BACK) {
            c.diags.push(Diagnostic {
                location: vars[i].location.clone(),
                message: format!("`{}` reaches {d} years back through `@last_year`; at most {MAX_YEARS_BACK} are allowed", vars[i].name),
            });
            return;
        }
    }
}
