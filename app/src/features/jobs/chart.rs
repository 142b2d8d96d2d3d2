//! The jobs dashboard's chart of the last hour, drawn on the server as SVG (plotters), so it
//! shows without JavaScript; its colours come from the stylesheet (`.jobs-chart`), which
//! follows the light and dark themes.

use plotters::prelude::*;
use services::jobs::MinuteStats;

/// An SVG of the last 60 minutes before `now`: jobs finished per minute as bars (left axis) and
/// their mean latency from due to start, in seconds, as a line (right axis).
pub fn last_hour_svg(stats: &[MinuteStats], now: chrono::DateTime<chrono::Utc>) -> String {
    let now_minute = now.timestamp() / 60;
    // Index 0 is 59 minutes ago, 59 is the current minute.
    let mut finished = [0i64; 60];
    let mut latency = [None::<f64>; 60];
    for s in stats {
        let ago = now_minute - s.minute.timestamp() / 60;
        if (0..60).contains(&ago) {
            let i = usize::try_from(59 - ago).unwrap_or(0);
            finished[i] = s.finished;
            latency[i] = Some(s.mean_latency_seconds);
        }
    }
    let max_finished = finished.iter().copied().max().unwrap_or(0).max(1);
    let max_latency = latency.iter().flatten().copied().fold(1.0_f64, f64::max);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 180)).into_drawing_area();
        let drawn = (|| -> Result<(), Box<dyn std::error::Error + '_>> {
            let mut chart = ChartBuilder::on(&root)
                .margin(6)
                .x_label_area_size(22)
                .y_label_area_size(44)
                .right_y_label_area_size(44)
                .build_cartesian_2d(0i64..60i64, 0i64..(max_finished + max_finished / 10 + 1))?
                .set_secondary_coord(0i64..60i64, 0f64..(max_latency * 1.1));
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(7)
                .x_label_formatter(&|x| {
                    if *x >= 59 {
                        "now".to_owned()
                    } else {
                        format!("-{} min", 59 - x)
                    }
                })
                .y_desc("jobs / min")
                .label_style(("sans-serif", 11))
                .draw()?;
            chart
                .configure_secondary_axes()
                .y_desc("latency (s)")
                .label_style(("sans-serif", 11))
                .draw()?;
            chart.draw_series(finished.iter().enumerate().filter(|(_, n)| **n > 0).map(
                |(i, n)| {
                    let x = i64::try_from(i).unwrap_or(0);
                    Rectangle::new([(x, 0), (x + 1, *n)], BLUE.filled())
                },
            ))?;
            chart.draw_secondary_series(LineSeries::new(
                latency
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| l.map(|l| (i64::try_from(i).unwrap_or(0), l))),
                RED.stroke_width(2),
            ))?;
            root.present()?;
            Ok(())
        })();
        if let Err(e) = drawn {
            tracing::warn!("drawing the jobs chart: {e}");
        }
    }
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn draws_bars_for_busy_minutes_and_labels_the_axes() {
        let now = chrono::Utc
            .with_ymd_and_hms(2026, 11, 30, 12, 0, 30)
            .unwrap();
        let stats = [
            MinuteStats {
                minute: chrono::Utc
                    .with_ymd_and_hms(2026, 11, 30, 11, 58, 0)
                    .unwrap(),
                finished: 40,
                failed: 2,
                mean_latency_seconds: 0.5,
            },
            MinuteStats {
                minute: chrono::Utc
                    .with_ymd_and_hms(2026, 11, 30, 12, 0, 0)
                    .unwrap(),
                finished: 10,
                failed: 0,
                mean_latency_seconds: 1.5,
            },
            // Older than an hour: not drawn.
            MinuteStats {
                minute: chrono::Utc
                    .with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
                    .unwrap(),
                finished: 99,
                failed: 0,
                mean_latency_seconds: 9.0,
            },
        ];
        let svg = last_hour_svg(&stats, now);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("jobs / min") && svg.contains("latency (s)"));
        assert!(svg.contains("\nnow\n"), "{svg}");
        // Two bars (filled blue) and one latency line (red); the axes are black.
        assert_eq!(svg.matches(r##"fill="#0000FF""##).count(), 2, "{svg}");
        assert_eq!(svg.matches(r##"stroke="#FF0000""##).count(), 1, "{svg}");
    }
}
