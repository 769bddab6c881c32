//! Field readers the scenario format adds to [`crate::fields`]: numbers in a range, times in
//! milliseconds, optional strings, duration distributions, and the refusal of unknown keys
//! (a typo such as `prefech` must not silently fall back to a default). Every error names the
//! field's path. Knows nothing of what the fields mean.

use serde_json::{Map, Value as Json};

use crate::decimal::short;
use crate::fields::{FieldError, error, join};
use crate::sim::rng::Dist;

/// Longest time a scenario may mention: about 11.5 days of virtual time.
pub const MAX_MS: f64 = 1e9;
/// Longest name or text field.
pub const MAX_TEXT: usize = 4096;

/// Refuses keys not in `allowed`, naming the first unknown one and the expected ones.
pub fn only_keys(obj: &Map<String, Json>, path: &str, allowed: &[&str]) -> Result<(), FieldError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => Err(error(
            &join(path, key),
            format!("unknown field (expected one of: {})", allowed.join(", ")),
        )),
    }
}

/// A number from `min` to `max`, or `default` when absent.
pub fn number(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    (min, max): (f64, f64),
    default: Option<f64>,
) -> Result<f64, FieldError> {
    let at = join(path, key);
    let range = || {
        let (min, max) = (short(min, 6), short(max, 6));
        error(&at, format!("expected a number from {min} to {max}"))
    };
    match obj.get(key) {
        None | Some(Json::Null) => default.ok_or_else(|| error(&at, "is missing")),
        Some(Json::Number(n)) => match n.as_f64() {
            Some(v) if v >= min && v <= max => Ok(v),
            _ => Err(range()),
        },
        Some(_) => Err(range()),
    }
}

/// A whole number from `min` to `max`.
pub fn integer(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    (min, max): (u64, u64),
    default: Option<u64>,
) -> Result<u64, FieldError> {
    let at = join(path, key);
    let range = || error(&at, format!("expected a number from {min} to {max}"));
    match obj.get(key) {
        None | Some(Json::Null) => default.ok_or_else(|| error(&at, "is missing")),
        Some(Json::Number(n)) => n
            .as_u64()
            .filter(|v| (min..=max).contains(v))
            .ok_or_else(range),
        Some(_) => Err(range()),
    }
}

/// A whole number, possibly negative, from `min` to `max` (0 when missing).
pub fn signed(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    (min, max): (i64, i64),
) -> Result<i64, FieldError> {
    let at = join(path, key);
    match obj.get(key) {
        None | Some(Json::Null) => Some(0),
        Some(Json::Number(n)) => n.as_i64().filter(|v| (min..=max).contains(v)),
        Some(_) => None,
    }
    .ok_or_else(|| error(&at, format!("expected a whole number from {min} to {max}")))
}

/// A time in milliseconds (fractions allowed), as microseconds.
pub fn ms(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    default: Option<u64>,
) -> Result<u64, FieldError> {
    let default_ms = default.map(|us| us as f64 / 1000.0);
    let v = number(obj, key, path, (0.0, MAX_MS), default_ms)?;
    Ok((v * 1000.0).round() as u64)
}

/// An optional time in milliseconds, as microseconds.
pub fn opt_ms(obj: &Map<String, Json>, key: &str, path: &str) -> Result<Option<u64>, FieldError> {
    match obj.get(key) {
        None | Some(Json::Null) => Ok(None),
        Some(_) => ms(obj, key, path, None).map(Some),
    }
}

/// A string no longer than [`MAX_TEXT`], or `default` when absent.
pub fn text(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    default: Option<&str>,
) -> Result<String, FieldError> {
    let at = join(path, key);
    match obj.get(key) {
        None | Some(Json::Null) => default
            .map(str::to_owned)
            .ok_or_else(|| error(&at, "is missing")),
        Some(Json::String(s)) if s.len() > MAX_TEXT => Err(error(
            &at,
            format!("{} bytes is more than the {MAX_TEXT} allowed", s.len()),
        )),
        Some(Json::String(s)) => Ok(s.clone()),
        Some(_) => Err(error(&at, "expected a string")),
    }
}

/// An array of at most `limit` items (absent: empty).
pub fn array<'a>(
    obj: &'a Map<String, Json>,
    key: &str,
    path: &str,
    limit: usize,
) -> Result<&'a [Json], FieldError> {
    let at = join(path, key);
    match obj.get(key) {
        None | Some(Json::Null) => Ok(&[]),
        Some(Json::Array(items)) if items.len() > limit => Err(error(
            &at,
            format!("{} entries is more than the {limit} allowed", items.len()),
        )),
        Some(Json::Array(items)) => Ok(items),
        Some(_) => Err(error(&at, "expected an array")),
    }
}

/// A duration distribution in milliseconds: a plain number (fixed), or
/// `{"fixed": ms}`, `{"uniform": [min, max]}`, `{"exponential": mean}`.
pub fn dist(
    obj: &Map<String, Json>,
    key: &str,
    path: &str,
    default: Dist,
) -> Result<Dist, FieldError> {
    let at = join(path, key);
    let to_us = |v: f64| (v * 1000.0).round() as u64;
    let Some(json) = obj.get(key).filter(|j| !j.is_null()) else {
        return Ok(default);
    };
    if json.is_number() {
        return Ok(Dist::Fixed(to_us(number(
            obj,
            key,
            path,
            (0.0, MAX_MS),
            None,
        )?)));
    }
    let expected = "expected a number of milliseconds, or one of {\"fixed\": ms}, \
                    {\"uniform\": [min, max]}, {\"exponential\": mean}";
    let inner = json
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or_else(|| error(&at, expected))?;
    let one = |k: &str| number(inner, k, &at, (0.0, MAX_MS), None);
    if inner.contains_key("fixed") {
        Ok(Dist::Fixed(to_us(one("fixed")?)))
    } else if inner.contains_key("exponential") {
        Ok(Dist::Exponential {
            mean: one("exponential")? * 1000.0,
        })
    } else if let Some(pair) = inner.get("uniform") {
        let bounds = pair.as_array().filter(|a| a.len() == 2);
        let values: Option<Vec<f64>> = bounds.map(|a| a.iter().filter_map(Json::as_f64).collect());
        match values.as_deref() {
            Some(&[min, max]) if 0.0 <= min && min <= max && max <= MAX_MS => Ok(Dist::Uniform {
                min: to_us(min),
                max: to_us(max),
            }),
            _ => Err(error(
                &join(&at, "uniform"),
                "expected [min, max] with 0 <= min <= max",
            )),
        }
    } else {
        Err(error(&at, expected))
    }
}
