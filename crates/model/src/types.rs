//! The domain: supporters, referrals and their attributes.

use chrono::NaiveDate;
use serde::Serialize;

/// Whether a supporter is employed or gives their time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SupporterStatus {
    /// An employed independent supporter.
    Paid,
    /// A volunteer independent supporter.
    Volunteer,
}

/// Who referred the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The parent or young person asked for support themselves (implies consent).
    #[serde(rename = "self")]
    SelfReferral,
    /// The local authority referred the family.
    La,
    /// Another professional (school, health visitor, ...) referred the family.
    Professional,
}

/// What the family is going through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReferralKind {
    /// A new EHC needs assessment.
    New,
    /// Transfer of a statement of SEN to an EHC plan.
    Transfer,
}

/// The provider's view of how demanding a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Complexity {
    /// Straightforward.
    Low,
    /// Typical.
    Medium,
    /// Demanding; by default only paid supporters take these.
    High,
}

/// One independent supporter (a row of `supporters.csv`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Supporter {
    /// Unique, non-empty id.
    pub id: String,
    /// Local-authority area code (ONS code).
    pub area: String,
    /// Paid or volunteer.
    pub status: SupporterStatus,
    /// Hours available for casework each week, in (0, 60].
    pub hours_per_week: f64,
    /// Concurrent caseload cap.
    pub max_cases: u32,
    /// Skill tags, lower-cased, sorted, without duplicates.
    pub skills: Vec<String>,
    /// Languages spoken besides English, lower-cased, sorted (`en` is always assumed).
    pub languages: Vec<String>,
    /// Has local knowledge of the area.
    pub local: bool,
    /// Postcode districts covered, upper-cased, sorted; empty means the whole area.
    pub districts: Vec<String>,
    /// First day of leave, if any.
    pub unavailable_from: Option<NaiveDate>,
    /// Last day of leave, if any.
    pub unavailable_to: Option<NaiveDate>,
}

impl Supporter {
    /// True when the supporter takes no new cases in the week starting `monday`:
    /// the Monday falls inside the leave window (an open end is unbounded).
    pub fn on_leave(&self, monday: NaiveDate) -> bool {
        covers_monday(self.unavailable_from, self.unavailable_to, monday)
    }

    /// True when the supporter speaks `language` (English always counts).
    pub fn speaks(&self, language: &str) -> bool {
        language == "en"
            || self
                .languages
                .binary_search_by(|l| l.as_str().cmp(language))
                .is_ok()
    }

    /// True when the supporter has the skill tag.
    pub fn has_skill(&self, skill: &str) -> bool {
        self.skills
            .binary_search_by(|s| s.as_str().cmp(skill))
            .is_ok()
    }

    /// True when the supporter covers the postcode district (or the whole area).
    pub fn covers(&self, district: &str) -> bool {
        self.districts.is_empty()
            || self
                .districts
                .binary_search_by(|d| d.as_str().cmp(district))
                .is_ok()
    }
}

/// True when `monday` falls inside the window [from, to]; an open end is unbounded,
/// and no dates at all is no window. Supporters' leave and families' absences share it.
fn covers_monday(from: Option<NaiveDate>, to: Option<NaiveDate>, monday: NaiveDate) -> bool {
    if from.is_none() && to.is_none() {
        return false;
    }
    from.is_none_or(|from| from <= monday) && to.is_none_or(|to| monday <= to)
}

/// One of the circumstances in which the 20-week limit does not apply (SEND
/// Regulations 2014, reg 13(3), applying reg 10(4)(a)-(d)). It waives the deadline; the
/// clock does not pause, and nothing about the family's priority or score changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClockException {
    /// (a) Advice was asked of a school or post-16 institution around a closure of at
    /// least four weeks.
    A,
    /// (b) Advice was asked of an early years provider around a closure of at least
    /// four weeks.
    B,
    /// (c) Exceptional personal circumstances affect the child or the parent, or the
    /// young person.
    C,
    /// (d) The child or the parent, or the young person, are absent from the area for
    /// at least four weeks.
    D,
}

impl ClockException {
    /// Every exception, in the regulation's order.
    pub const ALL: [ClockException; 4] = [
        ClockException::A,
        ClockException::B,
        ClockException::C,
        ClockException::D,
    ];

    /// The letter of reg 10(4), as written in the `exception` column.
    pub fn letter(self) -> char {
        match self {
            ClockException::A => 'a',
            ClockException::B => 'b',
            ClockException::C => 'c',
            ClockException::D => 'd',
        }
    }

    /// The circumstance in plain words.
    pub fn describe(self) -> &'static str {
        match self {
            ClockException::A => {
                "a school or post-16 institution closed for at least four weeks around the advice request"
            }
            ClockException::B => {
                "an early years provider closed for at least four weeks around the advice request"
            }
            ClockException::C => "exceptional personal circumstances of the child or parent",
            ClockException::D => "the child or parent absent from the area for at least four weeks",
        }
    }
}

/// One row of the caseload register (`referrals.csv`): a waiting referral or an open case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Referral {
    /// Unique, non-empty, pseudonymous id.
    pub id: String,
    /// Local-authority area code.
    pub area: String,
    /// Postcode district of the family, upper-cased, if known.
    pub district: Option<String>,
    /// Date the referral was received.
    pub received: NaiveDate,
    /// Who referred.
    pub source: Source,
    /// The `consent` column: `Some(true)` recorded, `Some(false)` refused or withheld
    /// (blocks whatever the source), `None` empty (implied only for a self-referral).
    /// See [`Referral::consent_basis`].
    pub consent: Option<bool>,
    /// New assessment or transfer.
    pub kind: ReferralKind,
    /// Start of the 20-week EHC clock, if different from `received`.
    pub clock_start: Option<NaiveDate>,
    /// Provider's triage of need, 1..=5, 5 the greatest.
    pub priority: u8,
    /// How demanding the case is.
    pub complexity: Complexity,
    /// Hours per week the case needs; `None` uses the policy default for the complexity.
    pub hours_per_week: Option<f64>,
    /// Skill tags the supporter must have, lower-cased, sorted.
    pub needs: Vec<String>,
    /// Preferred language, lower-cased; `None` means English.
    pub language: Option<String>,
    /// Supporters who must not take this family (conflict of interest).
    pub exclude: Vec<String>,
    /// The supporter holding the case, if it is open.
    pub supporter_id: Option<String>,
    /// Date the plan was finalised or the case closed.
    pub closed: Option<NaiveDate>,
    /// First day the family is away (hospital, out of the area), if any.
    pub unavailable_from: Option<NaiveDate>,
    /// Last day the family is away, if any.
    pub unavailable_to: Option<NaiveDate>,
    /// A recorded exception to the 20-week limit, if any.
    pub exception: Option<ClockException>,
    /// When the exception was noted.
    pub exception_noted: Option<NaiveDate>,
}

/// Why a referral does or does not count as consenting (eligibility rule 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentBasis {
    /// `consent = true`: recorded, whatever the source.
    Recorded,
    /// `consent` empty on a self-referral: the family asked, so consent is implied.
    ImpliedBySelfReferral,
    /// `consent = false`: an explicit refusal blocks, whatever the source.
    Refused,
    /// `consent` empty on a referral by the local authority or a professional.
    NotRecorded,
}

impl ConsentBasis {
    /// The case in plain words, for explanations.
    pub fn describe(self) -> &'static str {
        match self {
            ConsentBasis::Recorded => "recorded (`consent` is true)",
            ConsentBasis::ImpliedBySelfReferral => {
                "implied: the family referred themselves and `consent` is empty"
            }
            ConsentBasis::Refused => {
                "refused: `consent` is false, which blocks whoever referred the family"
            }
            ConsentBasis::NotRecorded => {
                "not recorded: `consent` is empty and the family did not refer themselves"
            }
        }
    }

    /// Whether the family may be assigned a supporter.
    pub fn allows(self) -> bool {
        matches!(
            self,
            ConsentBasis::Recorded | ConsentBasis::ImpliedBySelfReferral
        )
    }
}

impl Referral {
    /// Which consent case applies: `consent = true`, or `source = self` with `consent`
    /// empty, allows; an explicit `false` blocks whatever the source.
    pub fn consent_basis(&self) -> ConsentBasis {
        match (self.consent, self.source) {
            (Some(true), _) => ConsentBasis::Recorded,
            (Some(false), _) => ConsentBasis::Refused,
            (None, Source::SelfReferral) => ConsentBasis::ImpliedBySelfReferral,
            (None, _) => ConsentBasis::NotRecorded,
        }
    }

    /// Eligibility rule 1: consent recorded, or implied by a self-referral with the
    /// `consent` field empty.
    pub fn has_consent(&self) -> bool {
        self.consent_basis().allows()
    }

    /// The date the 20-week clock started (defaults to `received`).
    pub fn clock_start(&self) -> NaiveDate {
        self.clock_start.unwrap_or(self.received)
    }

    /// Preferred language (`en` when none is given).
    pub fn language(&self) -> &str {
        self.language.as_deref().unwrap_or("en")
    }

    /// True when the family is away in the week starting `monday` (the Monday falls
    /// inside [`unavailable_from`, `unavailable_to`], an open end unbounded, as for a
    /// supporter's leave): no supporter is offered to them that week.
    pub fn away(&self, monday: NaiveDate) -> bool {
        covers_monday(self.unavailable_from, self.unavailable_to, monday)
    }

    /// Active in the week starting `monday`: received by then, not closed by then.
    pub fn is_active(&self, monday: NaiveDate) -> bool {
        self.received <= monday && self.closed.is_none_or(|closed| closed > monday)
    }
}
