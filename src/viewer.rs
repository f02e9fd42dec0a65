//! Who is asking. Every service call takes a [`Viewer`]; the policy layer
//! (`crate::policy`) turns it into what that caller may see and do.

use entity::enums::Role;

/// Who a principal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Account(i64),
    Client(i64),
    /// The command line (`concord account disable`, …), which acts with the database's
    /// own authority as the secretariat; never behind a token.
    System,
}

impl Subject {
    /// `account:<id>` or `client:<id>`: the `sub` claim and the audit actor label.
    pub fn label(self) -> String {
        match self {
            Subject::Account(id) => format!("account:{id}"),
            Subject::Client(id) => format!("client:{id}"),
            Subject::System => "system".to_owned(),
        }
    }

    pub fn parse(sub: &str) -> Option<Subject> {
        let (kind, id) = sub.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "account" => Some(Subject::Account(id)),
            "client" => Some(Subject::Client(id)),
            _ => None,
        }
    }
}

/// What an API client's token allows (accounts have both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub read: bool,
    pub submit: bool,
}

impl Scopes {
    pub const ALL: Scopes = Scopes {
        read: true,
        submit: true,
    };

    pub fn parse(names: &[String]) -> Scopes {
        Scopes {
            read: names.iter().any(|s| s == "read"),
            submit: names.iter().any(|s| s == "submit"),
        }
    }

    pub fn names(self) -> Vec<String> {
        let mut names = Vec::new();
        if self.read {
            names.push("read".to_owned());
        }
        if self.submit {
            names.push("submit".to_owned());
        }
        names
    }
}

/// A signed-in principal: an account, or a partner's API client acting with its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: Subject,
    pub role: Role,
    /// The stakeholder it speaks for (always set for MEMBER_STATE and OBSERVER).
    pub stakeholder_id: Option<i64>,
    pub scopes: Scopes,
}

/// The caller of one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Viewer {
    /// No credentials.
    #[default]
    Anonymous,
    /// Authenticated.
    Principal(Principal),
}

impl Viewer {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Principal(p) => Some(p),
        }
    }
}
