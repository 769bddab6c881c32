//! Headers exchange, after `rabbit_exchange_type_headers.erl`: the routing key is ignored and a
//! binding matches when the message headers satisfy its arguments under the binding's `x-match`
//! mode (`all`, `any`, `all-with-x`, `any-with-x`). Each binding's arguments are compiled once at
//! bind time into a mode and a list of tests, so routing never re-reads argument tables. Value
//! equality is `crate::value::routing_eq`, which owns the version differences (1 vs 1.0,
//! timestamps); this module owns which arguments are tested and how their verdicts combine, and
//! knows nothing of queues or the route walk.

mod explain;
mod text;

use std::fmt;

pub use explain::{ArgCheck, Decision, Expected, Explanation, IgnoreReason, Outcome, VersionRule};

use super::{BindingSlot, Matcher, RoutingInput};
use crate::error::BrokerError;
use crate::order::json_text;
use crate::profile::Profile;
use crate::value::{Table, Value, routing_eq};
use crate::vec_map::VecMap;

/// The binding argument that selects the mode.
pub const X_MATCH: &str = "x-match";

/// One headers exchange's bindings, compiled.
#[derive(Debug, Clone, Default)]
pub struct Headers {
    bindings: VecMap<BindingSlot, Compiled>,
}

/// A binding's `x-match` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Mode {
    /// Every tested argument must hold; `x-` arguments are not tested. The default.
    #[default]
    All,
    /// One tested argument must hold; `x-` arguments are not tested.
    Any,
    /// As `all`, but `x-` arguments (other than `x-match`) are tested too. RabbitMQ 3.10+.
    AllWithX,
    /// As `any`, but `x-` arguments (other than `x-match`) are tested too. RabbitMQ 3.10+.
    AnyWithX,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::All, Mode::Any, Mode::AllWithX, Mode::AnyWithX];

    /// The `x-match` value naming this mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::All => "all",
            Mode::Any => "any",
            Mode::AllWithX => "all-with-x",
            Mode::AnyWithX => "any-with-x",
        }
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// `any` and `any-with-x`: one argument that holds is enough, and nothing to test is no match.
    pub fn needs_one(self) -> bool {
        matches!(self, Mode::Any | Mode::AnyWithX)
    }

    /// `all-with-x` and `any-with-x`: `x-` arguments other than `x-match` are tested.
    pub fn tests_x_arguments(self) -> bool {
        matches!(self, Mode::AllWithX | Mode::AnyWithX)
    }

    /// Why this mode does not test the argument `name`, if it does not.
    pub fn ignores(self, name: &str) -> Option<IgnoreReason> {
        if name == X_MATCH {
            Some(IgnoreReason::XMatch)
        } else if name.starts_with("x-") && !self.tests_x_arguments() {
            Some(IgnoreReason::XArgument)
        } else {
            None
        }
    }

    /// A binding's mode and whether it was defaulted. Like RabbitMQ's `parse_x_match`, anything
    /// but a valid longstr means `all`; `validate` refuses such bindings before they get here.
    pub fn of_binding(args: &Table) -> (Mode, bool) {
        match args.get_str(X_MATCH).and_then(Mode::from_name) {
            Some(mode) => (mode, false),
            None => (Mode::All, true),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A binding's arguments as routing needs them.
#[derive(Debug, Clone, PartialEq)]
struct Compiled {
    mode: Mode,
    /// The tested arguments in binding order: name and expected value (`None`: presence test).
    tests: Vec<(String, Option<Value>)>,
}

impl Compiled {
    fn new(args: &Table) -> Compiled {
        let (mode, _) = Mode::of_binding(args);
        let tests = args
            .iter()
            .filter(|(name, _)| mode.ignores(name).is_none())
            .map(|(name, value)| (name.to_owned(), expectation(value)))
            .collect();
        Compiled { mode, tests }
    }

    fn matches(&self, headers: &Table, profile: Profile) -> bool {
        let mut verdicts = self
            .tests
            .iter()
            .map(|(name, expected)| holds(expected.as_ref(), headers.get(name), profile));
        if self.mode.needs_one() {
            verdicts.any(|v| v)
        } else {
            verdicts.all(|v| v)
        }
    }
}

/// A void argument only tests presence; any other value must be equal.
fn expectation(arg: &Value) -> Option<Value> {
    match arg {
        Value::Void => None,
        other => Some(other.clone()),
    }
}

/// Whether one tested argument holds for the header found under its name.
fn holds(expected: Option<&Value>, header: Option<&Value>, profile: Profile) -> bool {
    match (expected, header) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(arg), Some(header)) => routing_eq(arg, header, profile),
    }
}

impl Matcher for Headers {
    type Explanation = Explanation;

    fn validate(_key: &str, args: &Table, _profile: Profile) -> Result<(), BrokerError> {
        match args.get(X_MATCH) {
            None => Ok(()),
            Some(Value::Str(s)) if Mode::from_name(s).is_some() => Ok(()),
            // RabbitMQ prints the value as an Erlang term: `<<"none">>`.
            Some(Value::Str(s)) => Err(BrokerError::InvalidXMatch {
                value: format!("<<{s:?}>>"),
            }),
            Some(other) => Err(BrokerError::InvalidXMatchType {
                type_name: other.type_name(),
                value: match other {
                    Value::Binary(b) => format!("<<{:?}>>", String::from_utf8_lossy(b)),
                    Value::Void => "undefined".to_owned(),
                    other => json_text(&other.to_json()),
                },
            }),
        }
    }

    fn insert(&mut self, slot: BindingSlot, _key: &str, args: &Table) {
        self.bindings.insert(slot, Compiled::new(args));
    }

    fn remove(&mut self, slot: BindingSlot, _key: &str, _args: &Table) {
        self.bindings.remove(&slot);
    }

    fn matches(&self, msg: &RoutingInput<'_>, profile: Profile, out: &mut Vec<BindingSlot>) {
        out.extend(
            self.bindings
                .iter()
                .filter(|(_, binding)| binding.matches(msg.headers, profile))
                .map(|(slot, _)| *slot),
        );
    }

    fn explain(
        _key: &str,
        args: &Table,
        msg: &RoutingInput<'_>,
        profile: Profile,
    ) -> (bool, Explanation) {
        let explanation = Explanation::new(args, msg.headers, profile);
        (explanation.matched, explanation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ReplyCode;
    use crate::exchange::testing::route;
    use crate::value::testing::{s, table as t};
    use Value::{Bool, Float, Int, Timestamp, Void};

    const BOTH: &[Profile] = &Profile::ALL;
    const V4: &[Profile] = &[Profile::RabbitMq4];
    const V310: &[Profile] = &[Profile::RabbitMq310];

    fn xm(mode: &str) -> (&'static str, Value) {
        (X_MATCH, s(mode))
    }

    fn verdicts(args: &Table, headers: &Table, profile: Profile) -> (bool, Explanation) {
        let mut index = Headers::default();
        index.insert(BindingSlot(7), "ignored.routing.key", args);
        let keys = vec!["rk".to_owned()];
        let msg = RoutingInput {
            keys: &keys,
            headers,
        };
        let mut out = Vec::new();
        index.matches(&msg, profile, &mut out);
        let (explained, explanation) = Headers::explain("rk", args, &msg, profile);
        assert_eq!(out == [BindingSlot(7)], explained, "{explanation}");
        assert_eq!(explanation.matched, explained);
        (explained, explanation)
    }

    fn check(
        args: &[(&str, Value)],
        headers: &[(&str, Value)],
        profiles: &[Profile],
        expected: bool,
    ) {
        let (args, headers) = (t(args), t(headers));
        assert_eq!(Headers::validate("", &args, Profile::default()), Ok(()));
        for &profile in profiles {
            let (matched, why) = verdicts(&args, &headers, profile);
            assert_eq!(
                matched, expected,
                "{profile}: {args:?} vs {headers:?}: {why}"
            );
        }
    }

    #[test]
    #[rustfmt::skip]
    fn modes_and_empty_sets() {
        let (o, u) = (("org", s("o")), ("user", s("u")));
        check(&[], &[], BOTH, true);
        check(&[], &[("z", s("z"))], BOTH, true);
        check(&[xm("all")], &[], BOTH, true);
        check(&[xm("all")], &[("a", s("1"))], BOTH, true);
        check(&[xm("any")], &[], BOTH, false);
        check(&[xm("any")], &[("a", s("1"))], BOTH, false);
        check(&[xm("all-with-x")], &[], BOTH, true);
        check(&[xm("any-with-x")], &[xm("any-with-x")], BOTH, false);
        check(&[o.clone(), u.clone()], &[o.clone(), u.clone()], BOTH, true);
        check(&[o.clone(), u.clone()], &[o.clone(), ("user", s("h"))], BOTH, false);
        check(&[o.clone(), u.clone()], &[("org", s("o"))], BOTH, false);
        check(&[("org", s("o"))], &[o.clone(), ("extra", s("e"))], BOTH, true);
        check(&[xm("any"), o.clone(), u.clone()], &[("org", s("g")), u.clone()], BOTH, true);
        check(&[xm("any"), o.clone(), u.clone()], &[("org", s("g")), ("user", s("h"))], BOTH, false);
        check(&[xm("any"), o, u], &[], BOTH, false);
    }

    #[test]
    #[rustfmt::skip]
    fn x_arguments() {
        let all = [xm("all"), ("x-foo", s("bar")), ("k", s("v"))];
        check(&all, &[("k", s("v"))], BOTH, true);
        check(&all, &[("k", s("v")), ("x-foo", s("baz"))], BOTH, true);
        check(&[xm("any"), ("x-foo", s("bar"))], &[("x-foo", s("bar"))], BOTH, false);
        check(&[("x-foo", s("bar"))], &[], BOTH, true);
        let all_x = [xm("all-with-x"), ("x-foo", s("bar")), ("k", s("v"))];
        check(&all_x, &[("k", s("v"))], BOTH, false);
        check(&all_x, &[("k", s("v")), ("x-foo", s("bar"))], BOTH, true);
        check(&[xm("any-with-x"), ("x-foo", s("bar"))], &[("x-foo", s("bar"))], BOTH, true);
        check(&[xm("any-with-x"), ("x-foo", s("bar"))], &[("x-foo", s("baz"))], BOTH, false);
        check(&[("X-foo", s("1"))], &[], BOTH, false);
        check(&[("x_foo", s("1"))], &[], BOTH, false);
        check(&[("x-", s("1"))], &[], BOTH, true);
    }

    #[test]
    #[rustfmt::skip]
    fn void_is_a_presence_test() {
        check(&[("k", Void)], &[("k", s("anything"))], BOTH, true);
        check(&[("k", Void)], &[("k", Void)], BOTH, true);
        check(&[("k", Void)], &[("j", s("x"))], BOTH, false);
        check(&[("k", Void)], &[], BOTH, false);
        check(&[xm("any"), ("k", Void), ("j", s("x"))], &[("k", Int(5))], BOTH, true);
        check(&[xm("any"), ("k", Void), ("j", s("x"))], &[("j", s("y"))], BOTH, false);
        check(&[("k", s("v"))], &[("k", Void)], BOTH, false);
        let all_x = [xm("all-with-x"), ("foo", Void), ("x-foo", Void)];
        check(&all_x, &[("foo", s("a")), ("x-foo", Int(42))], BOTH, true);
        check(&all_x, &[("foo", s("a"))], BOTH, false);
        check(&[xm("any"), ("x-foo", Void)], &[("x-foo", Int(1))], BOTH, false);
    }

    #[test]
    #[rustfmt::skip]
    fn values_compare_without_type_tags() {
        check(&[("n", Int(1))], &[("n", Int(1))], BOTH, true);
        check(&[("n", Int(1))], &[("n", Int(2))], BOTH, false);
        check(&[("n", Int(1))], &[("n", s("1"))], BOTH, false);
        check(&[("n", s("1"))], &[("n", Int(1))], BOTH, false);
        check(&[("b", Bool(true))], &[("b", Int(1))], BOTH, false);
        check(&[("b", Bool(true))], &[("b", s("true"))], BOTH, false);
        check(&[("b", Bool(true))], &[("b", Bool(false))], BOTH, false);
        check(&[("s", s("abc"))], &[("s", s("ABC"))], BOTH, false);
    }

    #[test]
    #[rustfmt::skip]
    fn int_vs_float_and_timestamps_per_profile() {
        check(&[("n", Int(1))], &[("n", Float(1.0))], V310, true);
        check(&[("n", Int(1))], &[("n", Float(1.0))], V4, false);
        check(&[("n", Float(1.0))], &[("n", Int(1))], V310, true);
        check(&[("n", Float(1.0))], &[("n", Int(1))], V4, false);
        check(&[("n", Float(1.5))], &[("n", Int(1))], BOTH, false);
        check(&[("n", Float(1.5))], &[("n", Float(1.5))], BOTH, true);
        check(&[("t", Timestamp(1_700_000_000))], &[("t", Timestamp(1_700_000_000))], V310, true);
        check(&[("t", Timestamp(1_700_000_000))], &[("t", Timestamp(1_700_000_000))], V4, false);
        check(&[("t", Timestamp(0))], &[("t", Timestamp(0))], BOTH, true);
        check(&[("t", Int(5000))], &[("t", Timestamp(5))], V4, true);
        check(&[("t", Int(5000))], &[("t", Timestamp(5))], V310, false);
        check(&[("t", Timestamp(5))], &[("t", Int(5))], BOTH, true);
    }

    #[test]
    #[rustfmt::skip]
    fn nested_values_compare_structurally() {
        let tbl = |v: Value| Value::Table(t(&[("foo", v)]));
        let arr = |items: &[Value]| Value::Array(items.to_vec());
        check(&[xm("any"), ("tbl", tbl(s("bar")))], &[("tbl", tbl(s("bar")))], BOTH, true);
        check(&[xm("any"), ("tbl", tbl(s("bar")))], &[("tbl", tbl(s("baz")))], BOTH, false);
        check(&[("a", arr(&[Int(1), s("a")]))], &[("a", arr(&[Int(1), s("a")]))], BOTH, true);
        check(&[("a", arr(&[Int(1)]))], &[("a", arr(&[Int(2)]))], BOTH, false);
        // Nested entries keep their type tags in both versions (3.10 compares {Key, Type,
        // Value} with `==`), so a nested 1 and 1.0 differ even where the top level says equal,
        // and so do a nested string and the same bytes as a binary.
        check(&[("tbl", tbl(Int(1)))], &[("tbl", tbl(Float(1.0)))], BOTH, false);
        check(&[("a", arr(&[Int(1)]))], &[("a", arr(&[Float(1.0)]))], BOTH, false);
        check(&[("a", arr(&[s("x")]))], &[("a", arr(&[Value::Binary(b"x".to_vec())]))], BOTH, false);
    }

    fn check_validate(x_match: Option<Value>, refused: Option<&str>) {
        let args: Table = x_match
            .iter()
            .map(|v| (X_MATCH.to_owned(), v.clone()))
            .collect();
        let got = Headers::validate("", &args, Profile::default());
        match refused {
            None => assert_eq!(got, Ok(()), "{x_match:?}"),
            Some(text) => {
                let err = got.unwrap_err();
                assert_eq!(err.code(), ReplyCode::PreconditionFailed);
                assert_eq!(err.to_string(), text, "{x_match:?}");
            }
        }
    }

    #[test]
    fn x_match_validation() {
        check_validate(None, None);
        for mode in Mode::ALL {
            check_validate(Some(s(mode.name())), None);
        }
        let bad = |v: &str| {
            format!("Invalid x-match field value {v}; expected all, any, all-with-x, or any-with-x")
        };
        check_validate(Some(s("foo")), Some(&bad("<<\"foo\">>")));
        check_validate(Some(s("ALL")), Some(&bad("<<\"ALL\">>")));
        check_validate(Some(s("")), Some(&bad("<<\"\">>")));
        let typed = |t: &str, v: &str| {
            format!("Invalid x-match field type {t} (value {v}); expected longstr")
        };
        check_validate(Some(Int(1)), Some(&typed("long", "1")));
        check_validate(Some(Bool(true)), Some(&typed("bool", "true")));
        check_validate(Some(Void), Some(&typed("void", "undefined")));
        check_validate(
            Some(Value::Binary(b"any".to_vec())),
            Some(&typed("binary", "<<\"any\">>")),
        );
    }

    #[test]
    fn unvalidated_x_match_falls_back_to_all_like_parse_x_match() {
        let args = t(&[(X_MATCH, Int(1)), ("k", s("v"))]);
        let (matched, why) = verdicts(&args, &t(&[("k", s("v"))]), Profile::default());
        assert!(matched);
        assert_eq!((why.mode, why.mode_defaulted), (Mode::All, true));
    }

    #[test]
    fn remove_forgets_only_that_slot() {
        let mut index = Headers::default();
        index.insert(BindingSlot(0), "", &t(&[("k", s("v"))]));
        index.insert(
            BindingSlot(1),
            "",
            &t(&[xm("any"), ("k", s("v")), ("j", s("w"))]),
        );
        index.insert(BindingSlot(2), "", &t(&[("k", s("other"))]));
        index.remove(BindingSlot(0), "", &t(&[("k", s("v"))]));
        let out = route(&index, &[], &t(&[("k", s("v"))]), Profile::default());
        assert_eq!(out, vec![BindingSlot(1)]);
    }
}
