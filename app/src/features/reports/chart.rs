//! The margin report's chart, drawn on the server as SVG (plotters) so it shows without
//! JavaScript: revenue and cost per day as bars, the margin as a line. Amounts stay in
//! micro-units (integers); the axis labels are written with the currency's decimals. Colours
//! come from the stylesheet (`.margin-chart`), which follows the light and dark themes.

use plotters::prelude::*;
use services::reports::DayTotals;

/// An SVG of `days` in `currency` (`decimals` for the labels).
pub fn days_svg(days: &[DayTotals], currency: &str, decimals: u32) -> String {
    let n = i64::try_from(days.len()).unwrap_or(0).max(1);
    let top = days
        .iter()
        .map(|d| d.revenue.max(d.cost))
        .max()
        .unwrap_or(0)
        .max(1);
    let bottom = days
        .iter()
        .map(|d| d.revenue - d.cost)
        .min()
        .unwrap_or(0)
        .min(0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, 220)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            let mut chart = ChartBuilder::on(&root)
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(64)
                .build_cartesian_2d(0i64..(n * 3), bottom..(top + top / 10 + 1))?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(8)
                .x_label_formatter(&|x| {
                    usize::try_from(x / 3)
                        .ok()
                        .and_then(|i| days.get(i))
                        .map(|d| d.day.get(5..).unwrap_or_default().to_owned())
                        .unwrap_or_default()
                })
                .y_label_formatter(&|y| domain::ledger::display(*y, decimals))
                .y_desc(currency)
                .label_style(("sans-serif", 11))
                .draw()?;
            let bars = |pick: fn(&DayTotals) -> i64, offset: i64, color: RGBColor| {
                days.iter()
                    .enumerate()
                    .filter(move |(_, d)| pick(d) > 0)
                    .map(move |(i, d)| {
                        let x = i64::try_from(i).unwrap_or(0) * 3 + offset;
                        Rectangle::new([(x, 0), (x + 1, pick(d))], color.filled())
                    })
            };
            chart.draw_series(bars(|d| d.revenue, 0, BLUE))?;
            chart.draw_series(bars(|d| d.cost, 1, RED))?;
            chart.draw_series(LineSeries::new(
                days.iter()
                    .enumerate()
                    .map(|(i, d)| (i64::try_from(i).unwrap_or(0) * 3 + 1, d.revenue - d.cost)),
                GREEN.stroke_width(2),
            ))?;
            root.present()?;
            Ok(())
        })();
        if let Err(e) = drawn {
            tracing::warn!("drawing the margin chart: {e}");
        }
    }
    svg
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
}
