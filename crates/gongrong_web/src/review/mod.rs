//! Clerical review of the linkage's uncertain band: the queue, one pair side by side with the
//! model's explanation, and the reviewer's decision (stored, audited, and respected by every
//! later linkage run).
//!
//! Who may do what is the store's table (`gongrong_store::access::policy`): town caseworkers,
//! district civil affairs and district rural revitalisation review and decide; auditors may
//! look (read-only, identifiers masked); village clerks, department officers and
//! administrators get 403. Pairs outside the user's area are "not found", the same as a pair
//! that does not exist. Reads and decisions are audited by the store.

use gongrong_store::{
    Permission, ReviewDecision, ReviewFilter, ReviewPair, ReviewPairSummary, ReviewVerdict,
};
use serde::Deserialize;
use std::collections::HashMap;

use crate::AppState;
use crate::ctx::Auth;
use crate::error::{WebError, WebResult};

mod explain;
mod pages;

pub use explain::*;
pub use pages::*;

/// 403 unless the access may decide (the store checks again; this keeps the answer 403
/// before a body is even read).
pub(super) fn require_decide(auth: &Auth) -> WebResult<()> {
    if auth.access.can(Permission::DecideReview) {
        Ok(())
    } else {
        Err(WebError::Forbidden)
    }
}

// ---------- the queue ----------

/// Queue parameters, shared by the page and the API; empty means "not given".
#[derive(Deserialize, Default)]
pub struct QueueParams {
    pub filter: Option<String>,
    /// 1-based.
    pub page: Option<String>,
}

pub struct ParsedQueue {
    pub filter: ReviewFilter,
    /// 1-based.
    pub page: u32,
}

pub(super) const MAX_PAGE: u32 = 100_000;

pub fn filter_code(f: ReviewFilter) -> &'static str {
    match f {
        ReviewFilter::Pending => "pending",
        ReviewFilter::Decided => "decided",
        ReviewFilter::All => "all",
    }
}

pub fn parse_verdict(s: &str) -> Option<ReviewVerdict> {
    match s.trim() {
        "match" => Some(ReviewVerdict::Match),
        "non_match" => Some(ReviewVerdict::NonMatch),
        _ => None,
    }
}

pub fn parse_queue(p: &QueueParams) -> WebResult<ParsedQueue> {
    let filter = match p.filter.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None | Some("pending") => ReviewFilter::Pending,
        Some("decided") => ReviewFilter::Decided,
        Some("all") => ReviewFilter::All,
        Some(other) => return Err(WebError::BadRequest(format!("filter {other:?}"))),
    };
    let page = match p.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE).contains(n))
            .ok_or_else(|| WebError::BadRequest(format!("page {s:?}")))?,
        None => 1,
    };
    Ok(ParsedQueue { filter, page })
}

/// Pending and decided pairs in the user's area.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct QueueCounts {
    pub pending: u64,
    pub decided: u64,
    pub all: u64,
}

pub struct Queue {
    pub pairs: Vec<ReviewPairSummary>,
    /// Pairs of the requested filter.
    pub total: u64,
    pub counts: QueueCounts,
}

/// One page of the queue in the user's scope, with the counts of each filter.
pub async fn load_queue(
    state: &AppState,
    auth: &Auth,
    q: &ParsedQueue,
    page_size: u32,
) -> WebResult<Queue> {
    let (pairs, total) = state
        .store
        .review_queue(&auth.access, q.filter, q.page - 1, page_size)
        .await?;
    let mut counts = [0u64; 2];
    for (slot, f) in counts
        .iter_mut()
        .zip([ReviewFilter::Pending, ReviewFilter::Decided])
    {
        *slot = if f == q.filter {
            total
        } else {
            state.store.review_queue(&auth.access, f, 0, 1).await?.1
        };
    }
    let [pending, decided] = counts;
    Ok(Queue {
        pairs,
        total,
        counts: QueueCounts {
            pending,
            decided,
            all: pending + decided,
        },
    })
}

// ---------- one pair ----------

/// Reads a pair as the access (scoped, masked and audited by the store, a miss too).
pub async fn read_pair(state: &AppState, auth: &Auth, id: &str) -> WebResult<ReviewPair> {
    state
        .store
        .review_pair(&auth.access, crate::error::record_id(id)?)
        .await?
        .ok_or(WebError::NotFound)
}

/// Stores the access's decision on a pair (the store checks role and scope, and audits it).
pub async fn decide(
    state: &AppState,
    auth: &Auth,
    id: &str,
    verdict: ReviewVerdict,
    note: &str,
) -> WebResult<(i64, ReviewDecision)> {
    require_decide(auth)?;
    let id = crate::error::record_id(id)?;
    let decision = state
        .store
        .decide_review(&auth.access, id, verdict, note)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((id, decision))
}

/// File names of the import batches, by batch id.
pub async fn batch_files(state: &AppState) -> WebResult<HashMap<i64, String>> {
    Ok(state
        .store
        .batches()
        .await?
        .into_iter()
        .map(|b| (b.id, b.file_name))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_params() {
        let p = parse_queue(&QueueParams::default()).unwrap();
        assert_eq!(p.filter, ReviewFilter::Pending);
        assert_eq!(p.page, 1);
        let p = parse_queue(&QueueParams {
            filter: Some("all".into()),
            page: Some("3".into()),
        })
        .unwrap();
        assert_eq!((p.filter, p.page), (ReviewFilter::All, 3));
        assert!(
            parse_queue(&QueueParams {
                filter: Some("x".into()),
                page: None
            })
            .is_err()
        );
        assert!(
            parse_queue(&QueueParams {
                filter: None,
                page: Some("0".into())
            })
            .is_err()
        );
    }

    #[test]
    fn chart_diverges_from_the_axis() {
        let c = weight_chart(
            &[
                ("prior".into(), -8.0, false),
                ("id".into(), 4.0, false),
                ("total".into(), -4.0, true),
            ],
            "t",
        );
        assert_eq!(c.axis_x, "350.0");
        // -8 fills the left half (198 px), 4 half of the right half.
        assert_eq!(c.bars[0].x, "152.0");
        assert_eq!(c.bars[0].w, "198.0");
        assert_eq!(c.bars[0].class, "w-neg");
        assert_eq!(c.bars[1].x, "350.0");
        assert_eq!(c.bars[1].w, "99.0");
        assert_eq!(c.bars[2].class, "w-neg w-total");
        assert_eq!(c.bars[1].value, "+4.00");
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_weight(-1.5), "-1.50");
        assert_eq!(fmt_probability(0.8123), "81.2%");
        assert_eq!(parse_verdict("non_match"), Some(ReviewVerdict::NonMatch));
        assert_eq!(parse_verdict("maybe"), None);
    }
}
