//! Scenario files: each kind of mistake gives a message naming the field's path.

use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

const BASE: &str = r##"{"switchyard": 1, "name": "t", "seed": 1,
  "topology": {"exchanges": [{"name": "x", "vhost": "/", "type": "topic", "durable": true}],
               "queues": [{"name": "q", "vhost": "/", "durable": true}],
               "bindings": [{"source": "x", "vhost": "/", "destination": "q", "destination_type": "queue", "routing_key": "#"}]},
  "actors": {"producers": [PRODUCER], "consumers": [CONSUMER]},
  "script": [SCRIPT]}"##;
const PRODUCER: &str = r#"{"name": "p", "exchange": "x", "routing_key": "a.{r}", "choices": {"r": ["eu"]}, "rate": {"kind": "fixed", "per_second": 10}}"#;
const CONSUMER: &str = r#"{"name": "c", "queue": "q", "prefetch": 5}"#;

/// The scenario with one part replaced, built: `Ok(())` or the error text.
fn check(part: &str, with: &str, expected: &str) {
    let text = BASE
        .replace("PRODUCER", PRODUCER)
        .replace("CONSUMER", CONSUMER)
        .replace("SCRIPT", "")
        .replace(part, with);
    let got = Scenario::from_json_text(&text)
        .and_then(|s| Simulation::new(s, Options::default()).map(|_| ()))
        .map_or_else(|e| e.to_string(), |()| "ok".to_owned());
    assert_eq!(got, expected, "{part} -> {with}");
}

#[test]
fn counts_have_limits() {
    let many = vec![CONSUMER; 1001].join(",");
    check(
        CONSUMER,
        &many,
        "actors.consumers: 1001 entries is more than the 1000 allowed",
    );
    let key = format!("\"routing_key\": \"{}\"", "k".repeat(5000));
    check(
        "\"routing_key\": \"a.{r}\"",
        &key,
        "actors.producers[0].routing_key: 5000 bytes is more than the 4096 allowed",
    );
    let big = PRODUCER.replace(
        "\"name\": \"p\"",
        "\"name\": \"p\", \"body_bytes\": 1048576",
    );
    let many = vec![big.as_str(); 17].join(",");
    check(
        PRODUCER,
        &many,
        "actors.producers: the bodies add up to 17 MiB, more than the 16 MiB allowed",
    );
    let two = format!("{CONSUMER},{CONSUMER}");
    check(
        CONSUMER,
        &two,
        "actors.consumers[1].name: `c` is used twice",
    );
}

#[test]
fn errors_name_the_field() {
    check("", "", "ok");
    check(
        "{\"switchyard\": 1,",
        "{",
        "switchyard: is missing: a scenario file starts with {\"switchyard\": 1, ...}",
    );
    // A name that is not a plain word is quoted, so the path stays readable.
    check(
        "\"seed\": 1",
        "\"seed\": 1, \"layout\": {\"\": {\"x\": 1, \"y\": \"a\"}}",
        "layout[\"\"].y: expected a number from -1000000 to 1000000",
    );
    check(
        "\"seed\": 1",
        "\"seed\": 1, \"layout\": {\"my.queue 2\": {\"x\": 1}}",
        "layout[\"my.queue 2\"].y: is missing",
    );
    check(
        "\"switchyard\": 1",
        "\"switchyard\": 2",
        "switchyard: version 2 is not supported (this build reads version 1)",
    );
    check(
        "\"seed\": 1",
        "\"seed\": 1, \"sede\": 2",
        "sede: unknown field (expected one of: switchyard, name, description, seed, topology, latency_ms, actors, layout, script, lesson, sample_every_ms, flow)",
    );
    check(
        "\"prefetch\": 5",
        "\"prefetch\": 70000",
        "actors.consumers[0].prefetch: expected a number from 0 to 65535",
    );
    check(
        "\"prefetch\": 5",
        "\"priority\": 1.5",
        "actors.consumers[0].priority: expected a whole number from -2147483648 to 2147483647",
    );
    check(
        "\"prefetch\": 5",
        "\"prefech\": 5",
        "actors.consumers[0].prefech: unknown field (expected one of: name, vhost, queue, prefetch, auto_ack, processing_ms, failure_probability, on_failure, crash_probability, recover_after_ms, start_ms, replies, exclusive, priority, append_to)",
    );
    check(
        "\"queue\": \"q\"",
        "\"queue\": \"nope\"",
        "actors.consumers[0].queue: queue `nope` is not declared in vhost `/`",
    );
    check(
        "\"exchange\": \"x\"",
        "\"exchange\": \"y\"",
        "actors.producers[0].exchange: exchange `y` is not declared in vhost `/`",
    );
    check(
        "a.{r}",
        "a.{region}",
        "actors.producers[0].routing_key: `{region}` is not one of the producer's choices",
    );
    check(
        "\"per_second\": 10",
        "\"per_second\": 0",
        "actors.producers[0].rate.per_second: expected a number from 0.000001 to 1000000",
    );
    check(
        "\"kind\": \"fixed\"",
        "\"kind\": \"steady\"",
        "actors.producers[0].rate.kind: expected one of: fixed, poisson, bursts, script",
    );
    check(
        "[\"eu\"]",
        "[[\"eu\", -1]]",
        "actors.producers[0].choices.r[0]: expected a string or [string, weight] with a weight from 0 to 1000000",
    );
    check(
        "\"script\": []",
        "\"script\": [{\"at_ms\": 5, \"action\": \"crash_consumer\", \"consumer\": \"d\"}]",
        "script[0].consumer: no consumer is named `d`",
    );
    check(
        "\"script\": []",
        "\"script\": [{\"at_ms\": 5, \"action\": \"explode\"}]",
        "script[0].action: expected one of: stop_consumer, start_consumer, crash_consumer, \
         restart_broker, set_rate, set_processing, stop_producer, start_producer, publish, send, \
         add_consumer, add_producer, take_down, bring_back, fail_service, heal_service, set_exchange_type, declare, unbind, delete_queue, delete_exchange, replay_projection",
    );
    check(
        "\"script\": []",
        "\"script\": [{\"at_ms\": -1, \"action\": \"restart_broker\"}]",
        "script[0].at_ms: expected a number from 0 to 1000000000",
    );
    check(
        "\"type\": \"topic\"",
        "\"type\": \"topics\"",
        "topology.exchanges[0].type: unknown exchange type `topics`: expected direct, fanout, topic or headers",
    );
    check(
        "\"script\": []",
        "\"script\": [{\"at_ms\": 5, \"action\": \"declare\", \"definitions\": {\"exchanges\": [{\"name\": \"a\", \"type\": \"direct\"}, {\"name\": \"later\", \"type\": \"x-delayed-message\"}]}}]",
        "script[0].definitions.exchanges[1].type: x-delayed-message is a plugin's exchange type: \
         Switchyard does not model it, so a step cannot declare one",
    );
    check(
        "\"script\": []",
        "\"script\": [{\"at_ms\": 5, \"action\": \"declare\", \"definitions\": {\"queues\": [{\"name\": \"log\", \"arguments\": {\"x-queue-type\": \"stream\"}}]}}]",
        "script[0].definitions.queues[0]: a stream queue: Switchyard does not model stream queues, \
         so a step cannot declare one",
    );
    check(
        "\"name\": \"c\",",
        "\"name\": \"p\", \"processing_ms\": {\"uniform\": [5, 1]},",
        "actors.consumers[0].processing_ms.uniform: expected [min, max] with 0 <= min <= max",
    );
    check(
        "{\"switchyard\"",
        "[{\"switchyard\"",
        "not valid JSON (line 6, column 15): EOF while parsing a list",
    );
}

#[test]
fn a_written_scenario_reads_back_the_same() {
    for text in [
        include_str!("../../../../scenarios/orders-topic.json"),
        include_str!("../../../../scenarios/reference.json"),
        include_str!("../../../../scenarios/payment-flow.json"),
        include_str!("../../../../scenarios/saga.json"),
        include_str!("../../../../scenarios/circuit-breaker.json"),
    ] {
        let scenario = Scenario::from_json_text(text).unwrap();
        let written = scenario.to_json().unwrap();
        let again = Scenario::from_json(&written).unwrap();
        assert_eq!(again.to_json().unwrap(), written);
        assert_eq!(again.producers.len(), scenario.producers.len());
        assert_eq!(again.consumers, scenario.consumers);
        assert_eq!(again.script, scenario.script);
        assert_eq!(again.lesson, scenario.lesson);
        assert_eq!(again.flow, scenario.flow);
        assert_eq!(again.topology.queues, scenario.topology.queues);
    }
}

/// A consumer's `priority` reaches the broker: on a (4.x) quorum queue with single active
/// consumer, a higher-priority consumer that starts later makes the standby quiesce, then takes
/// over once the standby's deliveries are settled.
#[test]
fn a_higher_priority_consumer_takes_over_a_single_active_quorum_queue() {
    let text = r#"{"switchyard": 1, "name": "t", "seed": 1,
      "topology": {"queues": [{"name": "q", "arguments":
        {"x-queue-type": "quorum", "x-single-active-consumer": true}}]},
      "actors": {
        "producers": [{"name": "p", "exchange": "", "routing_key": "q",
          "rate": {"kind": "fixed", "per_second": 20}}],
        "consumers": [
          {"name": "standby", "queue": "q", "prefetch": 5, "processing_ms": 200},
          {"name": "primary", "queue": "q", "prefetch": 5, "processing_ms": 10,
           "priority": 10, "start_ms": 2000}]}}"#;
    let scenario = Scenario::from_json_text(text).unwrap();
    let mut sim = Simulation::new(scenario, Options::default()).unwrap();
    let active = |sim: &Simulation| {
        let q = sim.broker().queue("/", "q")?;
        q.single_active()
            .map(|(tag, quiescing)| (tag.to_owned(), quiescing))
    };
    sim.run_until(SimTime::from_ms(1990)).unwrap();
    assert_eq!(active(&sim), Some(("standby".into(), false)));
    sim.run_until(SimTime::from_ms(2100)).unwrap();
    assert_eq!(active(&sim), Some(("standby".into(), true)));
    sim.run_until(SimTime::from_ms(5000)).unwrap();
    assert_eq!(active(&sim), Some(("primary".into(), false)));
}

/// A RabbitMQ definitions export opens as a scenario with its topology and no actors; its
/// mistakes are named by their path in the export.
#[test]
fn a_definitions_export_opens_as_a_topology_without_actors() {
    let export = r#"{"rabbit_version": "3.12.4", "users": [], "vhosts": [{"name": "/"}],
      "permissions": [], "parameters": [], "policies": [],
      "exchanges": [{"name": "orders", "vhost": "/", "type": "topic", "durable": true,
                     "auto_delete": false, "internal": false, "arguments": {}}],
      "queues": [{"name": "emails", "vhost": "/", "durable": true, "auto_delete": false,
                  "arguments": {"x-queue-type": "quorum"}}],
      "bindings": [{"source": "orders", "vhost": "/", "destination": "emails",
                    "destination_type": "queue", "routing_key": "order.#", "arguments": {}}]}"#;
    let scenario = Scenario::from_json_text(export).unwrap();
    assert_eq!(scenario.name, "Definitions exported from RabbitMQ 3.12.4");
    assert!(scenario.producers.is_empty() && scenario.consumers.is_empty());
    let mut sim = Simulation::new(scenario, Options::default()).unwrap();
    sim.run_until(SimTime::from_ms(1000)).unwrap();
    let route = sim
        .broker()
        .explain(
            "/",
            &switchyard_core::Publish::new("orders", "order.eu.created"),
        )
        .unwrap();
    assert!(route.to_string().contains("`emails`"), "{route}");
    let broken = export.replace(r#""type": "topic""#, r#""type": "topical""#);
    let error = Scenario::from_json_text(&broken).unwrap_err().to_string();
    assert!(error.starts_with("exchanges[0].type: "), "{error}");
}

/// An export with stream queues (not modelled) still opens: the stream queues and the bindings
/// to them are left out, said in words, and the rest routes as on the broker. A later mistake
/// keeps its own path in the export.
#[test]
fn a_definitions_export_with_stream_queues_opens_without_them_and_says_so() {
    let export = r##"{"rabbit_version": "3.13.1", "vhosts": [{"name": "/"}, {"name": "audit"}],
      "exchanges": [{"name": "orders", "vhost": "/", "type": "topic", "durable": true,
                     "auto_delete": false, "internal": false, "arguments": {}}],
      "queues": [{"name": "order-log", "vhost": "/", "durable": true, "auto_delete": false,
                  "arguments": {"x-queue-type": "stream", "x-max-age": "7D"}},
                 {"name": "emails", "vhost": "/", "durable": true, "auto_delete": false,
                  "arguments": {}},
                 {"name": "trail", "vhost": "audit", "durable": true, "auto_delete": false,
                  "type": "stream", "arguments": {}}],
      "bindings": [{"source": "orders", "vhost": "/", "destination": "order-log",
                    "destination_type": "queue", "routing_key": "#", "arguments": {}},
                   {"source": "orders", "vhost": "/", "destination": "emails",
                    "destination_type": "queue", "routing_key": "order.*", "arguments": {}},
                   {"source": "orders", "vhost": "/", "destination": "order-log",
                    "destination_type": "queue", "routing_key": "audit.#", "arguments": {}}]}"##;
    let scenario = Scenario::from_json_text(export).unwrap();
    let note = scenario.topology.left_out_note().unwrap();
    assert!(
        note.starts_with(
            "Left out 2 stream queues ('order-log', 'trail' (vhost 'audit')) and the 2 bindings \
             to them: Switchyard does not model stream queues yet"
        ),
        "{note}"
    );
    assert!(
        scenario.description.ends_with(&note),
        "{}",
        scenario.description
    );
    let sim = Simulation::new(scenario, Options::default()).unwrap();
    let route = sim
        .broker()
        .explain(
            "/",
            &switchyard_core::Publish::new("orders", "order.created"),
        )
        .unwrap()
        .to_string();
    assert!(route.contains("routed to 1 queue: `emails`"), "{route}");
    let world = sim.world();
    assert!(world.queue("/", "order-log").is_none());
    assert!(world.queue("/", "emails").is_some());
    // Nothing left out, no note; a mistake after a stream queue is named by its own index.
    let plain = Scenario::from_json_text(&export.replace("\"stream\"", "\"classic\"")).unwrap();
    assert_eq!(plain.topology.left_out_note(), None);
    let broken = export.replace(
        r#""arguments": {}},
                 {"name": "trail""#,
        r#""arguments": {"x-max-length": -1}},
                 {"name": "trail""#,
    );
    assert_ne!(broken, export);
    let error = Simulation::new(
        Scenario::from_json_text(&broken).unwrap(),
        Options::default(),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(error.contains("queues[1]"), "{error}");
}

#[test]
fn a_definitions_export_with_exchanges_of_plugin_types_opens_without_them_and_says_so() {
    // A delayed-message exchange bound to a queue, and a consistent-hash exchange bound from a
    // topic exchange: a broker without those plugins refuses both; the rest still routes.
    let export = r##"{"rabbit_version": "3.13.7",
      "exchanges": [
        {"name": "later", "vhost": "/", "type": "x-delayed-message", "durable": true,
         "auto_delete": false, "internal": false, "arguments": {"x-delayed-type": "direct"}},
        {"name": "orders", "vhost": "/", "type": "topic", "durable": true, "auto_delete": false,
         "internal": false, "arguments": {}},
        {"name": "shards", "vhost": "/", "type": "x-consistent-hash", "durable": true,
         "auto_delete": false, "internal": false, "arguments": {}}],
      "queues": [{"name": "emails", "vhost": "/", "durable": true, "auto_delete": false, "arguments": {}},
                 {"name": "log", "vhost": "/", "durable": true, "auto_delete": false,
                  "arguments": {"x-queue-type": "stream"}}],
      "bindings": [{"source": "later", "vhost": "/", "destination": "emails",
                    "destination_type": "queue", "routing_key": "email", "arguments": {}},
                   {"source": "orders", "vhost": "/", "destination": "shards",
                    "destination_type": "exchange", "routing_key": "#", "arguments": {}},
                   {"source": "orders", "vhost": "/", "destination": "emails",
                    "destination_type": "queue", "routing_key": "order.*", "arguments": {}},
                   {"source": "orders", "vhost": "/", "destination": "log",
                    "destination_type": "queue", "routing_key": "#", "arguments": {}}]}"##;
    let scenario = Scenario::from_json_text(export).unwrap();
    let note = scenario.topology.left_out_note().unwrap();
    assert_eq!(
        note,
        "Left out the stream queue 'log' and 2 exchanges of plugin types ('later' \
         (x-delayed-message), 'shards' (x-consistent-hash)) and the 3 bindings to or from them: \
         Switchyard does not model stream queues or exchange types of plugins yet, so what is \
         routed to them is not shown (and is not written when the scenario is exported)."
    );
    let sim = Simulation::new(scenario, Options::default()).unwrap();
    let route = (sim.broker())
        .explain(
            "/",
            &switchyard_core::Publish::new("orders", "order.created"),
        )
        .unwrap()
        .to_string();
    assert!(route.contains("routed to 1 queue: `emails`"), "{route}");
    assert!(!route.contains("shards"), "{route}");
    assert!(sim.world().exchange("/", "later").is_none());
    // One plugin exchange alone, in another vhost.
    let one = r##"{"exchanges": [{"name": "later", "vhost": "shop", "type": "x-delayed-message",
        "arguments": {}}], "queues": [], "bindings": []}"##;
    let note = (Scenario::from_json_text(one).unwrap().topology)
        .left_out_note()
        .unwrap();
    assert!(
        note.starts_with(
            "Left out the exchange 'later' (vhost 'shop') of the plugin type x-delayed-message: \
             Switchyard does not model exchange types of plugins, so what is routed to it"
        ),
        "{note}"
    );
    // A type that is no plugin's is still a mistake.
    let typo = export.replace("\"topic\"", "\"topc\"");
    let error = Scenario::from_json_text(&typo).err().unwrap().to_string();
    assert_eq!(
        error,
        "exchanges[1].type: unknown exchange type `topc`: expected direct, fanout, topic or headers"
    );
}
