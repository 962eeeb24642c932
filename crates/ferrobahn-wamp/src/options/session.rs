//! Details of the session messages: HELLO, WELCOME, ABORT, GOODBYE, CHALLENGE, AUTHENTICATE.

use super::wamp_options;
use crate::id::Id;
use crate::roles::Roles;
use crate::value::Dict;

wamp_options! {
    /// HELLO.Details.
    pub struct HelloDetails {
        /// The roles the client implements, with their features (required on the wire).
        roles: Roles = "roles",
        /// Authentication methods the client offers, in order of preference.
        authmethods: Vec<String> = "authmethods",
        /// The authentication ID the client asks for.
        authid: String = "authid",
        /// The authentication role the client asks for.
        authrole: String = "authrole",
        /// Method-specific authentication data (e.g. a cryptosign `pubkey`).
        authextra: Dict = "authextra",
        /// The client wants a resumable session.
        resumable: bool = "resumable",
        /// The session to resume (AutobahnPython's key is `resume-session`).
        resume_session: Id = "resume-session",
        /// The resume token (AutobahnPython's key is `resume-token`).
        resume_token: String = "resume-token",
        /// The client's agent string.
        agent: String = "agent",
    }
}

wamp_options! {
    /// WELCOME.Details.
    pub struct WelcomeDetails {
        /// The roles the router implements, with their features (required on the wire).
        roles: Roles = "roles",
        /// The realm joined.
        realm: String = "realm",
        /// The authenticated ID.
        authid: String = "authid",
        /// The authenticated role.
        authrole: String = "authrole",
        /// The authentication method used.
        authmethod: String = "authmethod",
        /// The authentication provider.
        authprovider: String = "authprovider",
        /// Method-specific data from the router.
        authextra: Dict = "authextra",
        /// The router's agent string.
        agent: String = "agent",
        /// The session was resumed.
        resumed: bool = "resumed",
        /// The session can be resumed.
        resumable: bool = "resumable",
        /// Token to resume the session with.
        resume_token: String = "resume_token",
    }
}

wamp_options! {
    /// ABORT.Details and GOODBYE.Details.
    pub struct CloseDetails {
        /// A human-readable message.
        message: String = "message",
        /// The session can be resumed (GOODBYE).
        resumable: bool = "resumable",
    }
}

wamp_options! {
    /// CHALLENGE.Extra.
    pub struct ChallengeExtra {
        /// The challenge (WAMP-CRA JSON string, cryptosign hex nonce).
        challenge: String = "challenge",
        /// Salt for salted WAMP-CRA / SCRAM.
        salt: String = "salt",
        /// PBKDF2/Argon2 iterations.
        iterations: u64 = "iterations",
        /// Derived key length.
        keylen: u64 = "keylen",
        /// Channel binding type (cryptosign, SCRAM).
        channel_binding: String = "channel_binding",
        /// Key derivation function (SCRAM).
        kdf: String = "kdf",
        /// Argon2 memory cost (SCRAM).
        memory: u64 = "memory",
        /// Server nonce (SCRAM).
        nonce: String = "nonce",
    }
}

wamp_options! {
    /// AUTHENTICATE.Extra.
    pub struct AuthenticateExtra {
        /// Client nonce (SCRAM).
        nonce: String = "nonce",
        /// Channel binding type.
        channel_binding: String = "channel_binding",
        /// Channel binding data.
        cbind_data: String = "cbind_data",
    }
}
