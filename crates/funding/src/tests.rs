//! The spec's invariants on generated area tables, closed forms, and bad input.

use std::path::Path;

use proptest::prelude::*;

use super::*;

const RULES: [&str; 6] = [
    "flat",
    "population",
    "demand",
    "deprivation",
    "max_families",
    "max_min_coverage",
];

fn table(rows: &[(u32, u32, f64, f64)]) -> AreasTable {
    let mut csv = String::from("new_la_code,la_name,region_name,pop_0_25_mid2017,imd2015_prop_lsoa_most_deprived_10pct,transfers_statement_to_ehc_2015,new_ehc_plans_2015\n");
    for (i, (transfers, new, population, deprivation)) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "A{i:03},Area {i},Region {},{population},{deprivation},{transfers},{new}\n",
            i % 3
        ));
    }
    AreasTable::parse(Path::new("areas.csv"), csv.as_bytes()).unwrap()
}

fn scenario(
    rule: &str,
    budget: f64,
    floor: f64,
    volunteer_share: f64,
    extra: &str,
) -> FundingScenario {
    let text = format!(
        "name = \"{rule}\"\nbudget_gbp = {budget}\n{extra}\n[split]\nrule = \"{rule}\"\nfloor_supporters = {floor}\nvolunteer_share = {volunteer_share}\n"
    );
    FundingScenario::from_toml(Path::new("s.toml"), &text).unwrap()
}

fn run(
    rule: &str,
    budget: f64,
    floor: f64,
    vs: f64,
    areas: &AreasTable,
) -> Result<SplitResult, FundingError> {
    let s = scenario(rule, budget, floor, vs, "");
    split(&s, &areas.resolve(&s)?)
}

fn areas_strategy() -> impl Strategy<Value = Vec<(u32, u32, f64, f64)>> {
    prop::collection::vec(
        (0u32..3000, 0u32..800, 0.0f64..500_000.0, 0.0f64..0.5),
        1..25,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn spec_invariants_hold_for_every_rule(
        rows in areas_strategy(),
        budget_per_area in 5_000.0f64..400_000.0,
        floor in prop::sample::select(vec![0.0, 1.0, 2.0]),
        vs in prop::sample::select(vec![0.0, 0.2, 0.5]),
    ) {
        let areas = table(&rows);
        let budget = budget_per_area * rows.len() as f64;
        let mut results = Vec::new();
        for rule in RULES {
            match run(rule, budget, floor, vs, &areas) {
                Ok(result) => results.push(result),
                Err(FundingError::ImpossibleBudget { .. }) => return Ok(()),
                Err(e) => prop_assert!(false, "{rule}: {e}"),
            }
        }
        let available = scenario("flat", budget, floor, vs, "").available();
        for r in &results {
            prop_assert!(r.summary.spend_gbp <= available + 0.005, "{}: spend {} > {}", r.rule, r.summary.spend_gbp, available);
            for a in &r.areas {
                prop_assert!(a.paid_supporters >= floor - 1e-9, "{}: {} paid below the floor", r.rule, a.area);
                let total = a.paid_supporters + a.volunteer_supporters;
                prop_assert!(a.volunteer_supporters <= 0.5 * total + 1e-9, "{}: {} over the volunteer cap", r.rule, a.area);
                prop_assert!(a.families_supported <= a.demand_families + 1e-9 && a.families_supported <= a.capacity_families + 1e-9);
            }
        }
        let families = |rule: &str| results.iter().find(|r| r.rule == rule).unwrap().summary.families_supported;
        let smallest = |rule: &str| results.iter().find(|r| r.rule == rule).unwrap().summary.min_coverage;
        for r in &results {
            // The LPs' stages hold earlier optima with a 1e-9 relative slack (the solver
            // works to a tolerance), bought back afterwards where money is left.
            let tolerance = 1e-9 * r.summary.families_supported;
            prop_assert!(families("max_families") >= r.summary.families_supported - tolerance, "max_families {} < {} {}", families("max_families"), r.rule, r.summary.families_supported);
            prop_assert!(smallest("max_min_coverage") >= r.summary.min_coverage * (1.0 - 1e-9), "max_min_coverage {} < {} {}", smallest("max_min_coverage"), r.rule, r.summary.min_coverage);
        }
    }
}

#[test]
fn ample_budget_covers_all_demand_at_least_cost() {
    let areas = table(&[
        (100, 20, 1000.0, 0.1),
        (3000, 500, 5000.0, 0.2),
        (0, 0, 10.0, 0.0),
    ]);
    for rule in ["max_families", "max_min_coverage"] {
        let r = run(rule, 1e9, 1.0, 0.0, &areas).unwrap();
        let demand: f64 = r.areas.iter().map(|a| a.demand_families).sum();
        assert!(
            (r.summary.families_supported - demand).abs() < 1e-6 * demand,
            "{rule}"
        );
        assert!((r.summary.min_coverage - 1.0).abs() < 1e-6, "{rule}");
        // Closed form: exactly the cheapest hours that meet demand, nothing idle.
        // Volunteers are cheaper per delivered hour here (£5 / 0.7 < £20), so each area
        // buys volunteers up to the cap (half its supporters) and paid hours for the rest.
        let s = scenario(rule, 1e9, 1.0, 0.0, "");
        for a in &r.areas {
            assert!(
                a.idle_gbp < 1.0 || a.paid_supporters <= s.split.floor_supporters + 1e-6,
                "{rule}: {a:?}"
            );
        }
        assert!(r.summary.unspent_gbp > 0.0);
        // The note names the least budget that meets the demand (the areas' spend with
        // the top-slice added back): given that budget the rule still meets it all,
        // and given a thousand pounds less it cannot.
        let needed = r.summary.spend_gbp / (1.0 - s.admin_share);
        let note = r
            .notes
            .iter()
            .find(|n| n.contains("least budget that meets all the demand"))
            .unwrap_or_else(|| panic!("{rule}: {:?}", r.notes));
        assert!(
            note.contains(&crate::tables::money(needed)),
            "{rule}: {note}"
        );
        let enough = run(rule, needed.ceil() + 1.0, 1.0, 0.0, &areas).unwrap();
        assert!(
            enough.summary.families_supported >= demand * (1.0 - 1e-9),
            "{rule}: {:?}",
            enough.summary
        );
        let short = run(rule, needed - 1000.0, 1.0, 0.0, &areas).unwrap();
        assert!(
            short.summary.families_supported < demand * (1.0 - 1e-9),
            "{rule}: {:?}",
            short.summary
        );
    }
}

#[test]
fn demand_rule_gives_equal_coverage_without_floors() {
    // Without floors, funding in proportion to demand gives every area the same
    // coverage: capacity is proportional to funding.
    let areas = table(&[
        (100, 20, 1000.0, 0.1),
        (3000, 500, 5000.0, 0.2),
        (400, 40, 10.0, 0.0),
    ]);
    let r = run("demand", 2_000_000.0, 0.0, 0.0, &areas).unwrap();
    let c: Vec<f64> = r.areas.iter().map(|a| a.coverage).collect();
    assert!(c.iter().all(|x| (x - c[0]).abs() < 1e-9), "{c:?}");
    assert!((r.summary.spend_gbp - r.summary.available_gbp).abs() < 0.01);
    assert!(r.summary.gini_coverage.abs() < 1e-9);
}

#[test]
fn max_families_starves_no_area_it_need_not() {
    // Without floors a family costs the same in every area, so every split that leaves no
    // capacity idle supports the most families when money is short. The one kept has
    // the largest smallest coverage among them: every area at the national coverage,
    // as the demand rule gives (it buys paid supporters only: vs = 0 and the cap 0).
    let areas = table(&[
        (100, 20, 1000.0, 0.1),
        (3000, 500, 5000.0, 0.2),
        (400, 40, 10.0, 0.0),
    ]);
    let no_volunteers = "[costs]\nmax_volunteer_share = 0.0";
    let run = |rule: &str| {
        let s = scenario(rule, 200_000.0, 0.0, 0.0, no_volunteers);
        split(&s, &areas.resolve(&s).unwrap()).unwrap()
    };
    let (most, demand) = (run("max_families"), run("demand"));
    assert!(most.summary.coverage < 0.5, "{:?}", most.summary);
    for (a, d) in most.areas.iter().zip(&demand.areas) {
        assert!((a.coverage - most.summary.coverage).abs() < 1e-9, "{a:?}");
        assert!(
            (a.funding_gbp - d.funding_gbp).abs() < 1e-6 * d.funding_gbp,
            "{a:?} {d:?}"
        );
    }
    let families = most.summary.families_supported;
    assert!((families - demand.summary.families_supported).abs() < 1e-9 * families);
}

#[test]
fn flat_rule_scales_down_with_a_note_when_it_costs_too_much() {
    let areas = table(&[(100, 20, 1000.0, 0.1), (3000, 500, 5000.0, 0.2)]);
    let r = run("flat", 200_000.0, 1.0, 0.0, &areas).unwrap();
    assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
    assert!(r.notes[0].contains("scaled down"));
    assert!(r.summary.spend_gbp <= r.summary.available_gbp + 0.005);
    assert!((r.areas[0].paid_supporters - r.areas[1].paid_supporters).abs() < 1e-9);
}

#[test]
fn an_impossible_budget_is_an_error() {
    let areas = table(&[(100, 20, 1000.0, 0.1); 10]);
    let err = run("demand", 1000.0, 1.0, 0.0, &areas).unwrap_err();
    assert!(err.is_bad_input());
    assert!(err.to_string().contains("impossible budget"), "{err}");
}

/// Money figures carry no float noise (a spend of 4749999.999999996, an unspent of
/// 3.7e-9): each is a whole number of millionths of a pound.
#[test]
fn money_has_no_float_noise() {
    let areas = table(&[
        (1350, 657, 0.0, 0.0),
        (100, 20, 1000.0, 0.1),
        (333, 77, 10.0, 0.3),
    ]);
    let tidy = |x: f64| (x * 1e6).round() / 1e6 == x;
    for rule in RULES {
        for budget in [5e6, 4_999_999.99, 7.3e6 / 0.95, 1e6 / 3.0 * 10.0] {
            let r = run(rule, budget, 1.0, 0.2, &areas).unwrap();
            let s = &r.summary;
            for x in [
                s.available_gbp,
                s.spend_gbp,
                s.unspent_gbp,
                s.beyond_demand_gbp,
            ] {
                assert!(tidy(x), "{rule} {budget}: {x}");
            }
            for a in &r.areas {
                assert!(tidy(a.funding_gbp) && tidy(a.idle_gbp), "{rule}: {a:?}");
            }
            let summed: f64 = r.areas.iter().map(|a| a.funding_gbp).sum();
            assert!(
                (summed - s.spend_gbp).abs() < 1e-5,
                "{rule}: {summed} {}",
                s.spend_gbp
            );
        }
    }
}

#[test]
fn a_budget_that_just_buys_the_floors_is_not_impossible() {
    let areas = table(&[(100, 20, 1000.0, 0.1); 152]);
    let Err(FundingError::ImpossibleBudget { floors_gbp, .. }) =
        run("demand", 1000.0, 1.0, 0.0, &areas)
    else {
        panic!("a budget of £1,000 buys no floors");
    };
    // The budget whose 95% after the top-slice is the floors' cost, as a lead would
    // work it out: the floors cost it exactly, whatever the last digit says.
    let exact = floors_gbp / 0.95;
    for rule in RULES {
        let r = run(rule, exact, 1.0, 0.0, &areas).unwrap();
        assert!(
            r.summary.spend_gbp <= r.summary.available_gbp + 0.005,
            "{rule}"
        );
    }
    // A pound less is impossible, and the message says by how much, in pence when
    // the two sums print alike.
    let err = run("demand", exact - 1.0, 1.0, 0.0, &areas).unwrap_err();
    assert!(err.to_string().contains("£0.95 more than the"), "{err}");
}

#[test]
fn flat_keeps_supporters_per_area_whatever_the_floor() {
    let areas = table(&[(100, 20, 1000.0, 0.1), (3000, 500, 5000.0, 0.2)]);
    // (supporters per area, volunteer share, floor) -> (paid, volunteers) per area.
    for (spa, vs, floor, paid, volunteers) in [
        (12.0, 0.3, 1.0, 8.4, 3.6),
        (1.0, 0.5, 1.0, 1.0, 0.0),
        (2.0, 0.5, 1.5, 1.5, 0.5),
        (1.0, 0.0, 2.0, 2.0, 0.0),
    ] {
        let mut s = scenario(
            "flat",
            1e9,
            floor,
            vs,
            &format!("[costs]\nmax_volunteer_share = {}\n", vs.max(0.5)),
        );
        s.split.supporters_per_area = spa;
        let r = split(&s, &areas.resolve(&s).unwrap()).unwrap();
        for a in &r.areas {
            assert!(
                (a.paid_supporters - paid).abs() < 1e-9,
                "{spa} {vs} {floor}: {a:?}"
            );
            assert!(
                (a.volunteer_supporters - volunteers).abs() < 1e-9,
                "{spa} {vs} {floor}: {a:?}"
            );
        }
    }
}

#[test]
fn unknown_columns_and_bad_figures_are_located_errors() {
    let areas = table(&[(100, 20, 1000.0, 0.1)]);
    let s = scenario(
        "demand",
        1e6,
        1.0,
        0.0,
        "[demand]\ncolumns = { transfers_2099 = 1.0 }",
    );
    let err = areas.resolve(&s).unwrap_err();
    assert_eq!(err.problems()[0].to_string(), "areas.csv:1:0: column `transfers_2099` (named in `demand.columns`) is not in the areas table (its columns: new_la_code, la_name, region_name, pop_0_25_mid2017, imd2015_prop_lsoa_most_deprived_10pct, transfers_statement_to_ehc_2015, new_ehc_plans_2015)");
    // A text column named as demand: three rows of it, then one line for the rest.
    let many = table(&[(100, 20, 1000.0, 0.1); 10]);
    let s = scenario(
        "demand",
        1e6,
        1.0,
        0.0,
        "[demand]\ncolumns = { la_name = 1.0 }",
    );
    let messages: Vec<String> = many
        .resolve(&s)
        .unwrap_err()
        .problems()
        .iter()
        .map(|p| p.message.clone())
        .collect();
    assert_eq!(
        messages,
        [
            "`la_name`: `Area 0` is not a number",
            "`la_name`: `Area 1` is not a number",
            "`la_name`: `Area 2` is not a number",
            "and 7 more rows of this column like these",
        ]
    );
    // One area's row of figures: what resolving it for a demand split says.
    let problems = |figures: &str| -> Vec<String> {
        let csv = format!("new_la_code,la_name,region_name,pop_0_25_mid2017,transfers_statement_to_ehc_2015,new_ehc_plans_2015\nA,a,r,{figures}\n");
        AreasTable::parse(Path::new("a.csv"), csv.as_bytes())
            .unwrap()
            .resolve(&scenario("demand", 1e6, 1.0, 0.0, ""))
            .unwrap_err()
            .problems()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    assert_eq!(
        problems("10,-3,"),
        [
            "a.csv:2:5: `transfers_statement_to_ehc_2015`: -3 is negative (every figure of the areas table is 0 or more)",
            "a.csv:2:6: `new_ehc_plans_2015` is missing"
        ]
    );
    // A figure past any area's (1e308 once split to an undefined spend, exit 0).
    assert_eq!(
        problems("1e308,1e9,1000000001"),
        [
            "a.csv:2:4: `pop_0_25_mid2017`: 1e308 is more than 1,000,000,000, beyond any area's figure (England has 56 million people)",
            "a.csv:2:6: `new_ehc_plans_2015`: 1000000001 is more than 1,000,000,000, beyond any area's figure (England has 56 million people)",
        ]
    );
}

#[test]
fn the_real_2014_split_spends_about_the_budget() {
    // The spec's defaults: 12 paid supporters in each of 152 areas cost about the
    // 2014-16 budget.
    let s = scenario("flat", 30e6, 1.0, 0.0, "");
    let r = split(&s, &AreasTable::embedded().resolve(&s).unwrap()).unwrap();
    assert_eq!(r.areas.len(), 152);
    assert!((r.weeks - 82.571).abs() < 1e-3);
    assert!(r.summary.spend_gbp <= s.available() + 0.005);
    assert!(
        r.summary.spend_gbp > 0.9 * s.available(),
        "{}",
        r.summary.spend_gbp
    );
}

#[test]
fn extremes_name_the_first_of_the_tied_by_name_and_count_ties_around_the_edge() {
    // Zed is lowest by its last digits; Abel and Cain print alike with it: Abel is named,
    // with two others. Dora is within the tolerance of Cain but not of the lowest, so
    // it is not counted. The highest alone.
    let areas = [
        ("Cain", 0.8904),
        ("Zed", 0.89),
        ("Dora", 0.8908),
        ("Abel", 0.8901),
        ("Eve", 1.0),
    ];
    assert_eq!(named_extremes(&areas), Some([(3, 2), (4, 0)]));
    assert_eq!(named_extremes(&[]), None);
}

#[test]
fn the_chart_leaves_out_areas_without_demand_as_the_tables_do() {
    // Area 0 has no demand: its coverage (100% by convention) is neither the highest
    // the chart names nor one of its bars. Area 1 is small, area 2 large: a flat split
    // covers the small one better.
    let areas = table(&[
        (0, 0, 1000.0, 0.1),
        (40, 10, 1000.0, 0.1),
        (3000, 500, 5000.0, 0.2),
    ]);
    let r = run("flat", 400_000.0, 1.0, 0.0, &areas).unwrap();
    assert_eq!(r.areas[0].demand_families, 0.0);
    assert!(r.areas[1].coverage > r.areas[2].coverage, "{:?}", r.areas);
    let file = std::env::temp_dir().join(format!("caseload-chart-{}.svg", std::process::id()));
    tables::coverage_chart(std::slice::from_ref(&r), &file).unwrap();
    let svg = std::fs::read_to_string(&file).unwrap();
    std::fs::remove_file(&file).unwrap();
    let bars = svg.matches("</rect>").count();
    assert_eq!(bars, 2, "{svg}");
    assert!(svg.contains("highest: Area 1 "), "{svg}");
    assert!(svg.contains("lowest: Area 2 "), "{svg}");
    assert!(
        svg.contains("2 areas, sorted from lowest to highest coverage (families supported / demand); 1 area without demand left out"),
        "{svg}"
    );
}

#[test]
fn simulated_dots_above_100_percent_are_drawn_where_they_are() {
    use crate::chart::{coverage_svg, CoveragePanel};
    let panel = |dot: f64| CoveragePanel {
        title: "t".into(),
        areas: vec![("A".into(), 0.5, Some(0.6)), ("B".into(), 1.0, Some(dot))],
        without_demand: 0,
    };
    let ticks = |svg: &str| -> Vec<String> {
        svg.split("text-anchor=\"end\">")
            .skip(1)
            .filter_map(|t| t.split('<').next())
            .filter(|t| t.ends_with('%') && t.starts_with(|c: char| c.is_ascii_digit()))
            .map(str::to_string)
            .collect()
    };
    // Within 100%: the axis stops there.
    let svg = coverage_svg("c", Some(("closed form", "simulated")), &[panel(0.9)]);
    assert_eq!(ticks(&svg), ["0%", "25%", "50%", "75%", "100%"], "{svg}");
    // A dot at 130%: the axis reaches 150%, and the dot sits above the 100% line, its
    // value in the bar's title.
    let svg = coverage_svg("c", Some(("closed form", "simulated")), &[panel(1.3)]);
    assert_eq!(
        ticks(&svg).last().map(String::as_str),
        Some("150%"),
        "{svg}"
    );
    assert!(
        svg.contains("<title>B: 100.0%, simulated 130.0%</title>"),
        "{svg}"
    );
    let line_y = |label: &str| -> f64 {
        let before = svg.split(&format!(">{label}</text>")).next().unwrap();
        let y = before.rsplit("y=\"").next().unwrap();
        y.split('"').next().unwrap().parse::<f64>().unwrap() - 4.0
    };
    let dots: Vec<f64> = svg
        .split("<circle cx=")
        .skip(1)
        .map(|c| {
            c.split("cy=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .collect();
    // The 100% line, the 150% line, and the dot at 130% three fifths of the way up.
    let (hundred, top) = (line_y("100%"), line_y("150%"));
    let expected = hundred - (hundred - top) * 0.6;
    assert!(
        dots.iter().any(|d| (d - expected).abs() < 0.1),
        "{dots:?} {expected}"
    );
}

#[test]
fn a_table_of_part_of_england_or_a_mistyped_code_is_said() {
    let s = scenario("flat", 30e6, 1.0, 0.0, "");
    let about_england = |r: &SplitResult| -> Vec<String> {
        r.notes
            .iter()
            .filter(|n| n.contains("England's"))
            .cloned()
            .collect()
    };
    // All 152: nothing to say.
    let whole = AreasTable::embedded().resolve(&s).unwrap();
    assert!(about_england(&split(&s, &whole).unwrap()).is_empty());
    // Thirteen left out, and one code mistyped.
    let mut part: Vec<Area> = whole[13..].to_vec();
    part[0].code = "E0900000X".into();
    let notes = about_england(&split(&s, &part).unwrap());
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].starts_with("the areas table has 138 of England's 152 areas")
            && notes[0].contains("and 9 more"),
        "{}",
        notes[0]
    );
    assert!(
        notes[1]
            .starts_with("1 area of the table is not one of England's 152 area codes (E0900000X)"),
        "{}",
        notes[1]
    );
    // A table of codes of its own (a model's areas) is not England's, and is not told so.
    let own = table(&[(100, 20, 1000.0, 0.1), (300, 50, 5000.0, 0.2)]);
    assert!(about_england(&split(&s, &own.resolve(&s).unwrap()).unwrap()).is_empty());
}

#[test]
fn sweeps_set_any_numeric_parameter() {
    let text = "name = \"sweep\"\n[split]\nrule = \"max_families\"\n";
    let spec = SweepSpec::parse("budget=10e6..40e6:10e6").unwrap();
    assert_eq!(spec.values, [10e6, 20e6, 30e6, 40e6]);
    let result = sweep(Path::new("s.toml"), text, &spec, &AreasTable::embedded()).unwrap();
    let families: Vec<f64> = result
        .points
        .iter()
        .map(|p| p.summary.families_supported)
        .collect();
    assert!(
        families.windows(2).all(|w| w[1] >= w[0] - 1e-6),
        "more money never supports fewer families: {families:?}"
    );
    let spec = SweepSpec::parse("costs.paid_hourly_gbp=15..25:5").unwrap();
    assert_eq!(
        sweep(Path::new("s.toml"), text, &spec, &AreasTable::embedded())
            .unwrap()
            .points
            .len(),
        3
    );
    let bad = SweepSpec::parse("costs.colour=1..2:1").unwrap();
    assert!(
        sweep(Path::new("s.toml"), text, &bad, &AreasTable::embedded())
            .unwrap_err()
            .to_string()
            .contains("not a numeric parameter")
    );
    assert!(SweepSpec::parse("budget=40..10:1").is_err());
}

#[test]
fn issue7_period_scale_follows_the_dates_unless_overridden() {
    let areas = table(&[(100, 50, 1000.0, 0.1), (40, 10, 500.0, 0.2)]);
    let year = "start = \"2015-04-01\"\nend = \"2016-03-31\"\n";
    let s = scenario("demand", 1e6, 1.0, 0.0, year);
    let r = split(&s, &areas.resolve(&s).unwrap()).unwrap();
    let weeks = 366.0 / 7.0;
    assert_eq!(r.assumptions.period_scale_source, PeriodScaleSource::Dates);
    assert!((r.assumptions.period_scale - weeks / 52.1775).abs() < 1e-12);
    // Demand: the columns' sum, times the period in years, times take-up.
    let expected = 200.0 * (weeks / 52.1775) * 0.3;
    assert!((r.summary.demand_families - expected).abs() < 1e-9);
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);

    let s = scenario(
        "demand",
        1e6,
        1.0,
        0.0,
        &format!("{year}[demand]\nperiod_scale = 2.0\n"),
    );
    let r = split(&s, &areas.resolve(&s).unwrap()).unwrap();
    assert_eq!(
        r.assumptions.period_scale_source,
        PeriodScaleSource::Scenario
    );
    assert!((r.summary.demand_families - 200.0 * 2.0 * 0.3).abs() < 1e-9);
    let bad = FundingScenario::from_toml(
        Path::new("s.toml"),
        "name = \"x\"\n[demand]\nperiod_scale = 0\n",
    );
    assert!(bad.unwrap_err().to_string().contains("period_scale"));
}

#[test]
fn issue7_a_period_outside_the_columns_years_is_warned() {
    use crate::assumptions::column_year;
    assert_eq!(column_year("new_ehc_plans_2015"), Some(2015));
    assert_eq!(column_year("statements_jan2016"), Some(2016));
    assert_eq!(column_year("pop_0_25_mid2017"), Some(2017));
    assert_eq!(column_year("demand"), None);
    assert_eq!(column_year("code_12345"), None);
    let areas = table(&[(100, 50, 1000.0, 0.1)]);
    let warned = |start: &str, end: &str| {
        let s = scenario(
            "flat",
            1e6,
            1.0,
            0.0,
            &format!("start = \"{start}\"\nend = \"{end}\"\n"),
        );
        split(&s, &areas.resolve(&s).unwrap())
            .unwrap()
            .warnings
            .into_iter()
            .map(|w| w.column)
            .collect::<Vec<_>>()
    };
    // The default columns are 2015's: they describe 2014-01-01 to 2016-12-31.
    assert!(warned("2014-01-01", "2016-12-31").is_empty());
    assert!(warned("2014-09-01", "2016-03-31").is_empty());
    assert_eq!(
        warned("2016-07-01", "2017-03-31"),
        ["new_ehc_plans_2015", "transfers_statement_to_ehc_2015"]
    );
    assert_eq!(warned("2013-12-31", "2014-06-30").len(), 2);
    assert_eq!(warned("2027-04-01", "2028-03-31").len(), 2);
}

#[test]
fn issue7_sweep_points_have_no_float_noise_and_include_hi() {
    let values = |text: &str| SweepSpec::parse(text).unwrap().values;
    assert_eq!(values("x=0..0.6:0.1"), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6]);
    assert_eq!(values("x=0.05..0.35:0.15"), [0.05, 0.2, 0.35]);
    assert_eq!(values("budget=10e6..40e6:2.5e6").len(), 13);
    assert_eq!(values("budget=10e6..40e6:2.5e6")[1], 12.5e6);
    assert_eq!(values("x=1..2:0.3"), [1.0, 1.3, 1.6, 1.9]);
    assert_eq!(values("x=-0.3..0:0.1"), [-0.3, -0.2, -0.1, 0.0]);
}

#[test]
fn issue7_sweep_errors_say_the_key_and_the_value_not_a_place_in_the_file() {
    use std::error::Error as _;
    let text = "name = \"s\"\n[split]\nrule = \"demand\"\n";
    let err = with_parameter(Path::new("s.toml"), text, "split.volunteer_share", 0.9).unwrap_err();
    assert!(matches!(err, FundingError::SweepValue { .. }));
    assert!(err.is_bad_input());
    // The value came from the command line: no place in the file is named (the key's
    // line there holds another value, or none).
    assert_eq!(err.to_string(), "--sweep: split.volunteer_share = 0.9");
    assert_eq!(
        err.source().unwrap().to_string(),
        "`split.volunteer_share` must be from 0 to `costs.max_volunteer_share` (0.5), got 0.9"
    );
    let err = with_parameter(Path::new("s.toml"), text, "split.rule", 1.0).unwrap_err();
    assert!(matches!(err, FundingError::SweepKey { .. }));
    assert!(
        err.to_string()
            .contains("(its numeric parameters: admin_share, budget_gbp, "),
        "{err}"
    );
    let err = with_parameter(Path::new("s.toml"), text, "budgt_gbp", 1.0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "--sweep: `budgt_gbp` is not a numeric parameter of the scenario; did you mean `budget_gbp`?"
    );
}

#[test]
fn every_number_of_a_scenario_is_held_to_a_range() {
    // Huge, tiny, negative and not-a-number values are refused where they are read,
    // each at its key and shown readably (1e308 is not written out in 309 digits).
    let text = "name = \"x\"\nbudget_gbp = 1e308\nadmin_share = 1\nstart = \"1800-01-01\"\n\
                [costs]\npaid_hourly_gbp = 1e-300\nvolunteer_reliability = nan\n\
                [demand]\nweeks_per_family = 1e9\ncolumns = { new_ehc_plans_2015 = 1e6 }\n\
                [split]\nrule = \"flat\"\nvolunteer_share = 0.9\nsupporters_per_area = 1e9\n";
    let err = FundingScenario::from_toml(Path::new("s.toml"), text).unwrap_err();
    let messages: Vec<String> = err.problems().iter().map(ToString::to_string).collect();
    assert_eq!(
        messages,
        [
            "s.toml:2:1: `budget_gbp` must be more than 0 and at most 10000000000 (ten billion pounds), got 1e308",
            "s.toml:3:1: `admin_share` must be from 0 to below 1, got 1",
            "s.toml:4:9: `start`: 1800-01-01 is outside the years caseload reads (1900 to 2999)",
            "s.toml:6:1: `costs.paid_hourly_gbp` must be from 0.01 to 10000, got 1e-300",
            "s.toml:7:1: `costs.volunteer_reliability` must be from 0 to 1, got NaN",
            "s.toml:9:1: `demand.weeks_per_family` must be from 1 to 520, got 1000000000",
            "s.toml:10:1: `demand.columns`: every weight must be from 0 to 1000",
            "s.toml:13:1: `split.volunteer_share` must be from 0 to `costs.max_volunteer_share` (0.5), got 0.9",
            "s.toml:14:1: `split.supporters_per_area` must be from 0 to 10000, got 1000000000",
        ]
    );
    // The largest budget is read, and splits to the penny.
    let s = scenario("max_families", MOST_BUDGET_GBP, 1.0, 0.0, "");
    let r = split(&s, &AreasTable::embedded().resolve(&s).unwrap()).unwrap();
    assert!(r.summary.spend_gbp <= s.available() + 0.005);
}

#[test]
fn an_area_beyond_the_simulator_is_named_before_any_simulation() {
    // Ten billion pounds buys thousands of supporters in a large area: the closed form
    // splits it, the simulation refuses it up front, naming the first such area.
    let s = scenario("demand", MOST_BUDGET_GBP, 1.0, 0.0, "");
    let areas = AreasTable::embedded();
    let r = split(&s, &areas.resolve(&s).unwrap()).unwrap();
    let policy = caseload_sim::builtin("fifo").unwrap();
    let err = simulate_split(&s, &r, policy, 1, 1).unwrap_err();
    assert!(err.is_bad_input());
    let message = err.to_string();
    assert!(
        message.starts_with("--simulate: area ")
            && message.contains(&format!(
                "together must be at most {}",
                caseload_sim::MOST_SUPPORTERS
            )),
        "{message}"
    );
    let first = r
        .areas
        .iter()
        .find(|a| a.paid_hours_per_week / s.costs.paid_hours_per_week > 10_000.0)
        .expect("an area over the limit");
    assert!(
        message.contains(&first.area),
        "{message} names {}",
        first.area
    );
    // Compared with a scenario that fits, the one beyond is named, and before the one
    // that fits is simulated: no replication has run.
    let fits = scenario("flat", 30e6, 1.0, 0.0, "");
    let fits_split = split(&fits, &areas.resolve(&fits).unwrap()).unwrap();
    let replications = std::sync::atomic::AtomicUsize::new(0);
    let err =
        simulate_splits_with_progress(&[(&fits, &fits_split), (&s, &r)], policy, 1, 1, &|| {
            replications.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("as funded by scenario `demand`"),
        "{err}"
    );
    assert_eq!(replications.into_inner(), 0);
}

#[test]
fn issue7_ticks_are_round_and_cover_the_range() {
    use crate::chart::ticks;
    assert_eq!(
        ticks(0.0, 23_000.0, 5),
        [0.0, 5000.0, 10000.0, 15000.0, 20000.0, 25000.0]
    );
    assert_eq!(
        ticks(5e6, 20e6, 8),
        [4e6, 6e6, 8e6, 10e6, 12e6, 14e6, 16e6, 18e6, 20e6]
    );
    assert_eq!(ticks(0.0, 0.3, 3), [0.0, 0.1, 0.2, 0.3]);
    assert_eq!(crate::tables::money_short(7.5e6), "£7.5m");
    assert_eq!(crate::tables::money_short(500e3), "£500k");
    assert_eq!(crate::tables::money(28_500_000.4), "£28,500,000");
    assert_eq!(crate::tables::number(0.1 + 0.2), "0.3");
}

#[test]
fn national_simulated_figures_weigh_the_areas() {
    let s = scenario("demand", 200_000.0, 1.0, 0.0, "");
    let policy = caseload_sim::builtin("fifo").unwrap();
    // One area: the national figures are the area's own.
    let one = table(&[(400, 400, 1000.0, 0.1)]);
    let r = split(&s, &one.resolve(&s).unwrap()).unwrap();
    let sim = simulate_split(&s, &r, policy, 6, 3).unwrap();
    let close = |a: &caseload_sim::Estimate, b: &caseload_sim::Estimate| {
        let (a, b) = (a.mean.unwrap(), b.mean.unwrap());
        (a - b).abs() < 1e-9 * a.abs().max(1.0)
    };
    assert!(
        close(
            &sim.supported_by_week_16,
            &sim.areas[0].supported_by_week_16
        ),
        "{sim:?}"
    );
    assert!(close(&sim.wait_mean, &sim.areas[0].wait_mean), "{sim:?}");
    assert!(close(
        &sim.families_supported,
        &sim.areas[0].families_supported
    ));
    // With one replication, each national figure is the areas' own weighted by hand:
    // the share by week 16 by the families referred, the wait by those supported.
    let two = table(&[(400, 400, 1000.0, 0.1), (40, 40, 3000.0, 0.1)]);
    let s = scenario("population", 200_000.0, 1.0, 0.0, "");
    let r = split(&s, &two.resolve(&s).unwrap()).unwrap();
    let sim = simulate_split(&s, &r, policy, 1, 3).unwrap();
    fn m(e: &caseload_sim::Estimate) -> f64 {
        e.mean.unwrap()
    }
    let by_hand = |value: fn(&SimulatedArea) -> f64, weight: fn(&SimulatedArea) -> f64| {
        let (sum, weights) = sim.areas.iter().fold((0.0, 0.0), |(s, w), a| {
            (s + value(a) * weight(a), w + weight(a))
        });
        sum / weights
    };
    let share = by_hand(|a| m(&a.supported_by_week_16), |a| m(&a.referred));
    let wait = by_hand(|a| m(&a.wait_mean), |a| m(&a.families_supported));
    assert!(
        (m(&sim.supported_by_week_16) - share).abs() < 1e-12,
        "{sim:?}"
    );
    assert!((m(&sim.wait_mean) - wait).abs() < 1e-12, "{sim:?}");
    let unweighted = sim
        .areas
        .iter()
        .map(|a| m(&a.supported_by_week_16))
        .sum::<f64>()
        / 2.0;
    assert!(
        (share - unweighted).abs() > 1e-3,
        "the areas differ in size: {sim:?}"
    );
    assert_eq!(
        m(&sim.referred),
        sim.areas.iter().map(|a| m(&a.referred)).sum::<f64>()
    );
    // Two areas, one funded well below its demand: nationally more families are
    // referred than supported, the share by week 16 is a share, and the area short of
    // money makes the national share lower than the well-funded area's.
    let two = table(&[(400, 400, 1000.0, 0.1), (40, 40, 1000.0, 0.1)]);
    let s = scenario("population", 200_000.0, 1.0, 0.0, "");
    let r = split(&s, &two.resolve(&s).unwrap()).unwrap();
    let sim = simulate_split(&s, &r, policy, 6, 3).unwrap();
    let mean = |e: &caseload_sim::Estimate| e.mean.unwrap();
    assert!(
        mean(&sim.referred) >= mean(&sim.families_supported),
        "{sim:?}"
    );
    let share = mean(&sim.supported_by_week_16);
    assert!((0.0..=1.0).contains(&share), "{share}");
    let best = sim
        .areas
        .iter()
        .map(|a| mean(&a.supported_by_week_16))
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(share < best, "{share} against {best}: {sim:?}");
}

#[test]
fn areas_are_simulated_with_their_own_random_streams() {
    // Two areas alike in every figure but their code: with one seed for all, each
    // replication gave them the same arrivals, and the national total's interval was
    // that of perfectly correlated areas. Each area now has its own stream, the same
    // on every run.
    let areas = table(&[(400, 400, 1000.0, 0.1), (400, 400, 1000.0, 0.1)]);
    let s = scenario("demand", 400_000.0, 1.0, 0.0, "");
    let r = split(&s, &areas.resolve(&s).unwrap()).unwrap();
    let policy = caseload_sim::builtin("fifo").unwrap();
    let once = simulate_split(&s, &r, policy, 8, 7).unwrap();
    let again = simulate_split(&s, &r, policy, 8, 7).unwrap();
    assert_eq!(once, again);
    let [a, b] = &once.areas[..] else {
        panic!("two areas")
    };
    assert_eq!(a.demand_families, b.demand_families);
    assert_ne!(
        a.families_supported.mean, b.families_supported.mean,
        "the two areas drew the same families"
    );
}
