//! The seeded report: a draft in the shape of the Secretary-General's report of 4 May
//! 2011 (A/66/77-E/2011/103), its paragraphs quoted from it, published once so that
//! `/consultations/enhanced-cooperation-2010/report.html` answers from the start.
//! `{PRIVATE_SECTOR}` and `{CIVIL_SOCIETY}` become citations of the presentations the
//! groups' representatives made (paragraph 10).

use entity::enums::ReportSectionKind;

pub const TITLE: &str = "Enhanced cooperation on public policy issues pertaining to the Internet";
pub const SYMBOL: &str = "A/66/77-E/2011/103";

/// A paragraph with its number in the 2011 report (none: unnumbered).
pub type Quoted = (Option<i32>, &'static str);
/// A section: its kind, heading and paragraphs.
pub type Chapter = (ReportSectionKind, &'static str, &'static [Quoted]);

/// The sections in order: kind, heading, and each paragraph with its number in the
/// 2011 report (the summary's are unnumbered).
pub const SECTIONS: &[Chapter] = &[
    (
        ReportSectionKind::Summary,
        "Summary",
        &[
            (
                None,
                "The Economic and Social Council, in its resolution 2010/2, invited the Secretary-General to convene open and inclusive consultations on public policy issues pertaining to the Internet involving all Member States and other stakeholders, and requested that the outcome of the consultations be reported, through the Council, to the General Assembly at its sixty-sixth session. The present report is submitted in response to that request.",
            ),
            (
                None,
                "Consultations were organized by the Under-Secretary-General for Economic and Social Affairs during the period from September to December 2010. Contributors reflected on the public policy issues of concern, on international cooperation mechanisms to address those issues and on the role of the United Nations and other entities in facilitating the process towards enhanced cooperation in those areas.",
            ),
        ],
    ),
    (
        ReportSectionKind::Background,
        "Background",
        &[
            (
                Some(1),
                "The call for enhanced cooperation in the area of Internet governance has its origins in the outcome of the second phase of the World Summit on the Information Society, held in Tunis in 2005. Member States recognized that there were many cross-cutting international public policy issues that required attention and were not adequately addressed by existing mechanisms.",
            ),
            (
                Some(3),
                "Within the framework of the Tunis Agenda, in particular its paragraphs 68 to 71, the Secretary-General was given the task of starting the process towards enhanced cooperation, proceeding as quickly as possible consistent with legal process. Member States also requested relevant organizations to commence a process towards enhanced cooperation involving all stakeholders and to report annually on their performance in that regard.",
            ),
        ],
    ),
    (
        ReportSectionKind::Organization,
        "Organization of the open consultations on enhanced cooperation held pursuant to Economic and Social Council resolution 2010/2",
        &[
            (
                Some(8),
                "In response to Council resolution 2010/2, the Under-Secretary-General for Economic and Social Affairs, on behalf of the Secretary-General, held open consultations on enhanced cooperation on public policy issues pertaining to the Internet over a four-month period from September to December 2010. Invitations to participate were circulated to all Member States of the United Nations, Permanent Observers, United Nations system agencies, non-governmental organizations in consultative status with the Economic and Social Council, Sector members of the International Telecommunication Union (ITU) and entities accredited to the World Summit on the Information Society not otherwise included in one of those groups. Approved academic and business entities participating in the work of the Commission on Science and Technology for Development were also eligible to take part. Input was sought from some 150 international organizations as well as some 3,500 civil society and private sector entities.",
            ),
            (
                Some(9),
                "Stakeholders were given the opportunity to contribute in two ways. They could submit written comments in any form and at any time during the consultation period, and they could attend a face-to-face meeting to be held in New York on 14 December 2010. It was suggested that, in preparing comments, contributors reflect, above all, on what international public policy issues pertaining to the Internet were not being adequately addressed by current mechanisms and what specific processes should be pursued to enhance international cooperation in these areas.",
            ),
            (
                Some(10),
                "Eighty-five written and oral contributions were conveyed in total by Governments, international organizations, civil society actors and private sector entities, as shown in the table below. These contributions included presentations made by designated representatives of different stakeholder groups to allow for the expression of as wide a range of views as possible. The International Chamber of Commerce spoke on behalf of the private sector {PRIVATE_SECTOR}. The Conference of Non-Governmental Organizations in Consultative Relationship with the United Nations spoke on behalf of civil society organizations {CIVIL_SOCIETY}.",
            ),
        ],
    ),
    (
        ReportSectionKind::Issues,
        "Public policy issues of concern",
        &[
            (
                Some(15),
                "Most of the contributions from Governments, international organizations and civil society entities pointed in the direction of specificity in the identification of Internet-related public policy issues. Private sector entities, on the other hand, stressed the need for consultation with business as a matter of principle and the promotion of public-private partnerships designed to expand Internet access.",
            ),
            (
                Some(17),
                "A number of governmental stakeholders suggested that the work of the Working Group, as reflected in the Tunis Agenda, might serve as a reference point in the articulation of current priority issues by the relevant bodies, taking into account past developments and the possibility that new issues might have emerged. Internet-related public policy issues identified at the World Summit included cybersecurity, the protection of personal information, privacy and data, spam prevention, freedom of information, electronic commerce, consumer protection, e-government, international interconnection costs, capacity-building and technology transfer, information and communications technology education, training and workforce development, multilingualism, investment and innovation, the management of critical Internet resources, and the affordability, reliability and quality of service. Participants reflected on many of those issues in the open consultations with varying degrees of emphasis and interpretation.",
            ),
        ],
    ),
    (
        ReportSectionKind::Mechanisms,
        "International cooperation mechanisms",
        &[
            (
                Some(25),
                "Some contributors proposed the establishment of an ad hoc working group under the Commission on Science and Technology for Development with a view to the development of an institutional design and road map to enhance cooperation on Internet-related public policy issues with the support of the Secretary-General. Others suggested the creation of a more permanent committee on international public policy issues pertaining to the Internet within the United Nations system, possibly modelled on the Committee on Information, Communications and Computer Policy of the Organization for Economic Cooperation and Development.",
            ),
            (
                Some(33),
                "Others held the view that the process towards enhanced international cooperation had not yet begun and that existing arrangements had not ensured that Governments were enabled, on an equal footing, to carry out their roles and responsibilities in the relevant area of international public policymaking. They called for a new mechanism, such as a discrete intergovernmental platform with a strict mandate to discuss Internet governance.",
            ),
        ],
    ),
];
