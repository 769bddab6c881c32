//! Integration tests of the core, built as one binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod conformance;
mod consumer_tags;
mod dlx_at_least_once;
mod dlx_at_least_once_config;
mod explain_text;
mod hostile;
mod presets;
mod queue_accounting;
mod queue_conformance;
mod queue_observed;
mod sim;
mod sim_added;
mod sim_dlx_at_least_once;
mod sim_edits;
mod sim_flow_patterns;
mod sim_flows;
mod sim_losses;
mod sim_messages;
mod sim_patterns;
mod sim_props;
mod sim_reconnect;
mod sim_scenario;
mod sim_styles;
mod vectors;
