//! Properties of the engine over random seeds and random failure scripts on the example
//! scenario: the same inputs give the same trace; stepping back N events gives the state N
//! events earlier; seeking back then forth lands on the state a straight run reaches.

use proptest::prelude::*;
use switchyard_core::sim::scenario::{Action, ScriptStep};
use switchyard_core::sim::trace::to_json;
use switchyard_core::sim::{Options, Scenario, SimTime, Simulation};

fn action() -> impl Strategy<Value = ScriptStep> {
    let consumer = prop::sample::select(vec!["mailer-1", "mailer-2"]).prop_map(str::to_owned);
    let action = prop_oneof![
        consumer
            .clone()
            .prop_map(|consumer| Action::StopConsumer { consumer }),
        consumer
            .clone()
            .prop_map(|consumer| Action::StartConsumer { consumer }),
        consumer.prop_map(|consumer| Action::CrashConsumer { consumer }),
        Just(Action::RestartBroker),
    ];
    (0u64..8_000_000, action).prop_map(|(at, action)| ScriptStep { at, action })
}

fn build(seed: u64, script: &[ScriptStep]) -> Simulation {
    let text = include_str!("../../../../scenarios/orders-topic.json");
    let mut s = Scenario::from_json_text(text).unwrap();
    s.seed = seed;
    s.script = script.to_vec();
    Simulation::new(s, Options::default()).unwrap()
}

fn snapshot(sim: &Simulation) -> String {
    let trace: Vec<String> = sim
        .trace()
        .events()
        .map(|e| to_json(&e, sim.world()).to_string())
        .collect();
    let queue = sim.broker().queue("/", "email-notifications").unwrap();
    format!(
        "{} {} {}\n{}\n{:?}\n{:?}",
        sim.now(),
        sim.steps(),
        sim.summary(),
        trace.join("\n"),
        queue.message_ids(),
        sim.broker().unsettled()
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn same_inputs_same_trace(seed in any::<u64>(), script in prop::collection::vec(action(), 0..6)) {
        let mut a = build(seed, &script);
        let mut b = build(seed, &script);
        a.run_until(SimTime::from_ms(8_000)).unwrap();
        b.run_until(SimTime::from_ms(8_000)).unwrap();
        prop_assert_eq!(snapshot(&a), snapshot(&b));
    }

    #[test]
    fn back_n_is_n_earlier(seed in any::<u64>(), script in prop::collection::vec(action(), 0..6),
                           at in 0u64..3000, n in 1u64..300) {
        let mut s = build(seed, &script);
        s.run_until(SimTime::from_ms(at)).unwrap();
        s.step();
        let before = snapshot(&s);
        for _ in 0..n {
            s.step();
        }
        for _ in 0..n {
            s.step_back();
        }
        prop_assert_eq!(snapshot(&s), before);
    }

    #[test]
    fn seeking_lands_where_a_straight_run_does(seed in any::<u64>(),
                                               script in prop::collection::vec(action(), 0..6),
                                               targets in prop::collection::vec(0u64..8000, 1..5)) {
        let mut s = build(seed, &script);
        s.run_until(SimTime::from_ms(8_000)).unwrap();
        for t in targets {
            s.seek(SimTime::from_ms(t)).unwrap();
            let mut fresh = build(seed, &script);
            fresh.run_until(SimTime::from_ms(t)).unwrap();
            prop_assert_eq!(snapshot(&s), snapshot(&fresh));
        }
    }
}
