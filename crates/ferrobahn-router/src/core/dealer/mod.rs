//! The dealer: registrations (exact, prefix, wildcard; shared with single, roundrobin,
//! random, first, last), calls with caller identification, progressive results and
//! invocations, canceling (skip, kill, killnowait) and timeouts.

use std::collections::HashMap;
use std::time::Instant;

use ferrobahn_wamp::message::{code, Register, Registered, Unregister, Unregistered};
use ferrobahn_wamp::options::InvokePolicy;
use ferrobahn_wamp::{error_uri, Id, MatchPolicy, Message, Payload, Value};

mod calls;

use super::authz;
use super::matching::PatternTable;
use super::{ConnId, Router};
use ferrobahn_wamp::idmap::IdMap;

/// One registration: a procedure pattern and its callees.
#[derive(Debug)]
pub(crate) struct Registration {
    pub(crate) id: Id,
    pub(crate) procedure: String,
    pub(crate) policy: MatchPolicy,
    pub(crate) invoke: InvokePolicy,
    pub(crate) callees: Vec<ConnId>,
    /// Callees that registered with a `concurrency` limit, and their limits.
    limits: IdMap<ConnId, u64>,
    next: usize,
}

/// Error URI when every eligible callee is at its `concurrency` limit (Crossbar's).
pub(crate) const MAX_CONCURRENCY_REACHED: &str = "crossbar.error.max_concurrency_reached";

/// A call in flight (one INVOCATION).
#[derive(Debug)]
pub(super) struct InFlight {
    caller: ConnId,
    call_request: Id,
    callee: ConnId,
    registration: Id,
    receive_progress: bool,
    deadline: Option<Instant>,
    /// The caller still sends progressive invocation chunks.
    streaming: bool,
    /// The caller got its answer already (skip-canceled): swallow the callee's reply.
    answered: bool,
}

/// A realm's registrations and calls in flight.
#[derive(Debug, Default)]
pub(crate) struct Dealer {
    pub(crate) regs: IdMap<Id, Registration>,
    table: PatternTable,
    pub(super) inflight: IdMap<Id, InFlight>,
    /// Keyed by the caller's request ID (peer-chosen): std's seeded SipHash.
    pub(super) by_call: HashMap<(ConnId, Id), Id>,
    /// Invocations in flight per (registration, callee), for callees with a limit.
    busy: IdMap<(Id, ConnId), u64>,
    next_invocation: u64,
}

impl Dealer {
    /// The registration with exactly this procedure and policy.
    pub(crate) fn lookup(&self, procedure: &str, policy: MatchPolicy) -> Option<Id> {
        self.table.lookup(procedure, policy)
    }

    /// The registration a call of `uri` goes to: exact, then the longest prefix, then the
    /// wildcard whose literal components come first (WAMP's rule, Crossbar.io's order).
    pub(crate) fn best_match(&self, uri: &str) -> Option<Id> {
        self.table.best_match(uri)
    }

    /// All registration IDs by policy.
    pub(crate) fn list(&self) -> [Vec<Id>; 3] {
        self.table.list()
    }

    /// Removes `conn` from registration `id`: (was a callee, registration deleted).
    fn remove_callee(&mut self, id: Id, conn: ConnId) -> (bool, bool) {
        let Some(reg) = self.regs.get_mut(&id) else {
            return (false, false);
        };
        let Some(pos) = reg.callees.iter().position(|c| *c == conn) else {
            return (false, false);
        };
        reg.callees.remove(pos);
        reg.limits.remove(&conn);
        if reg.callees.is_empty() {
            let (p, policy) = (reg.procedure.clone(), reg.policy);
            self.regs.remove(&id);
            self.table.remove(&p, policy);
            (true, true)
        } else {
            (true, false)
        }
    }

    /// Picks the callee of a call to `reg` by its invocation policy, skipping callees at
    /// their `concurrency` limit; `None` when all are. `random` gives a random number
    /// (asked only for the `random` policy).
    pub(super) fn pick(&mut self, reg: Id, random: impl FnOnce() -> u64) -> Option<ConnId> {
        let reg = self.regs.get_mut(&reg)?;
        let n = reg.callees.len();
        if n == 0 {
            return None;
        }
        let start = match reg.invoke {
            InvokePolicy::Single | InvokePolicy::First | InvokePolicy::Last => 0,
            InvokePolicy::RoundRobin => reg.next % n,
            InvokePolicy::Random => (random() % n as u64) as usize,
        };
        let busy = &self.busy;
        let free = |c: &ConnId| {
            reg.limits
                .get(c)
                .is_none_or(|limit| busy.get(&(reg.id, *c)).copied().unwrap_or(0) < *limit)
        };
        let idx = (0..n)
            .map(|k| match reg.invoke {
                InvokePolicy::Last => n - 1 - k,
                _ => (start + k) % n,
            })
            .find(|&i| free(&reg.callees[i]))?;
        if reg.invoke == InvokePolicy::RoundRobin {
            reg.next = idx + 1;
        }
        let callee = reg.callees[idx];
        if reg.limits.contains_key(&callee) {
            *self.busy.entry((reg.id, callee)).or_insert(0) += 1;
        }
        Some(callee)
    }

    /// An invocation of `callee` for `reg` ended.
    pub(super) fn done(&mut self, reg: Id, callee: ConnId) {
        if let Some(b) = self.busy.get_mut(&(reg, callee)) {
            *b = b.saturating_sub(1);
            if *b == 0 {
                self.busy.remove(&(reg, callee));
            }
        }
    }

    pub(super) fn next_invocation_id(&mut self) -> Id {
        self.next_invocation = if self.next_invocation >= ferrobahn_wamp::MAX_ID {
            1
        } else {
            self.next_invocation + 1
        };
        Id::new(self.next_invocation).unwrap_or(Id::ZERO)
    }
}

impl Router {
    pub(in crate::core) fn register(&mut self, now: Instant, conn: ConnId, m: Register) {
        let Some(j) = self.joined(conn) else { return };
        let (realm, session) = (j.realm, j.session);
        if m.procedure.starts_with("wamp.") {
            let msg = "procedures under wamp. are reserved for the router".to_owned();
            return self.send_error(
                conn,
                code::REGISTER,
                m.request,
                error_uri::INVALID_URI,
                Some(msg),
            );
        }
        if self
            .authorize(j, &m.procedure, authz::Action::Register)
            .is_none()
        {
            let msg = format!("not authorized to register {:?}", m.procedure);
            return self.send_error(
                conn,
                code::REGISTER,
                m.request,
                error_uri::NOT_AUTHORIZED,
                Some(msg),
            );
        }
        let policy = m.options.match_policy.unwrap_or_default();
        let invoke = m.options.invoke.unwrap_or(InvokePolicy::Single);
        let dealer = &mut self.realms[realm].dealer;
        let (id, created) = match dealer.lookup(&m.procedure, policy) {
            Some(id) => {
                let reg = &dealer.regs[&id];
                let err = if reg.callees.contains(&conn)
                    || invoke == InvokePolicy::Single
                    || reg.invoke == InvokePolicy::Single
                {
                    Some(error_uri::PROCEDURE_ALREADY_EXISTS)
                } else if reg.invoke != invoke {
                    Some(error_uri::PROCEDURE_EXISTS_INVOCATION_POLICY_CONFLICT)
                } else {
                    None
                };
                if let Some(e) = err {
                    let msg = format!("{:?} is already registered", m.procedure);
                    return self.send_error(conn, code::REGISTER, m.request, e, Some(msg));
                }
                (id, false)
            }
            None => {
                let id = self.ids.next_id();
                dealer.table.insert(&m.procedure, policy, id);
                let reg = Registration {
                    id,
                    procedure: m.procedure.clone(),
                    policy,
                    invoke,
                    callees: Vec::new(),
                    limits: IdMap::default(),
                    next: 0,
                };
                dealer.regs.insert(id, reg);
                (id, true)
            }
        };
        if let Some(reg) = dealer.regs.get_mut(&id) {
            reg.callees.push(conn);
            if let Some(limit) = m.options.concurrency.filter(|c| *c > 0) {
                reg.limits.insert(conn, limit);
            }
        }
        if let Some(super::session::ConnState::Joined(j)) = self.conns.get_mut(&conn) {
            j.registrations.push(id);
        }
        self.send(
            conn,
            Message::Registered(Registered {
                request: m.request,
                registration: id,
            }),
        );
        let s = Value::from_u64(session.get());
        if created {
            let details = self.registration_details(realm, id);
            self.publish_meta(
                now,
                realm,
                "wamp.registration.on_create",
                Payload::Args(vec![s.clone(), details]),
            );
        }
        self.publish_meta(
            now,
            realm,
            "wamp.registration.on_register",
            Payload::Args(vec![s, Value::from_u64(id.get())]),
        );
    }

    pub(in crate::core) fn unregister(&mut self, now: Instant, conn: ConnId, m: Unregister) {
        let Some(j) = self.joined(conn) else { return };
        let (realm, session) = (j.realm, j.session);
        let (was, deleted) = self.realms[realm]
            .dealer
            .remove_callee(m.registration, conn);
        if !was {
            return self.send_error(
                conn,
                code::UNREGISTER,
                m.request,
                error_uri::NO_SUCH_REGISTRATION,
                None,
            );
        }
        if let Some(super::session::ConnState::Joined(j)) = self.conns.get_mut(&conn) {
            j.registrations.retain(|r| *r != m.registration);
        }
        self.send(
            conn,
            Message::Unregistered(Unregistered {
                request: m.request,
                details: None,
            }),
        );
        self.registration_gone(now, realm, session, m.registration, deleted);
    }

    fn registration_gone(
        &mut self,
        now: Instant,
        realm: usize,
        session: Id,
        reg: Id,
        deleted: bool,
    ) {
        let args = vec![Value::from_u64(session.get()), Value::from_u64(reg.get())];
        self.publish_meta(
            now,
            realm,
            "wamp.registration.on_unregister",
            Payload::Args(args.clone()),
        );
        if deleted {
            self.publish_meta(
                now,
                realm,
                "wamp.registration.on_delete",
                Payload::Args(args),
            );
        }
    }
}
