//! What the attachment tests send: a GraphQL multipart request written byte by byte as
//! the spec has it, real DOCX and PDF files made here, and an S3 API (moto's server)
//! started on 127.0.0.1.

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A GraphQL multipart request (operations, map, then one part per file), as Apollo's
/// and urql's upload links send it: the content type with its boundary, and the body.
pub fn multipart(
    query: &str,
    variables: Value,
    files: &[(&str, &str, &[u8])],
) -> (String, Vec<u8>) {
    let boundary = "----concord-test-boundary-7MA4YWxkTrZu0gW";
    let mut map = serde_json::Map::new();
    for (i, (path, _, _)) in files.iter().enumerate() {
        map.insert(i.to_string(), json!([format!("variables.{path}")]));
    }
    let mut body = Vec::new();
    let mut part = |headers: &str, content: &[u8]| {
        write!(body, "--{boundary}\r\n{headers}\r\n\r\n").unwrap();
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    };
    let operations = json!({ "query": query, "variables": variables }).to_string();
    part(
        "Content-Disposition: form-data; name=\"operations\"",
        operations.as_bytes(),
    );
    part(
        "Content-Disposition: form-data; name=\"map\"",
        Value::Object(map).to_string().as_bytes(),
    );
    for (i, (_, filename, bytes)) in files.iter().enumerate() {
        part(
            &format!(
                "Content-Disposition: form-data; name=\"{i}\"; filename=\"{filename}\"\r\n\
                 Content-Type: application/octet-stream"
            ),
            bytes,
        );
    }
    write!(body, "--{boundary}--\r\n").unwrap();
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A DOCX (a zip holding Word's XML) whose text is `paragraphs`.
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<w:p><w:r><w:t>{p}</w:t></w:r></w:p>"))
        .collect();
    zipped(&[
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.as_bytes().to_vec()),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.to_vec()),
        ("word/document.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#).into_bytes()),
    ])
}

/// A DOCX whose document unpacks to `megabytes` MB of one character: a zip bomb.
pub fn docx_bomb(megabytes: usize) -> Vec<u8> {
    let mut xml = b"<w:document xmlns:w=\"x\"><w:body><w:p><w:r><w:t>".to_vec();
    xml.resize(xml.len() + megabytes * 1024 * 1024, b'a');
    xml.extend_from_slice(b"</w:t></w:r></w:p></w:body></w:document>");
    zipped(&[
        ("[Content_Types].xml", b"<Types/>".to_vec()),
        ("word/document.xml", xml),
    ])
}

fn zipped(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

/// A one-page PDF showing `text` in Helvetica, its cross-reference table exact.
pub fn pdf(text: &str) -> Vec<u8> {
    let stream = format!("BT /F1 18 Tf 72 700 Td ({text}) Tj ET");
    pdf_of(&[
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_owned(),
    ])
}

/// A PDF whose page draws a form that draws itself: a reader that follows it never
/// ends (pdf-extract recurses until its stack runs out).
pub fn pdf_drawing_itself() -> Vec<u8> {
    let stream = "BT /F1 12 Tf (x) Tj ET /X1 Do";
    pdf_of(&[
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources 5 0 R >>"
            .to_owned(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Font << /F1 6 0 R >> /XObject << /X1 7 0 R >> >>".to_owned(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_owned(),
        format!(
            "<< /Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources 5 0 R /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
    ])
}

/// A PDF of these objects (numbered from 1, the first the catalog).
fn pdf_of(objects: &[String]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        write!(out, "{} 0 obj\n{object}\nendobj\n", i + 1).unwrap();
    }
    let xref = out.len();
    write!(out, "xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).unwrap();
    for offset in offsets {
        writeln!(out, "{offset:010} 00000 n ").unwrap();
    }
    write!(
        out,
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    )
    .unwrap();
    out
}

/// The smallest PNG: a 1×1 pixel.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// The start of a Windows executable.
pub fn exe() -> Vec<u8> {
    let mut bytes = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    bytes.resize(4096, 0);
    bytes[0x3c] = 0x80;
    bytes[0x80..0x84].copy_from_slice(b"PE\0\0");
    bytes
}

/// A folder of its own under the system's temporary folder, removed when dropped.
pub struct Folder(pub std::path::PathBuf);

impl Folder {
    pub fn new(what: &str) -> Folder {
        let path = std::env::temp_dir().join(format!(
            "concord-{what}-{}-{}",
            std::process::id(),
            crate::helpers::free_port()
        ));
        std::fs::create_dir_all(&path).unwrap();
        Folder(path)
    }

    pub fn url(&self) -> String {
        format!("file://{}", self.0.display())
    }

    /// The files under it, at any depth.
    pub fn files(&self) -> Vec<std::path::PathBuf> {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.0, &mut out);
        out
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// moto's S3 server on 127.0.0.1, with one bucket; stopped when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// Started, or `None` (the test is skipped) when moto is not installed and
    /// `CONCORD_REQUIRE_TOOLS` is not set (CI sets it: then the test fails).
    pub async fn start(bucket: &str) -> Option<Moto> {
        let port = crate::helpers::free_port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(err) => {
                let message = format!("the S3 tests need moto (pip install 'moto[server]'): {err}");
                if std::env::var_os("CONCORD_REQUIRE_TOOLS").is_some() {
                    panic!("{message}");
                }
                eprintln!("SKIPPED {message}");
                return None;
            }
        };
        let mut moto = Moto { child, port };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let made = client
                .put(format!("http://127.0.0.1:{port}/{bucket}"))
                .send()
                .await;
            if made.as_ref().is_ok_and(|r| r.status().is_success()) {
                break;
            }
            if Instant::now() > deadline || moto.child.try_wait().unwrap().is_some() {
                panic!("moto did not start: {made:?}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Some(moto)
    }

    /// The store URL Concord takes for the bucket.
    pub fn url(&self, bucket: &str) -> String {
        format!(
            "s3://{bucket}/concord?endpoint=http://127.0.0.1:{}&allow_http=true&region=us-east-1\
             &access_key_id=test&secret_access_key=test",
            self.port
        )
    }

    /// The keys in the bucket.
    pub async fn keys(&self, bucket: &str) -> Vec<String> {
        let text = reqwest::Client::new()
            .get(format!(
                "http://127.0.0.1:{}/{bucket}?list-type=2",
                self.port
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
