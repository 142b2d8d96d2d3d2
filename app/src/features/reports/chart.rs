//! The report charts, drawn on the server as SVG (plotters) so they show without JavaScript:
//! amounts per day as bars, with an optional line. Amounts stay in micro-units (integers); the
//! axis labels are written with the currency's decimals. Colours come from the stylesheet
//! (`.margin-chart`), which follows the light and dark themes: the server draws the first bar
//! series blue, the second red and the line green.

use plotters::prelude::*;
use services::reports::{DayTotals, Usage};

/// Bars per day (one series per colour, side by side) and an optional line, for `days`
/// (`YYYY-MM-DD`), in `currency` written with `decimals`.
fn draw(
    days: &[String],
    bars: &[(Vec<i64>, RGBColor)],
    line: Option<Vec<i64>>,
    currency: &str,
    decimals: u32,
) -> String {
    let slot = i64::try_from(bars.len()).unwrap_or(1) + 1;
    let n = i64::try_from(days.len()).unwrap_or(0).max(1);
    let values = bars
        .iter()
        .flat_map(|(v, _)| v.iter())
        .chain(line.iter().flatten());
    let top = values.clone().copied().max().unwrap_or(0).max(1);
    let bottom = values.copied().min().unwrap_or(0).min(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 220)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            let mut chart = ChartBuilder::on(&root)
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(64)
                .build_cartesian_2d(0i64..(n * slot), bottom..(top + top / 10 + 1))?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(8)
                .x_label_formatter(&|x| {
                    usize::try_from(x / slot)
                        .ok()
                        .and_then(|i| days.get(i))
                        .map(|d| d.get(5..).unwrap_or_default().to_owned())
                        .unwrap_or_default()
                })
                .y_label_formatter(&|y| domain::ledger::display(*y, decimals))
                .y_desc(currency)
                .label_style(("sans-serif", 11))
                .draw()?;
            for (offset, (series, color)) in bars.iter().enumerate() {
                let offset = i64::try_from(offset).unwrap_or(0);
                chart.draw_series(series.iter().enumerate().filter(|(_, v)| **v > 0).map(
                    |(i, v)| {
                        let x = i64::try_from(i).unwrap_or(0) * slot + offset;
                        Rectangle::new([(x, 0), (x + 1, *v)], color.filled())
                    },
                ))?;
            }
            if let Some(line) = line {
                chart.draw_series(LineSeries::new(
                    line.iter()
                        .enumerate()
                        .map(|(i, v)| (i64::try_from(i).unwrap_or(0) * slot + 1, *v)),
                    GREEN.stroke_width(2),
                ))?;
            }
            root.present()?;
            Ok(())
        })();
        if let Err(e) = drawn {
            tracing::warn!("drawing a report chart: {e}");
        }
    }
    svg
}

/// The margin report's chart: revenue (blue) and cost (red) bars per day, margin as a line.
pub fn days_svg(days: &[DayTotals], currency: &str, decimals: u32) -> String {
    draw(
        &days.iter().map(|d| d.day.clone()).collect::<Vec<_>>(),
        &[
            (days.iter().map(|d| d.revenue).collect(), BLUE),
            (days.iter().map(|d| d.cost).collect(), RED),
        ],
        Some(days.iter().map(|d| d.revenue - d.cost).collect()),
        currency,
        decimals,
    )
}

/// A customer's spend per day as bars (blue).
pub fn spend_svg(days: &[Usage], currency: &str, decimals: u32) -> String {
    draw(
        &days.iter().map(|d| d.label.clone()).collect::<Vec<_>>(),
        &[(days.iter().map(|d| d.spend).collect(), BLUE)],
        None,
        currency,
        decimals,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_revenue_and_a_cost_bar_per_busy_day_and_the_margin_line() {
        let day = |d: &str, revenue, cost| DayTotals {
            day: d.to_owned(),
            revenue,
            cost,
        };
        let svg = days_svg(
            &[
                day("2026-11-28", 0, 0),
                day("2026-11-29", 51_000, 34_000),
                day("2026-11-30", 12_000, 8_000),
            ],
            "USD",
            2,
        );
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("USD") && svg.contains("11-29"), "{svg}");
        assert_eq!(svg.matches(r##"fill="#0000FF""##).count(), 2, "{svg}");
        assert_eq!(svg.matches(r##"fill="#FF0000""##).count(), 2, "{svg}");
        assert_eq!(svg.matches(r##"stroke="#00FF00""##).count(), 1, "{svg}");
    }

    #[test]
    fn draws_one_spend_bar_per_day_with_calls_and_no_line() {
        let day = |d: &str, spend| Usage {
            label: d.to_owned(),
            calls: 1,
            billed_secs: 60,
            spend,
        };
        let svg = spend_svg(&[day("2026-11-29", 0), day("2026-11-30", 6_006)], "EUR", 2);
        assert!(svg.contains("EUR") && svg.contains("11-30"), "{svg}");
        assert_eq!(svg.matches(r##"fill="#0000FF""##).count(), 1, "{svg}");
        assert_eq!(svg.matches(r##"stroke="#00FF00""##).count(), 0, "{svg}");
    }
}
