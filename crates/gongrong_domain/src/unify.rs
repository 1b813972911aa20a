//! First unified registry: exact ID-number match across both registers.
//!
//! Every accepted register row whose (validated, 15→18 converted) ID number is equal is the same
//! person. Register households are merged into one unified household when they share a person
//! (union-find over register household keys). Probabilistic linkage of typo'd IDs and name
//! variants is a separate, later step; this one never guesses.

use crate::codes::{IdentityKind, Relation};
use crate::model::{Identity, Person};
use crate::{RegionCode, RegisterRecord};
use serde::{Deserialize, Serialize};

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
