//! The role table, row by row, for seven principals (see the table at the top of
//! `policy.rs`): every row names its own rule.

use super::*;
use crate::viewer::Scopes;

const OWN: i64 = 1; // the observer's and the submit client's stakeholder
const A: i64 = 2; // member state A (and the read client)
const B: i64 = 3; // member state B

fn principal(subject: Subject, role: Role, stakeholder: i64, scopes: Scopes) -> Viewer {
    Viewer::Principal(Principal {
        subject,
        role,
        stakeholder_id: Some(stakeholder),
        scopes,
    })
}

fn principals() -> Vec<(&'static str, Viewer)> {
    let read = Scopes {
        read: true,
        submit: false,
    };
    vec![
        ("anonymous", Viewer::Anonymous),
        (
            "observer",
            principal(Subject::Account(1), Role::Observer, OWN, Scopes::ALL),
        ),
        (
            "member A",
            principal(Subject::Account(2), Role::MemberState, A, Scopes::ALL),
        ),
        (
            "member B",
            principal(Subject::Account(3), Role::MemberState, B, Scopes::ALL),
        ),
        (
            "secretariat",
            Viewer::Principal(Principal {
                subject: Subject::Account(4),
                role: Role::Secretariat,
                stakeholder_id: None,
                scopes: Scopes::ALL,
            }),
        ),
        (
            "read client",
            principal(Subject::Client(1), Role::MemberState, A, read),
        ),
        (
            "submit client",
            principal(Subject::Client(2), Role::Observer, OWN, Scopes::ALL),
        ),
    ]
}

/// Own stakeholder of each principal in `principals()`, for "own" rows.
fn own(i: usize) -> i64 {
    [OWN, OWN, A, B, OWN, A, OWN][i]
}

/// The row of the role table each action answers. A new `Action` without a row
/// here does not compile.
fn row(action: Action) -> &'static str {
    match action {
        Action::WriteComment { .. } => "write a WRITTEN_COMMENT for own stakeholder",
        Action::RestrictToMemberStates { .. } => "give own contribution MEMBER_STATES visibility",
        Action::RecordAtMeeting => "record PRESENTATION / INFORMAL_INTERVENTION",
        Action::Moderate => "publish, unpublish, withdraw any contribution",
        Action::Tag { .. } => "tag own contributions",
        Action::ManageCatalogue => {
            "manage stakeholders, consultations, meetings, issues, mechanisms"
        }
        Action::ManageIdentities => "manage accounts and API clients",
        Action::ListIdentities => "list accounts and API clients",
        Action::ReadAuditLog => "read the audit log",
        Action::DraftReport => "draft and publish reports",
        Action::Translate { .. } => "translate own contributions",
        Action::ManageWebhooks => "register webhooks for own endpoints",
    }
}

/// How many rows `row` has.
const ACTIONS: usize = 12;

/// The action a row asks of principal `i`.
type Ask = Box<dyn Fn(usize) -> Action>;
type Row = (Ask, [bool; 7]);
type TitledRow = (String, Ask, [bool; 7]);

/// Prints the table of `rows` for every principal; returns the cells that differ
/// from the expectation.
fn check(rows: &[TitledRow]) -> Vec<String> {
    let principals = principals();
    let mut table = format!("{:<66}", "action");
    for (name, _) in &principals {
        table.push_str(&format!(" | {name:<13}"));
    }
    table.push('\n');
    let mut wrong = Vec::new();
    for (title, action, expected) in rows {
        table.push_str(&format!("{title:<66}"));
        for (i, (name, viewer)) in principals.iter().enumerate() {
            let got = may(viewer, action(i)).is_ok();
            table.push_str(&format!(
                " | {:<13}",
                if got { "allowed" } else { "refused" }
            ));
            if got != expected[i] {
                wrong.push(format!("{title} / {name}"));
            }
        }
        table.push('\n');
    }
    println!("{table}");
    wrong
}

/// The role table's rows that change state (and the secretariat's reads), every
/// principal, with "own" meaning the principal's stakeholder. Each row names its
/// own rule: wiring two rows to one `Action` fails here.
#[test]
fn every_row_of_the_role_table_has_its_own_rule() {
    let rows: Vec<Row> = vec![
        (
            Box::new(|i| Action::WriteComment {
                stakeholder_id: own(i),
            }),
            [false, true, true, true, true, false, true],
        ),
        (
            Box::new(|i| Action::RestrictToMemberStates {
                stakeholder_id: own(i),
            }),
            [false, false, true, true, true, false, false],
        ),
        (
            Box::new(|_| Action::RecordAtMeeting),
            [false, false, false, false, true, false, false],
        ),
        (
            Box::new(|_| Action::Moderate),
            [false, false, false, false, true, false, false],
        ),
        (
            Box::new(|i| Action::Tag {
                stakeholder_id: own(i),
            }),
            [false, true, true, true, true, false, true],
        ),
        (
            Box::new(|_| Action::ManageCatalogue),
            [false, false, false, false, true, false, false],
        ),
        (
            Box::new(|_| Action::ManageIdentities),
            [false, false, false, false, true, false, false],
        ),
        (
            Box::new(|_| Action::ListIdentities),
            [false, false, false, false, true, false, false],
        ),
        (
            Box::new(|_| Action::ReadAuditLog),
            [false, false, false, false, true, false, false],
        ),
        (
            Box::new(|_| Action::DraftReport),
            [false, false, false, false, true, false, false],
        ),
        (
            Box::new(|i| Action::Translate {
                stakeholder_id: own(i),
            }),
            [false, true, true, true, true, false, true],
        ),
        (
            Box::new(|_| Action::ManageWebhooks),
            [false, false, false, false, true, true, true],
        ),
    ];
    let mut named: Vec<&str> = rows.iter().map(|(action, _)| row(action(0))).collect();
    named.sort_unstable();
    named.dedup();
    assert_eq!(
        named.len(),
        ACTIONS,
        "every rule once, no row wired to another row's rule: {named:?}"
    );
    assert_eq!(rows.len(), ACTIONS);
    let titled: Vec<_> = rows
        .into_iter()
        .map(|(action, expected)| (row(action(0)).to_owned(), action, expected))
        .collect();
    let wrong = check(&titled);
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// The same rules across stakeholders: nobody but the secretariat acts for member B.
#[test]
fn nobody_acts_for_another_stakeholder() {
    let rows: Vec<TitledRow> = vec![
        (
            "write a WRITTEN_COMMENT for member B".to_owned(),
            Box::new(|_| Action::WriteComment { stakeholder_id: B }),
            [false, false, false, true, true, false, false],
        ),
        (
            "give member B's contribution MEMBER_STATES visibility".to_owned(),
            Box::new(|_| Action::RestrictToMemberStates { stakeholder_id: B }),
            [false, false, false, true, true, false, false],
        ),
        (
            "tag member B's contributions".to_owned(),
            Box::new(|_| Action::Tag { stakeholder_id: B }),
            [false, false, false, true, true, false, false],
        ),
        (
            "translate member B's contributions".to_owned(),
            Box::new(|_| Action::Translate { stakeholder_id: B }),
            [false, false, false, true, true, false, false],
        ),
    ];
    let wrong = check(&rows);
    assert!(wrong.is_empty(), "{wrong:?}");
}

#[test]
fn the_rules_that_refine_a_row() {
    let p = principals();
    let (anonymous, observer, member_a, secretariat, read_client) =
        (&p[0].1, &p[1].1, &p[2].1, &p[4].1, &p[5].1);
    // Whose comment a draft is: one's own unless named; the secretariat must name one.
    assert_eq!(comment_stakeholder(observer, None).unwrap(), Some(OWN));
    assert_eq!(comment_stakeholder(observer, Some(B)).unwrap(), Some(B));
    assert_eq!(comment_stakeholder(secretariat, None).unwrap(), None);
    assert!(comment_stakeholder(anonymous, None).is_err());
    assert!(comment_stakeholder(read_client, None).is_err());
    // Visibility: PUBLIC and SECRETARIAT are any author's; MEMBER_STATES a member state's.
    for v in [observer, member_a, secretariat] {
        assert!(may_give_visibility(v, OWN, Visibility::Public).is_ok());
        assert!(may_give_visibility(v, OWN, Visibility::Secretariat).is_ok());
    }
    assert!(may_give_visibility(observer, OWN, Visibility::MemberStates).is_err());
    assert!(may_give_visibility(member_a, A, Visibility::MemberStates).is_ok());
    // Withdrawal: the secretariat any time, an author its own written comment while open.
    assert_eq!(
        withdrawal(secretariat, B, false).unwrap(),
        Withdrawal::AnyTime
    );
    assert_eq!(
        withdrawal(member_a, A, true).unwrap(),
        Withdrawal::WhileOpen
    );
    assert_eq!(
        withdrawal(member_a, A, false).unwrap_err().code(),
        "FORBIDDEN"
    );
    assert_eq!(
        withdrawal(member_a, B, true).unwrap_err().code(),
        "FORBIDDEN"
    );
    assert_eq!(
        withdrawal(anonymous, A, true).unwrap_err().code(),
        "UNAUTHENTICATED"
    );
    // One's own password: accounts only.
    assert_eq!(own_account(observer).unwrap(), 1);
    assert_eq!(own_account(&p[6].1).unwrap_err().code(), "FORBIDDEN");
    // Nobody disables their own account.
    assert!(may_set_account_status(secretariat, 4, PrincipalStatus::Active).is_ok());
    assert!(matches!(
        may_set_account_status(secretariat, 4, PrincipalStatus::Disabled),
        Err(crate::error::MutationError::Input(_))
    ));
    assert!(may_set_account_status(secretariat, 1, PrincipalStatus::Disabled).is_ok());
    // Whom each role speaks for.
    assert!(speaks_for(Role::MemberState).admits(StakeholderGroup::Government));
    assert!(!speaks_for(Role::MemberState).admits(StakeholderGroup::CivilSociety));
    assert!(speaks_for(Role::Observer).admits(StakeholderGroup::CivilSociety));
    assert_eq!(speaks_for(Role::Secretariat), SpeaksFor::Optional);
    // A client holds MEMBER_STATE or OBSERVER, never SECRETARIAT.
    assert!(client_may_hold(Role::MemberState) && client_may_hold(Role::Observer));
    assert!(!client_may_hold(Role::Secretariat));
    // Without `read`, a client browses nothing; DRAFT consultations are the secretariat's.
    let submit_only = principal(
        Subject::Client(3),
        Role::Observer,
        OWN,
        Scopes {
            read: false,
            submit: true,
        },
    );
    assert_eq!(may_browse(&submit_only).unwrap_err().code(), "FORBIDDEN");
    assert!(may_browse(anonymous).is_ok() && may_browse(read_client).is_ok());
    assert!(sees_consultation(secretariat, ConsultationStatus::Draft));
    for v in [anonymous, observer, member_a, read_client] {
        assert!(!sees_consultation(v, ConsultationStatus::Draft));
        assert!(sees_consultation(v, ConsultationStatus::Open));
    }
    // The anonymous-access switch.
    assert!(may_use_api(anonymous, true).is_ok());
    assert_eq!(
        may_use_api(anonymous, false).unwrap_err().code(),
        "UNAUTHENTICATED"
    );
    assert!(may_use_api(observer, false).is_ok());
}

#[test]
fn refusals_say_who_must_sign_in_and_who_may_not() {
    assert_eq!(
        may(&Viewer::Anonymous, Action::ManageCatalogue)
            .unwrap_err()
            .code(),
        "UNAUTHENTICATED"
    );
    let observer = &principals()[1].1;
    assert_eq!(
        may(observer, Action::ManageCatalogue).unwrap_err().code(),
        "FORBIDDEN"
    );
}

/// What webhooks decide outside a query agrees with the read condition: each
/// principal reads the published PUBLIC contribution, member states (and the
/// secretariat) the MEMBER_STATES one, its own stakeholder its draft, nobody else.
/// A contribution of `stakeholder_id` in `status` and `visibility`, for the read rules.
fn contribution(
    stakeholder_id: i64,
    status: ContributionStatus,
    visibility: Visibility,
) -> entity::contribution::Model {
    entity::contribution::Model {
        id: 1,
        consultation_id: 1,
        meeting_id: None,
        stakeholder_id,
        on_behalf_of_group: None,
        kind: entity::enums::ContributionKind::WrittenComment,
        status,
        visibility,
        title: "T".into(),
        language: "en".into(),
        latest_revision: 1,
        withdrawn_reason: None,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        submitted_at: None,
        published_at: None,
        version: 1,
        attributed: true,
        embargoed: false,
        agenda_item: None,
    }
}

#[test]
fn reading_a_contribution_outside_a_query_follows_the_read_rules() {
    let public = contribution(B, ContributionStatus::Published, Visibility::Public);
    let restricted = contribution(B, ContributionStatus::Published, Visibility::MemberStates);
    let draft_of_own = contribution(OWN, ContributionStatus::Draft, Visibility::Public);
    let cases: [(&entity::contribution::Model, [bool; 7]); 3] = [
        (&public, [true, true, true, true, true, true, true]),
        (&restricted, [false, false, true, true, true, true, false]),
        (
            &draft_of_own,
            [false, true, false, false, true, false, true],
        ),
    ];
    for (c, expected) in cases {
        for (i, (name, viewer)) in principals().iter().enumerate() {
            assert_eq!(
                reads_contribution(viewer, c),
                expected[i],
                "{name} reading {:?} {:?} of {}",
                c.status,
                c.visibility,
                c.stakeholder_id
            );
        }
    }
}

/// `reads_only_published` (which lets a list say `published_at IS NOT NULL`) holds only
/// for principals who read no unpublished contribution, whoever's and whatever its
/// visibility: the anonymous caller, and a principal without a stakeholder.
#[test]
fn only_those_who_read_nothing_unpublished_read_only_published() {
    let without_stakeholder = Viewer::Principal(Principal {
        subject: Subject::Account(9),
        role: Role::Observer,
        stakeholder_id: None,
        scopes: Scopes::ALL,
    });
    let mut viewers = principals();
    viewers.push(("observer without a stakeholder", without_stakeholder));
    let expected = [true, false, false, false, false, false, false, true];
    for ((name, viewer), expected) in viewers.iter().zip(expected) {
        assert_eq!(reads_only_published(viewer), expected, "{name}");
        if !expected {
            continue;
        }
        for status in [
            ContributionStatus::Draft,
            ContributionStatus::Submitted,
            ContributionStatus::Withdrawn,
        ] {
            for stakeholder_id in [OWN, A, B] {
                for visibility in [
                    Visibility::Public,
                    Visibility::MemberStates,
                    Visibility::Secretariat,
                ] {
                    let c = contribution(stakeholder_id, status, visibility);
                    assert!(!reads_contribution(viewer, &c), "{name} reads {status:?}");
                }
            }
        }
    }
}
