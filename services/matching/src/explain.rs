//! The Danish explanation a jobformidler reads next to each candidate.

use jobmatch_indexer::NeedOccupation;
use jobmatch_proto::v1::{Exclusion, HoursPotential, Need};
use jobmatch_taxonomy::Taxonomy;

use crate::engine::{FitLevel, Scored};
use crate::potential::danish_decimal;
use crate::profile::esco_uri;

fn exclusion_da(code: &str) -> &'static str {
    match code {
        "not_open" => "ikke åbne",
        "too_far" => "for langt væk",
        "driving_licence" => "kræver kørekort",
        "physical_demand" => "for fysisk krævende",
        "shifts" => "ingen mulige vagter",
        "min_hours" => "for mange timer",
        "danish_level" => "kræver bedre dansk",
        "reasonableness_rule" => "praktikpladser fyldt (rimelighedskravet)",
        _ => "filtreret fra",
    }
}

/// The name of a need's occupation: the ESCO occupation's label, else its ISCO group's title, else the title
/// the need was posted under.
fn occupation_label(tax: &Taxonomy, occ: &NeedOccupation, need: &Need) -> String {
    esco_uri(occ.esco)
        .and_then(|uri| tax.resolve_code(&uri))
        .map(|m| m.label)
        .or_else(|| {
            tax.isco_title(&format!("{:04}", occ.isco))
                .map(str::to_string)
        })
        .unwrap_or_else(|| need.title.clone())
}

pub(crate) fn explanation(
    tax: &Taxonomy,
    need: &Need,
    s: &Scored<'_>,
    potential: &HoursPotential,
    excluded: Option<&[Exclusion]>,
) -> String {
    let mut parts = Vec::new();
    let occ = s.fit.need;
    let isco = occ.map(|o| format!("{:04}", o.isco)).unwrap_or_default();
    let isco = isco.as_str();
    let label = occ
        .map(|o| occupation_label(tax, o, need))
        .unwrap_or_else(|| need.title.clone());
    let group = tax.isco_title(isco).unwrap_or_default();
    let reading = s
        .fit
        .reading
        .as_ref()
        .map(|r| r.label.as_str())
        .unwrap_or_default();
    parts.push(match s.fit.level {
        FitLevel::ExactGoal => format!("Jobmål '{}' = {label} (ISCO {isco})", s.fit.source),
        FitLevel::LikelyGoal => {
            format!(
                "Jobmål '{}' svarer sandsynligvis til {label} (ISCO {isco} {group})",
                s.fit.source
            )
        }
        FitLevel::ExperienceGroup => format!(
            "Tidligere arbejde '{}' i samme faggruppe som {label} (ISCO {isco} {group})",
            s.fit.source
        ),
        FitLevel::UnitGroup => format!(
            "Jobmål '{}' ({reading}) i samme faggruppe som {label} (ISCO {isco} {group})",
            s.fit.source
        ),
        FitLevel::MinorGroup => {
            let minor = isco.get(..3).unwrap_or_default();
            let minor_title = tax.isco_title(minor).unwrap_or_default();
            format!(
                "Beslægtet med jobmål '{}': {label} (ISCO-gruppe {minor} {minor_title})",
                s.fit.source
            )
        }
        FitLevel::Experience => format!(
            "Tidligere arbejde '{}' = {label} (ISCO {isco})",
            s.fit.source
        ),
        FitLevel::Competence => format!(
            "Kompetencen '{}' peger på {group} (ISCO {isco})",
            s.fit.source
        ),
        FitLevel::Text | FitLevel::None => {
            format!("Ord fra jobmålet findes i opslaget '{}'", need.title)
        }
    });
    parts.push(format!("{} km", danish_decimal(s.distance_km)));
    let oh = need.ordinary_hours.unwrap_or_default();
    parts.push(match (oh.offered, oh.from_start) {
        (true, true) => format!("løntimer fra start: {} t/uge", oh.hours_per_week),
        (true, false) => format!("løntimer senere: {} t/uge", oh.hours_per_week),
        _ => "ingen løntimer tilbudt".to_string(),
    });
    parts.push(format!(
        "forventet {} løntimer/uge ({}-{})",
        danish_decimal(potential.expected_hours_per_week),
        danish_decimal(potential.low),
        danish_decimal(potential.high)
    ));
    if s.coverage.1 > 0 {
        parts.push(format!("kompetencer {}/{}", s.coverage.0, s.coverage.1));
    }
    if need.combination_possible {
        parts.push("kan kombineres med praktik".into());
    }
    if need.mentor_available {
        parts.push("mentor".into());
    }
    if s.company_full {
        let paid = need.ordinary_hours.is_some_and(|o| o.offered);
        parts.push(if paid {
            "praktik/løntilskud ikke mulig nu (rimelighedskravet er opbrugt) - kun løntimer".into()
        } else {
            "virksomheden har ikke plads til flere i praktik/løntilskud nu (rimelighedskravet) - afklar med virksomheden"
                .into()
        });
    }
    if let Some(ex) = excluded.filter(|e| !e.is_empty()) {
        let total: u64 = ex.iter().map(|e| e.count).sum();
        let detail: Vec<String> = ex
            .iter()
            .map(|e| format!("{} {}", e.count, exclusion_da(&e.reason)))
            .collect();
        parts.push(format!("{total} opslag udelukket: {}", detail.join(", ")));
    }
    parts.join("; ")
}
