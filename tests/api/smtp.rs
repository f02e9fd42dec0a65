//! An SMTP receiver on 127.0.0.1 for the tests: it speaks enough of RFC 5321 for a
//! real client (lettre) to deliver to it, keeps what it receives, and refuses the
//! recipients a test names (550, as a server that knows no such mailbox).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message received.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    /// The message as sent (headers and MIME body).
    pub data: String,
}

impl Received {
    /// Its `Subject`, decoded.
    pub fn subject(&self) -> String {
        let parsed = mailparse::parse_mail(self.data.as_bytes()).expect("a MIME message");
        mailparse::MailHeaderMap::get_first_value(parsed.headers.as_slice(), "Subject")
            .unwrap_or_default()
    }

    /// The header `name`, decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let parsed = mailparse::parse_mail(self.data.as_bytes()).expect("a MIME message");
        mailparse::MailHeaderMap::get_first_value(parsed.headers.as_slice(), name)
    }

    /// The decoded body of its part of type `mime` (`text/plain`, `text/html`).
    pub fn part(&self, mime: &str) -> Option<String> {
        let parsed = mailparse::parse_mail(self.data.as_bytes()).expect("a MIME message");
        let mut parts = vec![parsed];
        while let Some(p) = parts.pop() {
            if p.ctype.mimetype == mime {
                return p.get_body().ok();
            }
            parts.extend(p.subparts);
        }
        None
    }

    /// The first link in its text part that contains `marker`.
    pub fn link(&self, marker: &str) -> Option<String> {
        let text = self.part("text/plain")?;
        text.split_whitespace()
            .find(|w| w.contains(marker))
            .map(str::to_owned)
    }
}

/// A running receiver.
pub struct Sink {
    pub port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<HashSet<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    /// A receiver on a free port.
    pub async fn start() -> Sink {
        Sink::start_on(0).await
    }

    /// A receiver on `port`.
    pub async fn start_on(port: u16) -> Sink {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("bind the SMTP receiver");
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(HashSet::new()));
        let (r, f) = (received.clone(), refused.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (r, f) = (r.clone(), f.clone());
                tokio::spawn(async move {
                    let _ = session(stream, r, f).await;
                });
            }
        });
        Sink {
            port,
            received,
            refused,
            task,
        }
    }

    /// Refuses mail to `address` from now on.
    pub fn refuse(&self, address: &str) {
        self.refused.lock().unwrap().insert(address.to_lowercase());
    }

    /// What it has received so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to 20 s) until it has received `n` messages; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.received();
            if got.len() >= n || Instant::now() > deadline {
                assert!(
                    got.len() >= n,
                    "waited for {n} messages, got {}: {got:#?}",
                    got.len()
                );
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Mail settings for an app that sends to `port` on 127.0.0.1, without TLS, retried
/// quickly.
pub fn mail_to(port: u16) -> concord::config::MailSettings {
    concord::config::MailSettings {
        smtp: Some(concord::config::Smtp {
            host: "127.0.0.1".into(),
            port,
            tls: concord::config::SmtpTls::None,
            username: None,
            password: None,
        }),
        from: "Concord secretariat <concord@un.example>".into(),
        public_url: "https://concord.example.org".into(),
        retry_base: Duration::from_millis(200),
        poll: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
        ..Default::default()
    }
}

async fn session(
    stream: tokio::net::TcpStream,
    received: Arc<Mutex<Vec<Received>>>,
    refused: Arc<Mutex<HashSet<String>>>,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_owned();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => b"250 sink.test\r\n",
            "MAIL" => {
                to.clear();
                b"250 2.1.0 Ok\r\n"
            }
            "RCPT" => {
                let address = command
                    .split_once('<')
                    .and_then(|(_, rest)| rest.split_once('>'))
                    .map(|(a, _)| a.to_lowercase())
                    .unwrap_or_default();
                if refused.lock().unwrap().contains(&address) {
                    b"550 5.1.1 <refused>: Recipient address rejected: User unknown\r\n"
                } else {
                    to.push(address);
                    b"250 2.1.5 Ok\r\n"
                }
            }
            "DATA" => {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    // Dot-stuffing (RFC 5321 4.5.2).
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
                received.lock().unwrap().push(Received {
                    to: std::mem::take(&mut to),
                    data,
                });
                b"250 2.0.0 Ok: queued\r\n"
            }
            "RSET" | "NOOP" => b"250 2.0.0 Ok\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Error: command not recognized\r\n",
        };
        write.write_all(reply).await?;
    }
}
