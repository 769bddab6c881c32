//! Which RabbitMQ the core imitates where releases differ. The default follows RabbitMQ 4.x
//! (4.3.5+); `rabbitmq-3.10` reproduces Debian 12's RabbitMQ 3.10.8 so the core can be checked
//! against a live broker. Every version-dependent rule asks this type, so the differences are
//! listed in one place.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// RabbitMQ 4.3.5 and later.
    #[default]
    RabbitMq4,
    /// RabbitMQ 3.10–3.12 (checked live against 3.10.8).
    RabbitMq310,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::RabbitMq4, Profile::RabbitMq310];

    pub fn name(self) -> &'static str {
        match self {
            Profile::RabbitMq4 => "rabbitmq-4",
            Profile::RabbitMq310 => "rabbitmq-3.10",
        }
    }

    /// Headers exchange: ≤ 3.12 compares with Erlang `==`, so integer 1 equals double 1.0.
    pub fn int_equals_float(self) -> bool {
        self == Profile::RabbitMq310
    }

    /// Headers exchange: 3.13+ converts message timestamp headers to milliseconds.
    pub fn scales_header_timestamps(self) -> bool {
        self == Profile::RabbitMq4
    }

    /// Topic exchange: 4.3.5+ refuses binding keys with more than two `#` words.
    pub fn max_hash_words(self) -> Option<usize> {
        match self {
            Profile::RabbitMq4 => Some(2),
            Profile::RabbitMq310 => None,
        }
    }

    /// The version ranges of the conformance vectors' `expected_by_version` this profile obeys.
    pub fn matches_version_range(self, range: &str) -> bool {
        let range = range.trim();
        match self {
            Profile::RabbitMq310 => {
                range.starts_with("3.10")
                    || range == "<=3.12"
                    || range == "<=3.13"
                    || range == "<4.0"
            }
            Profile::RabbitMq4 => range.starts_with(">=") && !range.starts_with(">=5"),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown profile `{s}`: expected rabbitmq-4 or rabbitmq-3.10"))
    }
}
