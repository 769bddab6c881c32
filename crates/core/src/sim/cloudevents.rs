//! CloudEvents 1.0 in structured mode: the whole event (`specversion`, `id`, `source`, `type`,
//! `time`, `datacontenttype`, optional `dataschema` and `subject`, and `data`) is the JSON body
//! of the message, sent with content type `application/cloudevents+json`. `id` is the
//! producer's message number (unique per `source`), `time` is the virtual send time as RFC 3339
//! counted from a fixed epoch, so the same run gives the same bodies. Renders what the scenario
//! describes; knows nothing of brokers.

use std::fmt::Write;

use serde_json::{Map, Value as Json};

use crate::sim::scenario::CloudEventsSpec;
use crate::sim::scenario::actors::{Choice, Part, template};

/// The content type of a structured-mode CloudEvent.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";
/// Virtual time 0 is this instant: 2026-01-01T00:00:00Z, in seconds since the Unix epoch.
pub const EPOCH_UNIX_SECONDS: u64 = 1_767_225_600;

/// What a template is filled in with: the producer's picks and its message number.
pub struct Fill<'a> {
    pub choices: &'a [Choice],
    pub picks: &'a [usize],
    pub seq: u64,
}

impl Fill<'_> {
    pub fn render(&self, parts: &[Part]) -> String {
        // One allocation: the length is known before writing (a `{seq}` has at most 20 digits).
        let len: usize = parts
            .iter()
            .map(|part| match part {
                Part::Text(t) => t.len(),
                Part::Choice(i) => self.choice(*i).len(),
                Part::Seq => 20,
            })
            .sum();
        let mut out = String::with_capacity(len);
        self.render_into(parts, &mut out);
        out
    }

    /// [`Fill::render`] appended to `out` (a buffer reused from message to message).
    pub fn render_into(&self, parts: &[Part], out: &mut String) {
        for part in parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Choice(i) => out.push_str(self.choice(*i)),
                Part::Seq => {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "{}", self.seq);
                }
            }
        }
    }

    /// The value picked for choice `i` (empty when there is none).
    fn choice(&self, i: usize) -> &str {
        self.choices
            .get(i)
            .zip(self.picks.get(i))
            .and_then(|(c, p)| c.values.get(*p))
            .map_or("", String::as_str)
    }

    /// `data` with every string rendered as a template (checked when the scenario was read).
    fn data(&self, data: &Json) -> Json {
        match data {
            Json::String(s) => {
                let parts = template(s, self.choices, "").unwrap_or_default();
                Json::String(self.render(&parts))
            }
            Json::Array(items) => Json::Array(items.iter().map(|v| self.data(v)).collect()),
            Json::Object(map) => {
                crate::order::object(map.iter().map(|(k, v)| (k.clone(), self.data(v))))
            }
            other => other.clone(),
        }
    }
}

/// The event's `id` and the body: the envelope as JSON bytes.
pub fn envelope(spec: &CloudEventsSpec, fill: &Fill, sent_us: u64) -> (String, Vec<u8>) {
    let id = fill.seq.to_string();
    let mut obj = Map::new();
    let mut put = |k: &str, v: Json| {
        obj.insert(k.to_owned(), v);
    };
    put("specversion", Json::from("1.0"));
    put("id", Json::from(id.clone()));
    put("source", Json::from(spec.source.clone()));
    put("type", Json::from(spec.kind.clone()));
    put("time", Json::from(rfc3339(sent_us)));
    put("datacontenttype", Json::from("application/json"));
    if let Some(schema) = &spec.dataschema {
        put("dataschema", Json::from(schema.clone()));
    }
    if let Some(subject) = &spec.subject {
        put("subject", Json::from(fill.render(subject)));
    }
    put("data", fill.data(&spec.data));
    (
        id,
        serde_json::to_vec(&Json::Object(obj)).unwrap_or_default(),
    )
}

/// Virtual µs as RFC 3339 UTC with milliseconds: `2026-01-01T00:00:01.250Z`.
pub fn rfc3339(us: u64) -> String {
    let secs = EPOCH_UNIX_SECONDS + us / 1_000_000;
    let ms = (us / 1000) % 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil(days);
    let (hh, mm, ss) = (rest / 3600, rest / 60 % 60, rest % 60);
    format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{ms:03}Z")
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard Hinnant's
/// `civil_from_days`).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_are_rfc3339_from_the_fixed_epoch() {
        assert_eq!(rfc3339(0), "2026-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_250_000), "2026-01-01T00:00:01.250Z");
        let feb_29_2028 = ((365 + 365 + 31 + 28) * 86_400 + 3723) * 1_000_000;
        assert_eq!(rfc3339(feb_29_2028), "2028-02-29T01:02:03.000Z");
        assert_eq!(civil(0), (1970, 1, 1));
    }

    #[test]
    fn the_envelope_carries_the_rendered_data() {
        let choices = vec![Choice {
            name: "dept".into(),
            values: vec!["sales".into()],
            weights: vec![1],
        }];
        let spec = CloudEventsSpec {
            source: "/hr".into(),
            kind: "com.example.employee.created.v1".into(),
            dataschema: None,
            subject: Some(template("E{seq}", &choices, "").unwrap()),
            data: json!({"employee": "E{seq}", "department": "{dept}", "level": 3}),
        };
        let fill = Fill {
            choices: &choices,
            picks: &[0],
            seq: 7,
        };
        let (id, body) = envelope(&spec, &fill, 2_000_000);
        let got: Json = serde_json::from_slice(&body).unwrap();
        assert_eq!(id, "7");
        assert_eq!(
            got,
            json!({"specversion": "1.0", "id": "7", "source": "/hr",
                "type": "com.example.employee.created.v1", "time": "2026-01-01T00:00:02.000Z",
                "datacontenttype": "application/json", "subject": "E7",
                "data": {"employee": "E7", "department": "sales", "level": 3}})
        );
    }
}
