//! `switchyard run` with a flow: `--style` picks the style (the summary's `flow` section says
//! whom the triggering service depends on), `--compare` prints both styles side by side, and
//! every misuse exits 2 with a message naming what is wrong.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
use common::run;

use std::process::Output;

const PAYMENT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/payment-flow.json"
);
const ORDERS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../scenarios/orders-topic.json"
);

fn json(out: &Output) -> serde_json::Value {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn style_chooses_how_the_flow_runs() {
    let cases = [("orchestration", 0, 3), ("choreography", 1, 0)];
    for (style, publishes, dependencies) in cases {
        let out = run(&["run", PAYMENT, "--until", "5s", "--style", style]);
        let summary = json(&out);
        let flow = &summary["flow"];
        let published = summary["messages"]["published"].as_u64().unwrap();
        assert_eq!(published > 0, publishes == 1, "{style}: {summary}");
        let depends = flow["trigger_depends_on"].as_array().unwrap();
        assert_eq!(depends.len(), dependencies, "{style}: {flow}");
        assert!(flow["caller"]["requests"].as_u64().unwrap() > 20, "{flow}");
    }
}

#[test]
fn compare_prints_both_styles_on_the_same_load() {
    let out = run(&["run", PAYMENT, "--until", "60s", "--compare"]);
    let c = json(&out);
    let styles = &c["styles"];
    let (o, ch) = (&styles["orchestration"], &styles["choreography"]);
    assert_eq!(o["caller"]["requests"], ch["caller"]["requests"]);
    let p50 = |s: &serde_json::Value| s["caller"]["response_ms"]["p50"].as_f64().unwrap();
    assert!(p50(ch) < p50(o), "{c}");
    assert!(o["caller"]["failed_during_outage"].as_u64().unwrap() > 0);
    assert_eq!(ch["caller"]["failed_during_outage"], 0);
    assert_eq!(ch["trigger_depends_on"], serde_json::json!([]));
    assert!(ch["max_backlog"]["order"].as_u64().unwrap() > 100);
    assert_eq!(c["seed"], 7);
}

#[test]
fn misuse_exits_2_with_a_clear_message() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", PAYMENT, "--until", "1s", "--style", "mesh"],
            "`mesh`: expected orchestration or choreography",
        ),
        (
            &["run", ORDERS, "--until", "1s", "--style", "choreography"],
            "--style needs a scenario with a flow",
        ),
        (
            &["run", ORDERS, "--until", "1s", "--compare"],
            "--compare needs a scenario with a flow",
        ),
        (
            &[
                "run",
                PAYMENT,
                "--until",
                "1s",
                "--compare",
                "--style",
                "choreography",
            ],
            "cannot be used with",
        ),
    ];
    for (args, expected) in cases {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
