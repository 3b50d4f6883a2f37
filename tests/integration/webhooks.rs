//! Webhooks end to end: subscriptions through the client against the emulator, the emulator's
//! deliveries to a real axum server in the test (verified by `refold::webhooks::axum::Verified`),
//! retries, rejections of altered deliveries, and 10,000 hostile inputs through the verifier.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use hmac::{Hmac, KeyInit, Mac};
use refold::webhooks::axum::Verified;
use refold::webhooks::{
    Error as WebhookError, Event, EventKind, HeaderMap, Registration, SECRET_HEADER, SIGNATURE_HEADER, Verifier,
    WebhookUpdate,
};
use refold::{ConnectOptions, NewLinkedAccount};
use refold_emulator::{Emulator, WebhookDelivery};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::support::client;

/// A webhook receiver on a free loopback port.
struct Receiver {
    url: String,
    /// The events its handler accepted (after `Verified` let them through).
    events: mpsc::UnboundedReceiver<Event>,
    /// The status of every request it answered, rejections included, in order.
    statuses: Arc<Mutex<Vec<u16>>>,
}

/// A receiver's socket, bound before the webhook is registered (registering needs its URL, and
/// the receiver needs the secret registering returns).
struct Bound {
    listener: tokio::net::TcpListener,
    url: String,
}

async fn bind() -> Bound {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/refold", listener.local_addr().unwrap());
    Bound { listener, url }
}

/// Serves a receiver verifying with `verifier`. While `failures` is above zero, a request that
/// passed verification is answered 500 (and not accepted), and `failures` goes down by one.
fn receiver(bound: Bound, verifier: Verifier, failures: usize) -> Receiver {
    let (accepted, events) = mpsc::unbounded_channel();
    let statuses = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(Mutex::new(failures));
    let seen = statuses.clone();
    let app = Router::new()
        .route(
            "/refold",
            post(move |Verified(event): Verified| {
                let accepted = accepted.clone();
                let failures = failures.clone();
                async move {
                    let mut failures = failures.lock().unwrap();
                    if *failures > 0 {
                        *failures -= 1;
                        return StatusCode::INTERNAL_SERVER_ERROR;
                    }
                    accepted.send(event).unwrap();
                    StatusCode::OK
                }
            }),
        )
        .layer(axum::middleware::map_response(
            move |response: axum::response::Response| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(response.status().as_u16());
                    response
                }
            },
        ))
        .with_state(verifier);
    let Bound { listener, url } = bound;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Receiver { url, events, statuses }
}

async fn emulator() -> Emulator {
    Emulator::builder()
        .webhook_retry_delay(Duration::from_millis(20))
        .start()
        .await
        .expect("the emulator starts")
}

/// Waits until the emulator has recorded `count` delivery attempts.
async fn deliveries(emulator: &Emulator, count: usize) -> Vec<WebhookDelivery> {
    for _ in 0..500 {
        let deliveries = emulator.webhook_deliveries();
        if deliveries.len() >= count {
            return deliveries;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!(
        "expected {count} delivery attempts, saw {:?}",
        emulator.webhook_deliveries()
    );
}

async fn next_event(receiver: &mut Receiver) -> Event {
    tokio::time::timeout(Duration::from_secs(10), receiver.events.recv())
        .await
        .expect("an event within 10 s")
        .expect("the receiver is running")
}

/// A receiver, and the verifier it uses, for a webhook registered through the client for
/// `kind`; it answers 500 to the first `failures` verified deliveries.
async fn subscribed(emulator: &Emulator, kind: EventKind, failures: usize) -> (Receiver, Verifier) {
    let bound = bind().await;
    let verifier = register(emulator, &bound.url, &[kind]).await;
    (receiver(bound, verifier.clone(), failures), verifier)
}

/// Registers `url` for `events` through the client; returns a verifier checking its secret and
/// the emulator's signature.
async fn register(emulator: &Emulator, url: &str, events: &[EventKind]) -> Verifier {
    let registered = client(emulator)
        .webhooks()
        .register(Registration::new(url, events.iter().copied()))
        .await
        .expect("registered");
    Verifier::new(registered.secret).with_signature_key(emulator.api_key())
}

#[tokio::test]
async fn submitting_the_connect_page_delivers_a_verified_typed_connection_created() {
    let emulator = emulator().await;
    let (mut receiver, _) = subscribed(&emulator, EventKind::ConnectionCreated, 0).await;
    let client = client(&emulator);

    // A new customer (created with nothing connected), their Connect URL, then the page's form
    // submitted as the customer's browser would.
    client
        .linked_accounts()
        .create(NewLinkedAccount::new("acme-42").name("Acme Corp"))
        .await
        .unwrap();
    let page = client.connect_url("acme-42", ConnectOptions::default()).await.unwrap();
    let http = reqwest::Client::new();
    let page = page.as_str();
    let submitted = http
        .post(page)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("slug=hubspot")
        .send()
        .await
        .unwrap();
    assert!(submitted.status().is_success(), "{}", submitted.status());

    match next_event(&mut receiver).await {
        Event::ConnectionCreated(e) => {
            assert_eq!(e.linked_account_id, "acme-42");
            assert_eq!(e.slug, "hubspot");
            assert_eq!(e.environment.as_deref(), Some("test"));
            assert!(e.created_at.is_some());
        }
        other => panic!("expected Connection Created, got {other:?}"),
    }
    let attempts = deliveries(&emulator, 1).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!((attempts[0].attempt, attempts[0].status), (1, Some(200)));
    let signature = attempts[0].header(SIGNATURE_HEADER).expect("a signed delivery");
    assert_eq!(signature, sign(emulator.api_key(), &attempts[0].body));
}

#[tokio::test]
async fn a_receiver_answering_500_500_200_accepts_the_event_once_on_the_third_attempt() {
    let emulator = emulator().await;
    let (mut receiver, _) = subscribed(&emulator, EventKind::ConnectionExpired, 2).await;

    assert!(emulator.expire_connection(emulator.linked_account_id(), "salesforce"));

    let event = next_event(&mut receiver).await;
    assert!(
        matches!(&event, Event::ConnectionExpired(e) if e.slug == "salesforce"),
        "{event:?}"
    );
    let attempts = deliveries(&emulator, 3).await;
    let seen: Vec<_> = attempts.iter().map(|d| (d.attempt, d.status)).collect();
    assert_eq!(seen, [(1, Some(500)), (2, Some(500)), (3, Some(200))]);
    // Every attempt carried the same body and signature.
    assert!(attempts.iter().all(|d| d.body == attempts[0].body));
    // Long enough for a fourth attempt, were there one (the waits are 20 and 40 ms).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(emulator.webhook_deliveries().len(), 3);
    assert!(receiver.events.try_recv().is_err(), "accepted exactly once");
    assert_eq!(*receiver.statuses.lock().unwrap(), [500, 500, 200]);
}

#[tokio::test]
async fn a_receiver_that_never_accepts_gets_three_attempts_in_all() {
    let emulator = emulator().await;
    let (receiver, _) = subscribed(&emulator, EventKind::ConnectionDeleted, usize::MAX).await;
    assert!(emulator.disconnect_app(emulator.linked_account_id(), "hubspot"));
    deliveries(&emulator, 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let attempts = emulator.webhook_deliveries();
    assert_eq!(attempts.iter().map(|d| d.attempt).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(attempts.iter().all(|d| d.status == Some(500)));
    assert_eq!(*receiver.statuses.lock().unwrap(), [500, 500, 500]);
}

#[tokio::test]
async fn deliveries_with_a_tampered_body_a_wrong_secret_or_no_secret_are_refused() {
    let emulator = emulator().await;
    let (mut receiver, verifier) = subscribed(&emulator, EventKind::ConnectionCreated, 0).await;
    emulator.add_linked_account("grace@example.com");
    emulator.disconnect_app("grace@example.com", "hubspot");
    assert!(emulator.connect_app("grace@example.com", "hubspot"));
    next_event(&mut receiver).await;
    let genuine = deliveries(&emulator, 1).await.remove(0);

    // Replays of the genuine delivery, each altered one way, sent to the receiver over HTTP.
    let tampered = String::from_utf8(genuine.body.clone())
        .unwrap()
        .replace("grace@example.com", "mallory@example.com");
    let cases: [(&str, Vec<u8>, Option<&str>, bool); 4] = [
        ("tampered body", tampered.into_bytes(), None, true),
        ("wrong secret", genuine.body.clone(), Some("0".repeat(64).leak()), true),
        ("no secret header", genuine.body.clone(), None, false),
        ("no signature header", genuine.body.clone(), None, true),
    ];
    let http = reqwest::Client::new();
    for (what, body, secret, with_secret) in cases {
        let mut request = http.post(&receiver.url).body(body.clone());
        for (name, value) in &genuine.headers {
            let skip = (name == SECRET_HEADER && (!with_secret || secret.is_some()))
                || (what == "no signature header" && name == SIGNATURE_HEADER);
            if !skip {
                request = request.header(name, value);
            }
        }
        if let Some(secret) = secret {
            request = request.header(SECRET_HEADER, secret);
        }
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), 401, "{what}");
    }
    assert!(
        receiver.events.try_recv().is_err(),
        "no altered delivery reached the handler"
    );

    // The same refusals, as the verifier names them.
    let headers = |drop: &str| {
        let mut map = HeaderMap::new();
        for (name, value) in &genuine.headers {
            if name != drop {
                map.append(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
        }
        map
    };
    let mut altered = genuine.body.clone();
    altered[0] = b' ';
    assert!(matches!(
        verifier.verify(&headers(""), &altered),
        Err(WebhookError::BadSignature)
    ));
    assert!(matches!(
        verifier.verify(&headers(SECRET_HEADER), &genuine.body),
        Err(WebhookError::MissingSecret)
    ));
    assert!(matches!(
        verifier.verify(&headers(SIGNATURE_HEADER), &genuine.body),
        Err(WebhookError::MissingSignature)
    ));
    let other = Verifier::from_secret(&"1".repeat(64));
    assert!(matches!(
        other.verify(&headers(""), &genuine.body),
        Err(WebhookError::WrongSecret)
    ));
    assert!(verifier.verify(&headers(""), &genuine.body).is_ok());
}

#[tokio::test]
async fn subscriptions_register_list_get_update_and_delete_without_showing_header_values() {
    let emulator = emulator().await;
    let client = client(&emulator);
    let webhooks = client.webhooks();
    let registered = webhooks
        .register(
            Registration::new(
                "https://example.com/refold",
                [EventKind::ConnectionCreated, EventKind::ConnectionExpired],
            )
            .header("x-tenant", "eu-1")
            .description("production connections"),
        )
        .await
        .unwrap();
    let secret = registered.secret.expose().to_owned();
    assert_eq!(secret.len(), 64);
    assert!(!format!("{registered:?}").contains(&secret));

    // What Refold stored: the secret among the headers, which it sends back on reads.
    let sent = emulator
        .requests()
        .into_iter()
        .find(|r| r.method == "POST" && r.path == "/api/v2/public/webhook")
        .unwrap();
    let body = sent.body_json().unwrap();
    assert_eq!(body["webhook_headers"][SECRET_HEADER], secret.as_str());
    assert_eq!(
        body["webhook_events"],
        serde_json::json!(["Connection Created", "Connection Expired"])
    );

    let listed = webhooks.list().await.unwrap();
    assert_eq!(listed.len(), 1);
    let webhook = &listed[0];
    assert_eq!(webhook.id, registered.webhook.id);
    assert_eq!(webhook.url, "https://example.com/refold");
    assert_eq!(webhook.headers.get(SECRET_HEADER), Some(secret.as_str()));
    assert_eq!(webhook.description.as_deref(), Some("production connections"));
    let shown = format!("{listed:?}");
    assert!(!shown.contains(&secret) && !shown.contains("eu-1"), "{shown}");
    assert!(shown.contains(SECRET_HEADER), "names stay visible: {shown}");

    let paused = webhooks
        .update(
            &webhook.id,
            WebhookUpdate::new()
                .enabled(false)
                .events([EventKind::ConnectionDeleted]),
        )
        .await
        .unwrap();
    assert_eq!(paused.is_enabled, Some(false));
    assert_eq!(paused.events, ["Connection Deleted"]);
    assert_eq!(webhooks.get(&webhook.id).await.unwrap(), paused);
    // A disabled webhook receives nothing.
    assert!(emulator.disconnect_app(emulator.linked_account_id(), "hubspot"));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(emulator.webhook_deliveries().is_empty());

    assert!(webhooks.delete(&webhook.id).await.unwrap().is_empty());
    let gone = webhooks.get(&webhook.id).await.unwrap_err();
    assert!(gone.is_not_found(), "{gone}");
    assert!(gone.to_string().contains("no webhook with this id"), "{gone}");
    let refused = webhooks.get("../session-token").await.unwrap_err();
    assert!(matches!(refused, refold::Error::InvalidRequest { .. }), "{refused}");
    let bad_url = webhooks
        .register(Registration::new("ftp://example.com", [EventKind::ConnectionCreated]))
        .await
        .unwrap_err();
    assert!(matches!(bad_url, refold::Error::InvalidRequest { .. }), "{bad_url}");
}

#[tokio::test]
async fn the_emulator_refuses_registrations_the_openapi_does_not_allow() {
    let emulator = emulator().await;
    let http = reqwest::Client::new();
    let url = format!("{}/api/v2/public/webhook", emulator.base_url());
    for body in [
        r#"{"webhook_events":["Connection Created"]}"#,
        r#"{"webhook_url":"ftp://example.com","webhook_events":["Connection Created"]}"#,
        r#"{"webhook_url":"https://example.com","webhook_events":[]}"#,
        r#"{"webhook_url":"https://example.com","webhook_events":["Invoice Paid"]}"#,
        r#"{"webhook_url":"https://example.com","webhook_events":["Connection Created"],"method":"GET"}"#,
    ] {
        let reply = http
            .post(&url)
            .header("x-api-key", emulator.api_key())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 400, "{body}");
    }
    let anonymous = http.get(&url).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
}

/// HMAC-SHA256 of `body` under `key`, lowercase hex: the signature the verifier expects.
fn sign(key: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// A hostile body: random bytes, cut or corrupted JSON, deep nesting, odd types and sizes.
fn hostile_body(rng: &mut fastrand::Rng) -> Vec<u8> {
    let event = EventKind::ALL[rng.usize(..EventKind::ALL.len())].as_str();
    match rng.u8(..8) {
        0 => (0..rng.usize(..512)).map(|_| rng.u8(..)).collect(),
        1 => {
            let whole = format!(r#"{{"event":"{event}","linked_account_id":"a","slug":"s"}}"#);
            whole.as_bytes()[..rng.usize(..=whole.len())].to_vec()
        }
        2 => {
            let depth = rng.usize(..5000);
            let mut nested = "[".repeat(depth);
            nested.push_str(&"]".repeat(rng.usize(..=depth)));
            nested.into_bytes()
        }
        3 => format!(
            r#"{{"event":"{event}","linked_account_id":{},"slug":[{}],"createdAt":{{}}}}"#,
            rng.i64(..),
            rng.u8(..)
        )
        .into_bytes(),
        4 => format!(r#"{{"event":{},"x":"\ud800"}}"#, rng.f64()).into_bytes(),
        5 => vec![0xff; rng.usize(..64)],
        6 => format!(
            r#"{{"event":"{event}","linked_account_id":"{}"}}"#,
            "\u{1F600}".repeat(rng.usize(..50))
        )
        .into_bytes(),
        _ => {
            let mut body = format!(r#"{{"event":"{event}","slug":"hubspot"}}"#).into_bytes();
            let at = rng.usize(..body.len());
            body[at] = rng.u8(..);
            body
        }
    }
}

/// A header value made of random bytes a `HeaderValue` can hold (visible ASCII, tabs, spaces and
/// obs-text), or none.
fn hostile_value(rng: &mut fastrand::Rng) -> Option<axum::http::HeaderValue> {
    let bytes: Vec<u8> = (0..rng.usize(..130)).map(|_| rng.u8(..)).collect();
    axum::http::HeaderValue::from_bytes(&bytes).ok()
}

#[test]
fn ten_thousand_hostile_bodies_and_headers_never_panic_the_verifier() {
    const SECRET: &str = "a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8a3f1c9e07b5d42e8";
    const KEY: &str = "tk_fuzz_key";
    let plain = Verifier::from_secret(SECRET).max_body_bytes(4096);
    let signed = Verifier::from_secret(SECRET)
        .with_signature_key(KEY)
        .max_body_bytes(4096);
    let mut rng = fastrand::Rng::with_seed(0x5eed_2026);
    let (mut panics, mut outcomes) = (0, std::collections::BTreeMap::<&str, u32>::new());
    for _ in 0..10_000 {
        let mut body = hostile_body(&mut rng);
        if rng.u8(..20) == 0 {
            body.resize(4097 + rng.usize(..100), b' ');
        }
        let mut headers = HeaderMap::new();
        // The secret: absent, right, random, repeated.
        match rng.u8(..4) {
            0 => {}
            1 => {
                headers.insert(SECRET_HEADER, SECRET.parse().unwrap());
            }
            2 => {
                if let Some(value) = hostile_value(&mut rng) {
                    headers.insert(SECRET_HEADER, value);
                }
            }
            _ => {
                headers.append(SECRET_HEADER, SECRET.parse().unwrap());
                if let Some(value) = hostile_value(&mut rng) {
                    headers.append(SECRET_HEADER, value);
                }
            }
        }
        // The signature: absent, right, random bytes, hex of the wrong length, upper case.
        let good = sign(KEY, &body);
        let signature = match rng.u8(..5) {
            0 => None,
            1 => Some(good.parse().unwrap()),
            2 => hostile_value(&mut rng),
            3 => Some(good[..rng.usize(..good.len())].parse().unwrap()),
            _ => Some(good.to_ascii_uppercase().parse().unwrap()),
        };
        if let Some(signature) = signature {
            headers.insert(SIGNATURE_HEADER, signature);
        }
        for _ in 0..rng.usize(..4) {
            if let Some(value) = hostile_value(&mut rng) {
                headers.append("x-noise", value);
            }
        }
        let verifier = if rng.bool() { &signed } else { &plain };
        match catch_unwind(AssertUnwindSafe(|| verifier.verify(&headers, &body))) {
            Err(_) => panics += 1,
            Ok(result) => {
                let outcome = match result {
                    Ok(Event::Unknown { .. }) => "unknown event",
                    Ok(_) => "typed event",
                    Err(WebhookError::MissingSecret) => "missing secret",
                    Err(WebhookError::WrongSecret) => "wrong secret",
                    Err(WebhookError::MissingSignature) => "missing signature",
                    Err(WebhookError::BadSignature) => "bad signature",
                    Err(WebhookError::TooLarge { .. }) => "too large",
                    Err(WebhookError::NotJson { .. }) => "not json",
                    Err(other) => panic!("an error this test does not know: {other}"),
                };
                *outcomes.entry(outcome).or_default() += 1;
                // Accepted only with exactly the right secret, and the right signature when checked.
                if outcome.ends_with("event") {
                    let secrets: Vec<_> = headers.get_all(SECRET_HEADER).iter().collect();
                    assert_eq!(secrets, [SECRET], "accepted with the wrong secret");
                    if std::ptr::eq(verifier, &signed) {
                        let given = headers.get(SIGNATURE_HEADER).unwrap().to_str().unwrap();
                        assert!(given.eq_ignore_ascii_case(&good), "accepted with a bad signature");
                    }
                }
            }
        }
    }
    println!("hostile deliveries: {outcomes:?}, panics: {panics}");
    assert_eq!(panics, 0);
    // Every outcome was reached, so the inputs exercised each check.
    assert_eq!(outcomes.len(), 8, "{outcomes:?}");
    assert_eq!(outcomes.values().sum::<u32>(), 10_000);
}
