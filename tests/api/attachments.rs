//! Attachments: uploaded by the GraphQL multipart request and in two steps, typed by
//! content, attached to revisions, named in signed receipts, downloaded under the read
//! policy (hidden ≡ missing) with Range and ETag, found by search, on a folder and on
//! S3 (moto), and refused with clear errors when they should be.

use crate::documents::{self, Folder, Moto, multipart};
use crate::helpers::{TestApp, spawn_seeded_app_with, test_settings};
use concord::service::attachments::AttachmentSettings;
use entity::enums::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

const UPLOAD: &str = "mutation($file: Upload!, $name: String) { attachmentUpload(file: $file, name: $name) { upload { id state name contentType size sha256 } userErrors { field message code } } }";
const BEGIN: &str = "mutation($i: AttachmentUploadBeginInput!) { attachmentUploadBegin(input: $i) { upload { id state uploadUrl } userErrors { field message code } } }";
const CREATE: &str = "mutation($i: ContributionCreateInput!) { contributionCreate(input: $i) { contribution { id version attachments { id name contentType size sha256 url textExtracted } } userErrors { field message code } } }";
const EDIT: &str = "mutation($i: ContributionEditInput!) { contributionEdit(input: $i) { contribution { version attachments { id name sha256 } } receipt { signedReceipt revision { number attachments { name } } } userErrors { field message code } } }";
const SUBMIT: &str = "mutation($id: ID!, $v: Int!) { contributionSubmit(input: { id: $id, version: $v }) { contribution { version } receipt { signedReceipt } userErrors { message } } }";
const PUBLISH: &str = "mutation($id: ID!, $v: Int!) { contributionPublish(input: { id: $id, version: $v }) { contribution { version } userErrors { message } } }";
const WITHDRAW: &str = "mutation($id: ID!, $v: Int!) { contributionWithdraw(input: { id: $id, version: $v, reason: \"Sent in error\" }) { contribution { status } userErrors { message } } }";
const SEARCH: &str =
    "query($q: String!) { searchContributions(query: $q) { edges { node { id } } } }";

/// The seeded app with its documents in `store`, its other rules as `tweak` sets them.
async fn on_store(store: String, tweak: impl FnOnce(&mut AttachmentSettings)) -> TestApp {
    let mut attachments = AttachmentSettings {
        store,
        ..test_settings().attachments
    };
    tweak(&mut attachments);
    spawn_seeded_app_with(concord::config::Settings {
        attachments,
        ..test_settings()
    })
    .await
}

/// Sends a multipart request as `token` (or none); the status and the body.
pub async fn send_multipart(
    app: &TestApp,
    token: Option<&str>,
    query: &str,
    variables: Value,
    files: &[(&str, &str, &[u8])],
) -> (u16, Value) {
    let (content_type, body) = multipart(query, variables, files);
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Uploads one file; the payload.
pub async fn upload(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> Value {
    let (status, body) = send_multipart(
        app,
        Some(token),
        UPLOAD,
        json!({ "file": null }),
        &[("file", name, bytes)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"]["attachmentUpload"].clone()
}

/// A two-step upload: begun, then its bytes `PUT`; the upload's ID.
async fn two_step(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> String {
    let (_, begun) = app
        .graphql_as(
            token,
            BEGIN,
            json!({ "i": { "name": name, "size": bytes.len() } }),
        )
        .await;
    let upload = &begun["data"]["attachmentUploadBegin"]["upload"];
    assert_eq!(upload["state"], "PENDING", "{begun}");
    let url = upload["uploadUrl"].as_str().unwrap();
    let put = app
        .client
        .put(app.url(url))
        .bearer_auth(token)
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 200);
    let done: Value = put.json().await.unwrap();
    assert_eq!(done["state"], "READY", "{done}");
    assert_eq!(done["sha256"], concord::auth::secret::digest_bytes(bytes));
    upload["id"].as_str().unwrap().to_owned()
}

fn claims(jws: &str) -> Value {
    use base64::Engine;
    let payload = jws.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn get(
    app: &TestApp,
    token: Option<&str>,
    url: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app.client.get(app.url(url));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.unwrap()
}

/// The whole life of two documents on one store.
async fn documents_live_on(app: &TestApp) {
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(app, "documents").await;
    let paper = documents::docx(&[
        "Position of the delegation on enhanced cooperation",
        "Capacity building through zanzibarite partnerships",
    ]);
    let annex = documents::pdf("Annex on quixotically distributed resources");

    // By the multipart request, typed by content (the name says nothing).
    let sent = upload(app, &member, "position.docx", &paper).await;
    assert_eq!(sent["userErrors"], json!([]), "{sent}");
    let docx_upload = &sent["upload"];
    assert_eq!(docx_upload["state"], "READY");
    assert_eq!(
        docx_upload["contentType"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(docx_upload["size"], paper.len());
    assert_eq!(
        docx_upload["sha256"],
        concord::auth::secret::digest_bytes(&paper)
    );
    // In two steps.
    let pdf_upload = two_step(app, &member, "annex.pdf", &annex).await;

    let (_, created) = app
        .graphql_as(
            &member,
            CREATE,
            json!({ "i": {
                "consultation": consultation, "title": "With documents",
                "body": "See the attached position paper.", "language": "en",
                "attachments": [docx_upload["id"], pdf_upload],
            } }),
        )
        .await;
    let contribution = &created["data"]["contributionCreate"]["contribution"];
    assert!(contribution.is_object(), "{created}");
    let id = contribution["id"].clone();
    let attached = contribution["attachments"].as_array().unwrap().clone();
    assert_eq!(attached.len(), 2);
    assert_eq!(attached[0]["name"], "position.docx");
    assert_eq!(attached[1]["name"], "annex.pdf");
    assert_eq!(attached[1]["contentType"], "application/pdf");
    assert_eq!(attached[0]["textExtracted"], true, "{attached:?}");
    assert_eq!(attached[1]["textExtracted"], true, "{attached:?}");
    // An upload is attached once.
    let (_, again) = app
        .graphql_as(
            &member,
            CREATE,
            json!({ "i": { "consultation": consultation, "title": "Again", "body": "x",
                           "language": "en", "attachments": [pdf_upload] } }),
        )
        .await;
    assert_eq!(
        again["data"]["contributionCreate"]["userErrors"][0]["code"], "NOT_FOUND",
        "{again}"
    );

    // The signed receipt names each document's hash, name, type and size.
    let (_, submitted) = app
        .graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
        .await;
    let jws = submitted["data"]["contributionSubmit"]["receipt"]["signedReceipt"]
        .as_str()
        .unwrap()
        .to_owned();
    let claims = claims(&jws);
    assert_eq!(
        claims["attachments"][0]["sha256"],
        concord::auth::secret::digest_bytes(&paper)
    );
    assert_eq!(claims["attachments"][0]["name"], "position.docx");
    assert_eq!(
        claims["attachments"][1]["sha256"],
        concord::auth::secret::digest_bytes(&annex)
    );
    assert_eq!(claims["attachments"][1]["size"], annex.len());
    assert_eq!(claims["attachments"][1]["contentType"], "application/pdf");

    // Before publication: the author reads it; anyone else finds nothing, exactly as
    // for an ID that never existed.
    let url = attached[0]["url"].as_str().unwrap().to_owned();
    let hidden = get(app, None, &url, &[]).await;
    let never = get(app, None, "/attachments/QXR0YWNobWVudDo5OTk5OTk", &[]).await;
    assert_eq!(hidden.status(), 404);
    assert_eq!(never.status(), 404);
    assert_eq!(hidden.text().await.unwrap(), never.text().await.unwrap());
    let mine = get(app, Some(&member), &url, &[]).await;
    assert_eq!(mine.status(), 200);
    let headers = mine.headers().clone();
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"position.docx\"; filename*=UTF-8''position.docx"
    );
    let etag = format!("\"{}\"", concord::auth::secret::digest_bytes(&paper));
    assert_eq!(headers["etag"], etag.as_str());
    assert_eq!(headers["accept-ranges"], "bytes");
    assert_eq!(mine.bytes().await.unwrap().as_ref(), paper.as_slice());
    // A range, a stale If-Range, and a cached copy.
    let part = get(app, Some(&member), &url, &[("range", "bytes=10-19")]).await;
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 10-19/{}", paper.len()).as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &paper[10..20]);
    let tail = get(app, Some(&member), &url, &[("range", "bytes=-5")]).await;
    assert_eq!(
        tail.bytes().await.unwrap().as_ref(),
        &paper[paper.len() - 5..]
    );
    let stale = get(
        app,
        Some(&member),
        &url,
        &[("range", "bytes=0-1"), ("if-range", "\"old\"")],
    )
    .await;
    assert_eq!(stale.status(), 200);
    let beyond = get(app, Some(&member), &url, &[("range", "bytes=999999-")]).await;
    assert_eq!(beyond.status(), 416);
    let cached = get(app, Some(&member), &url, &[("if-none-match", &etag)]).await;
    assert_eq!(cached.status(), 304);

    // Published: anyone downloads it, and its documents' words find it.
    let (_, published) = app
        .graphql_as(&admin, PUBLISH, json!({ "id": id, "v": 2 }))
        .await;
    assert_eq!(
        published["data"]["contributionPublish"]["userErrors"],
        json!([]),
        "{published}"
    );
    assert_eq!(get(app, None, &url, &[]).await.status(), 200);
    for word in ["zanzibarite", "quixotically"] {
        let found = app.graphql(SEARCH, json!({ "q": word })).await;
        let ids: Vec<&Value> = found["data"]["searchContributions"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{found}"))
            .iter()
            .map(|e| &e["node"]["id"])
            .collect();
        assert_eq!(ids, [&id], "{word}: {found}");
    }

    // The exports list each document.
    let rows = get(
        app,
        None,
        &format!(
            "/consultations/{}/contributions.ndjson",
            consultation.as_str().unwrap()
        ),
        &[],
    )
    .await
    .text()
    .await
    .unwrap();
    let row: Value = rows
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("{rows}"));
    assert_eq!(row["attachments"][0]["name"], "position.docx");
    assert_eq!(
        row["attachments"][0]["sha256"],
        concord::auth::secret::digest_bytes(&paper)
    );
    assert_eq!(row["attachments"][0]["url"], url.as_str());
    assert_eq!(row["attachments"][1]["content_type"], "application/pdf");
    assert_eq!(row["attachments"][1]["size"], annex.len());
    let csv = get(
        app,
        None,
        &format!(
            "/consultations/{}/contributions.csv",
            consultation.as_str().unwrap()
        ),
        &[],
    )
    .await
    .text()
    .await
    .unwrap();
    let cell = format!(
        "position.docx|application/vnd.openxmlformats-officedocument.wordprocessingml.document|{}|{}|{url};annex.pdf|application/pdf|",
        paper.len(),
        concord::auth::secret::digest_bytes(&paper)
    );
    assert!(csv.contains(&cell), "{csv}");

    // A new revision carries the documents forward; a list replaces them.
    let (_, edited) = app
        .graphql_as(
            &member,
            EDIT,
            json!({ "i": { "id": id, "version": 3, "body": "Revised." } }),
        )
        .await;
    let edited = &edited["data"]["contributionEdit"];
    assert_eq!(edited["receipt"]["revision"]["number"], 2, "{edited}");
    assert_eq!(
        edited["contribution"]["attachments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Revised, it left the published view until published again: so did its documents.
    assert_eq!(get(app, None, &url, &[]).await.status(), 404);
    let kept = edited["contribution"]["attachments"][1]["id"].clone();
    let (_, replaced) = app
        .graphql_as(
            &member,
            EDIT,
            json!({ "i": { "id": id, "version": 4, "attachments": [kept] } }),
        )
        .await;
    let replaced = &replaced["data"]["contributionEdit"];
    assert_eq!(replaced["userErrors"], json!([]), "{replaced}");
    assert_eq!(
        replaced["receipt"]["revision"]["attachments"],
        json!([{ "name": "annex.pdf" }])
    );
    let claims = self::claims(replaced["receipt"]["signedReceipt"].as_str().unwrap());
    assert_eq!(claims["attachments"].as_array().unwrap().len(), 1);
    assert_eq!(
        claims["attachments"][0]["sha256"],
        concord::auth::secret::digest_bytes(&annex)
    );

    // Withdrawn: its documents disappear with it.
    let (_, withdrawn) = app
        .graphql_as(&admin, WITHDRAW, json!({ "id": id, "v": 5 }))
        .await;
    assert_eq!(
        withdrawn["data"]["contributionWithdraw"]["contribution"]["status"], "WITHDRAWN",
        "{withdrawn}"
    );
    assert_eq!(get(app, None, &url, &[]).await.status(), 404);
}

#[tokio::test]
async fn documents_on_a_folder_are_uploaded_signed_downloaded_and_found() {
    let folder = Folder::new("attachments");
    let app = on_store(folder.url(), |_| {}).await;
    documents_live_on(&app).await;
    // Two documents, two blobs (carrying forward copies no bytes).
    let blobs = folder.files();
    assert_eq!(blobs.len(), 2, "{blobs:?}");
}

#[tokio::test]
async fn documents_on_s3_are_uploaded_signed_downloaded_and_found() {
    let Some(moto) = Moto::start("concord-test").await else {
        return;
    };
    let app = on_store(moto.url("concord-test"), |_| {}).await;
    documents_live_on(&app).await;
    let keys = moto.keys("concord-test").await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(
        keys.iter().all(|k| k.starts_with("concord/blobs/")),
        "{keys:?}"
    );
}

#[tokio::test]
async fn bad_documents_are_refused_with_clear_errors_and_nothing_is_stored() {
    let folder = Folder::new("refusals");
    let app = on_store(folder.url(), |a| {
        a.max_bytes = 100_000;
        a.max_per_revision = 2;
        a.quota_bytes = 250_000;
    })
    .await;
    let (_admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "refusals").await;
    let refused = |payload: &Value| payload["userErrors"][0]["code"].as_str().map(str::to_owned);

    let exe = upload(&app, &member, "position.pdf", &documents::exe()).await;
    assert_eq!(refused(&exe).as_deref(), Some("UNSUPPORTED_TYPE"), "{exe}");
    assert!(
        exe["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("accepted: PDF")
    );
    let png = upload(&app, &member, "position.pdf", documents::PNG).await;
    assert_eq!(refused(&png).as_deref(), Some("UNSUPPORTED_TYPE"));
    assert!(
        png["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("named as a PDF document (.pdf) but its content is a PNG image"),
        "{png}"
    );
    let empty = upload(&app, &member, "empty.txt", b"").await;
    assert_eq!(refused(&empty).as_deref(), Some("INVALID"), "{empty}");
    for name in [
        "../../etc/passwd",
        "a\\b.txt",
        "tab\there.txt",
        &"x".repeat(1000),
    ] {
        let named = upload(&app, &member, name, b"Plain words.").await;
        assert_eq!(
            refused(&named).as_deref(),
            Some("INVALID"),
            "{name:?}: {named}"
        );
        assert_eq!(named["userErrors"][0]["field"], json!(["input", "name"]));
    }
    let bomb = upload(&app, &member, "bomb.docx", &documents::docx_bomb(80)).await;
    assert_eq!(refused(&bomb).as_deref(), Some("INVALID"), "{bomb}");
    assert!(
        bomb["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("zip bomb")
    );
    let endless = upload(&app, &member, "loop.pdf", &documents::pdf_drawing_itself()).await;
    assert_eq!(refused(&endless).as_deref(), Some("INVALID"), "{endless}");
    assert!(
        endless["userErrors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be read within the server's limits"),
        "{endless}"
    );

    // Over the size limit: 413 with a code, at once when the length says so.
    let (status, body) = send_multipart(
        &app,
        Some(&member),
        UPLOAD,
        json!({ "file": null }),
        &[("file", "big.txt", &vec![b'a'; 150_000])],
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    let (_, begun) = app
        .graphql_as(
            &member,
            BEGIN,
            json!({ "i": { "name": "big.pdf", "size": 150_000 } }),
        )
        .await;
    assert_eq!(
        begun["data"]["attachmentUploadBegin"]["userErrors"][0]["code"], "TOO_LARGE",
        "{begun}"
    );
    // A two-step upload sent more bytes than it announced: 413 before the body.
    let (_, begun) = app
        .graphql_as(
            &member,
            BEGIN,
            json!({ "i": { "name": "a.txt", "size": 10 } }),
        )
        .await;
    let url = begun["data"]["attachmentUploadBegin"]["upload"]["uploadUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    let over = app
        .client
        .put(app.url(&url))
        .bearer_auth(&member)
        .body(vec![b'a'; 20])
        .send()
        .await
        .unwrap();
    assert_eq!(over.status(), 413);
    // Nobody but its uploader sends its bytes.
    let gov2 = crate::workflow::stakeholder_id(&app, "Government delegation 2").await;
    let other = app
        .sign_in_as("b@gov.example", Role::MemberState, Some(gov2))
        .await;
    let theirs = app
        .client
        .put(app.url(&url))
        .bearer_auth(&other)
        .body(vec![b'a'; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 404);
    // Anonymous: no upload at all.
    let (status, body) = send_multipart(
        &app,
        None,
        UPLOAD,
        json!({ "file": null }),
        &[("file", "a.txt", b"words")],
    )
    .await;
    assert_eq!(status, 401, "{body}");

    // Nothing of the refused ones was kept.
    assert!(folder.files().is_empty(), "{:?}", folder.files());
    let pending = entity::upload::Entity::find().count(&app.db).await.unwrap();
    assert_eq!(
        pending, 1,
        "the upload begun within the limit, still pending"
    );

    // Someone else's upload, too many documents, and the quota.
    let mine = upload(&app, &member, "a.txt", &vec![b'a'; 90_000]).await;
    let mine = mine["upload"]["id"].clone();
    let theirs = upload(&app, &other, "b.txt", b"Their words.").await;
    let theirs = theirs["upload"]["id"].clone();
    let create = |attachments: Value| {
        json!({ "i": { "consultation": consultation, "title": "T", "body": "B",
                       "language": "en", "attachments": attachments } })
    };
    let (_, stolen) = app
        .graphql_as(&member, CREATE, create(json!([theirs])))
        .await;
    assert_eq!(
        stolen["data"]["contributionCreate"]["userErrors"][0]["code"], "NOT_FOUND",
        "{stolen}"
    );
    let (_, many) = app
        .graphql_as(&member, CREATE, create(json!([mine, theirs, mine])))
        .await;
    assert_eq!(
        many["data"]["contributionCreate"]["userErrors"][0]["code"], "TOO_LARGE",
        "{many}"
    );
    let second = upload(&app, &member, "b.txt", &vec![b'b'; 90_000]).await;
    assert_eq!(second["userErrors"], json!([]), "{second}");
    let third = upload(&app, &member, "c.txt", &vec![b'c'; 90_000]).await;
    assert_eq!(
        refused(&third).as_deref(),
        Some("QUOTA_EXCEEDED"),
        "{third}"
    );
    // Nothing was attached by the refused creations.
    let attached = entity::attachment::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(attached, 0);
}

/// GraphQL over HTTP to a `concord serve` on `port`.
async fn graphql_on(port: u16, token: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn an_upload_cut_off_by_a_kill_leaves_nothing_the_sweeper_does_not_remove() {
    use std::time::{Duration, Instant};
    use tokio::io::AsyncWriteExt;
    let app = crate::helpers::spawn_seeded_app().await;
    let (_admin, member, _) =
        crate::workflow::secretariat_member_and_consultation(&app, "kill").await;
    let folder = Folder::new("killed");
    let url = crate::helpers::db_url(&app);
    let store = folder.url();
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("CONCORD_ATTACHMENT_STORE", store.as_str()),
    ];
    let (serving, port) = crate::pooler::serve(&env).await;
    // A 12 MB document, begun, and its bytes cut off after 8 MB: the store has begun a
    // multipart upload (parts of 5 MiB) when the server is killed.
    let size = 12 * 1024 * 1024;
    let begun = graphql_on(
        port,
        &member,
        BEGIN,
        json!({ "i": { "name": "long.txt", "size": size } }),
    )
    .await;
    let path = begun["data"]["attachmentUploadBegin"]["upload"]["uploadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("{begun}"))
        .to_owned();
    let mut socket = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {member}\r\n\
         Content-Length: {size}\r\n\r\n"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    socket
        .write_all(&vec![b'a'; 8 * 1024 * 1024])
        .await
        .unwrap();
    let staged = |f: &Folder| {
        f.files()
            .into_iter()
            .filter(|p| p.to_string_lossy().contains('#'))
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while staged(&folder) == 0 {
        assert!(
            Instant::now() < deadline,
            "no part staged: {:?}",
            folder.files()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(serving); // SIGKILL, mid-upload
    drop(socket);

    // No row names a blob that is not whole: the upload is still waiting for its bytes.
    let rows = entity::upload::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "PENDING");
    assert_eq!(rows[0].blob_key, "");
    // Another instance stores a document that stays, and a blob is left with no row
    // (as a transaction that failed after writing it would leave it).
    let (serving, port) = crate::pooler::serve(&env).await;
    let (content_type, body) = multipart(
        UPLOAD,
        json!({ "file": null }),
        &[("file", "kept.txt", b"Kept words.")],
    );
    let kept: Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/graphql"))
        .bearer_auth(&member)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        kept["data"]["attachmentUpload"]["upload"]["state"], "READY",
        "{kept}"
    );
    drop(serving);
    let blobs = folder.0.join("blobs");
    std::fs::write(blobs.join("0123456789abcdef0123456789abcdef"), b"orphan").unwrap();
    assert_eq!(folder.files().len(), 3, "{:?}", folder.files());

    // The sweep (here with no grace) removes the cut-off part and the orphan only.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["attachments", "sweep"])
        .env("DATABASE_URL", &url)
        .env("CONCORD_ATTACHMENT_STORE", &store)
        .env("CONCORD_ATTACHMENT_GRACE", "0")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{said} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        said.contains("0 expired uploads and 2 unreferenced blobs removed"),
        "{said}"
    );
    let left = folder.files();
    assert_eq!(left.len(), 1, "{left:?}");
    let ready = entity::upload::Entity::find().all(&app.db).await.unwrap();
    let kept_row = ready.iter().find(|u| u.state == "READY").unwrap();
    assert!(left[0].ends_with(&kept_row.blob_key));
}

#[tokio::test]
async fn a_deleted_draft_takes_its_documents_with_it() {
    let folder = Folder::new("discard");
    let app = on_store(folder.url(), |_| {}).await;
    let (_admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "discard").await;
    let sent = upload(&app, &member, "draft.txt", b"A draft's annex.").await;
    let create = json!({ "i": { "consultation": consultation, "title": "Draft", "body": "B",
                                "language": "en", "attachments": [sent["upload"]["id"]] } });
    let (_, created) = app.graphql_as(&member, CREATE, create.clone()).await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    assert_eq!(folder.files().len(), 1);
    const DELETE: &str = "mutation($id: ID!, $v: Int!) { contributionDelete(input: { id: $id, version: $v }) { deletedContributionId userErrors { message code } } }";
    let (_, deleted) = app
        .graphql_as(&member, DELETE, json!({ "id": id, "v": 1 }))
        .await;
    assert_eq!(
        deleted["data"]["contributionDelete"]["deletedContributionId"], id,
        "{deleted}"
    );
    assert!(folder.files().is_empty(), "{:?}", folder.files());
    assert_eq!(
        entity::attachment::Entity::find()
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    let gone = app
        .graphql_as(
            &member,
            "query($id: ID!) { contribution(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await
        .1;
    assert_eq!(gone["data"]["contribution"], Value::Null);
    // A submitted one is withdrawn, not deleted.
    let sent = upload(&app, &member, "kept.txt", b"Submitted annex.").await;
    let mut create = create;
    create["i"]["attachments"] = json!([sent["upload"]["id"]]);
    let (_, created) = app.graphql_as(&member, CREATE, create).await;
    let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
    app.graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
        .await;
    let (_, refused) = app
        .graphql_as(&member, DELETE, json!({ "id": id, "v": 2 }))
        .await;
    assert_eq!(
        refused["data"]["contributionDelete"]["userErrors"][0]["code"], "NOT_ALLOWED",
        "{refused}"
    );
    assert_eq!(folder.files().len(), 1);
}

#[tokio::test]
async fn a_page_of_fifty_with_their_documents_costs_one_statement_more() {
    use concord::config::CompiledReads;
    // `verify` runs both and compares their answers (an error where they differ).
    for mode in [CompiledReads::Off, CompiledReads::On, CompiledReads::Verify] {
        let app = spawn_seeded_app_with(crate::helpers::compiled_reads(mode)).await;
        let (admin, member, consultation) =
            crate::workflow::secretariat_member_and_consultation(&app, "fifty").await;
        for i in 0..3 {
            let a = upload(&app, &member, "a.txt", format!("First {i}").as_bytes()).await;
            let b = upload(&app, &member, "b.txt", format!("Second {i}").as_bytes()).await;
            let (_, created) = app
                .graphql_as(
                    &member,
                    CREATE,
                    json!({ "i": { "consultation": consultation, "title": format!("Annexed {i}"),
                                   "body": "B", "language": "en",
                                   "attachments": [a["upload"]["id"], b["upload"]["id"]] } }),
                )
                .await;
            let id = created["data"]["contributionCreate"]["contribution"]["id"].clone();
            app.graphql_as(&member, SUBMIT, json!({ "id": id, "v": 1 }))
                .await;
            app.graphql_as(&admin, PUBLISH, json!({ "id": id, "v": 2 }))
                .await;
        }
        let page = |more: &str| {
            format!(
                "{{ contributions(first: 50, orderBy: {{ field: PUBLISHED_AT, direction: DESC }}) {{ nodes {{ id title stakeholder {{ name }} {more} }} }} }}"
            )
        };
        let before = app.query_count();
        let plain = app.graphql(&page(""), json!({})).await;
        let plain_cost = app.query_count() - before;
        let before = app.query_count();
        let with = app
            .graphql(&page("attachments { name size sha256 url }"), json!({}))
            .await;
        let with_cost = app.query_count() - before;
        let nodes = with["data"]["contributions"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{with}"));
        assert_eq!(nodes.len(), 50);
        assert_eq!(
            plain["data"]["contributions"]["nodes"]
                .as_array()
                .unwrap()
                .len(),
            50
        );
        let annexed: Vec<&Value> = nodes
            .iter()
            .filter(|n| !n["attachments"].as_array().unwrap().is_empty())
            .collect();
        assert_eq!(annexed.len(), 3, "{with}");
        assert_eq!(annexed[0]["attachments"][1]["name"], "b.txt");
        assert!(with.get("errors").is_none(), "{with}");
        if mode != CompiledReads::Verify {
            assert_eq!(
                with_cost,
                plain_cost + 1,
                "{mode:?}: {plain_cost} statements without, {with_cost} with"
            );
        }
    }
}

#[tokio::test]
async fn uploads_racing_each_other_do_not_pass_the_quota_together() {
    let app = on_store("memory:///".into(), |a| a.quota_bytes = 250_000).await;
    let (_admin, member, _) =
        crate::workflow::secretariat_member_and_consultation(&app, "race").await;
    let begin = |i: usize| {
        let (app, member) = (&app, &member);
        async move {
            app.graphql_as(
                member,
                BEGIN,
                json!({ "i": { "name": format!("part-{i}.pdf"), "size": 90_000 } }),
            )
            .await
            .1
        }
    };
    let answers = futures_util::future::join_all((0..10).map(begin)).await;
    let begun = answers
        .iter()
        .filter(|a| a["data"]["attachmentUploadBegin"]["upload"].is_object())
        .count();
    let refused = answers
        .iter()
        .filter(|a| a["data"]["attachmentUploadBegin"]["userErrors"][0]["code"] == "QUOTA_EXCEEDED")
        .count();
    assert_eq!((begun, refused), (2, 8), "{answers:?}");
}

#[tokio::test]
async fn with_anonymous_access_off_a_published_document_needs_a_token() {
    let folder = Folder::new("anonymous-off");
    let app = on_store(folder.url(), |_| {}).await;
    let (admin, member, consultation) =
        crate::workflow::secretariat_member_and_consultation(&app, "anonymous-off").await;
    let sent = upload(&app, &member, "public.txt", b"Public words.").await;
    let (_, created) = app
        .graphql_as(
            &member,
            CREATE,
            json!({ "i": { "consultation": consultation, "title": "Public", "body": "B",
                           "language": "en", "attachments": [sent["upload"]["id"]] } }),
        )
        .await;
    let contribution = &created["data"]["contributionCreate"]["contribution"];
    let url = contribution["attachments"][0]["url"]
        .as_str()
        .unwrap()
        .to_owned();
    app.graphql_as(&member, SUBMIT, json!({ "id": contribution["id"], "v": 1 }))
        .await;
    app.graphql_as(&admin, PUBLISH, json!({ "id": contribution["id"], "v": 2 }))
        .await;
    assert_eq!(get(&app, None, &url, &[]).await.status(), 200);

    // Another instance on the same database and store, with anonymous access off.
    let auth = crate::helpers::test_auth(
        &app.db,
        concord::config::AuthSettings {
            jwt_secret: Some(crate::helpers::TEST_SECRET.into()),
            anonymous_access: false,
            ..Default::default()
        },
    )
    .await;
    let mut settings = test_settings();
    settings.attachments.store = folder.url();
    let closed = crate::helpers::start_instance(
        &settings,
        concord::startup::Databases::one(app.db.clone()),
        auth,
    );
    let anonymous = app
        .client
        .get(format!("{closed}{url}"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let body: Value = anonymous.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{body}"
    );
    let signed_in = app
        .client
        .get(format!("{closed}{url}"))
        .bearer_auth(&member)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 200);
    assert_eq!(signed_in.bytes().await.unwrap().as_ref(), b"Public words.");
}
