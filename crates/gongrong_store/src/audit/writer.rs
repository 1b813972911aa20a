//! Group commit for audit events that are not part of a change (reads, refusals): one task per
//! store appends the events of every waiting request in one transaction, then answers each
//! request. A request returns only after its events are committed, so a read is never served
//! without its trace, and a thousand reads cost a handful of commits instead of a thousand.

use super::{Event, append_now};
use crate::db::Db;
use crate::{Result, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Events of one batch at most (a batch is one transaction).
const MAX_BATCH: usize = 2_048;
/// Requests waiting for the writer before senders wait for room.
const QUEUE: usize = 8_192;

struct Job {
    events: Vec<Event>,
    done: oneshot::Sender<Result<(), String>>,
}

/// The handle; cheap to clone. The task ends when the last handle is dropped.
#[derive(Clone, Debug)]
pub(crate) struct AuditWriter {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("events", &self.events.len())
            .finish()
    }
}

impl AuditWriter {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(db: Db) -> AuditWriter {
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(db, rx));
        AuditWriter { jobs }
    }

    /// Appends `events` and waits until they are committed.
    pub async fn append(&self, events: Vec<Event>) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        let (done, answer) = oneshot::channel();
        self.jobs
            .send(Job { events, done })
            .await
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| StoreError::Audit("the audit writer has stopped".into()))?
            .map_err(StoreError::Audit)
    }
}

async fn run(db: Db, mut rx: mpsc::Receiver<Job>) {
    while let Some(first) = rx.recv().await {
        let mut jobs = vec![first];
        let mut n = jobs.iter().map(|j| j.events.len()).sum::<usize>();
        while n < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    n += job.events.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let mut events = Vec::with_capacity(n);
        let mut waiting = Vec::with_capacity(jobs.len());
        for job in jobs {
            events.extend(job.events);
            waiting.push(job.done);
        }
        let outcome = append_now(&db, &events).await.map(|_| ()).map_err(|e| {
            tracing::error!(error = %e, events = events.len(), "audit batch failed");
            e.to_string()
        });
        for done in waiting {
            // A request that gave up waiting no longer listens; nothing to do then.
            let _ = done.send(outcome.clone());
        }
    }
}
