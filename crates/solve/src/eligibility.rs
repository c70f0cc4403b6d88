//! The contract's eligibility rules, checked in order, with reason codes.

use caseload_model::{Complexity, PlanningWeek, Policy, Referral, Supporter, SupporterStatus};
use serde::Serialize;

/// Why a waiting family has no supporter this week. The order of the variants is the
/// order of the contract's checks; `Capacity` means eligible supporters exist but none
/// had room for this family in the best plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitReason {
    /// No consent recorded (and not a self-referral).
    NoConsent,
    /// The family is away in the planning week (its `unavailable_from` /
    /// `unavailable_to`): not offered to any supporter, it keeps its place.
    FamilyUnavailable,
    /// No supporter works in the family's area.
    NoSupporterInArea,
    /// Every supporter in the area is on leave.
    OnLeave,
    /// No supporter left covers the family's postcode district.
    District,
    /// No supporter left has every skill the family needs.
    Needs,
    /// No supporter left speaks the family's language.
    Language,
    /// Every supporter left has a conflict of interest.
    Excluded,
    /// Only volunteers are left and the case is high complexity.
    Complexity,
    /// Every supporter left is kept from the family by a coordinator's decision.
    Forbidden,
    /// Eligible supporters exist, but none had room in the best plan.
    Capacity,
}

impl WaitReason {
    /// The reason in words, for tables and reports (the code stays in JSON).
    pub fn words(self) -> &'static str {
        match self {
            WaitReason::NoConsent => "no consent (refused or not recorded)",
            WaitReason::FamilyUnavailable => "the family is away this week",
            WaitReason::NoSupporterInArea => "no supporter in the area",
            WaitReason::OnLeave => "every supporter on leave",
            WaitReason::District => "no supporter covers the district",
            WaitReason::Needs => "no supporter has the skills needed",
            WaitReason::Language => "no supporter speaks the language",
            WaitReason::Excluded => "conflict of interest with every supporter",
            WaitReason::Complexity => "high complexity: no paid supporter",
            WaitReason::Forbidden => "every eligible supporter forbidden by a decision",
            WaitReason::Capacity => "eligible supporters are full",
        }
    }

    /// The reason code as it appears in output.
    pub fn code(self) -> &'static str {
        match self {
            WaitReason::NoConsent => "no_consent",
            WaitReason::FamilyUnavailable => "family_unavailable",
            WaitReason::NoSupporterInArea => "no_supporter_in_area",
            WaitReason::OnLeave => "on_leave",
            WaitReason::District => "district",
            WaitReason::Needs => "needs",
            WaitReason::Language => "language",
            WaitReason::Excluded => "excluded",
            WaitReason::Complexity => "complexity",
            WaitReason::Forbidden => "forbidden",
            WaitReason::Capacity => "capacity",
        }
    }
}

/// Checks rules 2 to 8 for one supporter (consent, rule 1, is the referral's own and
/// is checked by [`no_eligible_reason`]). `Err` names the first rule that fails.
pub fn check(
    referral: &Referral,
    supporter: &Supporter,
    week: PlanningWeek,
    policy: &Policy,
) -> Result<(), WaitReason> {
    if supporter.area != referral.area {
        return Err(WaitReason::NoSupporterInArea);
    }
    if supporter.on_leave(week.monday()) {
        return Err(WaitReason::OnLeave);
    }
    if let Some(district) = &referral.district {
        if !supporter.covers(district) {
            return Err(WaitReason::District);
        }
    }
    if !referral.needs.iter().all(|need| supporter.has_skill(need)) {
        return Err(WaitReason::Needs);
    }
    if !supporter.speaks(referral.language()) {
        return Err(WaitReason::Language);
    }
    if referral.exclude.contains(&supporter.id) {
        return Err(WaitReason::Excluded);
    }
    if referral.complexity == Complexity::High
        && supporter.status == SupporterStatus::Volunteer
        && !policy.volunteers_take_high
    {
        return Err(WaitReason::Complexity);
    }
    Ok(())
}

/// The family's own checks, before any supporter's: consent (rule 1), then whether the
/// family is away this week. A family failing one can take no supporter at all.
pub fn family_check(referral: &Referral, week: PlanningWeek) -> Result<(), WaitReason> {
    if !referral.has_consent() {
        return Err(WaitReason::NoConsent);
    }
    if referral.away(week.monday()) {
        return Err(WaitReason::FamilyUnavailable);
    }
    Ok(())
}

/// The reason code of a referral with no eligible supporter: the check after which no
/// supporter is left. `None` when at least one supporter is eligible.
///
/// The family's own checks come first: consent (rule 1), then whether the family is
/// away this week, which leaves nobody whoever the supporters are. Then a supporter
/// passes checks 1..k exactly when its first failing check comes after k, so the check
/// that empties the field is the latest first-failure over supporters.
pub fn no_eligible_reason<'a>(
    referral: &Referral,
    supporters: impl IntoIterator<Item = &'a Supporter>,
    week: PlanningWeek,
    policy: &Policy,
) -> Option<WaitReason> {
    if let Err(reason) = family_check(referral, week) {
        return Some(reason);
    }
    let mut latest = WaitReason::NoSupporterInArea;
    for supporter in supporters {
        match check(referral, supporter, week, policy) {
            Ok(()) => return None,
            Err(reason) => latest = latest.max(reason),
        }
    }
    Some(latest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use caseload_model::{ReferralKind, Source};

    fn supporter(id: &str) -> Supporter {
        Supporter {
            id: id.into(),
            area: "A".into(),
            status: SupporterStatus::Paid,
            hours_per_week: 10.0,
            max_cases: 5,
            skills: vec!["autism".into()],
            languages: vec!["pl".into()],
            local: false,
            districts: vec!["BN1".into()],
            unavailable_from: None,
            unavailable_to: None,
        }
    }

    fn referral() -> Referral {
        Referral {
            id: "R".into(),
            area: "A".into(),
            district: Some("BN1".into()),
            received: "2015-10-01".parse().unwrap(),
            source: Source::La,
            consent: Some(true),
            kind: ReferralKind::New,
            clock_start: None,
            priority: 3,
            complexity: Complexity::High,
            hours_per_week: None,
            needs: vec!["autism".into()],
            language: Some("pl".into()),
            exclude: vec![],
            supporter_id: None,
            closed: None,
            unavailable_from: None,
            unavailable_to: None,
            exception: None,
            exception_noted: None,
        }
    }

    #[test]
    fn each_rule_names_its_reason() {
        let week = PlanningWeek::parse("2015-11-02").unwrap();
        let policy = Policy::default();
        let ok = supporter("S");
        assert_eq!(check(&referral(), &ok, week, &policy), Ok(()));
        type Change = Box<dyn Fn(&mut Supporter, &mut Referral)>;
        let cases: Vec<(Change, WaitReason)> = vec![
            (
                Box::new(|s, _| s.area = "B".into()),
                WaitReason::NoSupporterInArea,
            ),
            (
                Box::new(|s, _| s.unavailable_to = Some("2015-11-02".parse().unwrap())),
                WaitReason::OnLeave,
            ),
            (
                Box::new(|_, r| r.district = Some("BN9".into())),
                WaitReason::District,
            ),
            (
                Box::new(|_, r| r.needs.push("bsl".into())),
                WaitReason::Needs,
            ),
            (
                Box::new(|_, r| r.language = Some("ar".into())),
                WaitReason::Language,
            ),
            (
                Box::new(|_, r| r.exclude.push("S".into())),
                WaitReason::Excluded,
            ),
            (
                Box::new(|s, _| s.status = SupporterStatus::Volunteer),
                WaitReason::Complexity,
            ),
        ];
        for (change, reason) in cases {
            let (mut s, mut r) = (ok.clone(), referral());
            change(&mut s, &mut r);
            assert_eq!(check(&r, &s, week, &policy), Err(reason));
        }
    }

    #[test]
    fn reason_is_the_check_that_empties_the_field() {
        let week = PlanningWeek::parse("2015-11-02").unwrap();
        let policy = Policy::default();
        let mut far = supporter("S1");
        far.districts = vec!["BN9".into()];
        let mut unskilled = supporter("S2");
        unskilled.skills.clear();
        // S1 fails on district, S2 on needs: after `district` S2 is still there,
        // after `needs` nobody is.
        let reason = no_eligible_reason(&referral(), [&far, &unskilled], week, &policy);
        assert_eq!(reason, Some(WaitReason::Needs));
        let mut no_consent = referral();
        no_consent.consent = None;
        let reason = no_eligible_reason(&no_consent, [&supporter("S")], week, &policy);
        assert_eq!(reason, Some(WaitReason::NoConsent));
        let reason = no_eligible_reason(&referral(), [], week, &policy);
        assert_eq!(reason, Some(WaitReason::NoSupporterInArea));
        let mut self_referred = no_consent.clone();
        self_referred.source = Source::SelfReferral;
        assert_eq!(
            no_eligible_reason(&self_referred, [&supporter("S")], week, &policy),
            None
        );
        // An explicit refusal blocks a self-referral too.
        self_referred.consent = Some(false);
        assert_eq!(
            no_eligible_reason(&self_referred, [&supporter("S")], week, &policy),
            Some(WaitReason::NoConsent)
        );
    }

    #[test]
    fn issue_10_a_family_away_this_week_has_nobody_after_consent() {
        let week = PlanningWeek::parse("2015-11-02").unwrap();
        let policy = Policy::default();
        let mut away = referral();
        away.unavailable_from = Some("2015-10-26".parse().unwrap());
        away.unavailable_to = Some("2015-11-02".parse().unwrap());
        let reason = no_eligible_reason(&away, [&supporter("S")], week, &policy);
        assert_eq!(reason, Some(WaitReason::FamilyUnavailable));
        assert_eq!(reason.map(WaitReason::code), Some("family_unavailable"));
        // Consent is checked first; the supporters' checks come after.
        away.consent = None;
        let reason = no_eligible_reason(&away, [&supporter("S")], week, &policy);
        assert_eq!(reason, Some(WaitReason::NoConsent));
        away.consent = Some(true);
        let reason = no_eligible_reason(&away, [], week, &policy);
        assert_eq!(reason, Some(WaitReason::FamilyUnavailable));
        // Back by Monday: the family is offered supporters again.
        away.unavailable_to = Some("2015-11-01".parse().unwrap());
        assert_eq!(
            no_eligible_reason(&away, [&supporter("S")], week, &policy),
            None
        );
    }
}
