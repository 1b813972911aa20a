//! First unified registry: exact ID-number match across both registers.
//!
//! Every accepted register row whose (validated, 15→18 converted) ID number is equal is the same
//! person. Register households are merged into one unified household when they share a person
//! (union-find over register household keys). Probabilistic linkage of typo'd IDs and name
//! variants is a separate, later step; this one never guesses.

use crate::codes::{IdentityKind, Relation};
use crate::model::{Identity, Person, Source, Validity};
use crate::{IdNumber, RegionCode, Register, RegisterRecord};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A staged register row with its staging id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedRecord {
    pub staging_id: i64,
    pub batch_id: i64,
    pub record: RegisterRecord,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnifiedPerson {
    pub person: Person,
    /// Staging ids of every source row of this person (both registers, duplicates included).
    pub sources: Vec<i64>,
    pub in_poverty: bool,
    pub in_dibao: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnifiedMember {
    /// Index into [`Unified::persons`].
    pub person: usize,
    pub relation: Relation,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnifiedHousehold {
    pub village: RegionCode,
    pub members: Vec<UnifiedMember>,
    pub identities: Vec<Identity>,
    /// Household numbers in the poverty register (usually one).
    pub poverty_keys: Vec<String>,
    /// Household numbers in the dibao register (usually one).
    pub dibao_keys: Vec<String>,
}

impl UnifiedHousehold {
    pub fn in_poverty(&self) -> bool {
        !self.poverty_keys.is_empty()
    }
    pub fn in_dibao(&self) -> bool {
        !self.dibao_keys.is_empty()
    }
    pub fn has_identity(&self, kind: IdentityKind) -> bool {
        self.identities.iter().any(|i| i.kind == kind)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unified {
    pub persons: Vec<UnifiedPerson>,
    pub households: Vec<UnifiedHousehold>,
    /// Rows that repeat a person already seen in the same register household (duplicate rows).
    pub duplicate_rows: Vec<i64>,
}

/// Builds the unified registry from staged rows by exact ID-number equality.
///
/// - Rows with an equal (converted) ID number are one person. Optional attributes come from the
///   most recent row (highest staging id) that states them; name and village prefer the poverty
///   register's most recent row, then the dibao register's; a death date is kept if any row
///   gives one (the most recent such row wins).
/// - Register households are nodes `(register, household_key)`; nodes that share a person are
///   merged (union-find) into one unified household, so no person can belong to two.
/// - A member's relation comes from their poverty row if present, else their dibao row. The
///   household's village is the head's row's village (poverty rows first), else the first row's.
/// - Each identity kind stated by the household's rows becomes one [`Identity`], sourced from the
///   first row (poverty first, then staging order) stating it with a start date; if no row dates
///   it, from the first row stating it, valid from `as_of` (the registry's build date stands in
///   for the unknown start).
/// - A row repeating a person already seen in the same register household is a duplicate:
///   listed in [`Unified::duplicate_rows`], still counted among the person's sources.
/// - Rows whose ID number fails its check ([`id_checksum_failed`]) are left out: only linkage
///   ([`from_clusters`]) can tell whose they are.
///
/// Output order is deterministic: persons by ID number, households by their first register key
/// (poverty keys before dibao keys), members by relation then person, identities by kind.
pub fn exact_id(records: &[StagedRecord], as_of: NaiveDate) -> Unified {
    let mut by_id: BTreeMap<IdNumber, Vec<&StagedRecord>> = BTreeMap::new();
    for r in records.iter().filter(|r| !id_checksum_failed(&r.record)) {
        by_id.entry(r.record.id_number).or_default().push(r);
    }
    assemble(by_id.into_values().collect(), as_of)
}

/// Whether the row's ID number, as written, fails its check: such a row is staged only for
/// linkage, with a provisional `id_number`.
pub fn id_checksum_failed(record: &RegisterRecord) -> bool {
    IdNumber::parse(&record.id_number_raw).is_err()
}

/// The unified registry built from a person clustering instead of ID equality.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusteredBuild {
    pub unified: Unified,
    /// Staging ids of rows left out of the registry: rows whose ID number fails its check and
    /// that are linked to no row with a valid ID number.
    pub unlinked: Vec<i64>,
    /// Reviewer decisions that could not be honoured: a non-match between rows with one and the
    /// same valid ID number (such rows are always one person). `(left, right)` staging ids.
    pub unresolved: Vec<(i64, i64)>,
}

/// Builds the unified registry from `records` and a person clustering (`cluster_of[i]` is the
/// person of `records[i]`, e.g. `gongrong_link::Linkage::cluster_of`), honouring reviewer
/// decisions `(left staging id, right staging id, same person?)`.
///
/// Persons are the clusters, adjusted in this order:
/// 1. rows with one and the same valid ID number are one person (the registry holds each ID
///    number once), and a decision "same person" joins the two rows' persons (must-link);
/// 2. a decision "different persons" (cannot-link) on two rows of one person splits off the
///    right row's *atom* — the rows of that person sharing its valid ID number or joined to it
///    by a "same person" decision (a row whose ID fails its check is an atom of its own) — as a
///    person of its own; if the atom holds the left row too, the decision is `unresolved`;
/// 3. a person's ID number is that of its preferred valid row (poverty register first, most
///    recent); rows whose ID fails its check take it (and the sex and birth date it encodes);
///    a person with no valid row is left out and its rows listed in `unlinked`.
///
/// Everything else (attribute merging, households by union-find, identities, duplicates, output
/// order) is as in [`exact_id`]; with a clustering by ID number the two give the same registry.
pub fn from_clusters(
    records: &[StagedRecord],
    cluster_of: &[u32],
    decisions: &[(i64, i64, bool)],
    as_of: NaiveDate,
) -> ClusteredBuild {
    let n = records.len();
    let index: HashMap<i64, usize> = records
        .iter()
        .enumerate()
        .map(|(i, r)| (r.staging_id, i))
        .collect();
    let flagged: Vec<bool> = records
        .iter()
        .map(|r| id_checksum_failed(&r.record))
        .collect();
    // Atoms: same valid ID number, joined by "same person" decisions.
    let mut atoms = UnionFind::new(n);
    let mut by_id: HashMap<IdNumber, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        if !flagged[i] {
            let first = *by_id.entry(r.record.id_number).or_insert(i);
            atoms.union(first, i);
        }
    }
    let pair = |&(l, r, same): &(i64, i64, bool)| Some((*index.get(&l)?, *index.get(&r)?, same));
    let decided: Vec<(usize, usize, bool)> = decisions.iter().filter_map(pair).collect();
    for &(a, b, same) in &decided {
        if same {
            atoms.union(a, b);
        }
    }
    // Persons: the clusters joined by atoms.
    let mut persons = UnionFind::new(n);
    let mut first_of: HashMap<u32, usize> = HashMap::new();
    for i in 0..n {
        let c = cluster_of.get(i).copied().unwrap_or(u32::MAX - i as u32);
        let first = *first_of.entry(c).or_insert(i);
        persons.union(first, i);
        persons.union(atoms.find(i), i);
    }
    let mut label: Vec<usize> = (0..n).map(|i| persons.find(i)).collect();
    let mut unresolved = Vec::new();
    let mut fresh = n;
    for &(a, b, same) in &decided {
        if same || label[a] != label[b] {
            continue;
        }
        let atom = atoms.find(b);
        if atoms.find(a) == atom {
            unresolved.push((records[a].staging_id, records[b].staging_id));
            continue;
        }
        let from = label[b];
        for (j, l) in label.iter_mut().enumerate() {
            if *l == from && atoms.find(j) == atom {
                *l = fresh;
            }
        }
        fresh += 1;
    }
    // Groups in record order; ID numbers from valid rows.
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, &l) in label.iter().enumerate() {
        groups.entry(l).or_default().push(i);
    }
    let mut rewritten: Vec<Vec<StagedRecord>> = Vec::new();
    let mut unlinked = Vec::new();
    for members in groups.into_values() {
        let valid = members
            .iter()
            .filter(|&&i| !flagged[i])
            .map(|&i| &records[i])
            .max_by_key(|r| (r.record.register == Register::Poverty, r.staging_id));
        let Some(valid) = valid else {
            unlinked.extend(members.iter().map(|&i| records[i].staging_id));
            continue;
        };
        let id = valid.record.id_number;
        rewritten.push(
            members
                .iter()
                .map(|&i| {
                    let mut r = records[i].clone();
                    if flagged[i] {
                        r.record.id_number = id;
                        r.record.sex = id.sex();
                        r.record.birth_date = id.birth_date();
                    }
                    r
                })
                .collect(),
        );
    }
    unlinked.sort_unstable();
    let groups = rewritten.iter().map(|g| g.iter().collect()).collect();
    ClusteredBuild {
        unified: assemble(groups, as_of),
        unlinked,
        unresolved,
    }
}

/// The registry from persons given as groups of rows (each group non-empty).
fn assemble(groups: Vec<Vec<&StagedRecord>>, as_of: NaiveDate) -> Unified {
    // Persons sorted by ID number (then sources, for ties after must-links).
    let mut persons: Vec<(UnifiedPerson, Vec<&StagedRecord>)> = groups
        .into_iter()
        .filter_map(|mut g| {
            g.sort_by_key(|r| (r.record.register, r.staging_id));
            merge_person(&g).map(|p| (p, g))
        })
        .collect();
    persons.sort_by(|a, b| {
        (a.0.person.id_number, &a.0.sources).cmp(&(b.0.person.id_number, &b.0.sources))
    });
    let mut person_of: HashMap<i64, usize> = HashMap::new();
    for (p, (_, rows)) in persons.iter().enumerate() {
        for r in rows {
            person_of.insert(r.staging_id, p);
        }
    }
    // Rows in a canonical order: poverty first, then staging order.
    let mut rows: Vec<&StagedRecord> = persons
        .iter()
        .flat_map(|(_, g)| g.iter().copied())
        .collect();
    rows.sort_by_key(|r| (r.record.register, r.staging_id));

    // Household nodes and duplicate rows.
    let mut nodes: BTreeMap<NodeKey, usize> = BTreeMap::new();
    let mut seen: HashSet<(Register, &str, usize)> = HashSet::new();
    let mut duplicate_rows = Vec::new();
    for r in &rows {
        let rec = &r.record;
        let next = nodes.len();
        nodes
            .entry((rec.register, rec.household_key.as_str()))
            .or_insert(next);
        let person = person_of.get(&r.staging_id).copied().unwrap_or(usize::MAX);
        if !seen.insert((rec.register, rec.household_key.as_str(), person)) {
            duplicate_rows.push(r.staging_id);
        }
    }
    duplicate_rows.sort_unstable();

    // Union-find over household nodes, joined by persons.
    let mut uf = UnionFind::new(nodes.len());
    let node_of = |rec: &RegisterRecord| {
        nodes
            .get(&(rec.register, rec.household_key.as_str()))
            .copied()
            .unwrap_or(0)
    };
    for (_, person_rows) in &persons {
        if let Some((first, rest)) = person_rows.split_first() {
            let a = node_of(&first.record);
            for r in rest {
                uf.union(a, node_of(&r.record));
            }
        }
    }

    // Group household nodes by root; order groups by their smallest node key.
    let mut groups: BTreeMap<usize, Vec<NodeKey>> = BTreeMap::new();
    for (key, &node) in &nodes {
        groups.entry(uf.find(node)).or_default().push(*key);
    }
    let mut group_rows: HashMap<usize, Vec<&StagedRecord>> = HashMap::new();
    for r in &rows {
        group_rows
            .entry(uf.find(node_of(&r.record)))
            .or_default()
            .push(r);
    }
    let mut ordered: Vec<(Vec<NodeKey>, Vec<&StagedRecord>)> = groups
        .into_iter()
        .map(|(root, keys)| (keys, group_rows.remove(&root).unwrap_or_default()))
        .collect();
    ordered.sort_by(|a, b| a.0.first().cmp(&b.0.first()));

    let households = ordered
        .into_iter()
        .filter_map(|(keys, hh_rows)| build_household(&keys, &hh_rows, &person_of, as_of))
        .collect();

    Unified {
        persons: persons.into_iter().map(|(p, _)| p).collect(),
        households,
        duplicate_rows,
    }
}

/// A register household: `(register, household_key)`.
type NodeKey<'a> = (Register, &'a str);

/// One person from all their rows; `None` only for an empty slice.
fn merge_person(rows: &[&StagedRecord]) -> Option<UnifiedPerson> {
    // Most recent first, for "the latest non-empty value wins".
    let mut latest: Vec<&StagedRecord> = rows.to_vec();
    latest.sort_by_key(|r| std::cmp::Reverse(r.staging_id));
    let latest: Vec<&RegisterRecord> = latest.into_iter().map(|r| &r.record).collect();
    // Preferred row for name and village: the poverty register's most recent, else the dibao's.
    let preferred = latest
        .iter()
        .find(|r| r.register == Register::Poverty)
        .or_else(|| latest.first())?;
    let name = if preferred.name.trim().is_empty() {
        latest
            .iter()
            .map(|r| r.name.as_str())
            .find(|n| !n.trim().is_empty())
            .unwrap_or_default()
    } else {
        preferred.name.as_str()
    };
    let mut sources: Vec<i64> = rows.iter().map(|r| r.staging_id).collect();
    sources.sort_unstable();
    Some(UnifiedPerson {
        person: Person {
            id_number: preferred.id_number,
            name: name.to_owned(),
            sex: preferred.sex,
            birth_date: preferred.birth_date,
            village: preferred.village,
            death_date: latest.iter().find_map(|r| r.death_date),
            health: latest.iter().find_map(|r| r.health),
            labour: latest.iter().find_map(|r| r.labour),
            disability: latest.iter().find_map(|r| r.disability),
            self_care: latest.iter().find_map(|r| r.self_care),
            school_stage: latest.iter().find_map(|r| r.school_stage),
        },
        sources,
        in_poverty: rows.iter().any(|r| r.record.register == Register::Poverty),
        in_dibao: rows.iter().any(|r| r.record.register == Register::Dibao),
    })
}

/// One unified household from its register keys and rows (poverty first, then staging order).
fn build_household(
    keys: &[NodeKey],
    rows: &[&StagedRecord],
    person_of: &HashMap<i64, usize>,
    as_of: NaiveDate,
) -> Option<UnifiedHousehold> {
    let village = rows
        .iter()
        .find(|r| r.record.relation == Relation::Head)
        .or_else(|| rows.first())?
        .record
        .village;

    // Members: one per person; the first row (poverty first) gives the relation.
    let mut members: Vec<UnifiedMember> = Vec::new();
    let mut member_of: HashSet<usize> = HashSet::new();
    for r in rows {
        if let Some(&person) = person_of.get(&r.staging_id)
            && member_of.insert(person)
        {
            members.push(UnifiedMember {
                person,
                relation: r.record.relation,
            });
        }
    }
    members.sort_by_key(|m| (m.relation, m.person));

    // Identities: one per kind.
    let mut kinds: BTreeMap<IdentityKind, Vec<&StagedRecord>> = BTreeMap::new();
    for r in rows {
        if let Some(kind) = r.record.identity {
            kinds.entry(kind).or_default().push(r);
        }
    }
    let identities = kinds
        .into_iter()
        .filter_map(|(kind, stating)| {
            let dated = stating.iter().find(|r| r.record.identity_since.is_some());
            let row = dated.or_else(|| stating.first())?;
            Some(Identity {
                kind,
                validity: Validity::open(row.record.identity_since.unwrap_or(as_of)),
                source: Source::Register {
                    register: row.record.register,
                    batch: row.batch_id,
                    row: row.record.row,
                },
            })
        })
        .collect();

    let keys_of = |reg: Register| -> Vec<String> {
        keys.iter()
            .filter(|(r, _)| *r == reg)
            .map(|(_, k)| (*k).to_owned())
            .collect()
    };
    Some(UnifiedHousehold {
        village,
        members,
        identities,
        poverty_keys: keys_of(Register::Poverty),
        dibao_keys: keys_of(Register::Dibao),
    })
}

/// Disjoint sets over `0..n` with path halving and union by size.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{Health, Sex};

    const AS_OF: &str = "2026-01-01";

    fn id(first17: &str) -> IdNumber {
        IdNumber::from_first17(first17).unwrap()
    }

    fn rec(
        register: Register,
        row: u64,
        hh: &str,
        id_number: IdNumber,
        name: &str,
    ) -> RegisterRecord {
        RegisterRecord {
            register,
            row,
            household_key: hh.into(),
            id_number,
            id_number_raw: id_number.to_string(),
            name: name.into(),
            sex: id_number.sex(),
            birth_date: id_number.birth_date(),
            relation: Relation::Head,
            village: RegionCode::parse("370305100201").unwrap(),
            ethnicity: None,
            health: None,
            labour: None,
            disability: None,
            self_care: None,
            school_stage: None,
            identity: Some(match register {
                Register::Poverty => IdentityKind::FormerlyPoor,
                Register::Dibao => IdentityKind::Dibao,
            }),
            identity_since: None,
            household_attribute: None,
            poverty_cause: None,
            annual_income_per_capita: None,
            monthly_income_per_capita: None,
            monthly_benefit: None,
            death_date: None,
            phone: None,
            bank_account: None,
            raw: vec![],
        }
    }

    fn staged(records: Vec<RegisterRecord>) -> Vec<StagedRecord> {
        records
            .into_iter()
            .enumerate()
            .map(|(i, record)| StagedRecord {
                staging_id: i as i64 + 1,
                batch_id: match record.register {
                    Register::Poverty => 1,
                    Register::Dibao => 2,
                },
                record,
            })
            .collect()
    }

    fn as_of() -> NaiveDate {
        AS_OF.parse().unwrap()
    }

    fn a() -> IdNumber {
        id("37030519500101001")
    }
    fn b() -> IdNumber {
        id("37030519520202002")
    }
    fn c() -> IdNumber {
        id("37030520100303003")
    }
    fn d() -> IdNumber {
        id("37030519600404004")
    }

    #[test]
    fn overlapping_household_is_one() {
        let mut spouse_p = rec(Register::Poverty, 2, "P1", b(), "李四");
        spouse_p.relation = Relation::Spouse;
        let mut spouse_d = rec(Register::Dibao, 2, "D1", b(), "李四");
        spouse_d.relation = Relation::Spouse;
        let rows = staged(vec![
            rec(Register::Poverty, 1, "P1", a(), "张三"),
            spouse_p,
            rec(Register::Dibao, 1, "D1", a(), "张三"),
            spouse_d,
        ]);
        let u = exact_id(&rows, as_of());
        assert_eq!(u.persons.len(), 2);
        assert_eq!(u.households.len(), 1);
        assert!(u.persons.iter().all(|p| p.in_poverty && p.in_dibao));
        assert_eq!(u.persons[0].person.id_number, a());
        assert_eq!(u.persons[0].sources, vec![1, 3]);
        let h = &u.households[0];
        assert_eq!(h.poverty_keys, vec!["P1".to_owned()]);
        assert_eq!(h.dibao_keys, vec!["D1".to_owned()]);
        assert_eq!(h.members.len(), 2);
        assert_eq!(h.members[0].relation, Relation::Head);
        assert_eq!(h.members[1].relation, Relation::Spouse);
        assert!(h.has_identity(IdentityKind::FormerlyPoor) && h.has_identity(IdentityKind::Dibao));
        assert!(u.duplicate_rows.is_empty());
    }

    #[test]
    fn shared_member_merges_households() {
        // P1 = {A, B}; D1 = {B, C}; D2 = {D}: P1 and D1 merge through B.
        let rows = staged(vec![
            rec(Register::Poverty, 1, "P1", a(), "张三"),
            rec(Register::Poverty, 2, "P1", b(), "李四"),
            rec(Register::Dibao, 1, "D2", d(), "赵六"),
            rec(Register::Dibao, 2, "D1", b(), "李四"),
            rec(Register::Dibao, 3, "D1", c(), "王五"),
        ]);
        let u = exact_id(&rows, as_of());
        assert_eq!(u.persons.len(), 4);
        assert_eq!(u.households.len(), 2);
        let merged = &u.households[0];
        assert_eq!(merged.poverty_keys, vec!["P1".to_owned()]);
        assert_eq!(merged.dibao_keys, vec!["D1".to_owned()]);
        assert_eq!(merged.members.len(), 3);
        let alone = &u.households[1];
        assert_eq!(alone.dibao_keys, vec!["D2".to_owned()]);
        assert!(!alone.in_poverty());
        assert_eq!(alone.members.len(), 1);
        assert_eq!(u.persons[alone.members[0].person].person.id_number, d());
        // Every person is in exactly one household.
        let mut seen: Vec<usize> = u
            .households
            .iter()
            .flat_map(|h| h.members.iter().map(|m| m.person))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, vec![0, 1, 2, 3]);
        let c_person = u
            .persons
            .iter()
            .find(|p| p.person.id_number == c())
            .unwrap();
        assert!(!c_person.in_poverty && c_person.in_dibao);
    }

    #[test]
    fn duplicate_rows_are_reported_and_kept_as_sources() {
        let rows = staged(vec![
            rec(Register::Poverty, 1, "P1", a(), "张三"),
            rec(Register::Poverty, 2, "P1", b(), "李四"),
            rec(Register::Poverty, 3, "P1", a(), "张三"),
        ]);
        let u = exact_id(&rows, as_of());
        assert_eq!(u.duplicate_rows, vec![3]);
        assert_eq!(u.persons.len(), 2);
        assert_eq!(u.persons[0].sources, vec![1, 3]);
        assert_eq!(u.households[0].members.len(), 2);
    }

    #[test]
    fn legacy_fifteen_digit_id_is_the_same_person() {
        let legacy = IdNumber::parse("370305500101001").unwrap();
        assert_eq!(legacy, a());
        let mut dibao = rec(Register::Dibao, 1, "D1", legacy, "张叁");
        dibao.id_number_raw = "370305500101001".into();
        dibao.death_date = Some("2025-06-01".parse().unwrap());
        dibao.health = Some(Health::Serious);
        let mut poverty = rec(Register::Poverty, 1, "P1", a(), "张三");
        poverty.health = Some(Health::Chronic);
        let rows = staged(vec![poverty, dibao]);
        let u = exact_id(&rows, as_of());
        assert_eq!(u.persons.len(), 1);
        assert_eq!(u.households.len(), 1);
        let p = &u.persons[0].person;
        assert_eq!(p.name, "张三", "the poverty register's name wins");
        assert_eq!(p.death_date, Some("2025-06-01".parse().unwrap()));
        assert_eq!(
            p.health,
            Some(Health::Serious),
            "the most recent value wins"
        );
        assert_eq!(p.sex, Sex::Male);
    }

    #[test]
    fn identities_take_dates_and_sources_from_rows() {
        let mut head = rec(Register::Poverty, 7, "P1", a(), "张三");
        head.identity = Some(IdentityKind::UnstableFormerlyPoor);
        let mut spouse = rec(Register::Poverty, 8, "P1", b(), "李四");
        spouse.identity = Some(IdentityKind::UnstableFormerlyPoor);
        spouse.identity_since = Some("2019-01-01".parse().unwrap());
        spouse.relation = Relation::Spouse;
        let dibao = rec(Register::Dibao, 3, "D1", a(), "张三");
        let rows = staged(vec![head, spouse, dibao]);
        let u = exact_id(&rows, as_of());
        let ids = &u.households[0].identities;
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].kind, IdentityKind::UnstableFormerlyPoor);
        assert_eq!(
            ids[0].validity,
            Validity::open("2019-01-01".parse().unwrap())
        );
        assert_eq!(
            ids[0].source,
            Source::Register {
                register: Register::Poverty,
                batch: 1,
                row: 8
            }
        );
        assert_eq!(ids[1].kind, IdentityKind::Dibao);
        assert_eq!(
            ids[1].validity,
            Validity::open(as_of()),
            "undated: valid from as_of"
        );
        assert_eq!(
            ids[1].source,
            Source::Register {
                register: Register::Dibao,
                batch: 2,
                row: 3
            }
        );
    }

    #[test]
    fn village_comes_from_the_head_row() {
        let mut child = rec(Register::Dibao, 1, "D1", c(), "王五");
        child.relation = Relation::Son;
        child.village = RegionCode::parse("370305100202").unwrap();
        let head = rec(Register::Dibao, 2, "D1", d(), "赵六");
        let u = exact_id(&staged(vec![child, head]), as_of());
        assert_eq!(u.households[0].village.as_str(), "370305100201");
        assert_eq!(u.households[0].members[0].relation, Relation::Head);
        assert!(exact_id(&[], as_of()) == Unified::default());
    }

    fn typo(mut r: RegisterRecord) -> RegisterRecord {
        let first17 = &r.id_number.as_str()[..17];
        let last = if r.id_number.as_str().ends_with('1') {
            '2'
        } else {
            '1'
        };
        r.id_number_raw = format!("{first17}{last}");
        assert!(id_checksum_failed(&r));
        r
    }

    #[test]
    fn clusters_by_id_give_the_exact_id_registry() {
        let rows = staged(vec![
            rec(Register::Poverty, 1, "P1", a(), "张三"),
            rec(Register::Poverty, 2, "P1", b(), "李四"),
            rec(Register::Dibao, 1, "D2", d(), "赵六"),
            rec(Register::Dibao, 2, "D1", b(), "李四"),
            rec(Register::Dibao, 3, "D1", c(), "王五"),
            rec(Register::Dibao, 4, "D1", c(), "王五"),
        ]);
        let ids: Vec<IdNumber> = rows.iter().map(|r| r.record.id_number).collect();
        let cluster_of: Vec<u32> = ids
            .iter()
            .map(|id| ids.iter().position(|x| x == id).unwrap() as u32)
            .collect();
        let built = from_clusters(&rows, &cluster_of, &[], as_of());
        assert_eq!(built.unified, exact_id(&rows, as_of()));
        assert!(built.unlinked.is_empty() && built.unresolved.is_empty());
    }

    #[test]
    fn typo_rows_join_their_person_or_are_left_out() {
        // Poverty row of A has a typo'd ID; linkage put it with A's dibao row (cluster 0).
        let rows = staged(vec![
            typo(rec(Register::Poverty, 1, "P1", a(), "张三")),
            rec(Register::Dibao, 1, "D1", a(), "张三"),
            typo(rec(Register::Dibao, 2, "D2", d(), "赵六")),
        ]);
        assert!(exact_id(&rows, as_of()).persons.len() == 1);
        let built = from_clusters(&rows, &[0, 0, 1], &[], as_of());
        let u = &built.unified;
        assert_eq!(u.persons.len(), 1);
        assert!(u.persons[0].in_poverty && u.persons[0].in_dibao);
        assert_eq!(u.persons[0].person.id_number, a());
        assert_eq!(u.persons[0].sources, vec![1, 2]);
        assert_eq!(u.households.len(), 1, "P1 and D1 merge through A");
        assert_eq!(built.unlinked, vec![3]);
    }

    #[test]
    fn decisions_join_and_split_persons() {
        let rows = staged(vec![
            rec(Register::Poverty, 1, "P1", a(), "张三"),
            typo(rec(Register::Dibao, 1, "D1", a(), "张三")),
            rec(Register::Dibao, 2, "D2", d(), "赵六"),
        ]);
        // The linkage joined 1 and 2; a reviewer says they differ, and that 2 is 3.
        let built = from_clusters(&rows, &[0, 0, 1], &[(1, 2, false), (2, 3, true)], as_of());
        let u = &built.unified;
        assert_eq!(u.persons.len(), 2);
        let of = |s: i64| {
            u.persons
                .iter()
                .position(|p| p.sources.contains(&s))
                .unwrap()
        };
        assert_ne!(of(1), of(2));
        assert_eq!(of(2), of(3));
        assert_eq!(u.persons[of(2)].person.id_number, d());
        // Rows with one valid ID number cannot be split.
        let same = staged(vec![
            rec(Register::Poverty, 1, "P1", a(), "张三"),
            rec(Register::Dibao, 1, "D1", a(), "张三"),
        ]);
        let built = from_clusters(&same, &[0, 1], &[(1, 2, false)], as_of());
        assert_eq!(built.unified.persons.len(), 1);
        assert_eq!(built.unresolved, vec![(1, 2)]);
    }
}
