//! What Concord's emails say, in English and French: a plain-text part and an HTML
//! part made from the same paragraphs (the HTML escapes every text it is given).

use entity::enums::{EmailLanguage, Role};

/// A message ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// One paragraph of a message.
enum Part {
    Text(String),
    Link(String),
}

fn render(language: EmailLanguage, subject: String, parts: Vec<Part>) -> Rendered {
    let text = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) | Part::Link(t) => t.as_str(),
        })
        .collect::<Vec<_>>()
        .join("\n\n")
        + "\n";
    let esc = crate::service::reports::render::escape;
    let body: String = parts
        .iter()
        .map(|p| match p {
            Part::Text(t) => format!("<p>{}</p>\n", esc(t).replace('\n', "<br>\n")),
            Part::Link(url) => format!("<p><a href=\"{0}\">{0}</a></p>\n", esc(url)),
        })
        .collect();
    let lang = match language {
        EmailLanguage::En => "en",
        EmailLanguage::Fr => "fr",
    };
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family: sans-serif; line-height: 1.5; max-width: 40em\">\n{body}</body>\n</html>\n",
        esc(&subject)
    );
    Rendered {
        subject,
        text,
        html,
    }
}

/// What each role is called in a sentence, by its stored name: (role, English, French).
const ROLE_NAMES: [(&str, &str, &str); 3] = [
    (
        "SECRETARIAT",
        "a member of the secretariat",
        "membre du secrétariat",
    ),
    (
        "MEMBER_STATE",
        "a member state's representative",
        "représentant d'un État membre",
    ),
    ("OBSERVER", "an observer", "observateur"),
];

fn role_name(language: EmailLanguage, role: Role) -> &'static str {
    let (_, en, fr) = ROLE_NAMES
        .iter()
        .find(|(name, _, _)| *name == role.as_str())
        .copied()
        .unwrap_or(("", "a participant", "participant"));
    match language {
        EmailLanguage::En => en,
        EmailLanguage::Fr => fr,
    }
}

/// An invitation to hold an account.
pub fn invitation(
    language: EmailLanguage,
    name: &str,
    role: Role,
    stakeholder: Option<&str>,
    until: &str,
    link: &str,
) -> Rendered {
    let role = role_name(language, role);
    match language {
        EmailLanguage::En => {
            let on_behalf = stakeholder.map_or(String::new(), |s| format!(", for {s}"));
            render(
                language,
                "You are invited to Concord".into(),
                vec![
                    Part::Text(format!("Hello {name},")),
                    Part::Text(format!(
                        "The secretariat invites you to Concord, the consultation platform, as {role}{on_behalf}. To accept, choose your password at this link. It works once, until {until} UTC:"
                    )),
                    Part::Link(link.into()),
                    Part::Text("If you did not expect this invitation, ignore this email: no account is made until the link is used.".into()),
                ],
            )
        }
        EmailLanguage::Fr => {
            let on_behalf = stakeholder.map_or(String::new(), |s| format!(", pour {s}"));
            render(
                language,
                "Invitation à Concord".into(),
                vec![
                    Part::Text(format!("Bonjour {name},")),
                    Part::Text(format!(
                        "Le secrétariat vous invite sur Concord, la plateforme de consultation, en tant que {role}{on_behalf}. Pour accepter, choisissez votre mot de passe à ce lien. Il ne sert qu'une fois, jusqu'au {until} UTC :"
                    )),
                    Part::Link(link.into()),
                    Part::Text("Si vous n'attendiez pas cette invitation, ignorez ce message : aucun compte n'est créé tant que le lien n'a pas servi.".into()),
                ],
            )
        }
    }
}

/// A link to set a new password.
pub fn password_reset(language: EmailLanguage, name: &str, until: &str, link: &str) -> Rendered {
    match language {
        EmailLanguage::En => render(
            language,
            "Choose a new Concord password".into(),
            vec![
                Part::Text(format!("Hello {name},")),
                Part::Text(format!(
                    "A new password was asked for your Concord account. Choose it at this link. It works once, until {until} UTC:"
                )),
                Part::Link(link.into()),
                Part::Text("If you did not ask for it, ignore this email: your password stays as it is. A second factor, if your account has one, is still asked at sign-in.".into()),
            ],
        ),
        EmailLanguage::Fr => render(
            language,
            "Choisir un nouveau mot de passe Concord".into(),
            vec![
                Part::Text(format!("Bonjour {name},")),
                Part::Text(format!(
                    "Un nouveau mot de passe a été demandé pour votre compte Concord. Choisissez-le à ce lien. Il ne sert qu'une fois, jusqu'au {until} UTC :"
                )),
                Part::Link(link.into()),
                Part::Text("Si vous ne l'avez pas demandé, ignorez ce message : votre mot de passe reste le même. Un second facteur, si votre compte en a un, est toujours demandé à la connexion.".into()),
            ],
        ),
    }
}

/// What the secretariat did to a contribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Moderation {
    Published,
    Unpublished,
    Withdrawn,
}

/// A contribution of the holder's stakeholder was published, unpublished or withdrawn.
pub struct ModerationNotice<'a> {
    pub name: &'a str,
    pub action: Moderation,
    pub title: &'a str,
    pub consultation: &'a str,
    pub stakeholder: &'a str,
    pub reason: Option<&'a str>,
    pub link: &'a str,
    pub settings_link: &'a str,
}

/// Tells a contributor what happened to its words.
pub fn moderation(language: EmailLanguage, n: &ModerationNotice<'_>) -> Rendered {
    let title = n.title;
    let mut parts = Vec::new();
    let subject;
    match language {
        EmailLanguage::En => {
            let (verb, subject_verb) = match n.action {
                Moderation::Published => ("published", "was published"),
                Moderation::Unpublished => (
                    "taken back from publication",
                    "was taken back from publication",
                ),
                Moderation::Withdrawn => ("withdrawn", "was withdrawn"),
            };
            subject = format!("Your contribution “{title}” {subject_verb}");
            parts.push(Part::Text(format!("Hello {},", n.name)));
            parts.push(Part::Text(format!(
                "The secretariat has {verb} the contribution “{title}” of {} to the consultation “{}”.",
                n.stakeholder, n.consultation
            )));
            if let Some(reason) = n.reason {
                parts.push(Part::Text(format!("The reason given: {reason}")));
            }
            parts.push(Part::Link(n.link.into()));
            parts.push(Part::Text(format!(
                "You receive this because you speak for {} on Concord. To stop these emails, turn off “Moderation emails” in your account settings:",
                n.stakeholder
            )));
        }
        EmailLanguage::Fr => {
            let (verb, subject_verb) = match n.action {
                Moderation::Published => ("publié", "a été publiée"),
                Moderation::Unpublished => (
                    "retiré de la publication",
                    "a été retirée de la publication",
                ),
                Moderation::Withdrawn => ("retiré", "a été retirée"),
            };
            subject = format!("Votre contribution « {title} » {subject_verb}");
            parts.push(Part::Text(format!("Bonjour {},", n.name)));
            parts.push(Part::Text(format!(
                "Le secrétariat a {verb} la contribution « {title} » de {} à la consultation « {} ».",
                n.stakeholder, n.consultation
            )));
            if let Some(reason) = n.reason {
                parts.push(Part::Text(format!("Motif indiqué : {reason}")));
            }
            parts.push(Part::Link(n.link.into()));
            parts.push(Part::Text(format!(
                "Vous recevez ce message parce que vous parlez pour {} sur Concord. Pour ne plus le recevoir, désactivez « Courriels de modération » dans les réglages de votre compte :",
                n.stakeholder
            )));
        }
    }
    parts.push(Part::Link(n.settings_link.into()));
    render(language, subject, parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_html_part_escapes_what_it_is_given_and_the_text_part_keeps_it() {
        let m = invitation(
            EmailLanguage::En,
            "<b>Eve</b> & co",
            Role::Observer,
            Some("ISOC"),
            "2026-12-13 10:00",
            "http://x.example/console#/accept/cri_a\"b",
        );
        assert!(m.text.contains("Hello <b>Eve</b> & co,"));
        assert!(m.html.contains("Hello &lt;b&gt;Eve&lt;/b&gt; &amp; co,"));
        assert!(
            m.html
                .contains("href=\"http://x.example/console#/accept/cri_a&quot;b\"")
        );
        assert!(!m.html.contains("<b>Eve"));
    }

    #[test]
    fn each_message_is_written_in_the_holders_language() {
        let en = password_reset(EmailLanguage::En, "Ana", "t", "l");
        let fr = password_reset(EmailLanguage::Fr, "Ana", "t", "l");
        assert!(en.subject.contains("password") && en.html.contains("lang=\"en\""));
        assert!(fr.subject.contains("mot de passe") && fr.html.contains("lang=\"fr\""));
        let notice = ModerationNotice {
            name: "Ana",
            action: Moderation::Withdrawn,
            title: "Access",
            consultation: "Enhanced cooperation",
            stakeholder: "ISOC",
            reason: Some("Off topic"),
            link: "l",
            settings_link: "s",
        };
        let fr = moderation(EmailLanguage::Fr, &notice);
        assert!(fr.subject.starts_with("Votre contribution « Access »"));
        assert!(fr.text.contains("Motif indiqué : Off topic"));
        let en = moderation(EmailLanguage::En, &notice);
        assert!(en.text.contains("The reason given: Off topic"));
    }
}
