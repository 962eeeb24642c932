//! Tests of the configuration: defaults, TOML and JSON, validation.

use super::*;

#[test]
fn default_is_realm1_anonymous_on_8080() {
    let c = RouterConfig::default();
    assert_eq!(c.realms[0].name, "realm1");
    assert_eq!(c.transports[0].endpoint, "127.0.0.1:8080");
    assert_eq!(c.transports[0].path, "/ws");
    assert!(c.realms[0].auth.anonymous.is_some());
    assert!(c.validate().is_ok());
}

#[test]
fn a_transport_can_ask_for_tls() {
    let c = RouterConfig::from_toml_str(
        r#"
        [[transports]]
        endpoint = "127.0.0.1:8443"
        tls = { cert = "chain.pem", key = "key.pem" }
        "#,
    )
    .unwrap();
    assert_eq!(
        c.transports[0].tls,
        Some(TlsFiles::new("chain.pem", "key.pem"))
    );
    assert_eq!(RouterConfig::default().transports[0].tls, None);
}

#[test]
fn toml_with_ticket_principals() {
    let c = RouterConfig::from_toml_str(
        r#"
        auto_create_realms = true
        busy_poll_us = 200
        [limits]
        max_queued_messages = 10
        [[realms]]
        name = "r"
        [realms.auth.ticket.joe]
        ticket = "secret"
        role = "user"
        "#,
    )
    .unwrap();
    assert!(c.auto_create_realms);
    assert_eq!(c.busy_poll_us, 200);
    assert_eq!(RouterConfig::default().busy_poll_us, 0);
    assert_eq!(c.busy_poll_share_percent, 80);
    let bad = RouterConfig {
        busy_poll_share_percent: 0,
        ..Default::default()
    };
    assert!(matches!(bad.validate(), Err(ConfigError::Invalid(_))));
    assert!(!c.busy_poll_blocking_rest);
    assert_eq!(c.busy_poll_period_us, 10_000);
    let rt = RouterConfig::from_toml_str(
        "busy_poll_us = 200\nbusy_poll_share_percent = 94\nbusy_poll_period_us = 2000\nbusy_poll_blocking_rest = true",
    )
    .unwrap();
    assert!(rt.busy_poll_blocking_rest);
    assert_eq!(
        (rt.busy_poll_share_percent, rt.busy_poll_period_us),
        (94, 2000)
    );
    for period in [0, 99, 1_000_001] {
        let bad = RouterConfig {
            busy_poll_period_us: period,
            ..Default::default()
        };
        assert!(
            matches!(bad.validate(), Err(ConfigError::Invalid(_))),
            "{period}"
        );
    }
    assert_eq!(c.limits.max_queued_messages, 10);
    let t = c.realms[0].auth.ticket.as_ref().unwrap();
    assert_eq!(t["joe"].ticket, "secret");
    assert!(c.realms[0].auth.anonymous.is_none());
}

#[test]
fn bad_configs_are_refused() {
    assert!(matches!(
        RouterConfig::from_toml_str("nonsense = 1"),
        Err(ConfigError::Toml(_))
    ));
    assert!(matches!(
        RouterConfig::from_toml_str("[[realms]]\nname='a'\n[[realms]]\nname='a'"),
        Err(ConfigError::Invalid(_))
    ));
    assert!(matches!(
        RouterConfig::from_json_str("{\"limits\":{\"max_queued_messages\":0}}"),
        Err(ConfigError::Invalid(_))
    ));
}

#[test]
fn unix_endpoints() {
    let mut t = TransportConfig::default();
    assert_eq!(t.unix_path(), None);
    t.endpoint = "unix:/run/router.sock".into();
    assert_eq!(t.unix_path(), Some(Path::new("/run/router.sock")));
    t.endpoint = "unix:///tmp/r.sock".into();
    assert_eq!(t.unix_path(), Some(Path::new("/tmp/r.sock")));
}

#[test]
fn json_round_trip() {
    let c = RouterConfig::default();
    let s = serde_json::to_string(&c).unwrap();
    assert_eq!(RouterConfig::from_json_str(&s).unwrap(), c);
}
