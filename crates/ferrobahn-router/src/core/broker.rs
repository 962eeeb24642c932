//! The broker: subscriptions (exact, prefix, wildcard), publications with exclusion,
//! black/white listing, publisher disclosure, acknowledgement and retention.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use ferrobahn_wamp::message::{
    code, Event, Publish, Published, Subscribe, Subscribed, Unsubscribe, Unsubscribed,
};
use ferrobahn_wamp::options::{EventDetails, PublishOptions};
use ferrobahn_wamp::{error_uri, Id, MatchPolicy, Message, Payload, Value};

use super::authz::Action;
use super::matching::PatternTable;
use super::session::{ConnState, Joined};
use super::{ConnId, Outbound, Router, Targets, Transmit};
use ferrobahn_wamp::idmap::IdMap;

/// One subscription: a topic pattern and the sessions subscribed to it.
#[derive(Debug)]
pub(crate) struct Subscription {
    pub(crate) topic: String,
    pub(crate) policy: MatchPolicy,
    pub(crate) subscribers: Vec<ConnId>,
}

/// A retained event.
#[derive(Debug, Clone)]
pub(crate) struct Retained {
    publication: Id,
    publisher: Option<(Id, String, String)>,
    payload: Payload,
}

/// A realm's subscriptions and retained events.
#[derive(Debug, Default)]
pub(crate) struct Broker {
    pub(crate) subs: IdMap<Id, Subscription>,
    table: PatternTable,
    retained: HashMap<String, Retained>,
}

impl Broker {
    /// The subscription with exactly this topic and policy.
    pub(crate) fn lookup(&self, topic: &str, policy: MatchPolicy) -> Option<Id> {
        self.table.lookup(topic, policy)
    }

    /// Every subscription matching `topic`.
    pub(crate) fn matching(&self, topic: &str) -> Vec<Id> {
        self.table.matching(topic)
    }

    /// All subscription IDs by policy.
    pub(crate) fn list(&self) -> [Vec<Id>; 3] {
        self.table.list()
    }

    /// Removes `conn` from subscription `id`; returns whether it was subscribed and
    /// whether the subscription is now deleted.
    fn remove_subscriber(&mut self, id: Id, conn: ConnId) -> (bool, bool) {
        let Some(sub) = self.subs.get_mut(&id) else {
            return (false, false);
        };
        let Some(pos) = sub.subscribers.iter().position(|c| *c == conn) else {
            return (false, false);
        };
        sub.subscribers.remove(pos);
        if sub.subscribers.is_empty() {
            let (topic, policy) = (sub.topic.clone(), sub.policy);
            self.subs.remove(&id);
            self.table.remove(&topic, policy);
            (true, true)
        } else {
            (true, false)
        }
    }
}

/// The publisher of an event, for exclusion and disclosure.
pub(crate) struct Publisher<'a> {
    pub(crate) conn: Option<ConnId>,
    pub(crate) session: Id,
    pub(crate) authid: &'a str,
    pub(crate) authrole: &'a str,
}

/// Whether a subscriber passes the exclusion and eligibility lists of `o`.
fn receives(o: &PublishOptions, j: &Joined) -> bool {
    if o.exclude.as_ref().is_some_and(|l| l.contains(&j.session))
        || o.exclude_authid
            .as_ref()
            .is_some_and(|l| l.contains(&j.authid))
        || o.exclude_authrole
            .as_ref()
            .is_some_and(|l| l.contains(&j.authrole))
    {
        return false;
    }
    o.eligible.as_ref().is_none_or(|l| l.contains(&j.session))
        && o.eligible_authid
            .as_ref()
            .is_none_or(|l| l.contains(&j.authid))
        && o.eligible_authrole
            .as_ref()
            .is_none_or(|l| l.contains(&j.authrole))
}

fn has_lists(o: &PublishOptions) -> bool {
    o.exclude.is_some()
        || o.exclude_authid.is_some()
        || o.exclude_authrole.is_some()
        || o.eligible.is_some()
        || o.eligible_authid.is_some()
        || o.eligible_authrole.is_some()
}

impl Router {
    pub(super) fn subscribe(&mut self, now: Instant, conn: ConnId, m: Subscribe) {
        let Some(j) = self.joined(conn) else { return };
        let (realm, session) = (j.realm, j.session);
        if self.authorize(j, &m.topic, Action::Subscribe).is_none() {
            let msg = format!("not authorized to subscribe to {:?}", m.topic);
            return self.send_error(
                conn,
                code::SUBSCRIBE,
                m.request,
                error_uri::NOT_AUTHORIZED,
                Some(msg),
            );
        }
        let policy = m.options.match_policy.unwrap_or_default();
        let broker = &mut self.realms[realm].broker;
        let (id, created) = match broker.lookup(&m.topic, policy) {
            Some(id) => (id, false),
            None => {
                let id = self.ids.next_id();
                broker.table.insert(&m.topic, policy, id);
                broker.subs.insert(
                    id,
                    Subscription {
                        topic: m.topic.clone(),
                        policy,
                        subscribers: Vec::new(),
                    },
                );
                (id, true)
            }
        };
        let sub = broker
            .subs
            .get_mut(&id)
            .expect("indexed subscription exists");
        let newly = !sub.subscribers.contains(&conn);
        if newly {
            sub.subscribers.push(conn);
            if let Some(ConnState::Joined(j)) = self.conns.get_mut(&conn) {
                j.subscriptions.push(id);
            }
        }
        let retained: Vec<(String, Retained)> = if m.options.get_retained == Some(true) {
            broker
                .retained
                .iter()
                .filter(|(t, _)| policy.matches(&m.topic, t))
                .map(|(t, r)| (t.clone(), r.clone()))
                .collect()
        } else {
            Vec::new()
        };
        self.send(
            conn,
            Message::Subscribed(Subscribed {
                request: m.request,
                subscription: id,
            }),
        );
        if created {
            let details = self.subscription_details(realm, id);
            self.publish_meta(
                now,
                realm,
                "wamp.subscription.on_create",
                Payload::Args(vec![Value::from_u64(session.get()), details]),
            );
        }
        if newly {
            self.publish_meta(
                now,
                realm,
                "wamp.subscription.on_subscribe",
                Payload::Args(vec![
                    Value::from_u64(session.get()),
                    Value::from_u64(id.get()),
                ]),
            );
        }
        for (topic, r) in retained {
            let mut details = EventDetails {
                retained: Some(true),
                topic: (policy != MatchPolicy::Exact).then_some(topic),
                ..EventDetails::default()
            };
            if let Some((s, id_, role)) = r.publisher {
                details.publisher = Some(s);
                details.publisher_authid = Some(id_);
                details.publisher_authrole = Some(role);
            }
            let ev = Event {
                subscription: id,
                publication: r.publication,
                details: details.into(),
                payload: r.payload,
            };
            self.send(conn, Message::Event(ev));
        }
    }

    pub(super) fn unsubscribe(&mut self, now: Instant, conn: ConnId, m: Unsubscribe) {
        let Some(j) = self.joined(conn) else { return };
        let (realm, session) = (j.realm, j.session);
        let (was, deleted) = self.realms[realm]
            .broker
            .remove_subscriber(m.subscription, conn);
        if !was {
            return self.send_error(
                conn,
                code::UNSUBSCRIBE,
                m.request,
                error_uri::NO_SUCH_SUBSCRIPTION,
                None,
            );
        }
        if let Some(ConnState::Joined(j)) = self.conns.get_mut(&conn) {
            j.subscriptions.retain(|s| *s != m.subscription);
        }
        self.send(
            conn,
            Message::Unsubscribed(Unsubscribed {
                request: m.request,
                details: None,
            }),
        );
        self.subscription_gone(now, realm, session, m.subscription, deleted);
    }

    fn subscription_gone(
        &mut self,
        now: Instant,
        realm: usize,
        session: Id,
        sub: Id,
        deleted: bool,
    ) {
        let args = vec![Value::from_u64(session.get()), Value::from_u64(sub.get())];
        self.publish_meta(
            now,
            realm,
            "wamp.subscription.on_unsubscribe",
            Payload::Args(args.clone()),
        );
        if deleted {
            self.publish_meta(
                now,
                realm,
                "wamp.subscription.on_delete",
                Payload::Args(args),
            );
        }
    }

    pub(super) fn publish(&mut self, now: Instant, conn: ConnId, m: Publish) {
        let Some(j) = self.joined(conn) else { return };
        let realm = j.realm;
        let Some(rule) = self.authorize(j, &m.topic, Action::Publish) else {
            if m.options.acknowledge == Some(true) {
                let msg = format!("not authorized to publish to {:?}", m.topic);
                self.send_error(
                    conn,
                    code::PUBLISH,
                    m.request,
                    error_uri::NOT_AUTHORIZED,
                    Some(msg),
                );
            }
            return;
        };
        let disclose = rule.publisher || m.options.disclose_me == Some(true);
        let publication = self.ids.next_id();
        // The publisher borrowed from `conns` next to the other fields route_event
        // uses (no clones of its authid and authrole per publication).
        let Some(ConnState::Joined(j)) = self.conns.get(&conn) else {
            return;
        };
        let publisher = Publisher {
            conn: Some(conn),
            session: j.session,
            authid: &j.authid,
            authrole: &j.authrole,
        };
        let p = Publication {
            topic: &m.topic,
            id: publication,
            publisher: &publisher,
            disclose,
            options: &m.options,
        };
        // The payload moves into the first EVENT; only a retained one needs a copy.
        let retain = m.options.retain == Some(true);
        let kept = retain.then(|| m.payload.clone());
        route_event(
            &self.realms[realm].broker,
            &self.conns,
            &mut self.out,
            &p,
            m.payload,
        );
        if let Some(payload) = kept {
            let r = Retained {
                publication,
                publisher: disclose.then(|| (j.session, j.authid.clone(), j.authrole.clone())),
                payload,
            };
            self.realms[realm].broker.retained.insert(m.topic, r);
        }
        if m.options.acknowledge == Some(true) {
            self.send(
                conn,
                Message::Published(Published {
                    request: m.request,
                    publication,
                }),
            );
        }
        let _ = now;
    }

    /// Publishes an event of the router itself (meta events, testaments).
    pub(super) fn publish_internal(
        &mut self,
        now: Instant,
        realm: usize,
        topic: String,
        payload: Payload,
        options: PublishOptions,
        publisher: Option<&Joined>,
    ) {
        let _ = now;
        let publication = self.ids.next_id();
        let p = match publisher {
            Some(j) => Publisher {
                conn: None,
                session: j.session,
                authid: &j.authid,
                authrole: &j.authrole,
            },
            None => Publisher {
                conn: None,
                session: Id::ZERO,
                authid: "",
                authrole: "",
            },
        };
        let disclose = publisher.is_some() && options.disclose_me == Some(true);
        let event = Publication {
            topic: &topic,
            id: publication,
            publisher: &p,
            disclose,
            options: &options,
        };
        let retain = options.retain == Some(true);
        let kept = retain.then(|| payload.clone());
        route_event(
            &self.realms[realm].broker,
            &self.conns,
            &mut self.out,
            &event,
            payload,
        );
        if let Some(payload) = kept {
            let r = Retained {
                publication,
                publisher: None,
                payload,
            };
            self.realms[realm].broker.retained.insert(topic, r);
        }
    }

    /// A meta event (`wamp.session.on_join`, ...), skipped cheaply when nobody listens.
    pub(super) fn publish_meta(
        &mut self,
        now: Instant,
        realm: usize,
        topic: &str,
        payload: Payload,
    ) {
        if self.realms[realm].broker.subs.is_empty() {
            return;
        }
        self.publish_internal(
            now,
            realm,
            topic.to_owned(),
            payload,
            PublishOptions::default(),
            None,
        );
    }

    /// Removes a leaving session from every subscription of its realm.
    pub(super) fn broker_leave(&mut self, now: Instant, conn: ConnId, j: &Joined) {
        let realm = j.realm;
        for &id in &j.subscriptions {
            let (_, deleted) = self.realms[realm].broker.remove_subscriber(id, conn);
            self.subscription_gone(now, realm, j.session, id, deleted);
        }
    }
}

/// A publication being routed.
struct Publication<'a> {
    topic: &'a str,
    id: Id,
    publisher: &'a Publisher<'a>,
    disclose: bool,
    options: &'a PublishOptions,
}

/// The targets `eligible` yields; `None` when none. One (the common case) needs no
/// vector.
fn targets(mut eligible: impl Iterator<Item = ConnId>) -> Option<Targets> {
    let first = eligible.next()?;
    Some(match eligible.next() {
        None => Targets::One(first),
        Some(second) => {
            let mut v = Vec::with_capacity(2 + eligible.size_hint().0);
            v.extend([first, second]);
            v.extend(eligible);
            Targets::Many(v)
        }
    })
}

/// `subscribers` without `skip` as targets; `None` when that leaves none.
fn everyone_but(subscribers: &[ConnId], skip: Option<ConnId>) -> Option<Targets> {
    let at = skip.and_then(|c| subscribers.iter().position(|s| *s == c));
    let n = subscribers.len() - usize::from(at.is_some());
    match (n, at) {
        (0, _) => None,
        (1, None) => Some(Targets::One(subscribers[0])),
        (1, Some(i)) => Some(Targets::One(subscribers[1 - i])),
        (_, None) => Some(Targets::Many(subscribers.to_vec())),
        (_, Some(i)) => {
            let mut v = Vec::with_capacity(n);
            v.extend_from_slice(&subscribers[..i]);
            v.extend_from_slice(&subscribers[i + 1..]);
            Some(Targets::Many(v))
        }
    }
}

/// Queues one EVENT per matching subscription to its eligible subscribers (a free
/// function over the fields it needs, so the publisher can stay borrowed from `conns`).
/// `payload` moves into the first EVENT; further matches (wildcard subscriptions) copy it.
fn route_event(
    broker: &Broker,
    conns: &IdMap<ConnId, ConnState>,
    out: &mut VecDeque<Transmit>,
    p: &Publication<'_>,
    payload: Payload,
) {
    let mut payload = Some(payload);
    let mut first_event: Option<Arc<Message>> = None;
    let o = p.options;
    let exclude_me = o.exclude_me.unwrap_or(true);
    let lists = has_lists(o);
    broker.table.for_each_match(p.topic, |id| {
        let Some(sub) = broker.subs.get(&id) else {
            return;
        };
        let skip = p.publisher.conn.filter(|_| exclude_me);
        let Some(to) = (if lists {
            targets(sub.subscribers.iter().copied().filter(|c| {
                Some(*c) != skip
                    && matches!(conns.get(c), Some(ConnState::Joined(j)) if receives(o, j))
            }))
        } else {
            // Everyone but perhaps the publisher: copied as a block, not one by one.
            everyone_but(&sub.subscribers, skip)
        }) else {
            return;
        };
        let mut details = EventDetails {
            topic: (sub.policy != MatchPolicy::Exact).then(|| p.topic.to_owned()),
            ..EventDetails::default()
        };
        if p.disclose {
            details.publisher = Some(p.publisher.session);
            details.publisher_authid = Some(p.publisher.authid.to_owned());
            details.publisher_authrole = Some(p.publisher.authrole.to_owned());
        }
        let payload = match (payload.take(), first_event.as_deref()) {
            (Some(pl), _) => pl,
            // A further match: a copy of what the first EVENT carries.
            (None, Some(Message::Event(e))) => e.payload.clone(),
            (None, _) => Payload::default(),
        };
        let ev = Event {
            subscription: id,
            publication: p.id,
            details: details.into(),
            payload,
        };
        let message = Arc::new(Message::Event(ev));
        if first_event.is_none() {
            first_event = Some(Arc::clone(&message));
        }
        out.push_back(Transmit::Send {
            to,
            message: Outbound::Shared(message),
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_but_the_publisher_matches_filtering_one_by_one() {
        let ids: Vec<ConnId> = (1..=5).map(ConnId).collect();
        for len in 0..=ids.len() {
            let subs = &ids[..len];
            for skip in [
                None,
                Some(ConnId(1)),
                Some(ConnId(2)),
                Some(ConnId(len as u64)),
                Some(ConnId(9)),
            ] {
                let want = targets(subs.iter().copied().filter(|c| Some(*c) != skip));
                let got = everyone_but(subs, skip);
                assert_eq!(
                    got.as_ref().map(Targets::as_slice),
                    want.as_ref().map(Targets::as_slice),
                    "{subs:?} without {skip:?}"
                );
                assert_eq!(
                    matches!(got, Some(Targets::One(_))),
                    matches!(want, Some(Targets::One(_)))
                );
            }
        }
    }
}
