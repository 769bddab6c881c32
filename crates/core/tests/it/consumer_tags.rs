//! A consumer tag names a consumer only on its channel (AMQP 0-9-1 `basic.consume`: the tag is
//! "local to a channel"; RabbitMQ refuses a reuse on the same channel only). Two channels each
//! with a consumer `ctag` on one queue are two consumers: an ack or a cancel on one channel
//! concerns its own.

use switchyard_core::{Broker, ChannelId, ConsumeOptions, Event, Profile, Publish, QueueDecl};

const V: &str = "/";
const A: ChannelId = ChannelId(1);
const B: ChannelId = ChannelId(2);

/// A queue `q` with a consumer `ctag` (prefetch 1) on each of channels A and B.
fn two_ctags() -> Broker {
    let mut b = Broker::new(Profile::RabbitMq310);
    b.declare_queue(V, QueueDecl::new("q")).unwrap();
    for channel in [A, B] {
        let options = ConsumeOptions {
            prefetch: 1,
            ..ConsumeOptions::new(channel, "ctag")
        };
        b.consume(V, "q", options, 0).unwrap();
    }
    b.drain_events();
    b
}

fn publish(b: &mut Broker, body: &str) {
    b.publish(V, &Publish::new("", "q").with_body(body), 0)
        .unwrap();
}

/// (channel, delivery tag, body) of the deliveries since the last call.
fn delivered(b: &mut Broker) -> Vec<(ChannelId, u64, String)> {
    (b.drain_events().into_iter())
        .filter_map(|e| match e {
            Event::Delivered {
                channel, delivery, ..
            } => Some((
                channel,
                delivery.delivery_tag,
                String::from_utf8_lossy(&delivery.message.body).into_owned(),
            )),
            _ => None,
        })
        .collect()
}

#[test]
fn an_ack_frees_the_consumer_on_its_own_channel() {
    let mut b = two_ctags();
    publish(&mut b, "1");
    publish(&mut b, "2");
    let first = delivered(&mut b);
    assert_eq!(
        first
            .iter()
            .map(|(c, _, m)| (*c, m.as_str()))
            .collect::<Vec<_>>(),
        [(A, "1"), (B, "2")]
    );
    // B acks its delivery: B's consumer has room again, A's is still full.
    let (_, tag_b, _) = first[1].clone();
    b.ack(B, tag_b, false, 0).unwrap();
    b.drain_events();
    publish(&mut b, "3");
    let next = delivered(&mut b);
    assert_eq!(
        next.iter()
            .map(|(c, _, m)| (*c, m.as_str()))
            .collect::<Vec<_>>(),
        [(B, "3")],
        "the third message goes to B; A is at its prefetch of 1"
    );
    assert_eq!(b.queue(V, "q").unwrap().message_ids().len(), 0);
}

#[test]
fn a_cancel_removes_the_consumer_on_its_own_channel() {
    let mut b = two_ctags();
    b.cancel(B, "ctag", 0).unwrap();
    let consumers: Vec<ChannelId> = (b.queue(V, "q").unwrap().consumers())
        .map(|c| c.options.channel)
        .collect();
    assert_eq!(consumers, [A]);
    // Closing A then removes the last one.
    b.close_channel(A, 0).unwrap();
    assert_eq!(b.queue(V, "q").unwrap().consumer_count(), 0);
}
