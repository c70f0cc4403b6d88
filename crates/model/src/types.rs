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
        if self.unavailable_from.is_none() && self.unavailable_to.is_none() {
            return false;
        }
        let after_start = self.unavailable_from.is_none_or(|from| from <= monday);
        let before_end = self.unavailable_to.is_none_or(|to| monday <= to);
        after_start && before_end
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

    /// Active in the week starting `monday`: received by then, not closed by then.
    pub fn is_active(&self, monday: NaiveDate) -> bool {
        self.received <= monday && self.closed.is_none_or(|closed| closed > monday)
    }
}
