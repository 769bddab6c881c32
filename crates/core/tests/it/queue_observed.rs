//! Queue behaviours seen on a live RabbitMQ 3.10.8 that the vectors do not cover, each pinned
//! as a scenario on the 3.10 profile (and on 4.x where the same holds): the broker API, virtual
//! time, and the bodies that come out. The few 4.x-only ones, read from RabbitMQ's source with
//! no 4.x broker here to check them, say so.

use switchyard_core::{
    Broker, ChannelId, ConsumeOptions, Event, Profile, Publish, QueueDecl, Table, Value,
};

const V: &str = "/";
const CH: ChannelId = ChannelId::FIRST;

fn broker(profile: Profile, queues: &[(&str, &[(&str, Value)])]) -> Broker {
    let mut broker = Broker::new(profile);
    for (name, args) in queues {
        let mut decl = QueueDecl::new(*name);
        decl.arguments = args
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Table>();
        broker.declare_queue(V, decl).unwrap();
    }
    broker
}

fn publish(broker: &mut Broker, queue: &str, body: &str, expiration: Option<&str>) {
    let mut p = Publish::new("", queue).with_body(body);
    p.properties.expiration = expiration.map(str::to_owned);
    broker.publish(V, &p, broker.now()).unwrap();
}

/// The body of a `basic.get` (auto-ack) and the message count it reports.
fn get(broker: &mut Broker, queue: &str, auto_ack: bool) -> Option<(String, usize)> {
    let now = broker.now();
    broker.get(V, queue, CH, auto_ack, now).unwrap().map(|ok| {
        let body = String::from_utf8_lossy(&ok.delivery.message.body).into_owned();
        (body, ok.message_count)
    })
}

fn consume(broker: &mut Broker, queue: &str, tag: &str, prefetch: u32) {
    consume_at(broker, queue, tag, prefetch, 0);
}

/// [`consume`] with an `x-priority`.
fn consume_at(broker: &mut Broker, queue: &str, tag: &str, prefetch: u32, priority: i64) {
    let options = ConsumeOptions {
        prefetch,
        priority,
        ..ConsumeOptions::new(CH, tag)
    };
    broker.consume(V, queue, options, broker.now()).unwrap();
}

/// Bodies delivered to consumers since the last call, as "tag:body".
fn delivered(broker: &mut Broker) -> Vec<String> {
    broker
        .drain_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::Delivered {
                consumer: Some(tag),
                delivery,
                ..
            } => Some(format!(
                "{tag}:{}",
                String::from_utf8_lossy(&delivery.message.body)
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn get_counts_after_dropping_what_expired_behind_the_head() {
    let mut b = broker(Profile::RabbitMq310, &[("q", &[])]);
    publish(&mut b, "q", "live", None);
    publish(&mut b, "q", "dies", Some("250"));
    b.advance(450).unwrap();
    assert_eq!(get(&mut b, "q", true), Some(("live".into(), 0)));
    assert_eq!(get(&mut b, "q", true), None);
}

#[test]
fn a_promoted_single_active_consumer_waits_for_the_next_publish_on_classic_queues() {
    let sac: &[(&str, Value)] = &[("x-single-active-consumer", Value::Bool(true))];
    let mut b = broker(Profile::RabbitMq310, &[("q", sac)]);
    consume(&mut b, "q", "s1", 1);
    consume(&mut b, "q", "s2", 1);
    publish(&mut b, "q", "m1", None);
    publish(&mut b, "q", "m2", None);
    assert_eq!(delivered(&mut b), ["s1:m1"]);
    b.cancel(CH, "s1", 0).unwrap();
    assert_eq!(delivered(&mut b), Vec::<String>::new());
    assert_eq!(get(&mut b, "q", false), Some(("m2".into(), 0)));
    publish(&mut b, "q", "m3", None);
    assert_eq!(delivered(&mut b), ["s2:m3"]);
}

/// 4.x only, read from `rabbit_fifo` @v4.3.5: with single active consumer, a quorum queue hands
/// over to a higher-priority newcomer once the active consumer's deliveries are all settled,
/// and delivers nothing meanwhile. Classic queues, and 3.10 quorum queues, keep the first.
#[test]
fn a_higher_priority_single_active_consumer_takes_over_a_4x_quorum_queue() {
    let none: &[&str] = &[];
    let keeps_first = [none, none, &["low:m3"], none];
    let hands_over = [none, none, none, &["high:m3"]];
    for profile in Profile::ALL {
        for kind in ["classic", "quorum"] {
            let args = [
                ("x-queue-type", Value::Str(kind.into())),
                ("x-single-active-consumer", Value::Bool(true)),
            ];
            let mut b = broker(profile, &[("q", &args)]);
            consume_at(&mut b, "q", "low", 2, 0);
            publish(&mut b, "q", "m1", None);
            publish(&mut b, "q", "m2", None);
            assert_eq!(delivered(&mut b), ["low:m1", "low:m2"]);
            let mut seen = Vec::new();
            consume_at(&mut b, "q", "high", 2, 5);
            seen.push(delivered(&mut b));
            publish(&mut b, "q", "m3", None);
            seen.push(delivered(&mut b));
            for tag in [1, 2] {
                b.ack(CH, tag, false, b.now()).unwrap();
                seen.push(delivered(&mut b));
            }
            let takes_over = profile == Profile::RabbitMq4 && kind == "quorum";
            let want = if takes_over { hands_over } else { keeps_first };
            assert_eq!(seen, want, "{profile} {kind}");
        }
    }
}

/// Live hand-23: c1 (prefetch 1) takes m1, c2 arrives, c1 acks, m2 is published. A classic
/// queue blocks a consumer only when a delivery finds it full, so c1 never left its place and
/// gets m2. A quorum queue (`rabbit_fifo`) takes c1 out with its last credit and puts it back
/// behind c2 on the ack (from RabbitMQ's code, not seen live).
#[test]
fn a_full_consumer_keeps_its_place_until_a_delivery_finds_it_full() {
    let quorum: &[(&str, Value)] = &[("x-queue-type", Value::Str("quorum".into()))];
    let cases: [(&[(&str, Value)], &str); 2] = [(&[], "c1:m2"), (quorum, "c2:m2")];
    for profile in Profile::ALL {
        for (args, want) in cases {
            let mut b = broker(profile, &[("q", args)]);
            consume(&mut b, "q", "c1", 1);
            publish(&mut b, "q", "m1", None);
            consume(&mut b, "q", "c2", 1);
            assert_eq!(delivered(&mut b), ["c1:m1"], "{profile} {args:?}");
            b.ack(CH, 1, false, 0).unwrap();
            publish(&mut b, "q", "m2", None);
            assert_eq!(delivered(&mut b), [want], "{profile} {args:?}");
        }
    }
}

#[test]
fn quorum_returns_on_channel_close_are_served_first_even_in_310() {
    let qq: &[(&str, Value)] = &[("x-queue-type", Value::Str("quorum".into()))];
    for profile in Profile::ALL {
        let mut b = broker(profile, &[("q", qq)]);
        for body in ["e1", "e2", "e3"] {
            publish(&mut b, "q", body, None);
        }
        consume(&mut b, "q", "c", 1);
        b.nack(CH, 1, false, true, 0).unwrap();
        b.reject(CH, 2, true, 0).unwrap();
        b.close_channel(CH, 0).unwrap();
        let order: Vec<String> = (0..3).map(|_| get(&mut b, "q", true).unwrap().0).collect();
        let want = match profile {
            // A client's requeue goes to the back; the closed channel's message comes first.
            Profile::RabbitMq310 => ["e3", "e1", "e2"],
            // 4.x: every return goes to the returns queue, in the order it came back.
            Profile::RabbitMq4 => ["e1", "e2", "e3"],
        };
        assert_eq!(order, want, "{profile}");
    }
}

#[test]
fn x_death_history_order_differs_by_version() {
    let dlx = |q: &str| -> Vec<(&'static str, Value)> {
        vec![
            ("x-dead-letter-exchange", Value::Str(String::new())),
            ("x-dead-letter-routing-key", Value::Str(q.to_owned())),
        ]
    };
    let (a, b_, c) = (dlx("q2"), dlx("q3"), dlx("q1"));
    for (profile, want) in [
        (Profile::RabbitMq310, ["q1", "q2", "q3"]),
        (Profile::RabbitMq4, ["q1", "q3", "q2"]),
    ] {
        let mut b = broker(profile, &[("q1", &a), ("q2", &b_), ("q3", &c)]);
        publish(&mut b, "q1", "m", None);
        let mut tag = 0;
        for queue in ["q1", "q2", "q3", "q1"] {
            get(&mut b, queue, false).unwrap();
            tag += 1;
            b.reject(CH, tag, false, 0).unwrap();
        }
        let now = b.now();
        let ok = b.get(V, "q2", CH, true, now).unwrap().unwrap();
        let headers = ok.delivery.message.properties.headers.to_json();
        let queues: Vec<&str> = headers["x-death"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["queue"].as_str().unwrap())
            .collect();
        assert_eq!(queues, want, "{profile}");
        assert_eq!(headers["x-death"][0]["count"], 2);
    }
}

#[test]
fn basic_cancel_leaves_deliveries_unsettled_until_ack_or_close() {
    let mut b = broker(Profile::RabbitMq310, &[("q", &[])]);
    for body in ["m1", "m2", "m3"] {
        publish(&mut b, "q", body, None);
    }
    consume(&mut b, "q", "c1", 2);
    b.cancel(CH, "c1", 0).unwrap();
    b.ack(CH, 1, false, 0).unwrap();
    assert_eq!(get(&mut b, "q", false), Some(("m3".into(), 0)));
    b.close_channel(CH, 0).unwrap();
    assert_eq!(get(&mut b, "q", true), Some(("m2".into(), 1)));
    assert_eq!(get(&mut b, "q", true), Some(("m3".into(), 0)));
}

#[test]
fn a_dead_letter_loop_rabbitmq_would_spin_forever_is_stopped() {
    // R dead-letters a rejected message to A; A and B (TTL 0) dead-letter to each other. The
    // `rejected` death stays in the history; on 3.10 (whose x-death order keeps it between the
    // two queues' entries) the cycle rule never fires. 4.x orders the history by recency, so
    // its cycle rule stops the loop after one round.
    let to = |q: &str, ttl: bool| -> Vec<(&'static str, Value)> {
        let mut args = vec![
            ("x-dead-letter-exchange", Value::Str(String::new())),
            ("x-dead-letter-routing-key", Value::Str(q.to_owned())),
        ];
        if ttl {
            args.push(("x-message-ttl", Value::Int(0)));
        }
        args
    };
    let (r, a, b_) = (to("A", false), to("B", true), to("A", true));
    for profile in Profile::ALL {
        let mut b = broker(profile, &[("R", &r), ("A", &a), ("B", &b_)]);
        publish(&mut b, "R", "m", None);
        get(&mut b, "R", false).unwrap();
        b.drain_events();
        b.reject(CH, 1, false, 0).unwrap();
        let events = b.drain_events();
        let stopped = events
            .iter()
            .filter(|e| matches!(e, Event::DeadLetterLoopStopped { .. }))
            .count();
        let want = usize::from(profile == Profile::RabbitMq310);
        assert_eq!(stopped, want, "{profile}");
        assert!(events.len() < 10 * switchyard_core::broker::MAX_DEAD_LETTERS_PER_STEP);
    }
}

/// Quorum `reject-publish` blocks per publishing channel (`rabbit_fifo` enqueuers): once over
/// the limit the channel that published is refused until the queue is at or below 80%; a new
/// channel is refused only once the queue is over the limit again (seen live, hand-21).
#[test]
fn quorum_reject_publish_blocks_per_channel() {
    for profile in Profile::ALL {
        let quorum = [
            ("x-queue-type", Value::Str("quorum".into())),
            ("x-max-length", Value::Int(2)),
            ("x-overflow", Value::Str("reject-publish".into())),
        ];
        let mut b = broker(profile, &[("qq", &quorum)]);
        let confirm = |b: &mut Broker, channel: ChannelId, body: &str| {
            let p = Publish::new("", "qq").with_body(body);
            b.publish_on(channel, V, &p, b.now())
                .unwrap()
                .confirm
                .name()
        };
        let confirms: Vec<&str> = ["m1", "m2", "m3", "m4"]
            .iter()
            .map(|m| confirm(&mut b, CH, m))
            .collect();
        assert_eq!(
            confirms,
            ["ack", "ack", "ack", "nack"],
            "{profile}: over the limit by one, then blocked"
        );
        assert_eq!(
            get(&mut b, "qq", true).map(|(body, _)| body).as_deref(),
            Some("m1")
        );
        assert_eq!(
            confirm(&mut b, CH, "m5"),
            "nack",
            "{profile}: 2 of 2 is not at or below 80%"
        );
        assert_eq!(
            confirm(&mut b, ChannelId(2), "m6"),
            "ack",
            "{profile}: a new channel is not blocked"
        );
        assert_eq!(
            confirm(&mut b, ChannelId(2), "m7"),
            "nack",
            "{profile}: over the limit again"
        );
        b.close_channel(CH, b.now()).unwrap();
        assert_eq!(
            confirm(&mut b, CH, "m8"),
            "ack",
            "{profile}: a reopened channel starts unblocked"
        );
    }
}

/// Closing the channel of an auto-delete queue's last consumer deletes the queue without
/// taking the unacked messages back first, so nothing is dead-lettered by a length limit on
/// the way out (seen live, hand-20; `handle_ch_down` stops the queue before requeueing).
#[test]
fn auto_delete_queue_goes_with_its_unacked_messages() {
    for profile in Profile::ALL {
        let mut b = Broker::new(profile);
        let mut q = QueueDecl::new("q");
        (q.durable, q.auto_delete) = (false, true);
        q.arguments = [
            ("x-max-length".to_string(), Value::Int(1)),
            (
                "x-dead-letter-exchange".to_string(),
                Value::Str(String::new()),
            ),
            (
                "x-dead-letter-routing-key".to_string(),
                Value::Str("dlq".into()),
            ),
        ]
        .into_iter()
        .collect();
        b.declare_queue(V, q).unwrap();
        b.declare_queue(V, QueueDecl::new("dlq")).unwrap();
        consume(&mut b, "q", "c1", 1);
        publish(&mut b, "q", "m1", None);
        publish(&mut b, "q", "m2", None);
        assert_eq!(delivered(&mut b), ["c1:m1"]);
        b.close_channel(CH, b.now()).unwrap();
        assert!(b.queue(V, "q").is_none(), "{profile}: the queue is gone");
        assert_eq!(
            get(&mut b, "dlq", true),
            None,
            "{profile}: nothing was dead-lettered"
        );
    }
}
