//! Every `queue_scenarios` group of the shared conformance vectors, under both profiles, run
//! through the broker's API as the vectors' schema describes: `publish` to a queue is the
//! default exchange with the queue name as routing key, `sleep` advances virtual time, tags
//! name manual-ack deliveries, `expect_deliveries` compares the bodies a consumer received
//! since the last check (in order, exactly).

use std::collections::BTreeMap;

use serde_json::Value as Json;
use switchyard_core::{
    Broker, ChannelId, ConsumeOptions, Delivery, Event, Profile, Publish, QueueDecl,
};

use crate::vectors::{self, expected, str_list, table};

const VHOST: &str = "/";
const CH: ChannelId = ChannelId::FIRST;

/// One scenario's run: the broker, virtual time, tags and what each consumer received.
struct Run<'a> {
    id: &'a str,
    broker: Broker,
    now: u64,
    repeat: usize,
    tags: BTreeMap<String, u64>,
    /// Bodies received since the last `expect_deliveries`, per consumer.
    fresh: BTreeMap<String, Vec<String>>,
    /// Delivery tags not yet acknowledged, per manual-ack consumer.
    unacked: BTreeMap<String, Vec<u64>>,
}

impl Run<'_> {
    fn body(&self, text: &str) -> String {
        text.repeat(self.repeat)
    }

    fn text(&self, delivery: &Delivery) -> String {
        String::from_utf8_lossy(&delivery.message.body).into_owned()
    }

    /// Files the deliveries the last operation caused under their consumers.
    fn collect(&mut self) {
        for event in self.broker.drain_events() {
            if let Event::Delivered {
                consumer: Some(tag),
                delivery,
                auto_ack,
                ..
            } = event
            {
                let body = self.text(&delivery);
                self.fresh.entry(tag.to_string()).or_default().push(body);
                if !auto_ack {
                    self.unacked
                        .entry(tag.to_string())
                        .or_default()
                        .push(delivery.delivery_tag);
                }
            }
        }
    }

    fn profile(&self) -> Profile {
        self.broker.profile()
    }

    fn step(&mut self, step: &Json) {
        let op = step["op"].as_str().unwrap();
        let ctx = format!("{} ({}) step {step}", self.id, self.profile());
        match op {
            "publish" => self.publish(step, &ctx),
            "get" => self.get(step, &ctx),
            "ack" | "nack" | "reject" => self.settle(op, step, &ctx),
            "sleep" => {
                self.now += step["ms"].as_u64().unwrap();
                self.broker.advance(self.now).unwrap();
            }
            "consume" => self.consume(step, &ctx),
            "cancel" => {
                let tag = step["consumer"].as_str().unwrap();
                self.broker.cancel(CH, tag, self.now).unwrap();
            }
            "expect_deliveries" => {
                let tag = step["consumer"].as_str().unwrap();
                let want: Vec<String> = str_list(&step["bodies"])
                    .iter()
                    .map(|b| self.body(b.as_str().unwrap()))
                    .collect();
                let got = self.fresh.remove(tag).unwrap_or_default();
                assert_eq!(got, want, "{ctx}");
            }
            "ack_deliveries" => {
                let tag = step["consumer"].as_str().unwrap();
                for delivery_tag in self.unacked.remove(tag).unwrap_or_default() {
                    self.broker.ack(CH, delivery_tag, false, self.now).unwrap();
                }
            }
            other => panic!("{ctx}: unknown op {other}"),
        }
        self.collect();
    }

    fn publish(&mut self, step: &Json, ctx: &str) {
        let mut publish = match step.get("queue") {
            Some(q) => Publish::new("", q.as_str().unwrap()),
            None => Publish::new(
                step["exchange"].as_str().unwrap(),
                step["routing_key"].as_str().unwrap(),
            ),
        }
        .with_body(self.body(step["body"].as_str().unwrap()));
        publish.mandatory = step["mandatory"].as_bool().unwrap_or(false);
        if let Some(props) = step.get("props") {
            publish.properties.expiration = props["expiration"].as_str().map(str::to_owned);
            publish.properties.priority = props["priority"].as_u64().map(|p| p.min(255) as u8);
        }
        let result = self.broker.publish(VHOST, &publish, self.now);
        if let Some(code) = step.get("expect_error") {
            let error = result.expect_err(ctx);
            assert_eq!(
                error.code().number() as u64,
                code.as_u64().unwrap(),
                "{ctx}"
            );
            return;
        }
        let outcome = result.unwrap_or_else(|e| panic!("{ctx}: {e}"));
        if let Some(confirm) = step.get("expect_confirm") {
            assert_eq!(outcome.confirm.name(), confirm.as_str().unwrap(), "{ctx}");
        }
        if let Some(ret) = step.get("expect_return") {
            assert_eq!(outcome.returned, !ret.is_null(), "{ctx}: returned");
        }
    }

    fn get(&mut self, step: &Json, ctx: &str) {
        let queue = step["queue"].as_str().unwrap();
        let auto_ack = step["no_ack"].as_bool().unwrap_or(true);
        let got = self
            .broker
            .get(VHOST, queue, CH, auto_ack, self.now)
            .unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let want_json = expected(step, "expect", self.profile());
        let want = want_json.as_str().map(|b| self.body(b));
        let got_body = got.as_ref().map(|g| self.text(&g.delivery));
        assert_eq!(got_body, want, "{ctx}");
        let Some(got) = got else { return };
        if let Some(tag) = step["tag"].as_str() {
            self.tags.insert(tag.to_owned(), got.delivery.delivery_tag);
        }
        // The other expectations describe the 3.10.8 message; a version override of the body
        // means this profile got another message, so they do not apply.
        if *want_json != step["expect"] {
            return;
        }
        let message = &got.delivery.message;
        if let Some(redelivered) = step.get("expect_redelivered") {
            assert_eq!(
                message.redelivered,
                redelivered.as_bool().unwrap(),
                "{ctx}: redelivered"
            );
        }
        let headers = message.properties.headers.to_json();
        let deaths = headers["x-death"].as_array().cloned().unwrap_or_default();
        if let Some(len) = step.get("expect_xdeath_len") {
            assert_eq!(
                deaths.len() as u64,
                len.as_u64().unwrap(),
                "{ctx}: x-death {headers}"
            );
        }
        if let Some(subset) = step.get("expect_xdeath0") {
            assert_subset(subset, deaths.first().unwrap_or(&Json::Null), ctx);
        }
        if let Some(subset) = step.get("expect_headers") {
            assert_subset(subset, &headers, ctx);
        }
        if let Some(expiration) = step.get("expect_expiration") {
            let want = expiration.as_str().map(str::to_owned);
            assert_eq!(message.properties.expiration, want, "{ctx}: expiration");
        }
    }

    fn settle(&mut self, op: &str, step: &Json, ctx: &str) {
        let tag = self.tags[step["tag"].as_str().unwrap()];
        let multiple = step["multiple"].as_bool().unwrap_or(false);
        let requeue = step["requeue"].as_bool().unwrap_or(true);
        let result = match op {
            "ack" => self.broker.ack(CH, tag, multiple, self.now),
            "nack" => self.broker.nack(CH, tag, multiple, requeue, self.now),
            _ => self.broker.reject(CH, tag, requeue, self.now),
        };
        result.unwrap_or_else(|e| panic!("{ctx}: {e}"));
    }

    fn consume(&mut self, step: &Json, ctx: &str) {
        let mut options = ConsumeOptions::new(CH, step["consumer"].as_str().unwrap());
        options.prefetch = step["prefetch"].as_u64().unwrap_or(0) as u32;
        options.auto_ack = step["no_ack"].as_bool().unwrap_or(true);
        options.exclusive = step["exclusive"].as_bool().unwrap_or(false);
        let result = self
            .broker
            .consume(VHOST, step["queue"].as_str().unwrap(), options, self.now);
        match step.get("expect_error") {
            Some(code) => {
                let error = result.expect_err(ctx);
                assert_eq!(
                    error.code().number() as u64,
                    code.as_u64().unwrap(),
                    "{ctx}"
                );
            }
            None => result.unwrap_or_else(|e| panic!("{ctx}: {e}")),
        }
    }
}

/// Every key of `subset` is in `actual` with an equal JSON value.
fn assert_subset(subset: &Json, actual: &Json, ctx: &str) {
    for (key, want) in subset.as_object().unwrap() {
        assert_eq!(actual.get(key), Some(want), "{ctx}: `{key}` in {actual}");
    }
}

fn run_group(group: &Json, profile: Profile) -> usize {
    let id = group["id"].as_str().unwrap();
    let mut broker = Broker::new(profile);
    for q in str_list(&group["queues"]) {
        let mut decl = QueueDecl::new(q["name"].as_str().unwrap());
        decl.arguments = table(&q["args"]);
        broker
            .declare_queue(VHOST, decl)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    let mut run = Run {
        id,
        broker,
        now: 0,
        repeat: group["body_repeat"].as_u64().unwrap_or(1) as usize,
        tags: BTreeMap::new(),
        fresh: BTreeMap::new(),
        unacked: BTreeMap::new(),
    };
    run.collect();
    let steps = str_list(&group["steps"]);
    for step in &steps {
        run.step(step);
    }
    steps.len()
}

#[test]
fn queue_scenario_vectors() {
    let Some(all) = vectors::load() else { return };
    for profile in Profile::ALL {
        let (mut groups, mut steps) = (0, 0);
        for group in str_list(&all["queue_scenarios"]) {
            let n = run_group(group, profile);
            eprintln!(
                "queue_scenarios {} under {profile}: {n} steps passed",
                group["id"]
            );
            groups += 1;
            steps += n;
        }
        eprintln!("queue_scenarios under {profile}: {groups} groups, {steps} steps passed");
        assert!(groups >= 26);
    }
}
