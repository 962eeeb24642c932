//! A realm: its configuration, members, broker and dealer.

use std::collections::HashSet;

use crate::config::RealmConfig;

use super::broker::Broker;
use super::dealer::Dealer;
use super::ConnId;

/// One realm's routing state.
#[derive(Debug)]
pub(crate) struct Realm {
    pub(crate) config: RealmConfig,
    pub(crate) members: HashSet<ConnId>,
    pub(crate) broker: Broker,
    pub(crate) dealer: Dealer,
}

impl Realm {
    pub(crate) fn new(config: RealmConfig) -> Self {
        Self {
            config,
            members: HashSet::new(),
            broker: Broker::default(),
            dealer: Dealer::default(),
        }
    }
}
