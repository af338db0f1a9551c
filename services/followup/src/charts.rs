//! Small SVG charts a jobcenter can put in a report: a placement's paid hours a week against the target, and
//! the jobcenter's share of running placements with paid hours by month. SVG only, so the build needs no image
//! codecs or font rasterising.

use plotters::prelude::*;

use crate::dates;
use crate::progression::PlacementProgression;
use crate::summary::MonthShare;

const SIZE: (u32, u32) = (720, 360);

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Paid hours a week over time as steps, with the target as a line; `today` ends a running placement.
pub fn progression_svg(p: &PlacementProgression, today: &str) -> Result<String, String> {
    let start = dates::parse(&p.started).ok_or("placement without a valid start")?;
    let end = p
        .ended
        .as_deref()
        .and_then(dates::parse)
        .or_else(|| dates::parse(today))
        .unwrap_or(start)
        .max(start + 7);
    let mut steps: Vec<(i64, f64)> = Vec::new();
    for (i, pt) in p.points.iter().enumerate() {
        let Some(d) = dates::parse(&pt.date) else {
            continue;
        };
        if i > 0
            && let Some(&(_, prev)) = steps.last()
        {
            steps.push((d, prev));
        }
        steps.push((d, pt.hours_per_week));
    }
    if let Some(&(_, last)) = steps.last() {
        steps.push((end, last));
    }
    let top = steps
        .iter()
        .map(|s| s.1)
        .chain([p.target_hours])
        .fold(10.0, f64::max)
        * 1.15;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Løntimer pr. uge, forløb {} ({})", p.placement_id, p.kind),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(44)
            .build_cartesian_2d(start..end, 0.0..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_labels(6)
            .x_label_formatter(&|d| dates::format(*d))
            .y_desc("timer/uge")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(steps, BLUE.stroke_width(2)))
            .map_err(err)?
            .label("løntimer/uge")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                [(start, p.target_hours), (end, p.target_hours)],
                RED.stroke_width(1),
            ))
            .map_err(err)?
            .label(format!("mål: {} timer/uge", p.target_hours))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The share of running placements with paid hours, one bar per month, with the count of placements on each.
pub fn share_by_month_svg(jobcenter: &str, months: &[MonthShare]) -> Result<String, String> {
    let n = months.len().max(1) as i32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("Jobcenter {jobcenter}: andel forløb med løntimer pr. måned"),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(34)
            .y_label_area_size(44)
            .build_cartesian_2d(0..n, 0.0..110.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(months.len().clamp(1, 12))
            .x_label_formatter(&|i| {
                months
                    .get(*i as usize)
                    .map(|m| m.month.clone())
                    .unwrap_or_default()
            })
            .y_desc("% med løntimer")
            .draw()
            .map_err(err)?;
        chart
            .draw_series(months.iter().enumerate().filter_map(|(i, m)| {
                let pct = m.share? * 100.0;
                let i = i as i32;
                Some(Rectangle::new(
                    [(i, 0.0), (i + 1, pct)],
                    BLUE.mix(0.6).filled(),
                ))
            }))
            .map_err(err)?;
        chart
            .draw_series(months.iter().enumerate().filter_map(|(i, m)| {
                let pct = m.share? * 100.0;
                Some(Text::new(
                    format!("{:.0} % af {}", pct, m.active),
                    (i as i32, pct + 3.0),
                    ("sans-serif", 11),
                ))
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progression::Point;

    #[test]
    fn the_progression_chart_is_svg_with_the_target_and_dates() {
        let p = PlacementProgression {
            placement_id: "p1".into(),
            cvr: "12345678".into(),
            need_id: None,
            kind: "combination".into(),
            started: "2026-01-05".into(),
            ended: None,
            running: true,
            weeks: 8,
            points: vec![
                Point {
                    date: "2026-01-05".into(),
                    hours_per_week: 0.0,
                },
                Point {
                    date: "2026-01-19".into(),
                    hours_per_week: 10.0,
                },
            ],
            current_hours: 10.0,
            target_hours: 15.0,
            target_source: "test".into(),
            flags: Vec::new(),
        };
        let svg = progression_svg(&p, "2026-03-02").unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..80.min(svg.len())]);
        assert!(svg.contains("mål: 15 timer/uge"));
        assert!(svg.contains("2026-0"));
        assert!(svg.contains("<polyline"));
    }

    #[test]
    fn the_share_chart_has_a_bar_per_month_with_a_share() {
        let months = vec![
            MonthShare {
                month: "2026-01".into(),
                active: 4,
                with_paid_hours: 1,
                share: Some(0.25),
            },
            MonthShare {
                month: "2026-02".into(),
                active: 0,
                with_paid_hours: 0,
                share: None,
            },
        ];
        let svg = share_by_month_svg("0751", &months).unwrap();
        assert!(svg.contains("25 % af 4"));
        assert!(svg.contains("0751"));
        // A month without running placements has no bar and no label.
        assert!(!svg.contains("af 0"));
        assert_eq!(svg.matches("opacity=\"0.6\"").count(), 1, "{svg}");
    }
}
