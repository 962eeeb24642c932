//! Authentication against Crossbar: ticket, WAMP-CRA (plain and salted), cryptosign.
//! Credentials are in `testsuite/crossbar/auth.json`.

use ferrobahn_client::{ChannelBinding, Credentials, JoinOptions, SessionError};

use super::util::{run, ws_client};

fn assert_refused(err: &SessionError) {
    assert!(
        matches!(err, SessionError::Aborted { reason, .. }
            if reason.starts_with("wamp.error.") || reason.starts_with("wamp.close.")),
        "{err:?}"
    );
}

#[test]
fn ticket() {
    run(|node| async move {
        let c = ws_client(node, "wamp.2.json").await;
        let d = c
            .join(
                JoinOptions::new("realm1")
                    .with_authid("joe")
                    .with_credentials(Credentials::Ticket("joe-ticket-1".into())),
            )
            .await
            .unwrap();
        assert_eq!(d.authid.as_deref(), Some("joe"));
        assert_eq!(d.authrole.as_deref(), Some("user"));
        assert_eq!(d.authmethod.as_deref(), Some("ticket"));
        c.leave().await.unwrap();
        // Wrong ticket: refused, and the transport still carries a new session.
        let err = c
            .join(
                JoinOptions::new("realm1")
                    .with_authid("joe")
                    .with_credentials(Credentials::Ticket("wrong".into())),
            )
            .await
            .unwrap_err();
        assert_refused(&err);
        c.disconnect().await;
    });
}

#[test]
fn wampcra_plain_and_salted() {
    run(|node| async move {
        for (authid, secret) in [("peter", "secret1"), ("salty", "secret2")] {
            let c = ws_client(node, "wamp.2.msgpack").await;
            let d = c
                .join(
                    JoinOptions::new("realm1")
                        .with_authid(authid)
                        .with_credentials(Credentials::WampCra(secret.into())),
                )
                .await
                .unwrap_or_else(|e| panic!("{authid}: {e:?}"));
            assert_eq!(d.authid.as_deref(), Some(authid));
            assert_eq!(d.authmethod.as_deref(), Some("wampcra"));
            c.disconnect().await;
        }
        let c = ws_client(node, "wamp.2.json").await;
        let err = c
            .join(
                JoinOptions::new("realm1")
                    .with_authid("peter")
                    .with_credentials(Credentials::WampCra("not-the-secret".into())),
            )
            .await
            .unwrap_err();
        assert_refused(&err);
        c.disconnect().await;
    });
}

#[test]
fn cryptosign() {
    run(|node| async move {
        let c = ws_client(node, "wamp.2.cbor").await;
        let key = Credentials::cryptosign_from_hex(&"4d".repeat(32)).unwrap();
        let d = c
            .join(
                JoinOptions::new("realm1")
                    .with_authid("alice")
                    .with_credentials(key),
            )
            .await
            .unwrap();
        assert_eq!(d.authid.as_deref(), Some("alice"));
        assert_eq!(d.authmethod.as_deref(), Some("cryptosign"));
        c.leave().await.unwrap();
        // A key Crossbar does not know is refused.
        let other = Credentials::cryptosign_from_hex(&"11".repeat(32)).unwrap();
        let err = c
            .join(
                JoinOptions::new("realm1")
                    .with_authid("alice")
                    .with_credentials(other),
            )
            .await
            .unwrap_err();
        assert_refused(&err);
        c.disconnect().await;
    });
}

#[test]
fn cryptosign_channel_binding_types() {
    // What Crossbar 26 does with the binding asked for in HELLO authextra: tls-unique
    // needs a TLS transport (this one is plain TCP), and tls-exporter (RFC 9266, the
    // one rustls can compute) is not a type it knows.
    run(|node| async move {
        for (binding, refusal) in [
            (
                ChannelBinding::new("tls-unique", [0; 32]),
                "transport has no TLS channel ID",
            ),
            (
                ChannelBinding::tls_exporter([1; 32]),
                "invalid channel binding type",
            ),
        ] {
            let c = ws_client(node, "wamp.2.json").await;
            let key = Credentials::cryptosign_from_hex(&"4d".repeat(32)).unwrap();
            let err = c
                .join(
                    JoinOptions::new("realm1")
                        .with_authid("alice")
                        .with_credentials(key)
                        .with_channel_binding(binding),
                )
                .await
                .unwrap_err();
            assert!(
                matches!(&err, SessionError::Aborted { message: Some(m), .. }
                    if m.contains(refusal)),
                "{err:?}"
            );
            c.disconnect().await;
        }
    });
}

#[test]
fn roles_restrict_what_a_session_may_do() {
    run(|node| async move {
        let c = ws_client(node, "wamp.2.json").await;
        let d = c
            .join(
                JoinOptions::new("realm1")
                    .with_authid("rita")
                    .with_credentials(Credentials::Ticket("rita-ticket-1".into())),
            )
            .await
            .unwrap();
        assert_eq!(d.authrole.as_deref(), Some("restricted"));
        let err = c
            .register(
                "com.example.private.proc",
                Default::default(),
                |_inv| async { Ok(ferrobahn_client::wamp::Payload::Empty) },
            )
            .await
            .unwrap_err();
        assert_eq!(err.error_uri(), Some("wamp.error.not_authorized"));
        c.disconnect().await;
    });
}
