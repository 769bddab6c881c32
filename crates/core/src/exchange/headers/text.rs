//! The plain-text form of a headers [`Explanation`], for a terminal: the mode, one clause per
//! tested or ignored argument (`x-match` itself is in the opening), and the verdict with the rule
//! that decided it. The app draws the same data itself; this module only chooses words.

use std::fmt;

use super::explain::{
    ArgCheck, Decision, Expected, Explanation, IgnoreReason, Outcome, VersionRule,
};
use super::{Mode, X_MATCH};
use crate::shown::{Code, visible};

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "x-match={}", self.mode)?;
        if self.mode_defaulted {
            f.write_str(" (default)")?;
        }
        f.write_str(": ")?;
        let shown: Vec<String> = self
            .args
            .iter()
            .filter(|a| a.name != X_MATCH)
            .map(|a| a.describe(self.mode))
            .collect();
        if shown.is_empty() {
            f.write_str("no arguments")?;
        }
        f.write_str(&shown.join("; "))?;
        let verdict = if self.matched { "match" } else { "no match" };
        write!(f, " ⇒ {verdict} ({})", self.decision.describe(self.mode))
    }
}

impl ArgCheck {
    fn describe(&self, mode: Mode) -> String {
        let subject = match &self.expected {
            Expected::Presence => format!("{} (any value)", Code(&self.name)),
            Expected::Value(v) => format!("{}={}", Code(&self.name), visible(&v.to_string())),
        };
        let mut notes = Vec::new();
        let word = match self.outcome {
            Outcome::Equal => "equal",
            Outcome::Differs => "differs",
            Outcome::Missing => "missing",
            Outcome::Present => "present",
            Outcome::Ignored(IgnoreReason::XMatch) => "ignored",
            Outcome::Ignored(IgnoreReason::XArgument) => {
                let with_x = if mode.needs_one() {
                    Mode::AnyWithX
                } else {
                    Mode::AllWithX
                };
                notes.push(format!("x- argument; only {with_x} tests it"));
                "ignored"
            }
        };
        if let (Expected::Value(arg), Some(header), true) =
            (&self.expected, &self.header, self.outcome.is_tested())
            && arg.to_string() != header.to_string()
        {
            notes.push(format!("header is {}", visible(&header.to_string())));
        }
        notes.extend(self.version_rule.map(|r| r.to_string()));
        match notes.is_empty() {
            true => format!("{subject} {word}"),
            false => format!("{subject} {word} ({})", notes.join("; ")),
        }
    }
}

impl Decision {
    fn describe(&self, mode: Mode) -> String {
        match self {
            Decision::AllHold => "every argument holds".to_owned(),
            Decision::FirstMismatch { name } => {
                format!("{} does not hold; {mode} needs every argument", Code(name))
            }
            Decision::FirstHolds { name } => format!("{} holds; {mode} needs only one", Code(name)),
            Decision::NoneHold => format!("no argument holds; {mode} needs one"),
            Decision::NothingToTest if mode.needs_one() => {
                format!("nothing to test: {mode} matches no message")
            }
            Decision::NothingToTest => format!("nothing to test: {mode} matches every message"),
        }
    }
}

impl fmt::Display for VersionRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionRule::IntVsFloat => "integer = double under RabbitMQ ≤3.12, not under 3.13+",
            VersionRule::HeaderTimestampMillis => {
                "RabbitMQ 3.13+ reads a header timestamp as milliseconds, ≤3.12 as seconds"
            }
        })
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;
    use crate::value::Value;
    use crate::value::testing::{s, table as t};
    use Value::{Float, Int, Void};

    fn check(args: &[(&str, Value)], headers: &[(&str, Value)], profile: Profile, text: &str) {
        let why = Explanation::new(&t(args), &t(headers), profile);
        assert_eq!(why.to_string(), text);
    }

    #[test]
    #[rustfmt::skip]
    fn terminal_text() {
        let v4 = Profile::RabbitMq4;
        let v310 = Profile::RabbitMq310;
        check(&[("format", s("pdf")), ("type", s("report"))], &[("format", s("pdf")), ("type", s("log"))], v4,
            "x-match=all (default): `format`=\"pdf\" equal; `type`=\"report\" differs (header is \"log\") \
             ⇒ no match (`type` does not hold; all needs every argument)");
        check(&[("n", Int(1))], &[("n", Float(1.0))], v310,
            "x-match=all (default): `n`=1 equal (header is 1.0; integer = double under RabbitMQ ≤3.12, \
             not under 3.13+) ⇒ match (every argument holds)");
        check(&[("n", Int(1))], &[("n", Float(1.0))], v4,
            "x-match=all (default): `n`=1 differs (header is 1.0; integer = double under RabbitMQ ≤3.12, \
             not under 3.13+) ⇒ no match (`n` does not hold; all needs every argument)");
        check(&[], &[], v4, "x-match=all (default): no arguments ⇒ match (nothing to test: all matches every message)");
        check(&[("x-match", s("any")), ("x-foo", s("bar")), ("k", Void)], &[], v4,
            "x-match=any: `x-foo`=\"bar\" ignored (x- argument; only any-with-x tests it); `k` (any value) missing \
             ⇒ no match (no argument holds; any needs one)");
        check(&[("x-match", s("any")), ("x-foo", s("bar"))], &[("x-foo", s("bar"))], v4,
            "x-match=any: `x-foo`=\"bar\" ignored (x- argument; only any-with-x tests it) \
             ⇒ no match (nothing to test: any matches no message)");
        check(&[("x-match", s("any-with-x")), ("a", s("1")), ("k", Void)], &[("k", Int(2))], v4,
            "x-match=any-with-x: `a`=\"1\" missing; `k` (any value) present ⇒ match (`k` holds; any-with-x needs only one)");
        check(&[("t", Value::Timestamp(5))], &[("t", Value::Timestamp(5))], v4,
            "x-match=all (default): `t`=timestamp 5 differs (RabbitMQ 3.13+ reads a header timestamp as \
             milliseconds, ≤3.12 as seconds) ⇒ no match (`t` does not hold; all needs every argument)");
    }
}
