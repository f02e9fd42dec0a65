//! What a document is: its type read from its first bytes (never from its name), and
//! the checks on the name it is stored under.

use crate::error::{UserError, UserErrorCode};

/// A type an attachment may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub mime: &'static str,
    /// How a person calls it, in messages.
    pub label: &'static str,
    /// The extensions a name of this type may end with.
    pub extensions: &'static [&'static str],
}

pub const PDF: Kind = Kind {
    mime: "application/pdf",
    label: "a PDF document",
    extensions: &["pdf"],
};
pub const DOCX: Kind = Kind {
    mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    label: "a Word document (DOCX)",
    extensions: &["docx"],
};
pub const ODT: Kind = Kind {
    mime: "application/vnd.oasis.opendocument.text",
    label: "an OpenDocument text (ODT)",
    extensions: &["odt"],
};
pub const TEXT: Kind = Kind {
    mime: "text/plain; charset=utf-8",
    label: "plain text",
    extensions: &["txt", "text", "md"],
};
pub const PNG: Kind = Kind {
    mime: "image/png",
    label: "a PNG image",
    extensions: &["png"],
};
pub const JPEG: Kind = Kind {
    mime: "image/jpeg",
    label: "a JPEG image",
    extensions: &["jpg", "jpeg"],
};
pub const GIF: Kind = Kind {
    mime: "image/gif",
    label: "a GIF image",
    extensions: &["gif"],
};
pub const WEBP: Kind = Kind {
    mime: "image/webp",
    label: "a WebP image",
    extensions: &["webp"],
};

/// Every type accepted.
pub const ACCEPTED: [Kind; 8] = [PDF, DOCX, ODT, TEXT, PNG, JPEG, GIF, WEBP];

/// The accepted types, for messages.
pub const ACCEPTED_LIST: &str = "PDF, DOCX, ODT, plain text (UTF-8), PNG, JPEG, GIF or WebP";

/// How many leading bytes the type is read from.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// The type of a document from its leading bytes (`head`, at most [`SNIFF_BYTES`]);
/// `text` says whether the whole document is UTF-8 text without control characters
/// (other than tab, line feed, carriage return and form feed). A refusal says what the
/// document seems to be.
pub fn sniff(head: &[u8], text: bool) -> Result<Kind, UserError> {
    if let Some(found) = infer::get(head) {
        let mime = found.mime_type();
        // infer knows a DOCX only when its entries lie as Word writes them; any zip
        // with an entry under `word/` is one.
        if mime == "application/zip" && zip_entries(head).any(|name| name.starts_with(b"word/")) {
            return Ok(DOCX);
        }
        if let Some(kind) = ACCEPTED.iter().find(|k| k.mime == mime) {
            return Ok(*kind);
        }
        return Err(unsupported(&format!("its content is {mime}")));
    }
    if head.is_empty() {
        return Err(UserError::new(
            "file",
            UserErrorCode::Invalid,
            "The file is empty (0 bytes)",
        ));
    }
    if text {
        return Ok(TEXT);
    }
    Err(unsupported("its content is of no type accepted"))
}

/// The names of the zip entries whose local headers lie in `head`.
fn zip_entries(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    head.windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x03\x04")
        .filter_map(move |(at, _)| {
            let len = head.get(at + 26..at + 28)?;
            let len = u16::from_le_bytes([len[0], len[1]]) as usize;
            head.get(at + 30..at + 30 + len)
        })
}

fn unsupported(what: &str) -> UserError {
    UserError::new(
        "file",
        UserErrorCode::UnsupportedType,
        format!("The file is refused: {what}; accepted: {ACCEPTED_LIST}"),
    )
}

/// `MISLABELLED` when the name's extension is one of an accepted type other than the
/// content's (a `.pdf` that is a PNG image).
pub fn check_label(name: &str, kind: Kind) -> Result<(), UserError> {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return Ok(());
    };
    let ext = ext.to_ascii_lowercase();
    if kind.extensions.contains(&ext.as_str()) {
        return Ok(());
    }
    if let Some(named) = ACCEPTED
        .iter()
        .find(|k| k.extensions.contains(&ext.as_str()))
    {
        return Err(UserError::new(
            "file",
            UserErrorCode::UnsupportedType,
            format!(
                "The file is named as {} (.{ext}) but its content is {}",
                named.label, kind.label
            ),
        ));
    }
    Ok(())
}

/// Longest name kept, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// A document's name as stored: trimmed; refused when empty, longer than
/// [`MAX_NAME_CHARS`], holding a path separator or a control character, or `.`/`..`.
pub fn parse_name(raw: &str) -> Result<String, UserError> {
    let name = raw.trim();
    let bad = |message: &str| Err(UserError::new("name", UserErrorCode::Invalid, message));
    if name.is_empty() || name == "." || name == ".." {
        return bad("Give the file a name (e.g. position-paper.pdf)");
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return bad("A file name may have at most 255 characters");
    }
    if name.contains(['/', '\\']) {
        return bad("A file name may not hold a path separator (/ or \\)");
    }
    if name.chars().any(char::is_control) {
        return bad("A file name may not hold control characters");
    }
    Ok(name.to_owned())
}

/// Whether a UTF-8 check over the chunks seen so far still holds: `pending` keeps the
/// bytes of a character cut by a chunk's end.
#[derive(Debug, Default)]
pub struct TextCheck {
    pending: Vec<u8>,
    failed: bool,
}

impl TextCheck {
    pub fn feed(&mut self, chunk: &[u8]) {
        if self.failed {
            return;
        }
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(chunk);
        let valid = match std::str::from_utf8(&bytes) {
            Ok(s) => s,
            Err(err) if err.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(err.valid_up_to());
                self.pending = rest.to_vec();
                // Checked just above: the prefix is valid UTF-8.
                std::str::from_utf8(valid).unwrap_or_default()
            }
            Err(_) => {
                self.failed = true;
                return;
            }
        };
        if valid
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        {
            self.failed = true;
        }
    }

    /// Whether everything fed was text.
    pub fn is_text(&self) -> bool {
        !self.failed && self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_is_read_from_content_not_name() {
        assert_eq!(sniff(b"%PDF-1.7\n...", false).unwrap(), PDF);
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", false).unwrap(), PNG);
        let exe = sniff(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0", false).unwrap_err();
        assert_eq!(exe.code, UserErrorCode::UnsupportedType);
        assert!(exe.message.contains("application/"), "{}", exe.message);
        assert_eq!(sniff(b"Hello", true).unwrap(), TEXT);
        assert!(sniff(b"\x01\x02binary", false).is_err());
        assert_eq!(sniff(b"", true).unwrap_err().code, UserErrorCode::Invalid);
        let mislabelled = check_label("paper.PDF", PNG).unwrap_err();
        assert!(mislabelled.message.contains("named as a PDF document"));
        assert!(check_label("paper.pdf", PDF).is_ok() && check_label("paper", PNG).is_ok());
        assert!(check_label("notes.bin", TEXT).is_ok());
    }

    #[test]
    fn names_with_separators_controls_or_a_thousand_characters_are_refused() {
        assert_eq!(parse_name("  paper.pdf ").unwrap(), "paper.pdf");
        assert_eq!(
            parse_name("Position de la France.pdf").unwrap(),
            "Position de la France.pdf"
        );
        for bad in [
            "",
            "..",
            "a/b.pdf",
            "..\\x.pdf",
            "a\u{0}b",
            "line\nbreak.pdf",
        ] {
            assert!(parse_name(bad).is_err(), "{bad:?}");
        }
        assert!(parse_name(&"x".repeat(1000)).is_err());
        assert!(parse_name(&"é".repeat(255)).is_ok());
    }

    #[test]
    fn text_is_checked_across_chunks() {
        let mut check = TextCheck::default();
        let text = "naïve — 中文\n".as_bytes();
        for chunk in text.chunks(3) {
            check.feed(chunk);
        }
        assert!(check.is_text());
        let mut binary = TextCheck::default();
        binary.feed(b"abc\x07def");
        assert!(!binary.is_text());
        let mut invalid = TextCheck::default();
        invalid.feed(b"abc\xff");
        assert!(!invalid.is_text());
        let mut cut = TextCheck::default();
        cut.feed(&"é".as_bytes()[..1]);
        assert!(!cut.is_text());
    }
}
