//! The meta API: `wamp.session.*` (count, list, get, kill, testaments),
//! `wamp.subscription.*` and `wamp.registration.*` procedures, served by the router.

use std::time::Instant;

use ferrobahn_wamp::message::{code, Call, Goodbye, ResultMessage};
use ferrobahn_wamp::options::{CloseDetails, PublishOptions};
use ferrobahn_wamp::{error_uri, Dict, Id, MatchPolicy, Message, Payload, Value};

use super::authz;
use super::session::Joined;
use super::{ConnId, Router};

/// A testament: an event published when its session goes away.
#[derive(Debug, Clone)]
pub(crate) struct Testament {
    pub(crate) topic: String,
    pub(crate) payload: Payload,
    pub(crate) options: PublishOptions,
    /// Also published on a clean GOODBYE (scope `destroyed`); otherwise only when the
    /// transport is lost (scope `detached`, the default).
    pub(crate) scope_destroyed: bool,
}

/// What a meta procedure answers.
type MetaResult = Result<Vec<Value>, (&'static str, String)>;

fn id_arg(args: &[Value], i: usize) -> Result<Id, (&'static str, String)> {
    args.get(i)
        .and_then(Value::as_u64)
        .and_then(Id::new)
        .ok_or((
            error_uri::INVALID_ARGUMENT,
            format!("argument {i} must be an ID"),
        ))
}

fn str_arg(args: &[Value], i: usize) -> Result<&str, (&'static str, String)> {
    args.get(i).and_then(Value::as_str).ok_or((
        error_uri::INVALID_ARGUMENT,
        format!("argument {i} must be a string"),
    ))
}

fn ids(v: Vec<Id>) -> Value {
    Value::List(v.into_iter().map(|i| Value::from_u64(i.get())).collect())
}

fn match_option(kwargs: Option<&Dict>, args: &[Value], i: usize) -> MatchPolicy {
    let from_dict = |d: &Dict| {
        d.get("match")
            .and_then(Value::as_str)
            .and_then(MatchPolicy::parse)
    };
    args.get(i)
        .and_then(Value::as_dict)
        .and_then(from_dict)
        .or_else(|| kwargs.and_then(from_dict))
        .unwrap_or_default()
}

impl Router {
    /// The session details of `wamp.session.get` and `wamp.session.on_join`.
    pub(super) fn session_info(&self, j: &Joined) -> Value {
        let mut transport = Dict::new();
        transport.insert("type".into(), j.info.kind.as_str().into());
        transport.insert("protocol".into(), j.info.protocol.as_str().into());
        if let Some(p) = j.info.peer {
            transport.insert("peer".into(), format!("tcp4:{p}").into());
        }
        if let Some(b) = &j.info.channel_binding {
            transport.insert("channel_binding".into(), b.as_str().into());
        }
        let mut d = Dict::new();
        d.insert("session".into(), Value::from_u64(j.session.get()));
        d.insert("authid".into(), j.authid.as_str().into());
        d.insert("authrole".into(), j.authrole.as_str().into());
        d.insert("authmethod".into(), j.authmethod.as_str().into());
        d.insert("authprovider".into(), j.authprovider.as_str().into());
        d.insert("transport".into(), Value::Dict(transport));
        Value::Dict(d)
    }

    pub(super) fn subscription_details(&self, realm: usize, id: Id) -> Value {
        match self.realms[realm].broker.subs.get(&id) {
            Some(s) => pattern_details(id, &s.topic, s.policy, None),
            None => Value::Null,
        }
    }

    pub(super) fn registration_details(&self, realm: usize, id: Id) -> Value {
        match self.realms[realm].dealer.regs.get(&id) {
            Some(r) => pattern_details(id, &r.procedure, r.policy, Some(r.invoke.as_str())),
            None => Value::Null,
        }
    }

    fn member_sessions(&self, realm: usize, roles: Option<&[Value]>) -> Vec<Id> {
        let mut out: Vec<Id> = self.realms[realm]
            .members
            .iter()
            .filter_map(|c| self.joined(*c))
            .filter(|j| roles.is_none_or(|r| r.iter().any(|v| v.as_str() == Some(&j.authrole))))
            .map(|j| j.session)
            .collect();
        out.sort();
        out
    }

    fn session_in_realm(&self, realm: usize, session: Id) -> Option<ConnId> {
        let conn = *self.sessions.get(&session)?;
        (self.joined(conn)?.realm == realm).then_some(conn)
    }

    /// A CALL of a `wamp.*` procedure.
    pub(super) fn meta_call(&mut self, now: Instant, conn: ConnId, m: Call) {
        let Some(j) = self.joined(conn) else { return };
        let realm = j.realm;
        if self
            .authorize(j, &m.procedure, authz::Action::Call)
            .is_none()
        {
            let msg = format!("not authorized to call {:?}", m.procedure);
            return self.send_error(
                conn,
                code::CALL,
                m.request,
                error_uri::NOT_AUTHORIZED,
                Some(msg),
            );
        }
        let args = m.payload.args().to_vec();
        let kwargs = m.payload.kwargs();
        let result: MetaResult = match m.procedure.as_str() {
            "wamp.session.count" => {
                let roles = args.first().and_then(Value::as_list);
                Ok(vec![Value::from_u64(
                    self.member_sessions(realm, roles).len() as u64,
                )])
            }
            "wamp.session.list" => {
                let roles = args.first().and_then(Value::as_list);
                Ok(vec![ids(self.member_sessions(realm, roles))])
            }
            "wamp.session.get" => id_arg(&args, 0).and_then(|s| {
                self.session_in_realm(realm, s)
                    .and_then(|c| self.joined(c))
                    .map(|t| vec![self.session_info(t)])
                    .ok_or((error_uri::NO_SUCH_SESSION, format!("no session {s}")))
            }),
            "wamp.session.kill" => id_arg(&args, 0).and_then(|s| {
                let target = self
                    .session_in_realm(realm, s)
                    .ok_or((error_uri::NO_SUCH_SESSION, format!("no session {s}")))?;
                if target == conn {
                    return Err((
                        error_uri::INVALID_ARGUMENT,
                        "a session cannot kill itself".into(),
                    ));
                }
                self.kill(now, target, kwargs);
                Ok(vec![])
            }),
            "wamp.session.kill_by_authid" | "wamp.session.kill_by_authrole" => {
                str_arg(&args, 0).map(str::to_owned).map(|who| {
                    let by_role = m.procedure.ends_with("authrole");
                    let mut targets: Vec<(Id, ConnId)> = self.realms[realm]
                        .members
                        .iter()
                        .filter(|c| **c != conn)
                        .filter_map(|c| self.joined(*c).map(|j| (j, *c)))
                        .filter(|(j, _)| {
                            if by_role {
                                j.authrole == who
                            } else {
                                j.authid == who
                            }
                        })
                        .map(|(j, c)| (j.session, c))
                        .collect();
                    targets.sort();
                    for (_, c) in &targets {
                        self.kill(now, *c, kwargs);
                    }
                    vec![ids(targets.into_iter().map(|t| t.0).collect())]
                })
            }
            "wamp.session.add_testament" => self.add_testament(conn, &args, kwargs),
            "wamp.session.flush_testaments" => {
                let n = match self.conns.get_mut(&conn) {
                    Some(super::session::ConnState::Joined(j)) => {
                        std::mem::take(&mut j.testaments).len()
                    }
                    _ => 0,
                };
                Ok(vec![Value::from_u64(n as u64)])
            }
            "wamp.subscription.list" => {
                let [e, p, w] = self.realms[realm].broker.list();
                Ok(vec![policy_dict(e, p, w)])
            }
            "wamp.registration.list" => {
                let [e, p, w] = self.realms[realm].dealer.list();
                Ok(vec![policy_dict(e, p, w)])
            }
            "wamp.subscription.lookup" => str_arg(&args, 0).map(|t| {
                let id = self.realms[realm]
                    .broker
                    .lookup(t, match_option(kwargs, &args, 1));
                vec![id.map_or(Value::Null, |i| Value::from_u64(i.get()))]
            }),
            "wamp.registration.lookup" => str_arg(&args, 0).map(|p| {
                let id = self.realms[realm]
                    .dealer
                    .lookup(p, match_option(kwargs, &args, 1));
                vec![id.map_or(Value::Null, |i| Value::from_u64(i.get()))]
            }),
            "wamp.subscription.match" => {
                str_arg(&args, 0).map(|t| vec![ids(self.realms[realm].broker.matching(t))])
            }
            "wamp.registration.match" => str_arg(&args, 0).map(|p| {
                let id = self.realms[realm].dealer.best_match(p);
                vec![id.map_or(Value::Null, |i| Value::from_u64(i.get()))]
            }),
            "wamp.subscription.get" => id_arg(&args, 0).and_then(|id| {
                let d = self.subscription_details(realm, id);
                if d.is_null() {
                    Err((
                        error_uri::NO_SUCH_SUBSCRIPTION,
                        format!("no subscription {id}"),
                    ))
                } else {
                    Ok(vec![d])
                }
            }),
            "wamp.registration.get" => id_arg(&args, 0).and_then(|id| {
                let d = self.registration_details(realm, id);
                if d.is_null() {
                    Err((
                        error_uri::NO_SUCH_REGISTRATION,
                        format!("no registration {id}"),
                    ))
                } else {
                    Ok(vec![d])
                }
            }),
            "wamp.subscription.list_subscribers" | "wamp.subscription.count_subscribers" => {
                id_arg(&args, 0).and_then(|id| {
                    let sub = self.realms[realm].broker.subs.get(&id).ok_or((
                        error_uri::NO_SUCH_SUBSCRIPTION,
                        format!("no subscription {id}"),
                    ))?;
                    let s: Vec<Id> = sub
                        .subscribers
                        .iter()
                        .filter_map(|c| self.joined(*c))
                        .map(|j| j.session)
                        .collect();
                    Ok(vec![if m.procedure.ends_with("count_subscribers") {
                        Value::from_u64(s.len() as u64)
                    } else {
                        ids(s)
                    }])
                })
            }
            "wamp.registration.list_callees" | "wamp.registration.count_callees" => {
                id_arg(&args, 0).and_then(|id| {
                    let reg = self.realms[realm].dealer.regs.get(&id).ok_or((
                        error_uri::NO_SUCH_REGISTRATION,
                        format!("no registration {id}"),
                    ))?;
                    let s: Vec<Id> = reg
                        .callees
                        .iter()
                        .filter_map(|c| self.joined(*c))
                        .map(|j| j.session)
                        .collect();
                    Ok(vec![if m.procedure.ends_with("count_callees") {
                        Value::from_u64(s.len() as u64)
                    } else {
                        ids(s)
                    }])
                })
            }
            other => Err((
                error_uri::NO_SUCH_PROCEDURE,
                format!("no meta procedure {other:?}"),
            )),
        };
        match result {
            Ok(values) => {
                let payload = if values.is_empty() {
                    Payload::Empty
                } else {
                    Payload::Args(values)
                };
                let r = ResultMessage {
                    request: m.request,
                    details: Default::default(),
                    payload,
                };
                if self.conns.contains_key(&conn) {
                    self.send(conn, Message::Result(r));
                }
            }
            Err((uri, msg)) => self.send_error(conn, code::CALL, m.request, uri, Some(msg)),
        }
    }

    /// Sends GOODBYE (`reason` from `kwargs`, default `wamp.close.killed`) and closes.
    fn kill(&mut self, now: Instant, target: ConnId, kwargs: Option<&Dict>) {
        let reason = kwargs
            .and_then(|k| k.get("reason"))
            .and_then(Value::as_str)
            .unwrap_or("wamp.close.killed")
            .to_owned();
        let message = kwargs
            .and_then(|k| k.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        let details = CloseDetails {
            message,
            ..CloseDetails::default()
        };
        self.send(
            target,
            Message::Goodbye(Goodbye {
                details,
                reason: reason.clone(),
            }),
        );
        self.close(now, target, format!("killed: {reason}"));
    }

    /// `wamp.session.add_testament(topic, args, kwargs, options={publish_options, scope})`.
    fn add_testament(&mut self, conn: ConnId, args: &[Value], kwargs: Option<&Dict>) -> MetaResult {
        let topic = str_arg(args, 0)?.to_owned();
        let list = |i: usize, key: &str| {
            args.get(i)
                .or_else(|| kwargs.and_then(|k| k.get(key)))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let a = match list(1, "args") {
            Value::List(l) => l,
            Value::Null => Vec::new(),
            _ => return Err((error_uri::INVALID_ARGUMENT, "args must be a list".into())),
        };
        let k = match list(2, "kwargs") {
            Value::Dict(d) => d,
            Value::Null => Dict::new(),
            _ => return Err((error_uri::INVALID_ARGUMENT, "kwargs must be a dict".into())),
        };
        let opts = match list(3, "options") {
            Value::Dict(d) => d,
            _ => Dict::new(),
        };
        let options = match opts.get("publish_options").and_then(Value::as_dict) {
            Some(d) => PublishOptions::from_dict(d.clone())
                .map_err(|e| (error_uri::INVALID_ARGUMENT, e.to_string()))?,
            None => PublishOptions::default(),
        };
        let scope_destroyed = match opts.get("scope").and_then(Value::as_str) {
            None | Some("destroyed") => true,
            Some("detached") => false,
            Some(other) => {
                return Err((
                    error_uri::INVALID_ARGUMENT,
                    format!("unknown testament scope {other:?}"),
                ))
            }
        };
        if let Some(super::session::ConnState::Joined(j)) = self.conns.get_mut(&conn) {
            j.testaments.push(Testament {
                topic,
                payload: Payload::new(a, k),
                options,
                scope_destroyed,
            });
        }
        Ok(vec![])
    }
}

fn pattern_details(id: Id, uri: &str, policy: MatchPolicy, invoke: Option<&str>) -> Value {
    let mut d = Dict::new();
    d.insert("id".into(), Value::from_u64(id.get()));
    d.insert("uri".into(), uri.into());
    d.insert("match".into(), policy.as_str().into());
    if let Some(i) = invoke {
        d.insert("invoke".into(), i.into());
    }
    Value::Dict(d)
}

fn policy_dict(e: Vec<Id>, p: Vec<Id>, w: Vec<Id>) -> Value {
    let mut d = Dict::new();
    d.insert("exact".into(), ids(e));
    d.insert("prefix".into(), ids(p));
    d.insert("wildcard".into(), ids(w));
    Value::Dict(d)
}
