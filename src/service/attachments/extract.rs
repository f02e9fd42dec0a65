//! Text for search, from PDF (pdf-extract), DOCX and ODT (their XML, read from the
//! zip), and plain text. The document formats are read in a child process
//! (`concord extract-text`) that limits its own memory and CPU time and is killed
//! after a time limit: a zip bomb or a PDF that makes the reader loop costs the child,
//! never the server. A document whose text cannot be read is kept, without text.

use super::{Attachments, Stored, kinds};
use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use std::io::Read;
use std::process::Stdio;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Most characters of text kept per document.
pub const MAX_CHARS: usize = 200_000;

/// Most bytes an entry of a DOCX or ODT archive may unpack to.
const MAX_UNPACKED: u64 = 64 * 1024 * 1024;

/// The exit status of `concord extract-text` when the document broke a limit (an
/// archive that unpacks to too much); a child killed by a signal (memory, CPU) or
/// after the time limit broke one too.
pub const LIMIT_EXIT: i32 = 3;

/// Why a document's text was not read.
#[derive(Debug)]
pub enum Unread {
    /// The document broke a limit (time, memory, unpacked size): it is refused.
    Limit(String),
    /// The reader could not make sense of it: it is kept, without text.
    Failed(String),
}

/// The text of a stored document, if its type has text and it can be read; a document
/// that breaks the reader's limits (a zip bomb, a PDF that makes the reader loop) is
/// refused with a `UserError`.
pub async fn text_of(
    attachments: &Attachments,
    stored: &Stored,
) -> Result<Option<String>, crate::error::UserError> {
    let kind = match stored.kind {
        k if k == kinds::TEXT => return Ok(plain(attachments, stored).await),
        k if k == kinds::PDF => "pdf",
        k if k == kinds::DOCX => "docx",
        k if k == kinds::ODT => "odt",
        _ => return Ok(None),
    };
    match in_child(attachments, stored, kind).await {
        Ok(text) => Ok(Some(text).filter(|t| !t.trim().is_empty())),
        Err(Unread::Failed(err)) => {
            tracing::warn!(kind, size = stored.size, "no text extracted: {err}");
            Ok(None)
        }
        Err(Unread::Limit(why)) => Err(crate::error::UserError::new(
            "file",
            crate::error::UserErrorCode::Invalid,
            format!(
                "The document cannot be read within the server's limits ({why}): it may be \
                 damaged, or built to exhaust a reader (a zip bomb)"
            ),
        )),
    }
}

async fn plain(attachments: &Attachments, stored: &Stored) -> Option<String> {
    let got = attachments
        .store()
        .get(&attachments.path(&stored.key))
        .await
        .ok()?;
    let mut stream = got.into_stream();
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        bytes.extend_from_slice(&chunk.ok()?);
        if bytes.len() >= MAX_CHARS * 4 {
            break;
        }
    }
    Some(truncate(String::from_utf8_lossy(&bytes).into_owned()))
}

fn truncate(mut text: String) -> String {
    if let Some((cut, _)) = text.char_indices().nth(MAX_CHARS) {
        text.truncate(cut);
    }
    text
}

async fn in_child(
    attachments: &Attachments,
    stored: &Stored,
    kind: &str,
) -> Result<String, Unread> {
    let failed = |e: &dyn std::fmt::Display| Unread::Failed(e.to_string());
    let settings = &attachments.settings;
    let program = match &settings.extractor {
        Some(path) => path.clone(),
        None => std::env::current_exe().map_err(|e| failed(&e))?,
    };
    let mut child = tokio::process::Command::new(program)
        .arg("extract-text")
        .arg(kind)
        .arg("--max-memory")
        .arg(settings.extract_memory.to_string())
        .arg("--max-seconds")
        .arg(settings.extract_timeout.as_secs().max(1).to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| failed(&e))?;
    let (Some(mut stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(failed(&"no pipes to the extractor"));
    };
    let got = attachments
        .store()
        .get(&attachments.path(&stored.key))
        .await
        .map_err(|e| failed(&e))?;
    let feed = async move {
        let mut stream = got.into_stream();
        while let Some(chunk) = stream.next().await {
            // The child may stop reading (it failed): what is left is not needed.
            if stdin.write_all(&chunk?).await.is_err() {
                break;
            }
        }
        drop(stdin);
        Ok::<_, anyhow::Error>(())
    };
    let read = async move {
        let mut out = Vec::new();
        (&mut stdout)
            .take((MAX_CHARS * 4) as u64)
            .read_to_end(&mut out)
            .await?;
        Ok::<_, anyhow::Error>(out)
    };
    let run = async {
        let (fed, out) = tokio::join!(feed, read);
        fed.map_err(|e| failed(&e))?;
        let out = out.map_err(|e| failed(&e))?;
        let status = child.wait().await.map_err(|e| failed(&e))?;
        match status.code() {
            Some(0) => Ok(truncate(String::from_utf8_lossy(&out).into_owned())),
            Some(LIMIT_EXIT) => Err(Unread::Limit("it unpacks to too much".into())),
            Some(code) => Err(Unread::Failed(format!("the extractor exited with {code}"))),
            // Killed: by its memory or CPU limit.
            None => Err(Unread::Limit(format!("the reader was stopped ({status})"))),
        }
    };
    match tokio::time::timeout(settings.extract_timeout, run).await {
        Ok(result) => result,
        Err(_) => Err(Unread::Limit(format!(
            "reading took longer than {} s",
            settings.extract_timeout.as_secs()
        ))),
    }
}

/// An archive entry that unpacks to more than allowed (`concord extract-text` exits
/// with [`LIMIT_EXIT`]).
#[derive(Debug)]
pub struct TooMuch(pub String);

impl std::fmt::Display for TooMuch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TooMuch {}

/// `concord extract-text KIND`: in the child, with its limits set first: the text of
/// the document on stdin, on stdout.
pub fn run_child(kind: &str, max_memory: u64, max_seconds: u64) -> anyhow::Result<String> {
    use nix::sys::resource::{Resource, setrlimit};
    setrlimit(Resource::RLIMIT_AS, max_memory, max_memory)?;
    setrlimit(Resource::RLIMIT_CPU, max_seconds, max_seconds)?;
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(super::DEFAULT_MAX_BYTES * 4)
        .read_to_end(&mut bytes)?;
    let text = match kind {
        "pdf" => pdf_extract::extract_text_from_mem(&bytes)?,
        "docx" => from_zip_xml(&bytes, "word/document.xml")?,
        "odt" => from_zip_xml(&bytes, "content.xml")?,
        other => anyhow::bail!("no text extractor for `{other}`"),
    };
    Ok(truncate(text))
}

/// The text of one XML entry of a zip archive (DOCX, ODT): the text of its elements,
/// a line per paragraph or heading; at most [`MAX_UNPACKED`] bytes unpacked.
pub fn from_zip_xml(bytes: &[u8], entry: &str) -> anyhow::Result<String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    let file = archive.by_name(entry)?;
    if file.size() > MAX_UNPACKED {
        return Err(TooMuch(format!("{entry} unpacks to {} bytes", file.size())).into());
    }
    let mut xml = Vec::new();
    file.take(MAX_UNPACKED + 1).read_to_end(&mut xml)?;
    if xml.len() as u64 > MAX_UNPACKED {
        return Err(TooMuch(format!("{entry} unpacks to more than {MAX_UNPACKED} bytes")).into());
    }
    text_of_xml(&xml)
}

fn text_of_xml(xml: &[u8]) -> anyhow::Result<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = String::new();
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Text(t) => {
                out.push_str(&t.decode()?);
            }
            Event::GeneralRef(r) => {
                // &amp; &lt; … and character references, as the text they stand for.
                if let Some(c) = r.resolve_char_ref()? {
                    out.push(c);
                } else {
                    let name = r.decode()?;
                    if let Some(s) = quick_xml::escape::resolve_xml_entity(&name) {
                        out.push_str(s);
                    }
                }
            }
            Event::End(e) => {
                let name = e.local_name();
                if matches!(name.as_ref(), b"p" | b"h") {
                    out.push('\n');
                }
            }
            Event::Empty(e) => {
                if matches!(e.local_name().as_ref(), b"tab" | b"s") {
                    out.push(' ');
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
        if out.len() > MAX_CHARS * 4 {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_entities_of_word_xml_are_read() {
        let xml = br#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>Enhanced &amp; open</w:t></w:r></w:p><w:p><w:r><w:t>cooperation</w:t><w:tab/><w:t>2010</w:t></w:r></w:p></w:body></w:document>"#;
        assert_eq!(
            text_of_xml(xml).unwrap(),
            "Enhanced & open\ncooperation 2010\n"
        );
    }

    #[test]
    fn headings_paragraphs_and_spaces_of_opendocument_xml_are_read() {
        let xml = br#"<office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text><text:h text:outline-level="1">Tunis Agenda</text:h><text:p>Paragraph<text:s/>69 &#8211; <text:span>enhanced</text:span> cooperation</text:p></office:text></office:body></office:document-content>"#;
        assert_eq!(
            text_of_xml(xml).unwrap(),
            "Tunis Agenda\nParagraph 69 \u{2013} enhanced cooperation\n"
        );
    }
}
