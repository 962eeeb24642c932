//! Options and details of the Remote Procedure Call messages and of ERROR.

use super::{string_enum, wamp_options};
use crate::id::Id;
use crate::uri::MatchPolicy;
use crate::value::Dict;

string_enum! {
    /// How a shared registration picks a callee (REGISTER.Options.invoke).
    pub enum InvokePolicy {
        /// Only one callee may register (the default).
        Single = "single",
        /// Callees in turn.
        RoundRobin = "roundrobin",
        /// A random callee.
        Random = "random",
        /// The first callee that registered.
        First = "first",
        /// The last callee that registered.
        Last = "last",
    }
}

string_enum! {
    /// How a call is canceled (CANCEL.Options.mode and INTERRUPT.Options.mode).
    pub enum CancelMode {
        /// Return an error to the caller, leave the callee running.
        Skip = "skip",
        /// Interrupt the callee and wait for its answer.
        Kill = "kill",
        /// Interrupt the callee and answer the caller at once.
        KillNoWait = "killnowait",
    }
}

wamp_options! {
    /// CALL.Options.
    pub struct CallOptions {
        /// Timeout in milliseconds (call timeout feature; 0 = none).
        timeout: u64 = "timeout",
        /// The caller accepts progressive results.
        receive_progress: bool = "receive_progress",
        /// Disclose the caller's identity to the callee.
        disclose_me: bool = "disclose_me",
        /// This CALL is a progressive invocation chunk (more follow).
        progress: bool = "progress",
        /// The original caller's session ID (set by a router forwarding the call).
        caller: Id = "caller",
        /// The original caller's authid.
        caller_authid: String = "caller_authid",
        /// The original caller's authrole.
        caller_authrole: String = "caller_authrole",
        /// Transaction hash.
        transaction_hash: String = "transaction_hash",
        /// Payload transparency: encryption algorithm.
        enc_algo: String = "enc_algo",
        /// Payload transparency: key identifier.
        enc_key: String = "enc_key",
        /// Payload transparency: serializer of the inner payload.
        enc_serializer: String = "enc_serializer",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// CANCEL.Options.
    pub struct CancelOptions {
        /// The cancel mode.
        mode: CancelMode = "mode",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// RESULT.Details.
    pub struct ResultDetails {
        /// A progressive result (more follow).
        progress: bool = "progress",
        /// The callee's session ID.
        callee: Id = "callee",
        /// The callee's authid.
        callee_authid: String = "callee_authid",
        /// The callee's authrole.
        callee_authrole: String = "callee_authrole",
        /// Payload transparency: encryption algorithm.
        enc_algo: String = "enc_algo",
        /// Payload transparency: key identifier.
        enc_key: String = "enc_key",
        /// Payload transparency: serializer of the inner payload.
        enc_serializer: String = "enc_serializer",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// REGISTER.Options.
    pub struct RegisterOptions {
        /// Pattern-based registration: how `procedure` matches.
        match_policy: MatchPolicy = "match",
        /// Shared registration: how a callee is picked.
        invoke: InvokePolicy = "invoke",
        /// The most concurrent invocations this callee takes.
        concurrency: u64 = "concurrency",
        /// Replace an existing registration of the same authid/authrole.
        force_reregister: bool = "force_reregister",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// UNREGISTER.Options (the optional fourth element).
    pub struct UnregisterOptions {
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// UNREGISTERED.Details (router-initiated revocation).
    pub struct UnregisteredDetails {
        /// The revoked registration.
        registration: Id = "registration",
        /// Why it was revoked (a URI).
        reason: String = "reason",
    }
}

wamp_options! {
    /// INVOCATION.Details.
    pub struct InvocationDetails {
        /// The caller's session ID (caller identification).
        caller: Id = "caller",
        /// The caller's authid.
        caller_authid: String = "caller_authid",
        /// The caller's authrole.
        caller_authrole: String = "caller_authrole",
        /// The concrete procedure (pattern-based registrations).
        procedure: String = "procedure",
        /// Timeout in milliseconds forwarded from the call.
        timeout: u64 = "timeout",
        /// The caller accepts progressive results.
        receive_progress: bool = "receive_progress",
        /// A progressive invocation chunk (more follow).
        progress: bool = "progress",
        /// Transaction hash.
        transaction_hash: String = "transaction_hash",
        /// Payload transparency: encryption algorithm.
        enc_algo: String = "enc_algo",
        /// Payload transparency: key identifier.
        enc_key: String = "enc_key",
        /// Payload transparency: serializer of the inner payload.
        enc_serializer: String = "enc_serializer",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// INTERRUPT.Options.
    pub struct InterruptOptions {
        /// The cancel mode.
        mode: CancelMode = "mode",
        /// Why the invocation is interrupted (a URI).
        reason: String = "reason",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// YIELD.Options.
    pub struct YieldOptions {
        /// A progressive result (more follow).
        progress: bool = "progress",
        /// The callee's session ID.
        callee: Id = "callee",
        /// The callee's authid.
        callee_authid: String = "callee_authid",
        /// The callee's authrole.
        callee_authrole: String = "callee_authrole",
        /// Payload transparency: encryption algorithm.
        enc_algo: String = "enc_algo",
        /// Payload transparency: key identifier.
        enc_key: String = "enc_key",
        /// Payload transparency: serializer of the inner payload.
        enc_serializer: String = "enc_serializer",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}

wamp_options! {
    /// ERROR.Details.
    pub struct ErrorDetails {
        /// The callee's session ID (for errors of a call).
        callee: Id = "callee",
        /// The callee's authid.
        callee_authid: String = "callee_authid",
        /// The callee's authrole.
        callee_authrole: String = "callee_authrole",
        /// Payload transparency: encryption algorithm.
        enc_algo: String = "enc_algo",
        /// Payload transparency: key identifier.
        enc_key: String = "enc_key",
        /// Payload transparency: serializer of the inner payload.
        enc_serializer: String = "enc_serializer",
        /// Router-to-router forwarding chain.
        forward_for: Vec<Dict> = "forward_for",
    }
}
