//! Group commit for issuing. One writer task per [`Vendor`](crate::Vendor) takes every issue waiting at that moment
//! (up to [`MAX_BATCH`]) and records them in one transaction, so a burst of N issues pays for one commit (one WAL
//! sync on SQLite, one WAL flush on PostgreSQL) instead of N. Each caller awaits its own outcome, and the commit has
//! happened before any caller hears of its license: batching changes what a license costs, not what "issued" means.
//!
//! Order: jobs are taken first come, first served, and a batch hands out an install's sequences in that order, so
//! one caller's issues for one install get increasing sequences. A batch that fails (a signature the HSM refused,
//! a database error) is rolled back whole and its jobs are retried one by one, so that each caller gets its own
//! answer and nothing of a failed issue stays.

use std::sync::{Arc, Mutex, PoisonError};

use licet_core::format::Implied;
use licet_core::{ClaimMap, Claims, UnixTime};
use tokio::sync::{mpsc, oneshot};

use crate::db::{Conn, Db};
use crate::error::VendorError;
use crate::signer::SharedSigner;
use crate::store::licenses::{self, IssueContext, Outcome, Pending, Signed};
use crate::{manual, token};

/// Most issues in one transaction. Large enough that a burst is one commit; small enough that one batch's signing
/// (tens of µs per Ed25519 license, about a millisecond on a slow HSM) does not hold the others up for long.
pub const MAX_BATCH: usize = 128;

/// Issues that may wait for the writer before callers are held back.
const QUEUE: usize = 4 * MAX_BATCH;

pub(crate) struct Job {
    pub ctx: Arc<IssueContext>,
    /// Built by the caller; the writer fills in the sequence and signs.
    pub claims: Claims,
    pub kid: String,
    pub signer: SharedSigner,
    pub at: UnixTime,
    pub actor: String,
    /// A profile's own format to sign in, with the issuer and audience its products expect; `None` is licet's.
    pub format: Option<&'static ClaimMap>,
}

struct Queued {
    job: Job,
    reply: oneshot::Sender<Outcome>,
}

pub(crate) struct IssueWriter {
    db: Db,
    /// Started on first use (it needs a Tokio runtime), and again if the runtime it ran on has gone (tests run
    /// one runtime each).
    queue: Mutex<Option<mpsc::Sender<Queued>>>,
}

impl IssueWriter {
    pub fn new(db: Db) -> Self {
        IssueWriter {
            db,
            queue: Mutex::new(None),
        }
    }

    /// Queues `job` and waits until its batch has committed (or failed).
    pub async fn issue(&self, job: Job) -> Outcome {
        let (reply, answer) = oneshot::channel();
        let mut queued = Queued { job, reply };
        for _ in 0..2 {
            match self.sender().send(queued).await {
                Ok(()) => return answer.await.unwrap_or_else(|_| Err(VendorError::IssuingUnavailable)),
                // The writer's runtime is gone: start another on this one.
                Err(mpsc::error::SendError(back)) => queued = back,
            }
        }
        Err(VendorError::IssuingUnavailable)
    }

    fn sender(&self) -> mpsc::Sender<Queued> {
        let mut slot = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some(sender) if !sender.is_closed() => sender.clone(),
            _ => {
                let (sender, receiver) = mpsc::channel(QUEUE);
                tokio::spawn(run(self.db.clone(), receiver));
                *slot = Some(sender.clone());
                sender
            }
        }
    }
}

/// Scheduler turns the writer gives callers to join a batch (see `run`).
const LINGER_TURNS: usize = 16;

/// Ends when every sender is gone, i.e. when the vendor is dropped.
async fn run(db: Db, mut receiver: mpsc::Receiver<Queued>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut previous = 0;
    // The writer's own connection, kept between batches when the pool can spare it, dropped after an error.
    let mut held: Option<Conn> = None;
    while receiver.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // The callers answered by the previous batch come back with their next issue a moment later. Rather than
        // commit the first of them alone and the rest after, give them a few scheduler turns (no timer: a lone
        // caller, previous batch of one, never waits) to join this batch.
        for _ in 0..LINGER_TURNS {
            if batch.len() >= previous {
                break;
            }
            tokio::task::yield_now().await;
            while batch.len() < MAX_BATCH {
                match receiver.try_recv() {
                    Ok(queued) => batch.push(queued),
                    Err(_) => break,
                }
            }
        }
        previous = batch.len();
        let (mut jobs, replies): (Vec<Job>, Vec<_>) = batch.drain(..).map(|q| (q.job, q.reply)).unzip();
        let (mut conn, keep) = match held.take() {
            Some(conn) => (conn, true),
            None => match db.acquire().await {
                Ok(acquired) => acquired,
                Err(e) => {
                    tracing::error!(error = %e, "issuing: no database connection");
                    for reply in replies {
                        let _ = reply.send(Err(VendorError::IssuingUnavailable));
                    }
                    continue;
                }
            },
        };
        let mut failed = false;
        match commit(&mut conn, &mut jobs).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    // The caller may have gone away (request cancelled); its license is issued all the same.
                    let _ = reply.send(outcome);
                }
            }
            Err(e) if replies.len() == 1 => {
                failed = true;
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(e) => {
                failed = true;
                tracing::debug!(error = %e, size = jobs.len(), "issuing batch failed; retrying its issues one by one");
                for (job, reply) in jobs.iter_mut().zip(replies) {
                    let outcome = commit(&mut conn, std::slice::from_mut(job)).await.and_then(|mut o| {
                        o.pop()
                            .unwrap_or_else(|| Err(VendorError::Corrupt("no outcome".into())))
                    });
                    let _ = reply.send(outcome);
                }
            }
        }
        // After a failure the connection may be the cause (server restarted): take a fresh one next time.
        if keep && !failed {
            held = Some(conn);
        }
    }
}

async fn commit(conn: &mut Conn, jobs: &mut [Job]) -> Result<Vec<Outcome>, VendorError> {
    type Signing<'a> = (&'a mut Claims, &'a SharedSigner, Option<&'static ClaimMap>);
    let (pending, mut signing): (Vec<Pending<'_>>, Vec<Signing<'_>>) = jobs
        .iter_mut()
        .map(|j| {
            let pending = Pending {
                install_id: &j.ctx.install_id,
                revision: j.ctx.revision,
                kid: &j.kid,
                at: j.at,
                actor: &j.actor,
            };
            (pending, (&mut j.claims, &j.signer, j.format))
        })
        .unzip();
    licenses::issue_batch(conn, &pending, |i, sequence| {
        let (claims, signer, format) = signing
            .get_mut(i)
            .ok_or_else(|| VendorError::Corrupt("batch index out of range".into()))?;
        claims.lic.sequence = sequence;
        let (token, fingerprint) = match format {
            None => {
                let token = token::issue_compact(claims, signer.as_ref())?;
                let fingerprint = token::fingerprint(&token)?;
                (token, fingerprint)
            }
            Some(map) => {
                let implied = Implied {
                    issuer: Some(&claims.iss),
                    audience: claims.aud.0.first().map(String::as_str),
                };
                let object = manual::write(map, claims, implied)?;
                manual::sign(map, &object, signer.as_ref())?
            }
        };
        Ok(Signed {
            fingerprint,
            token,
            exp: claims.exp,
        })
    })
    .await
}
