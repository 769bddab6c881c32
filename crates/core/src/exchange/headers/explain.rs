//! Why one headers binding matches a message or not, as data for the app: one entry per binding
//! argument, in the binding's order, and the rule that decided (`text` words it for a terminal).
//! It re-derives the verdict from the arguments with the same rules as routing; a property test
//! below checks that both always agree.

use super::{Mode, holds};
use crate::profile::Profile;
use crate::value::{Table, Value, routing_eq};

/// One headers binding's verdict on one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub matched: bool,
    pub mode: Mode,
    /// `x-match` was absent (or not a valid mode), so the mode is the default, `all`.
    pub mode_defaulted: bool,
    pub profile: Profile,
    /// Every binding argument, `x-match` included, in the binding's order.
    pub args: Vec<ArgCheck>,
    pub decision: Decision,
}

/// One binding argument held against the message headers.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgCheck {
    pub name: String,
    pub expected: Expected,
    /// The message header of the same name, if any (also filled in for ignored arguments).
    pub header: Option<Value>,
    pub outcome: Outcome,
    /// Set when the outcome differs between RabbitMQ versions (see [`Profile`]).
    pub version_rule: Option<VersionRule>,
}

/// What a binding argument asks of the header with its name.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    /// A `void` argument: the header must be present, whatever its type or value.
    Presence,
    /// The header must be present and equal to this value (the type tag is not compared).
    Value(Value),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The header equals the argument.
    Equal,
    /// The header is present with another value.
    Differs,
    /// No header has the argument's name.
    Missing,
    /// A presence test found the header.
    Present,
    /// The mode does not test this argument.
    Ignored(IgnoreReason),
}

impl Outcome {
    /// The argument holds: equal, or present for a presence test.
    pub fn holds(self) -> bool {
        matches!(self, Outcome::Equal | Outcome::Present)
    }

    pub fn is_tested(self) -> bool {
        !matches!(self, Outcome::Ignored(_))
    }

    /// The outcome in one lower-case word, as the route view's table shows it (its `Debug`
    /// name lower-cased, without linking `Debug` and Unicode case mapping for it).
    pub fn word(self) -> &'static str {
        match self {
            Outcome::Equal => "equal",
            Outcome::Differs => "differs",
            Outcome::Missing => "missing",
            Outcome::Present => "present",
            Outcome::Ignored(IgnoreReason::XMatch) => "ignored(xmatch)",
            Outcome::Ignored(IgnoreReason::XArgument) => "ignored(xargument)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IgnoreReason {
    /// `x-match` selects the mode; it is never tested.
    XMatch,
    /// An `x-` argument under `all` or `any`; only the `*-with-x` modes test those.
    XArgument,
}

/// The rule that decided the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `all` / `all-with-x`: every tested argument holds.
    AllHold,
    /// `all` / `all-with-x`: this argument (the first in binding order) does not hold.
    FirstMismatch { name: String },
    /// `any` / `any-with-x`: this argument (the first in binding order) holds.
    FirstHolds { name: String },
    /// `any` / `any-with-x`: no tested argument holds.
    NoneHold,
    /// No argument is left to test: `all` modes match every message, `any` modes none.
    NothingToTest,
}

/// A version difference that changed an argument's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionRule {
    /// ≤ 3.12 compares with Erlang `==` (integer 1 = double 1.0), 3.13+ with `=:=` (1 ≠ 1.0).
    IntVsFloat,
    /// 3.13+ turns a header timestamp into milliseconds (×1000) but not the binding argument.
    HeaderTimestampMillis,
}

impl Explanation {
    pub(super) fn new(args: &Table, headers: &Table, profile: Profile) -> Explanation {
        let (mode, mode_defaulted) = Mode::of_binding(args);
        let args: Vec<ArgCheck> = args
            .iter()
            .map(|(name, value)| ArgCheck::new(mode, name, value, headers, profile))
            .collect();
        let decision = Decision::new(mode, &args);
        Explanation {
            matched: decision.matched(mode),
            mode,
            mode_defaulted,
            profile,
            args,
            decision,
        }
    }
}

impl ArgCheck {
    fn new(mode: Mode, name: &str, arg: &Value, headers: &Table, profile: Profile) -> ArgCheck {
        let header = headers.get(name).cloned();
        let expected = match arg {
            Value::Void => Expected::Presence,
            other => Expected::Value(other.clone()),
        };
        let (outcome, version_rule) = match (mode.ignores(name), &expected, &header) {
            (Some(reason), _, _) => (Outcome::Ignored(reason), None),
            (None, _, None) => (Outcome::Missing, None),
            (None, Expected::Presence, Some(_)) => (Outcome::Present, None),
            (None, Expected::Value(arg), Some(found)) => compare(arg, found, profile),
        };
        ArgCheck {
            name: name.to_owned(),
            expected,
            header,
            outcome,
            version_rule,
        }
    }
}

fn compare(arg: &Value, header: &Value, profile: Profile) -> (Outcome, Option<VersionRule>) {
    let equal = holds(Some(arg), Some(header), profile);
    let outcome = if equal {
        Outcome::Equal
    } else {
        Outcome::Differs
    };
    let version_dependent = Profile::ALL
        .into_iter()
        .any(|other| routing_eq(arg, header, other) != equal);
    let rule = match (arg, header) {
        _ if !version_dependent => None,
        (Value::Float(_), _) | (_, Value::Float(_)) => Some(VersionRule::IntVsFloat),
        (_, Value::Timestamp(_)) => Some(VersionRule::HeaderTimestampMillis),
        // Only int vs float differs inside nested tables and arrays.
        _ => Some(VersionRule::IntVsFloat),
    };
    (outcome, rule)
}

impl Decision {
    fn new(mode: Mode, args: &[ArgCheck]) -> Decision {
        let mut tested = args.iter().filter(|a| a.outcome.is_tested()).peekable();
        if tested.peek().is_none() {
            return Decision::NothingToTest;
        }
        let name = |a: &ArgCheck| a.name.clone();
        if mode.needs_one() {
            match tested.find(|a| a.outcome.holds()) {
                Some(a) => Decision::FirstHolds { name: name(a) },
                None => Decision::NoneHold,
            }
        } else {
            match tested.find(|a| !a.outcome.holds()) {
                Some(a) => Decision::FirstMismatch { name: name(a) },
                None => Decision::AllHold,
            }
        }
    }

    /// The verdict this decision gives under `mode`.
    pub fn matched(&self, mode: Mode) -> bool {
        match self {
            Decision::AllHold | Decision::FirstHolds { .. } => true,
            Decision::FirstMismatch { .. } | Decision::NoneHold => false,
            Decision::NothingToTest => !mode.needs_one(),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::value::testing::{s, table as t};
    use proptest::prelude::*;

    use super::super::{Headers, X_MATCH};
    use super::*;
    use crate::exchange::{BindingSlot, Matcher, RoutingInput};
    use Value::{Bool, Float, Int, Timestamp, Void};

    #[test]
    fn an_outcome_word_is_its_debug_name_lower_cased() {
        let all = [
            Outcome::Equal,
            Outcome::Differs,
            Outcome::Missing,
            Outcome::Present,
            Outcome::Ignored(IgnoreReason::XMatch),
            Outcome::Ignored(IgnoreReason::XArgument),
        ];
        for outcome in all {
            assert_eq!(outcome.word(), format!("{outcome:?}").to_lowercase());
        }
    }

    #[test]
    fn data_for_the_app() {
        let args = t(&[
            ("x-match", s("any")),
            ("x-a", s("1")),
            ("k", Void),
            ("n", Int(1)),
        ]);
        let headers = t(&[("n", Float(1.0)), ("x-a", s("1"))]);
        let why = Explanation::new(&args, &headers, Profile::RabbitMq310);
        let arg = |name: &str, expected, header, outcome, version_rule| ArgCheck {
            name: name.to_owned(),
            expected,
            header,
            outcome,
            version_rule,
        };
        let expected = Explanation {
            matched: true,
            mode: Mode::Any,
            mode_defaulted: false,
            profile: Profile::RabbitMq310,
            args: vec![
                arg(
                    "x-match",
                    Expected::Value(s("any")),
                    None,
                    Outcome::Ignored(IgnoreReason::XMatch),
                    None,
                ),
                arg(
                    "x-a",
                    Expected::Value(s("1")),
                    Some(s("1")),
                    Outcome::Ignored(IgnoreReason::XArgument),
                    None,
                ),
                arg("k", Expected::Presence, None, Outcome::Missing, None),
                arg(
                    "n",
                    Expected::Value(Int(1)),
                    Some(Float(1.0)),
                    Outcome::Equal,
                    Some(VersionRule::IntVsFloat),
                ),
            ],
            decision: Decision::FirstHolds {
                name: "n".to_owned(),
            },
        };
        assert_eq!(why, expected);
    }

    #[test]
    fn decisions() {
        let decide = |args: &[(&str, Value)], headers: &[(&str, Value)]| {
            Explanation::new(&t(args), &t(headers), Profile::default()).decision
        };
        let name = |n: &str| n.to_owned();
        assert_eq!(
            decide(&[("a", s("1"))], &[("a", s("1"))]),
            Decision::AllHold
        );
        assert_eq!(
            decide(
                &[("a", s("1")), ("b", Void), ("c", s("3"))],
                &[("a", s("1"))]
            ),
            Decision::FirstMismatch { name: name("b") }
        );
        let any = ("x-match", s("any"));
        assert_eq!(
            decide(
                &[any.clone(), ("a", s("1")), ("b", Void)],
                &[("b", Void), ("a", s("1"))]
            ),
            Decision::FirstHolds { name: name("a") }
        );
        assert_eq!(
            decide(&[any.clone(), ("a", s("1"))], &[("a", s("2"))]),
            Decision::NoneHold
        );
        assert_eq!(decide(&[any], &[("a", s("1"))]), Decision::NothingToTest);
    }

    /// Whether routing through an index picks the binding, and the explanation's verdict.
    fn routed_and_explained(args: &Table, headers: &Table, profile: Profile) -> (bool, bool) {
        let mut index = Headers::default();
        index.insert(BindingSlot(3), "", args);
        let msg = RoutingInput { keys: &[], headers };
        let mut out = Vec::new();
        index.matches(&msg, profile, &mut out);
        let (explained, _) = Headers::explain("", args, &msg, profile);
        (out == [BindingSlot(3)], explained)
    }

    fn table() -> impl Strategy<Value = Table> {
        let name = prop::sample::select(vec!["a", "b", "x-a", X_MATCH]);
        let value = prop::sample::select(vec![
            Int(1),
            Float(1.0),
            s("1"),
            Bool(true),
            Void,
            Timestamp(1),
            Int(1000),
            Timestamp(0),
        ]);
        prop::collection::vec((name, value), 0..5)
            .prop_map(|pairs| pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    /// Random arguments, sometimes with a valid `x-match` (the table may also draw an invalid one).
    fn binding_args() -> impl Strategy<Value = Table> {
        let mode = prop::option::of(prop::sample::select(Mode::ALL.to_vec()));
        (table(), mode).prop_map(|(mut args, mode)| {
            if let Some(mode) = mode {
                args.insert(X_MATCH, s(mode.name()));
            }
            args
        })
    }

    proptest! {
        #[test]
        fn explain_agrees_with_matches(args in binding_args(), headers in table()) {
            for profile in Profile::ALL {
                let (routed, explained) = routed_and_explained(&args, &headers, profile);
                prop_assert_eq!(routed, explained, "{}", Explanation::new(&args, &headers, profile));
                let why = Explanation::new(&args, &headers, profile);
                prop_assert_eq!(why.matched, explained);
                prop_assert_eq!(why.decision.matched(why.mode), explained);
                prop_assert_eq!(why.args.len(), args.len());
            }
        }
    }
}
