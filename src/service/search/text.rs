//! The text search sees: CJK characters spaced into tokens of their own (and the
//! spacing undone in snippets), snippets as escaped HTML, languages as PostgreSQL
//! configurations.

/// Marks around a match in a snippet while the database builds it (private-use
/// characters, removed from indexed text), turned into `<mark>` afterwards.
pub const START: char = '\u{E000}';
pub const STOP: char = '\u{E001}';

/// Whether `c` is written without spaces between words (Chinese, Japanese kana).
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// Text as it is indexed and searched: every CJK character a word of its own, and no
/// snippet markers.
pub fn spaced(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == START || c == STOP {
            continue;
        }
        if is_cjk(c) {
            out.push(' ');
            out.push(c);
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out
}

/// The PostgreSQL text search configuration for a BCP 47 language tag. Chinese, Japanese
/// and Korean have their own copy of `simple` (`concord_cjk`, migration 15): the same
/// tokens, but their own index and their own walk in the ranking, apart from the
/// other unstemmed languages (Arabic's shorter texts would come first in a shared one).
pub fn config(language: &str) -> &'static str {
    let primary = language.split(['-', '_']).next().unwrap_or("");
    match primary.to_ascii_lowercase().as_str() {
        "en" => "english",
        "fr" => "french",
        "es" => "spanish",
        "ru" => "russian",
        "zh" | "ja" | "ko" => "concord_cjk",
        _ => "simple",
    }
}

/// Undoes [`spaced`] in a snippet: the space it put on each side of a CJK character
/// goes (markers may sit between), the text's own spaces stay.
pub fn joined(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skip_space = false;
    for c in text.chars() {
        if is_cjk(c) {
            let kept = out.trim_end_matches([START, STOP]).len();
            if out[..kept].ends_with(' ') {
                out.remove(kept - 1);
            }
            out.push(c);
            skip_space = true;
        } else if c == ' ' && skip_space {
            skip_space = false;
        } else {
            if c != START && c != STOP {
                skip_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Escapes a snippet for HTML and turns the markers into `<mark>` elements.
pub fn to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            START => out.push_str("<mark>"),
            STOP => out.push_str("</mark>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_escaped_html_with_marks() {
        assert_eq!(
            to_html(&format!("<b>{START}rights{STOP}</b> & \"more\"")),
            "&lt;b&gt;<mark>rights</mark>&lt;/b&gt; &amp; &quot;more&quot;"
        );
    }

    #[test]
    fn languages_map_to_configurations() {
        assert_eq!(config("en"), "english");
        assert_eq!(config("fr-CA"), "french");
        assert_eq!(config("zh-Hans"), "concord_cjk");
        assert_eq!(config("ko"), "concord_cjk");
        assert_eq!(config("ar"), "simple");
        assert_eq!(config("ES"), "spanish");
    }

    #[test]
    fn cjk_spacing_is_undone_in_snippets() {
        assert_eq!(joined(&spaced("关于互联网治理。")), "关于互联网治理。");
        assert_eq!(joined(&spaced("in 互联网 text")), "in 互联网 text");
        let marked = format!(" 互  {START}联{STOP}  网 ");
        assert_eq!(joined(&marked), format!("互{START}联{STOP}网"));
    }
}
