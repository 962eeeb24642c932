//! Negotiation end to end: client offers, server policy, client check,
//! and the codecs they produce talking to each other.
#![cfg(feature = "deflate")]

use ferrobahn_extensions::{
    client_accept, client_offers, server_negotiate, ClientExtensions, ClientOffer, DeflateConfig,
    DeflateOffer, NegotiationError, Offer, OfferAccept, PerMessageCodec, ServerExtensions,
};
use ferrobahn_handshake::{format_extension, parse_extensions, ExtensionOffer};

fn header(offers: &[ExtensionOffer]) -> String {
    offers
        .iter()
        .map(format_extension)
        .collect::<Vec<_>>()
        .join(", ")
}

fn talk(a: &mut dyn PerMessageCodec, b: &mut dyn PerMessageCodec) {
    for msg in [&b"hello hello hello"[..], b"", &[42u8; 10_000]] {
        let mut wire = Vec::new();
        assert!(a.encode(msg, &mut wire).unwrap());
        let mut out = Vec::new();
        b.decode(&wire, true, &mut out, 1 << 20).unwrap();
        assert_eq!(out, msg);
    }
}

#[test]
fn default_deflate_end_to_end() {
    let client = ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig::default()));
    let offers = client_offers(&client);
    assert_eq!(
        header(&offers),
        "permessage-deflate; client_max_window_bits"
    );
    // The header goes over the wire and is parsed again.
    let offers = parse_extensions(&header(&offers)).unwrap();
    let server = ServerExtensions::new().with_deflate(DeflateConfig::default());
    let (response, mut server_codec) = server_negotiate(&offers, &server)
        .unwrap()
        .expect("accepted");
    assert_eq!(format_extension(&response), "permessage-deflate");
    assert_eq!(server_codec.rsv_bits(), 0b100);
    let mut client_codec = client_accept(&[response], &client).unwrap().expect("codec");
    talk(&mut *client_codec, &mut *server_codec);
    talk(&mut *server_codec, &mut *client_codec);
}

#[test]
fn server_without_extensions_or_client_without_offers() {
    let offers = parse_extensions("permessage-deflate").unwrap();
    assert!(server_negotiate(&offers, &ServerExtensions::new())
        .unwrap()
        .is_none());
    // Malformed offers of a disabled extension are not even parsed.
    let bad = parse_extensions("permessage-deflate; server_max_window_bits=99").unwrap();
    assert!(server_negotiate(&bad, &ServerExtensions::new())
        .unwrap()
        .is_none());
    let client = ClientExtensions::new();
    assert!(client_offers(&client).is_empty());
    assert!(client_accept(&[], &client).unwrap().is_none());
}

#[test]
fn unknown_extensions_are_ignored_and_order_is_the_clients() {
    let offers = parse_extensions(
        "x-webkit-deflate-frame, foo; bar=1, permessage-deflate; server_max_window_bits=10, permessage-deflate",
    )
    .unwrap();
    let server = ServerExtensions::new().with_deflate(DeflateConfig::default());
    let (response, _) = server_negotiate(&offers, &server).unwrap().unwrap();
    assert_eq!(
        format_extension(&response),
        "permessage-deflate; server_max_window_bits=10"
    );
    // A server that refuses window limits takes the second offer.
    let strict = ServerExtensions::new().with_deflate(DeflateConfig {
        accept_max_window_bits: false,
        ..DeflateConfig::default()
    });
    let (response, _) = server_negotiate(&offers, &strict).unwrap().unwrap();
    assert_eq!(format_extension(&response), "permessage-deflate");
}

#[test]
fn malformed_offers_reject_or_decline() {
    let server = ServerExtensions::new().with_deflate(DeflateConfig::default());
    for bad in [
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; client_max_window_bits=abc",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; unknown_param",
    ] {
        let offers = parse_extensions(&format!("{bad}, permessage-deflate")).unwrap();
        let err = server_negotiate(&offers, &server).expect_err("rejected");
        assert!(err.to_string().starts_with("permessage-deflate: "), "{err}");
        // Declining instead: the well-formed second offer is taken.
        let lenient = server.clone().with_reject_malformed(false);
        assert!(
            server_negotiate(&offers, &lenient).unwrap().is_some(),
            "{bad}"
        );
    }
}

#[test]
fn custom_policy_sees_parsed_offers() {
    let offers = parse_extensions("permessage-deflate; client_max_window_bits, permessage-deflate; server_no_context_takeover")
        .unwrap();
    let server = ServerExtensions::new()
        .with_deflate(DeflateConfig::default())
        .with_accept_fn(|offers: &[Offer]| {
            assert_eq!(offers.len(), 2);
            // Take the last offer, and ask the client to reset too.
            match offers.last()? {
                Offer::Deflate(offer) => Some(OfferAccept::Deflate {
                    offer: *offer,
                    config: DeflateConfig {
                        request_peer_no_context_takeover: true,
                        ..DeflateConfig::default()
                    },
                }),
                #[allow(unreachable_patterns)]
                _ => None,
            }
        });
    let (response, _) = server_negotiate(&offers, &server).unwrap().unwrap();
    assert_eq!(
        format_extension(&response),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
    );
    // A policy may decline everything.
    let none = ServerExtensions::new()
        .with_deflate(DeflateConfig::default())
        .with_accept_fn(|_| None);
    assert!(server_negotiate(&offers, &none).unwrap().is_none());
    // A policy that invents an offer is an error, not a silent accept.
    let liar = ServerExtensions::new()
        .with_deflate(DeflateConfig::default())
        .with_accept_fn(|_| {
            Some(OfferAccept::Deflate {
                offer: DeflateOffer {
                    server_max_window_bits: Some(9),
                    ..DeflateOffer::default()
                },
                config: DeflateConfig::default(),
            })
        });
    assert!(matches!(
        server_negotiate(&offers, &liar),
        Err(NegotiationError::InvalidConfig(_))
    ));
}

#[test]
fn client_checks_the_response() {
    let client = ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig {
        request_peer_max_window_bits: Some(10),
        request_peer_no_context_takeover: true,
        accept_max_window_bits: false,
        ..DeflateConfig::default()
    }));
    assert_eq!(
        header(&client_offers(&client)),
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10"
    );
    let ok = "permessage-deflate; server_no_context_takeover; server_max_window_bits=9";
    assert!(client_accept(&parse_extensions(ok).unwrap(), &client)
        .unwrap()
        .is_some());
    for bad in [
        "permessage-deflate; server_max_window_bits=10",                                // takeover not granted
        "permessage-deflate; server_no_context_takeover",                               // window not granted
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",    // larger
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9", // not offered
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; foo", // unknown
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; server_max_window_bits=10",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=8, permessage-deflate; server_no_context_takeover; server_max_window_bits=8",
    ] {
        let response = parse_extensions(bad).unwrap();
        assert!(client_accept(&response, &client).is_err(), "{bad}");
    }
    // An extension the client did not offer.
    let only_deflate =
        ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig::default()));
    let response = parse_extensions("permessage-bzip2").unwrap();
    assert!(client_accept(&response, &only_deflate).is_err());
}

#[test]
fn several_offers_of_one_extension_match_the_right_one() {
    // AutobahnPython-style: a limited offer first, then a plain fallback.
    let client = ClientExtensions::new()
        .with_offer(ClientOffer::Deflate(DeflateConfig {
            request_peer_max_window_bits: Some(9),
            ..DeflateConfig::default()
        }))
        .with_offer(ClientOffer::Deflate(DeflateConfig {
            max_window_bits: 12,
            ..DeflateConfig::default()
        }));
    let offers = client_offers(&client);
    assert_eq!(
        header(&offers),
        "permessage-deflate; client_max_window_bits; server_max_window_bits=9, permessage-deflate; client_max_window_bits=12"
    );
    // A server answering the second offer (no server_max_window_bits).
    let strict = ServerExtensions::new().with_deflate(DeflateConfig {
        accept_max_window_bits: false,
        ..DeflateConfig::default()
    });
    let (response, mut s) = server_negotiate(&offers, &strict).unwrap().unwrap();
    assert_eq!(
        format_extension(&response),
        "permessage-deflate; client_max_window_bits=12"
    );
    let mut c = client_accept(&[response], &client).unwrap().unwrap();
    talk(&mut *c, &mut *s);
    talk(&mut *s, &mut *c);
}

#[test]
fn window_bits_every_value_negotiates() {
    for bits in 8..=15u8 {
        let client = ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig {
            request_peer_max_window_bits: Some(bits),
            max_window_bits: bits,
            ..DeflateConfig::default()
        }));
        let server = ServerExtensions::new().with_deflate(DeflateConfig {
            request_peer_max_window_bits: Some(bits),
            ..DeflateConfig::default()
        });
        let offers = parse_extensions(&header(&client_offers(&client))).unwrap();
        let (response, mut s) = server_negotiate(&offers, &server).unwrap().unwrap();
        let response = parse_extensions(&format_extension(&response)).unwrap();
        let mut c = client_accept(&response, &client).unwrap().unwrap();
        talk(&mut *c, &mut *s);
        talk(&mut *s, &mut *c);
    }
}

#[cfg(all(feature = "bzip2", feature = "snappy", feature = "brotli"))]
#[test]
fn every_extension_negotiates_and_talks() {
    use ferrobahn_extensions::{BrotliConfig, Bzip2Config, ExtensionKind, SnappyConfig};
    let server = ServerExtensions::new()
        .with_bzip2(Bzip2Config::default())
        .with_snappy(SnappyConfig::default())
        .with_brotli(BrotliConfig::default())
        .with_deflate(DeflateConfig::default());
    for (offer, kind) in [
        (
            ClientOffer::Bzip2(Bzip2Config::default()),
            ExtensionKind::Bzip2,
        ),
        (
            ClientOffer::Snappy(SnappyConfig::default()),
            ExtensionKind::Snappy,
        ),
        (
            ClientOffer::Brotli(BrotliConfig::default()),
            ExtensionKind::Brotli,
        ),
        (
            ClientOffer::Deflate(DeflateConfig::default()),
            ExtensionKind::Deflate,
        ),
    ] {
        let client = ClientExtensions::new().with_offer(offer);
        let offers = parse_extensions(&header(&client_offers(&client))).unwrap();
        let (response, mut s) = server_negotiate(&offers, &server).unwrap().unwrap();
        assert_eq!(response.name, kind.name());
        let mut c = client_accept(&[response], &client).unwrap().unwrap();
        talk(&mut *c, &mut *s);
        talk(&mut *s, &mut *c);
    }
    // Two compression extensions in one response.
    let client = ClientExtensions::new()
        .with_offer(ClientOffer::Snappy(SnappyConfig::default()))
        .with_offer(ClientOffer::Brotli(BrotliConfig::default()));
    let response = parse_extensions("permessage-snappy, permessage-brotli").unwrap();
    assert!(matches!(
        client_accept(&response, &client),
        Err(NegotiationError::MultipleAccepted { .. })
    ));
}

#[test]
fn a_client_no_context_takeover_hint_is_echoed() {
    let client = ClientExtensions::new().with_offer(ClientOffer::Deflate(DeflateConfig {
        no_context_takeover: true,
        ..DeflateConfig::default()
    }));
    let offers = client_offers(&client);
    assert_eq!(
        header(&offers),
        "permessage-deflate; client_no_context_takeover; client_max_window_bits"
    );
    let server = ServerExtensions::new().with_deflate(DeflateConfig::default());
    let (response, mut s) = server_negotiate(&offers, &server).unwrap().unwrap();
    assert_eq!(
        format_extension(&response),
        "permessage-deflate; client_no_context_takeover"
    );
    let mut c = client_accept(&[response], &client).unwrap().unwrap();
    talk(&mut *c, &mut *s);
    talk(&mut *s, &mut *c);
}
