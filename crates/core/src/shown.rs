//! User text (routing keys, binding keys, names, header names) as explanations show it.
//!
//! AMQP keys and names are any UTF-8, so two keys can differ by a character nobody can see (a
//! zero-width space, a trailing control character), and a right-to-left override in a key would
//! reverse the rest of the line it is printed on. Explanations write such characters as escapes
//! (`\u{200b}`), so "equals none of the routing keys" is seen to be true, and the line keeps its
//! order. Everything else, quotes and backslashes included, is written as it is.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// Whether `c` would be invisible, or would reorder the text around it, if written as it is: a
/// control character (C0, DEL, C1), a line or paragraph separator, a bidirectional control, or
/// a character Unicode ignores by default (zero-width space and joiners, word joiner, soft
/// hyphen, byte-order mark, Hangul fillers, tags…).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{AD}'
                | '\u{34F}'
                | '\u{61C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{1BCA0}'..='\u{1BCA3}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// `text` with each hidden character ([`is_hidden`]) written as `\u{…}`; borrowed when there is
/// none, as for nearly every key.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    // Writing to a String cannot fail.
    let _ = write_visible(&mut out, text);
    Cow::Owned(out)
}

fn write_visible(out: &mut impl Write, text: &str) -> fmt::Result {
    for c in text.chars() {
        if is_hidden(c) {
            write!(out, "\\u{{{:x}}}", u32::from(c))?;
        } else {
            out.write_char(c)?;
        }
    }
    Ok(())
}

/// User text in backticks, as a terminal shows it: `` `order.created` ``, with hidden characters
/// escaped (`` `order.created\u{200b}` ``).
pub struct Code<'a>(pub &'a str);

impl fmt::Display for Code<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('`')?;
        write_visible(f, self.0)?;
        f.write_char('`')
    }
}

/// `n` and the noun that agrees with it: `count(1, "event", "events")` is "1 event",
/// `count(12345, …)` "12,345 events".
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{} {}", grouped(n), if n == 1 { one } else { many })
}

/// `n` with its digits in groups of three, as the management UI writes counts: "15,969,193".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// A rate as the management UI writes it (`fmt_rate_num`): two decimals below 1, one below 10,
/// then whole and grouped: "0.25/s", "2.5/s", "2,011/s". Not a number or below 0 reads as 0.
pub fn rate(per_second: f64) -> String {
    let r = if per_second > 0.0 { per_second } else { 0.0 };
    let n = if r < 1.0 {
        crate::decimal::fixed(r, 2)
    } else if r < 10.0 {
        crate::decimal::fixed(r, 1)
    } else {
        grouped((r + 0.5) as u64)
    };
    format!("{n}/s")
}

/// A size as people read it: bytes below a mebibyte ("1 byte", "4096 bytes"), then MiB with at
/// most one decimal ("16 MiB", "28.6 MiB"), as the management UI writes memory.
pub fn bytes(n: u64) -> String {
    const MIB: u64 = 1 << 20;
    if n < MIB {
        count(n, "byte", "bytes")
    } else {
        format!("{} MiB", crate::decimal::short(n as f64 / MIB as f64, 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_in_groups_of_three_digits() {
        for (n, want) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1000, "1,000"),
            (65535, "65,535"),
            (100_000, "100,000"),
            (15_969_193, "15,969,193"),
            (u64::MAX, "18,446,744,073,709,551,615"),
        ] {
            assert_eq!(grouped(n), want);
        }
        assert_eq!(count(1234u32, "event", "events"), "1,234 events");
    }

    #[test]
    fn rates_read_as_the_management_ui_writes_them() {
        for (r, want) in [
            (0.0, "0.00/s"),
            (0.254, "0.25/s"),
            (2.46, "2.5/s"),
            (9.94, "9.9/s"),
            (10.0, "10/s"),
            (2011.4, "2,011/s"),
            (2011.5, "2,012/s"),
            (f64::NAN, "0.00/s"),
            (-3.0, "0.00/s"),
            (f64::INFINITY, "18,446,744,073,709,551,615/s"),
        ] {
            assert_eq!(rate(r), want, "{r}");
        }
    }

    #[test]
    fn a_size_reads_in_bytes_then_mebibytes() {
        assert_eq!(bytes(1), "1 byte");
        assert_eq!(bytes(5000), "5,000 bytes");
        assert_eq!(bytes(16 << 20), "16 MiB");
        assert_eq!(bytes(30_000_060), "28.6 MiB");
        assert_eq!(bytes(17_825_792), "17 MiB");
    }

    #[test]
    fn plain_text_is_borrowed_and_unchanged() {
        for text in [
            "order.eu.created",
            "",
            "a`b \"c\" \\d",
            "überweisung.€",
            "é",
            "🙂.#",
        ] {
            assert!(
                matches!(visible(text), Cow::Borrowed(t) if t == text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn invisible_and_reordering_characters_are_escaped() {
        assert_eq!(visible("order.created\u{200B}"), "order.created\\u{200b}");
        assert_eq!(visible("a\u{0}b\u{7F}\u{85}"), "a\\u{0}b\\u{7f}\\u{85}");
        assert_eq!(visible("\u{202E}txet"), "\\u{202e}txet");
        assert_eq!(visible("tab\there\nnewline"), "tab\\u{9}here\\u{a}newline");
        assert_eq!(visible("\u{FEFF}bom"), "\\u{feff}bom");
        assert_eq!(visible("flag\u{E0067}"), "flag\\u{e0067}");
    }

    #[test]
    fn code_puts_the_visible_text_in_backticks() {
        assert_eq!(Code("a.b").to_string(), "`a.b`");
        assert_eq!(Code("a\u{2066}b").to_string(), "`a\\u{2066}b`");
    }

    #[test]
    fn count_agrees_with_its_number() {
        assert_eq!(count(0u32, "event", "events"), "0 events");
        assert_eq!(count(1u32, "event", "events"), "1 event");
        assert_eq!(count(2u64, "queue", "queues"), "2 queues");
        assert_eq!(count(1u8, "message was", "messages were"), "1 message was");
    }
}
