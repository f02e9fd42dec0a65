//! Who is asking. Every service call takes a [`Viewer`]; the policy layer
//! (`crate::policy`) turns it into what that caller may see and do.

use entity::enums::Role;

/// A signed-in principal: an account, or a partner's API client acting with its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub role: Role,
    /// The stakeholder it speaks for (always set for MEMBER_STATE and OBSERVER).
    pub stakeholder_id: Option<i64>,
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
