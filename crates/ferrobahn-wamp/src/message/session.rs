//! Session messages: HELLO, WELCOME, ABORT, CHALLENGE, AUTHENTICATE, GOODBYE.

use super::reader::Reader;
use super::{code, Element, ElementSink, WireMessage};
use crate::error::WampError;
use crate::id::Id;
use crate::options::{
    AuthenticateExtra, Boxed, ChallengeExtra, CloseDetails, HelloDetails, WelcomeDetails,
};
use crate::roles::Roles;

/// `[HELLO, Realm|uri, Details|dict]`: a client asks to join a realm.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Hello {
    /// The realm to join.
    pub realm: String,
    /// Roles, authentication and resumption details (boxed: HELLO is rare and its
    /// details are large).
    pub details: Boxed<HelloDetails>,
}

impl Hello {
    /// A HELLO joining `realm` that announces `roles` and no other details
    /// (no authentication: anonymous).
    ///
    /// ```
    /// use ferrobahn_wamp::message::Hello;
    /// use ferrobahn_wamp::{Message, Role};
    ///
    /// let hello = Hello::with_roles("realm1", [Role::Caller, Role::Callee].into_iter().collect());
    /// assert!(hello.details.roles.as_ref().is_some_and(|r| r.callee.is_some()));
    /// let wire = Message::Hello(hello.clone()).to_value();
    /// assert_eq!(Message::from_value(wire).unwrap(), Message::Hello(hello));
    /// ```
    pub fn with_roles(realm: impl Into<String>, roles: Roles) -> Self {
        let details = HelloDetails {
            roles: Some(roles),
            ..HelloDetails::default()
        };
        Self {
            realm: realm.into(),
            details: details.into(),
        }
    }
}

impl WireMessage for Hello {
    const CODE: u64 = code::HELLO;
    const NAME: &'static str = "HELLO";
    const LEN: (usize, usize, &'static str) = (3, 3, "3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let realm = r.uri("realm")?;
        let details = r.boxed_options("details", HelloDetails::from_dict)?;
        if !details.roles.as_ref().is_some_and(|ro| ro.has_any()) {
            return Err(WampError::Invalid {
                message: Self::NAME,
                reason: "details.roles must announce at least one role",
            });
        }
        Ok(Self { realm, details })
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::Str(&self.realm))?;
        self.details.write_dict(s)?;
        Ok(())
    }
}

/// `[WELCOME, Session|id, Details|dict]`: the router accepted the session.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Welcome {
    /// The session ID (global scope).
    pub session: Id,
    /// Router roles and authentication results (boxed, as HELLO's).
    pub details: Boxed<WelcomeDetails>,
}

impl WireMessage for Welcome {
    const CODE: u64 = code::WELCOME;
    const NAME: &'static str = "WELCOME";
    const LEN: (usize, usize, &'static str) = (3, 3, "3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let session = r.id("session")?;
        let details = r.boxed_options("details", WelcomeDetails::from_dict)?;
        if !details.roles.as_ref().is_some_and(|ro| ro.has_any()) {
            return Err(WampError::Invalid {
                message: Self::NAME,
                reason: "details.roles must announce at least one role",
            });
        }
        Ok(Self { session, details })
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::UInt(self.session.get()))?;
        self.details.write_dict(s)?;
        Ok(())
    }
}

/// `[ABORT, Details|dict, Reason|uri]`: the session is refused or aborted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Abort {
    /// Details (a human-readable `message`).
    pub details: CloseDetails,
    /// The reason URI, e.g. `wamp.error.no_such_realm`.
    pub reason: String,
}

impl WireMessage for Abort {
    const CODE: u64 = code::ABORT;
    const NAME: &'static str = "ABORT";
    const LEN: (usize, usize, &'static str) = (3, 3, "3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let details = r.options("details", CloseDetails::from_dict)?;
        let reason = r.uri("reason")?;
        Ok(Self { details, reason })
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        self.details.write_dict(s)?;
        s.element(Element::Str(&self.reason))?;
        Ok(())
    }
}

/// `[CHALLENGE, AuthMethod|string, Extra|dict]`: the router challenges the client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Challenge {
    /// The authentication method, e.g. `wampcra`, `cryptosign`, `ticket`.
    pub method: String,
    /// Method-specific data (boxed).
    pub extra: Boxed<ChallengeExtra>,
}

impl WireMessage for Challenge {
    const CODE: u64 = code::CHALLENGE;
    const NAME: &'static str = "CHALLENGE";
    const LEN: (usize, usize, &'static str) = (3, 3, "3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let method = r.string("method")?;
        let extra = r.boxed_options("extra", ChallengeExtra::from_dict)?;
        Ok(Self { method, extra })
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::Str(&self.method))?;
        self.extra.write_dict(s)?;
        Ok(())
    }
}

/// `[AUTHENTICATE, Signature|string, Extra|dict]`: the client answers a challenge.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Authenticate {
    /// The signature, ticket or proof.
    pub signature: String,
    /// Method-specific data (boxed).
    pub extra: Boxed<AuthenticateExtra>,
}

impl WireMessage for Authenticate {
    const CODE: u64 = code::AUTHENTICATE;
    const NAME: &'static str = "AUTHENTICATE";
    const LEN: (usize, usize, &'static str) = (3, 3, "3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let signature = r.string("signature")?;
        let extra = r.boxed_options("extra", AuthenticateExtra::from_dict)?;
        Ok(Self { signature, extra })
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        s.element(Element::Str(&self.signature))?;
        self.extra.write_dict(s)?;
        Ok(())
    }
}

/// `[GOODBYE, Details|dict, Reason|uri]`: either side closes the session.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Goodbye {
    /// Details (a human-readable `message`, `resumable`).
    pub details: CloseDetails,
    /// The reason URI, e.g. `wamp.close.close_realm`.
    pub reason: String,
}

impl WireMessage for Goodbye {
    const CODE: u64 = code::GOODBYE;
    const NAME: &'static str = "GOODBYE";
    const LEN: (usize, usize, &'static str) = (3, 3, "3");
    fn read(r: &mut Reader) -> Result<Self, WampError> {
        let details = r.options("details", CloseDetails::from_dict)?;
        let reason = r.uri("reason")?;
        Ok(Self { details, reason })
    }
    fn wire_len(&self) -> usize {
        2
    }
    fn write_ref<S: ElementSink>(&self, s: &mut S) -> Result<(), S::Error> {
        self.details.write_dict(s)?;
        s.element(Element::Str(&self.reason))?;
        Ok(())
    }
}
