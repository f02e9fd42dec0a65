//! Closed sets of the domain. Each is stored as its SCREAMING_SNAKE_CASE name in a
//! string column (portable between SQLite and PostgreSQL) and exposed unchanged as a
//! GraphQL enum, so the database and the API can never disagree on a value.

use sea_orm::entity::prelude::*;

/// Defines a domain enum stored as a string and exposed as a GraphQL enum.
macro_rules! domain_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $value:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum,
            async_graphql::Enum, serde::Serialize, serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $( $(#[$vmeta])* #[sea_orm(string_value = $value)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value's stored and GraphQL name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }
        }
    };
}

domain_enum! {
    /// The four stakeholder groups of the 2010 consultation (the rows of the report's table).
    StakeholderGroup {
        /// Governments of States Members of the United Nations.
        Government = "GOVERNMENT",
        /// Intergovernmental organizations and United Nations system agencies.
        InternationalOrganization = "INTERNATIONAL_ORGANIZATION",
        /// Civil society organizations, including academia and the technical community.
        CivilSociety = "CIVIL_SOCIETY",
        /// Business entities and their associations.
        PrivateSector = "PRIVATE_SECTOR",
    }
}

domain_enum! {
    /// Why a stakeholder is eligible to take part (report, paragraph 8).
    Accreditation {
        /// A Member State of the United Nations.
        MemberState = "MEMBER_STATE",
        /// A Permanent Observer to the United Nations.
        PermanentObserver = "PERMANENT_OBSERVER",
        /// A United Nations system agency.
        UnSystemAgency = "UN_SYSTEM_AGENCY",
        /// Another intergovernmental organization.
        IntergovernmentalOrganization = "INTERGOVERNMENTAL_ORGANIZATION",
        /// A non-governmental organization in consultative status with ECOSOC.
        EcosocConsultativeStatus = "ECOSOC_CONSULTATIVE_STATUS",
        /// A sector member of the International Telecommunication Union.
        ItuSectorMember = "ITU_SECTOR_MEMBER",
        /// An entity accredited to the World Summit on the Information Society.
        WsisAccredited = "WSIS_ACCREDITED",
        /// An academic or business entity approved to take part in the work of the CSTD.
        CstdAcademicOrBusiness = "CSTD_ACADEMIC_OR_BUSINESS",
    }
}

domain_enum! {
    /// The United Nations regional groups of Member States.
    RegionalGroup {
        /// African States.
        African = "AFRICAN",
        /// Asia-Pacific States.
        AsiaPacific = "ASIA_PACIFIC",
        /// Eastern European States.
        EasternEuropean = "EASTERN_EUROPEAN",
        /// Latin American and Caribbean States.
        LatinAmericanAndCaribbean = "LATIN_AMERICAN_AND_CARIBBEAN",
        /// Western European and other States.
        WesternEuropeanAndOther = "WESTERN_EUROPEAN_AND_OTHER",
    }
}

domain_enum! {
    /// Where a consultation is in its life. It only moves forward, and only the secretariat moves it.
    ConsultationStatus {
        /// Being prepared; not yet accepting contributions.
        Draft = "DRAFT",
        /// Accepting contributions.
        Open = "OPEN",
        /// No longer accepting contributions; the secretariat is preparing its report.
        Closed = "CLOSED",
        /// The secretariat's report has been issued.
        Reported = "REPORTED",
    }
}

domain_enum! {
    /// How a contribution was made (the columns of the report's table).
    ContributionKind {
        /// A written comment, in any form, sent while the consultation is open.
        WrittenComment = "WRITTEN_COMMENT",
        /// A presentation by a designated representative at a meeting.
        Presentation = "PRESENTATION",
        /// An informal intervention during a meeting's open discussion.
        InformalIntervention = "INFORMAL_INTERVENTION",
    }
}

domain_enum! {
    /// Where a contribution is in its life.
    ContributionStatus {
        /// Being written; seen only by its author's stakeholder and the secretariat.
        Draft = "DRAFT",
        /// Sent to the secretariat; its text is frozen.
        Submitted = "SUBMITTED",
        /// Published by the secretariat.
        Published = "PUBLISHED",
        /// Withdrawn, with a reason.
        Withdrawn = "WITHDRAWN",
    }
}

domain_enum! {
    /// Who may read a contribution once it is published.
    Visibility {
        /// Everyone, signed in or not.
        Public = "PUBLIC",
        /// Member States and the secretariat (intergovernmental deliberation, report §21, §33).
        MemberStates = "MEMBER_STATES",
        /// The secretariat only.
        Secretariat = "SECRETARIAT",
    }
}

domain_enum! {
    /// A contribution's position on a cooperation mechanism it discusses.
    Stance {
        /// The contribution supports the mechanism.
        Supports = "SUPPORTS",
        /// The contribution opposes the mechanism.
        Opposes = "OPPOSES",
        /// The contribution proposes the mechanism.
        Proposes = "PROPOSES",
        /// The contribution mentions the mechanism without taking a position.
        Mentions = "MENTIONS",
    }
}

domain_enum! {
    /// The broad area a public policy issue belongs to.
    PolicyArea {
        /// Security and stability of the Internet.
        Security = "SECURITY",
        /// Development, access and capacity.
        Development = "DEVELOPMENT",
        /// Human rights online.
        HumanRights = "HUMAN_RIGHTS",
        /// Law and jurisdiction.
        Law = "LAW",
        /// Economy and trade.
        Economy = "ECONOMY",
        /// Infrastructure and critical resources.
        Infrastructure = "INFRASTRUCTURE",
    }
}

domain_enum! {
    /// The kind of an international cooperation mechanism.
    MechanismKind {
        /// A body or process of Governments.
        Intergovernmental = "INTERGOVERNMENTAL",
        /// A body or process open to all stakeholder groups.
        Multistakeholder = "MULTISTAKEHOLDER",
        /// An agreement between two parties.
        BilateralAgreement = "BILATERAL_AGREEMENT",
        /// Technical coordination of Internet resources.
        TechnicalCoordination = "TECHNICAL_COORDINATION",
        /// A group of experts.
        ExpertGroup = "EXPERT_GROUP",
    }
}

domain_enum! {
    /// How far a mechanism's remit reaches.
    MechanismScope {
        /// Worldwide.
        Global = "GLOBAL",
        /// One region of the world.
        Regional = "REGIONAL",
    }
}

domain_enum! {
    /// Whether a mechanism exists or has been proposed.
    MechanismStatus {
        /// The mechanism exists.
        Existing = "EXISTING",
        /// The mechanism has been proposed by contributors.
        Proposed = "PROPOSED",
    }
}

domain_enum! {
    /// What a mechanism does.
    MechanismFunction {
        /// Makes policy.
        Policymaking = "POLICYMAKING",
        /// Sets standards.
        StandardsSetting = "STANDARDS_SETTING",
        /// Administers resources or processes.
        Administrative = "ADMINISTRATIVE",
        /// Makes or applies law.
        Legal = "LEGAL",
        /// Consults and advises.
        Consultative = "CONSULTATIVE",
    }
}

domain_enum! {
    /// The role of a signed-in principal.
    Role {
        /// Permanent observers, international organizations, civil society and the private sector.
        Observer = "OBSERVER",
        /// A Government of a Member State.
        MemberState = "MEMBER_STATE",
        /// The secretariat that convenes consultations and prepares the report.
        Secretariat = "SECRETARIAT",
    }
}

domain_enum! {
    /// Whether an account or API client may act.
    PrincipalStatus {
        /// May sign in and act.
        Active = "ACTIVE",
        /// May not sign in; existing tokens are refused.
        Disabled = "DISABLED",
    }
}

domain_enum! {
    /// Why a contribution left the published view.
    TombstoneReason {
        /// It was withdrawn.
        Withdrawn = "WITHDRAWN",
        /// The secretariat unpublished it.
        Unpublished = "UNPUBLISHED",
        /// Its author revised it; it awaits publication again.
        Revised = "REVISED",
    }
}

domain_enum! {
    /// Where a section of a report goes, in the shape of the Secretary-General's report
    /// of 2011: the summary first (unnumbered), then numbered chapters in this order.
    ReportSectionKind {
        /// The summary above the numbered chapters.
        Summary = "SUMMARY",
        /// The mandate and the history of the process.
        Background = "BACKGROUND",
        /// How the consultation was organized; the table of contributions by group and
        /// kind, and its chart, follow its paragraphs.
        Organization = "ORGANIZATION",
        /// The public policy issues contributors raised.
        Issues = "ISSUES",
        /// The cooperation mechanisms contributors weighed.
        Mechanisms = "MECHANISMS",
        /// Any other chapter (conclusions, the role of the Secretary-General…).
        Other = "OTHER",
    }
}

domain_enum! {
    /// Where a webhook delivery stands.
    WebhookDeliveryStatus {
        /// Waiting for its next attempt.
        Pending = "PENDING",
        /// The endpoint answered 2xx.
        Delivered = "DELIVERED",
        /// Every attempt failed, or the endpoint or its owner is no longer active.
        Failed = "FAILED",
    }
}

domain_enum! {
    /// The language of the emails an account receives.
    EmailLanguage {
        /// English.
        En = "EN",
        /// French.
        Fr = "FR",
    }
}

domain_enum! {
    /// Where an email of the outbox stands.
    EmailStatus {
        /// Waiting to be sent, or to be tried again.
        Pending = "PENDING",
        /// The SMTP server accepted it.
        Sent = "SENT",
        /// Given up: the server refused it for good, or the attempts ran out.
        Failed = "FAILED",
        /// Nothing to send (a reset asked for an address with no active account, or
        /// past the account's own limit); the asker is never told which.
        Dropped = "DROPPED",
    }
}
