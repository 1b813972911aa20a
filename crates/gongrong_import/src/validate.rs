//! Validation of one register row into a [`RegisterRecord`], or into the list of its problems.
//!
//! A row with any problem is rejected whole, with one [`RejectRow`] per problem (`field` is the
//! source header, `value` the cell as read). The checks:
//!
//! * required values present: household number, name, ID number, relation, identity, village;
//! * ID number (GB 11643): length, character, impossible birth date, check character, each with
//!   its own reason; a legacy 15-digit number is converted and kept verbatim in `id_number_raw`;
//! * sex and birth date, when the file gives them, must agree with the ID number (the record's
//!   sex and birth date always come from the ID number);
//! * the village: a 12-digit village code that is in the region table (the district's village
//!   list, loaded first) — otherwise "unknown region code";
//! * code-list values after the mapping's `[values]` translation, with the code list's message;
//! * dates in the mapping's formats; money as yuan, never negative;
//! * a disability grade needs a category and a category needs a grade;
//! * the identity must belong to the register (poverty: 脱贫户, 脱贫不稳定户, 边缘易致贫户,
//!   突发严重困难户; dibao: 低保, 特困, 低保边缘);
//! * status and death: 人员状态 死亡 requires a date of death. **Decision:** such a row is
//!   rejected rather than accepted as alive or given an invented date — a person recorded dead
//!   must never be counted as a living member, and the clerk can always give an approximate date
//!   (a month `2023-05` or a year `2023` is accepted and means its first day). Likewise a date of
//!   death with status 正常 is a contradiction and rejected; a date of death must not be before
//!   the birth date or after today.
//!
//! Blank rows are skipped (not counted as accepted or rejected). Cells beyond the header are
//! ignored when empty and rejected otherwise.

use crate::dates::{DateError, parse_date};
use crate::error::ImportError;
use crate::mapping::{Field, Mapping};
use crate::source::{CellIssue, SourceRow, Table};
use chrono::NaiveDate;
use gongrong_domain::codes::{
    CodeError, DisabilityCategory, DisabilityGrade, Health, HouseholdAttribute, IdentityKind,
    LabourSkill, PovertyCause, Relation, SchoolStage, SelfCare, Sex,
};
use gongrong_domain::region::Level;
use gongrong_domain::{
    Disability, IdNumber, Money, RegionCode, RegionError, RegionTable, Register, RegisterRecord,
};
use gongrong_store::RejectRow;
use std::collections::HashMap;

/// 人员状态 of the poverty register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PersonStatus {
    /// 正常
    Normal,
    /// 死亡
    Deceased,
}

impl PersonStatus {
    pub fn parse(input: &str) -> Result<PersonStatus, CodeError> {
        match input.trim() {
            "正常" => Ok(PersonStatus::Normal),
            "死亡" => Ok(PersonStatus::Deceased),
            _ => Err(CodeError {
                list: "person status",
                value: input.to_owned(),
                expected: "正常、死亡".to_owned(),
            }),
        }
    }
}

/// Identities a register may state.
pub fn identity_allowed(register: Register, kind: IdentityKind) -> bool {
    match register {
        Register::Poverty => kind.is_poverty_side(),
        Register::Dibao => matches!(
            kind,
            IdentityKind::Dibao | IdentityKind::ExtremePoverty | IdentityKind::NearDibao
        ),
    }
}

/// A header as compared: trimmed, inner whitespace dropped, full-width ASCII folded.
pub fn normalize_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}')
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Finds each mapped field's column. Refuses a header without a required column (naming all of
/// them) and a mapped header that appears twice.
pub fn resolve_columns(
    file: &str,
    mapping: &Mapping,
    headers: &[String],
) -> Result<HashMap<Field, usize>, ImportError> {
    let normalized: Vec<String> = headers.iter().map(|h| normalize_header(h)).collect();
    let mut cols = HashMap::new();
    let mut missing = Vec::new();
    for (field, alternatives) in mapping.columns() {
        let mut found = None;
        for alt in alternatives {
            let want = normalize_header(alt);
            let mut hits = normalized.iter().enumerate().filter(|(_, h)| **h == want);
            if let Some((i, _)) = hits.next() {
                if hits.next().is_some() {
                    return Err(ImportError::DuplicateColumn {
                        file: file.to_owned(),
                        column: headers[i].clone(),
                    });
                }
                found = Some(i);
                break;
            }
        }
        match found {
            Some(i) => {
                cols.insert(field, i);
            }
            None if field.is_required(mapping.target()) => missing.push(alternatives.join(" / ")),
            None => {}
        }
    }
    if !missing.is_empty() {
        return Err(ImportError::MissingColumns {
            file: file.to_owned(),
            mapping: mapping.source().to_owned(),
            columns: missing,
        });
    }
    Ok(cols)
}

/// How many leading rows may be title lines above the header.
pub const HEADER_SEARCH_ROWS: usize = 10;

/// Finds the header row and each mapped field's column. The first row is the header unless it
/// lacks a required column and one of the next rows (up to [`HEADER_SEARCH_ROWS`] in all) has
/// them all — exports often carry a title line such as "扶贫对象花名册" above the header. When
/// no row qualifies, the first row's error is returned.
pub fn find_header(
    table: &mut Table,
    mapping: &Mapping,
) -> Result<HashMap<Field, usize>, ImportError> {
    let first = resolve_columns(table.file(), mapping, table.headers());
    let Err(first_err @ ImportError::MissingColumns { .. }) = first else {
        return first;
    };
    for _ in 1..HEADER_SEARCH_ROWS {
        let Some(row) = table.next_row()? else {
            break;
        };
        let cells: Vec<String> = row.cells.iter().map(|c| c.trim().to_owned()).collect();
        if let Ok(cols) = resolve_columns(table.file(), mapping, &cells) {
            table.use_as_header(row);
            return Ok(cols);
        }
    }
    Err(first_err)
}

/// Validates rows of one file against one mapping. Pure: no I/O, no clock.
pub struct RowValidator<'a> {
    file: String,
    register: Register,
    mapping: &'a Mapping,
    regions: &'a RegionTable,
    today: NaiveDate,
    headers: Vec<String>,
    cols: HashMap<Field, usize>,
    formats_hint: String,
}

impl<'a> RowValidator<'a> {
    /// `file` names the source in reject rows; `headers` is the file's header row; `today` (in
    /// China Standard Time) bounds dates of death.
    pub fn new(
        file: &str,
        mapping: &'a Mapping,
        headers: &[String],
        regions: &'a RegionTable,
        today: NaiveDate,
    ) -> Result<RowValidator<'a>, ImportError> {
        mapping.ensure_complete()?;
        let Some(register) = mapping.register() else {
            return Err(ImportError::WrongMapping {
                mapping: mapping.source().to_owned(),
                expected: "a register (poverty or dibao)".to_owned(),
                found: mapping.target().to_string(),
            });
        };
        let cols = resolve_columns(file, mapping, headers)?;
        let formats_hint = mapping
            .date_formats()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        Ok(RowValidator {
            file: file.to_owned(),
            register,
            mapping,
            regions,
            today,
            headers: headers.to_vec(),
            cols,
            formats_hint,
        })
    }

    pub fn register(&self) -> Register {
        self.register
    }

    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Validates plain cells (no spreadsheet caveats).
    pub fn validate_cells(
        &self,
        number: u64,
        cells: &[String],
    ) -> Result<RegisterRecord, Vec<RejectRow>> {
        self.validate(&SourceRow {
            number,
            cells: cells.to_vec(),
            issues: Vec::new(),
        })
    }

    /// The record, or every problem of the row.
    pub fn validate(&self, row: &SourceRow) -> Result<RegisterRecord, Vec<RejectRow>> {
        self.validate_flagging(row).map_err(|(rejects, _)| rejects)
    }

    /// Like [`RowValidator::validate`]; a row rejected only for its ID number's check character
    /// also comes back as a record, with a provisional `id_number` (the first 17 characters and a
    /// recomputed check character; `id_number_raw` keeps the number as written), so that the
    /// import can stage it flagged for linkage. The row stays a reject.
    pub fn validate_flagging(
        &self,
        row: &SourceRow,
    ) -> Result<RegisterRecord, (Vec<RejectRow>, Option<Box<RegisterRecord>>)> {
        let mut c = Check {
            v: self,
            row,
            rejects: Vec::new(),
        };
        c.check_cells();

        let household_key = c.required(Field::HouseholdKey).map(str::to_owned);
        let name = c.required(Field::Name).map(str::to_owned);

        let id_raw = c.required(Field::IdNumber);
        let mut provisional = None;
        let id = id_raw.and_then(|raw| match IdNumber::parse(raw) {
            Ok(id) => Some(id),
            Err(e) => {
                if matches!(e, gongrong_domain::IdNumberError::Checksum { .. }) {
                    provisional = raw
                        .get(..17)
                        .and_then(|first17| IdNumber::from_first17(first17).ok());
                }
                let mut reason = e.to_string();
                if c.issue(Field::IdNumber) == Some(CellIssue::ImpreciseNumber) {
                    reason.push_str(
                        " — the cell holds a number and Excel keeps only 15 significant digits: \
                         format the column as text and re-enter the number",
                    );
                }
                c.reject(Field::IdNumber, reason);
                None
            }
        });

        let sex = c.code(Field::Sex, Sex::parse);
        if let (Some(id), Some(sex)) = (id, sex)
            && id.sex() != sex
        {
            let whose = match id.sex() {
                Sex::Male => "a man's (its 17th digit is odd)",
                Sex::Female => "a woman's (its 17th digit is even)",
            };
            c.reject(
                Field::Sex,
                format!("sex is {} but the ID number is {whose}", sex.zh()),
            );
        }
        let birth = c.date(Field::BirthDate);
        if let (Some(id), Some(birth)) = (id, birth)
            && id.birth_date() != birth
        {
            c.reject(
                Field::BirthDate,
                format!(
                    "birth date {birth} does not match the ID number's {}",
                    id.birth_date()
                ),
            );
        }

        let relation = c.required_code(Field::Relation, Relation::parse);
        let village = c.village();
        let ethnicity = c.value(Field::Ethnicity).map(str::to_owned);
        let school_stage = c.code(Field::SchoolStage, SchoolStage::parse);
        let health = c.code(Field::Health, Health::parse);
        let labour = c.code(Field::Labour, LabourSkill::parse);
        let self_care = c.code(Field::SelfCare, SelfCare::parse);
        let disability = c.disability();

        let identity = c.required_code(Field::Identity, IdentityKind::parse);
        if let Some(kind) = identity
            && !identity_allowed(self.register, kind)
        {
            let expected: Vec<&str> = IdentityKind::ALL
                .iter()
                .filter(|k| identity_allowed(self.register, **k))
                .map(|k| k.zh())
                .collect();
            c.reject(
                Field::Identity,
                format!(
                    "{} is not an identity of the {} (expected one of: {})",
                    kind.zh(),
                    self.register.en(),
                    expected.join("、")
                ),
            );
        }
        let identity_since = c.date(Field::IdentitySince);
        let household_attribute = c.code(Field::HouseholdAttribute, HouseholdAttribute::parse);
        let poverty_cause = c.code(Field::PovertyCause, PovertyCause::parse);
        let annual_income_per_capita = c.money(Field::AnnualIncomePerCapita);
        let monthly_income_per_capita = c.money(Field::MonthlyIncomePerCapita);
        let monthly_benefit = c.money(Field::MonthlyBenefit);
        let phone = c.value(Field::Phone).map(str::to_owned);
        let bank_account = c.value(Field::BankAccount).map(str::to_owned);
        let death_date = c.death(id.or(provisional).map(|id| id.birth_date()).or(birth));
        // Only the check character is wrong: the row is kept (flagged) with the provisional ID.
        let flag = id.is_none() && provisional.is_some() && c.rejects.len() == 1;

        let (
            Some(household_key),
            Some(name),
            Some(id_number),
            Some(id_raw),
            Some(relation),
            Some(village),
            Some(identity),
        ) = (
            household_key,
            name,
            id.or(provisional.filter(|_| flag)),
            id_raw,
            relation,
            village,
            identity,
        )
        else {
            if c.rejects.is_empty() {
                // Unreachable by construction: every missing required value was rejected.
                c.reject_row("row", "a required value could not be read");
            }
            return Err((c.rejects, None));
        };
        if !c.rejects.is_empty() && !flag {
            return Err((c.rejects, None));
        }
        let record = RegisterRecord {
            register: self.register,
            row: row.number,
            household_key,
            id_number,
            id_number_raw: id_raw.to_owned(),
            name,
            sex: id_number.sex(),
            birth_date: id_number.birth_date(),
            relation,
            village,
            ethnicity,
            health,
            labour,
            disability,
            self_care,
            school_stage,
            identity: Some(identity),
            identity_since,
            household_attribute,
            poverty_cause,
            annual_income_per_capita,
            monthly_income_per_capita,
            monthly_benefit,
            death_date,
            phone,
            bank_account,
            raw: self
                .headers
                .iter()
                .enumerate()
                .map(|(i, h)| (h.clone(), row.cells.get(i).cloned().unwrap_or_default()))
                .collect(),
        };
        if flag {
            Err((c.rejects, Some(Box::new(record))))
        } else {
            Ok(record)
        }
    }
}

/// The checks of one row, collecting its problems.
struct Check<'v> {
    v: &'v RowValidator<'v>,
    row: &'v SourceRow,
    rejects: Vec<RejectRow>,
}

impl<'v> Check<'v> {
    fn col(&self, f: Field) -> Option<usize> {
        self.v.cols.get(&f).copied()
    }

    /// The header of a field as written in the file (or the mapping's first name for it).
    fn header(&self, f: Field) -> String {
        match self.col(f) {
            Some(i) => self.v.headers.get(i).cloned().unwrap_or_default(),
            None => self
                .v
                .mapping
                .headers(f)
                .first()
                .cloned()
                .unwrap_or_else(|| f.key().to_owned()),
        }
    }

    fn raw(&self, f: Field) -> &'v str {
        self.col(f)
            .and_then(|i| self.row.cells.get(i))
            .map_or("", String::as_str)
    }

    fn issue(&self, f: Field) -> Option<CellIssue> {
        self.col(f).and_then(|i| self.row.issue(i))
    }

    fn reject(&mut self, f: Field, reason: impl Into<String>) {
        self.rejects.push(RejectRow {
            file: self.v.file.clone(),
            row: self.row.number,
            field: self.header(f),
            value: self.raw(f).to_owned(),
            reason: reason.into(),
        });
    }

    fn reject_row(&mut self, field: &str, reason: impl Into<String>) {
        self.rejects.push(RejectRow {
            file: self.v.file.clone(),
            row: self.row.number,
            field: field.to_owned(),
            value: String::new(),
            reason: reason.into(),
        });
    }

    /// Spreadsheet error cells in mapped columns, and non-empty cells beyond the header.
    fn check_cells(&mut self) {
        let mut fields: Vec<(Field, usize)> = self.v.cols.iter().map(|(f, i)| (*f, *i)).collect();
        fields.sort_by_key(|(_, i)| *i);
        for (f, i) in fields {
            if self.row.issue(i) == Some(CellIssue::ExcelError) {
                let reason = format!("the cell holds the spreadsheet error {}", self.raw(f));
                self.reject(f, reason);
            }
        }
        let width = self.v.headers.len();
        for (i, cell) in self.row.cells.iter().enumerate().skip(width) {
            if !cell.trim().is_empty() {
                self.rejects.push(RejectRow {
                    file: self.v.file.clone(),
                    row: self.row.number,
                    field: format!("column {}", i + 1),
                    value: cell.clone(),
                    reason: format!(
                        "the row has {} cells but the header only {width} columns",
                        self.row.cells.len()
                    ),
                });
            }
        }
    }

    /// The trimmed value, `None` when the column is absent, the cell empty or an error cell.
    fn value(&self, f: Field) -> Option<&'v str> {
        if self.issue(f) == Some(CellIssue::ExcelError) {
            return None;
        }
        let s = self.raw(f).trim();
        (!s.is_empty()).then_some(s)
    }

    fn required(&mut self, f: Field) -> Option<&'v str> {
        let v = self.value(f);
        if v.is_none() && self.issue(f) != Some(CellIssue::ExcelError) {
            self.reject(f, "required value is missing");
        }
        v
    }

    /// A code-list value after `[values]` translation: `Ok(None)` when empty (or translated to
    /// empty), `Err(())` when rejected.
    fn parse_code<T>(
        &mut self,
        f: Field,
        parse: fn(&str) -> Result<T, CodeError>,
    ) -> Result<Option<T>, ()> {
        if self.issue(f) == Some(CellIssue::ExcelError) {
            return Err(());
        }
        let Some(v) = self.value(f) else {
            return Ok(None);
        };
        let label = self.v.mapping.translate(f, v);
        if label.trim().is_empty() {
            return Ok(None);
        }
        match parse(label) {
            Ok(t) => Ok(Some(t)),
            Err(mut e) => {
                e.value = v.to_owned();
                self.reject(f, e.to_string());
                Err(())
            }
        }
    }

    fn code<T>(&mut self, f: Field, parse: fn(&str) -> Result<T, CodeError>) -> Option<T> {
        self.parse_code(f, parse).ok().flatten()
    }

    fn required_code<T>(&mut self, f: Field, parse: fn(&str) -> Result<T, CodeError>) -> Option<T> {
        match self.parse_code(f, parse) {
            Ok(Some(t)) => Some(t),
            Ok(None) => {
                self.reject(f, "required value is missing");
                None
            }
            Err(()) => None,
        }
    }

    fn date(&mut self, f: Field) -> Option<NaiveDate> {
        let v = self.value(f)?;
        match parse_date(v, self.v.mapping.date_formats()) {
            Ok(d) => Some(d),
            Err(DateError::Impossible) => {
                self.reject(f, format!("{v:?} is an impossible date"));
                None
            }
            Err(DateError::Syntax) => {
                let reason = format!("{v:?} is not a date (accepted: {})", self.v.formats_hint);
                self.reject(f, reason);
                None
            }
        }
    }

    fn money(&mut self, f: Field) -> Option<Money> {
        let v = self.value(f)?;
        match Money::parse_yuan(v) {
            Ok(m) if m.is_negative() => {
                self.reject(f, "amount must not be negative");
                None
            }
            Ok(m) => Some(m),
            Err(e) => {
                self.reject(f, e.to_string());
                None
            }
        }
    }

    fn village(&mut self) -> Option<RegionCode> {
        let v = self.required(Field::Village)?;
        let code = match RegionCode::parse(v) {
            Ok(code) => code,
            Err(e) => {
                self.reject(Field::Village, e.to_string());
                return None;
            }
        };
        if code.level() != Level::Village {
            self.reject(
                Field::Village,
                format!(
                    "region code {v} is not a village code (12 digits, the last three not all zero)"
                ),
            );
            return None;
        }
        match self.v.regions.check(&code) {
            Ok(()) => Some(code),
            Err(RegionError::Unknown(missing)) => {
                let reason = if missing == code.as_str() {
                    format!(
                        "unknown region code {code} (not in the village list: import the village list first)"
                    )
                } else {
                    format!(
                        "unknown region code {code} (its parent {missing} is not in the region table)"
                    )
                };
                self.reject(Field::Village, reason);
                None
            }
            Err(e) => {
                self.reject(Field::Village, e.to_string());
                None
            }
        }
    }

    fn disability(&mut self) -> Option<Disability> {
        let category = self.code(Field::DisabilityCategory, DisabilityCategory::parse);
        let grade = self.code(Field::DisabilityGrade, DisabilityGrade::parse);
        let category_given = self.value(Field::DisabilityCategory).is_some();
        let grade_given = self.value(Field::DisabilityGrade).is_some();
        match (category, grade) {
            (Some(category), Some(grade)) => Some(Disability { category, grade }),
            (None, Some(_)) if !category_given => {
                let other = self.header(Field::DisabilityCategory);
                self.reject(
                    Field::DisabilityGrade,
                    format!("a disability grade needs a disability category ({other} is empty)"),
                );
                None
            }
            (Some(_), None) if !grade_given => {
                let other = self.header(Field::DisabilityGrade);
                self.reject(
                    Field::DisabilityCategory,
                    format!("a disability category needs a disability grade ({other} is empty)"),
                );
                None
            }
            _ => None,
        }
    }

    fn death(&mut self, birth: Option<NaiveDate>) -> Option<NaiveDate> {
        let status = self.code(Field::Status, PersonStatus::parse);
        let death_given = self.value(Field::DeathDate).is_some();
        let death = self.date(Field::DeathDate);
        match status {
            Some(PersonStatus::Deceased) if !death_given => {
                let other = self.header(Field::DeathDate);
                self.reject(
                    Field::Status,
                    format!(
                        "status is 死亡 but {other} is empty: give the date of death (a month or a year is enough)"
                    ),
                );
            }
            Some(PersonStatus::Normal) if death_given => {
                let other = self.header(Field::Status);
                self.reject(
                    Field::DeathDate,
                    format!("a date of death is given but {other} is 正常"),
                );
            }
            _ => {}
        }
        let death = death?;
        if let Some(birth) = birth
            && death < birth
        {
            self.reject(
                Field::DeathDate,
                format!("date of death {death} is before the birth date {birth}"),
            );
            return None;
        }
        if death > self.v.today {
            self.reject(
                Field::DeathDate,
                format!("date of death {death} is after today ({})", self.v.today),
            );
            return None;
        }
        Some(death)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_normalize() {
        assert_eq!(normalize_header(" 乡（镇） "), "乡(镇)");
        assert_eq!(normalize_header("\u{feff}户 编号"), "户编号");
        assert_eq!(normalize_header("人均纯收入（元）"), "人均纯收入(元)");
    }

    #[test]
    fn identities_per_register() {
        assert!(identity_allowed(
            Register::Poverty,
            IdentityKind::FormerlyPoor
        ));
        assert!(!identity_allowed(Register::Poverty, IdentityKind::Dibao));
        assert!(identity_allowed(Register::Dibao, IdentityKind::NearDibao));
        assert!(!identity_allowed(
            Register::Dibao,
            IdentityKind::MarginalAtRisk
        ));
        assert!(!identity_allowed(
            Register::Dibao,
            IdentityKind::ImmediateHelp
        ));
    }

    #[test]
    fn status_parse() {
        assert_eq!(PersonStatus::parse(" 死亡"), Ok(PersonStatus::Deceased));
        assert!(
            PersonStatus::parse("外出")
                .unwrap_err()
                .to_string()
                .contains("正常")
        );
    }
}
