//! The reports of `gongrong reconcile`, written as CSV (UTF-8) into one directory:
//! `conflicts.csv`, `overlap.csv`, `unlinked.csv`, `duplicates.csv`, `household_differences.csv`.
//! Person and household ids are the registry's (position in the build + 1).

use anyhow::{Context, Result};
use gongrong_domain::unify::{ClusteredBuild, StagedRecord};
use gongrong_domain::{RegionCode, RegionTable, Register, RegisterRecord};
use gongrong_link::Linkage;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Counts of one overlap line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Overlap {
    pub persons_both: u64,
    pub persons_poverty_only: u64,
    pub persons_dibao_only: u64,
    pub households_both: u64,
    pub households_poverty_only: u64,
    pub households_dibao_only: u64,
}

impl Overlap {
    fn add_person(&mut self, poverty: bool, dibao: bool) {
        match (poverty, dibao) {
            (true, true) => self.persons_both += 1,
            (true, false) => self.persons_poverty_only += 1,
            _ => self.persons_dibao_only += 1,
        }
    }
    fn add_household(&mut self, poverty: bool, dibao: bool) {
        match (poverty, dibao) {
            (true, true) => self.households_both += 1,
            (true, false) => self.households_poverty_only += 1,
            _ => self.households_dibao_only += 1,
        }
    }
}

/// Line counts of the reports.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub conflicts: usize,
    pub unlinked: usize,
    pub duplicates: usize,
    pub household_differences: usize,
    pub total: Overlap,
}

fn writer(dir: &Path, name: &str, header: &[&str]) -> Result<csv::Writer<std::fs::File>> {
    let path = dir.join(name);
    let mut w =
        csv::Writer::from_path(&path).with_context(|| format!("writing {}", path.display()))?;
    w.write_record(header)?;
    Ok(w)
}

fn opt<T: std::fmt::Debug>(v: Option<T>, code: impl Fn(T) -> String) -> String {
    v.map(code).unwrap_or_default()
}

/// The compared fields of a row, as text: code lists by their Chinese labels, ID numbers
/// normalised (a legacy 15-digit number is not a disagreement) unless the row's own ID failed its
/// check, which is exactly the disagreement a clerk must see.
fn fields(r: &RegisterRecord) -> [(&'static str, String); 11] {
    let id = if gongrong_domain::unify::id_checksum_failed(r) {
        r.id_number_raw.clone()
    } else {
        r.id_number.as_str().to_owned()
    };
    [
        ("name", r.name.clone()),
        ("id_number", id),
        ("sex", r.sex.zh().to_owned()),
        ("birth_date", r.birth_date.to_string()),
        ("village", r.village.as_str().to_owned()),
        ("relation", r.relation.zh().to_owned()),
        ("health", opt(r.health, |v| v.zh().to_owned())),
        ("labour", opt(r.labour, |v| v.zh().to_owned())),
        (
            "disability",
            opt(r.disability, |d| {
                format!("{}{}", d.category.zh(), d.grade.zh())
            }),
        ),
        ("school_stage", opt(r.school_stage, |v| v.zh().to_owned())),
        ("death_date", opt(r.death_date, |d| d.to_string())),
    ]
}

pub fn write_all(
    dir: &Path,
    records: &[StagedRecord],
    linkage: &Linkage,
    build: &ClusteredBuild,
    regions: &RegionTable,
) -> Result<Written> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let by_id: HashMap<i64, &StagedRecord> = records.iter().map(|r| (r.staging_id, r)).collect();
    let u = &build.unified;
    let mut written = Written::default();

    // Conflicts: per person in both registers, each field on which their latest rows differ.
    let mut w = writer(
        dir,
        "conflicts.csv",
        &[
            "person_id",
            "id_number",
            "field",
            "poverty_value",
            "dibao_value",
        ],
    )?;
    for (i, p) in u.persons.iter().enumerate() {
        let latest = |reg: Register| {
            p.sources
                .iter()
                .filter_map(|s| by_id.get(s))
                .filter(|r| r.record.register == reg)
                .max_by_key(|r| r.staging_id)
        };
        let (Some(pov), Some(dib)) = (latest(Register::Poverty), latest(Register::Dibao)) else {
            continue;
        };
        for ((field, a), (_, b)) in fields(&pov.record).into_iter().zip(fields(&dib.record)) {
            // Only values both registers state can disagree.
            if a != b && !a.is_empty() && !b.is_empty() {
                let id = (i + 1).to_string();
                w.write_record([id.as_str(), p.person.id_number.as_str(), field, &a, &b])?;
                written.conflicts += 1;
            }
        }
    }
    w.flush()?;

    // Overlap per town and in total.
    let mut towns: BTreeMap<String, Overlap> = BTreeMap::new();
    let town_of = |v: &RegionCode| {
        v.town()
            .map_or_else(|| v.as_str().to_owned(), |t| t.as_str().to_owned())
    };
    for h in &u.households {
        let town = towns.entry(town_of(&h.village)).or_default();
        town.add_household(h.in_poverty(), h.in_dibao());
        written.total.add_household(h.in_poverty(), h.in_dibao());
        for m in &h.members {
            if let Some(p) = u.persons.get(m.person) {
                town.add_person(p.in_poverty, p.in_dibao);
                written.total.add_person(p.in_poverty, p.in_dibao);
            }
        }
    }
    let mut w = writer(
        dir,
        "overlap.csv",
        &[
            "town",
            "town_name",
            "persons_both",
            "persons_poverty_only",
            "persons_dibao_only",
            "households_both",
            "households_poverty_only",
            "households_dibao_only",
        ],
    )?;
    let line = |code: &str, name: &str, o: &Overlap| -> Vec<String> {
        let n = [
            o.persons_both,
            o.persons_poverty_only,
            o.persons_dibao_only,
            o.households_both,
            o.households_poverty_only,
            o.households_dibao_only,
        ];
        [code.to_owned(), name.to_owned()]
            .into_iter()
            .chain(n.iter().map(u64::to_string))
            .collect()
    };
    for (code, o) in &towns {
        let name = RegionCode::parse(code)
            .ok()
            .and_then(|c| regions.name(&c).map(str::to_owned))
            .unwrap_or_default();
        w.write_record(line(code, &name, o))?;
    }
    w.write_record(line("total", "", &written.total))?;
    w.flush()?;

    // Unlinked or unusable rows.
    let mut w = writer(
        dir,
        "unlinked.csv",
        &[
            "staging_id",
            "register",
            "batch",
            "row",
            "name",
            "id_number",
            "reason",
        ],
    )?;
    let mut reasons: BTreeMap<i64, &str> = BTreeMap::new();
    for &i in &linkage.unusable {
        if let Some(r) = records.get(i as usize) {
            reasons.insert(
                r.staging_id,
                "no usable identifier (no valid or repairable ID number, nor a name and a birth date): never matched automatically",
            );
        }
    }
    for s in &build.unlinked {
        reasons.entry(*s).or_insert(
            "ID number fails its check character and the row links to no row with a valid ID number: left out of the registry",
        );
    }
    for (s, reason) in &reasons {
        if let Some(r) = by_id.get(s) {
            let rec = &r.record;
            w.write_record([
                s.to_string().as_str(),
                rec.register.code(),
                &r.batch_id.to_string(),
                &rec.row.to_string(),
                &rec.name,
                &rec.id_number_raw,
                reason,
            ])?;
            written.unlinked += 1;
        }
    }
    for (l, r) in &build.unresolved {
        w.write_record([
            l.to_string().as_str(),
            "",
            "",
            "",
            "",
            "",
            &format!("reviewer decided rows {l} and {r} differ, but they share a valid ID number: kept as one person"),
        ])?;
    }
    w.flush()?;

    // Within-register duplicates: a person with two or more rows in one register.
    let mut w = writer(
        dir,
        "duplicates.csv",
        &[
            "person_id",
            "register",
            "staging_id",
            "batch",
            "row",
            "household_key",
            "name",
            "id_number",
            "same_household",
        ],
    )?;
    for (i, p) in u.persons.iter().enumerate() {
        for reg in Register::ALL {
            let rows: Vec<&StagedRecord> = p
                .sources
                .iter()
                .filter_map(|s| by_id.get(s).copied())
                .filter(|r| r.record.register == reg)
                .collect();
            if rows.len() < 2 {
                continue;
            }
            let keys: BTreeSet<&str> = rows
                .iter()
                .map(|r| r.record.household_key.as_str())
                .collect();
            for r in rows {
                let rec = &r.record;
                w.write_record([
                    (i + 1).to_string().as_str(),
                    reg.code(),
                    &r.staging_id.to_string(),
                    &r.batch_id.to_string(),
                    &rec.row.to_string(),
                    &rec.household_key,
                    &rec.name,
                    &rec.id_number_raw,
                    if keys.len() == 1 { "yes" } else { "no" },
                ])?;
                written.duplicates += 1;
            }
        }
    }
    w.flush()?;

    // Household composition: members listed by only one of the registers of a merged household.
    let mut w = writer(
        dir,
        "household_differences.csv",
        &[
            "household_id",
            "poverty_keys",
            "dibao_keys",
            "person_id",
            "name",
            "id_number",
            "in_poverty_household",
            "in_dibao_household",
        ],
    )?;
    for (h, hh) in u.households.iter().enumerate() {
        if !(hh.in_poverty() && hh.in_dibao()) {
            continue;
        }
        for m in &hh.members {
            let Some(p) = u.persons.get(m.person) else {
                continue;
            };
            let listed = |reg: Register| {
                p.sources.iter().filter_map(|s| by_id.get(s)).any(|r| {
                    r.record.register == reg
                        && match reg {
                            Register::Poverty => &hh.poverty_keys,
                            Register::Dibao => &hh.dibao_keys,
                        }
                        .contains(&r.record.household_key)
                })
            };
            let (pov, dib) = (listed(Register::Poverty), listed(Register::Dibao));
            if pov != dib {
                let yes = |b: bool| if b { "yes" } else { "no" };
                w.write_record([
                    (h + 1).to_string().as_str(),
                    &hh.poverty_keys.join(";"),
                    &hh.dibao_keys.join(";"),
                    &(m.person + 1).to_string(),
                    &p.person.name,
                    p.person.id_number.as_str(),
                    yes(pov),
                    yes(dib),
                ])?;
                written.household_differences += 1;
            }
        }
    }
    w.flush()?;
    Ok(written)
}
