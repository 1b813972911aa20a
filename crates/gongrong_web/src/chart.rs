//! A server-drawn SVG bar chart: households per town, stacked by register membership (both,
//! poverty only, dibao only). Geometry is computed here; `dashboard.html` only prints it.
//! Colours come from CSS classes (no inline styles, which the content-security policy forbids).

use gongrong_store::AreaCounts;

pub const WIDTH: u32 = 760;
const LABEL_W: f64 = 150.0;
const BAR_AREA_W: f64 = 520.0;
const ROW_H: f64 = 26.0;
const BAR_H: f64 = 18.0;
const TOP: f64 = 34.0;

pub struct Segment {
    pub x: String,
    pub w: String,
    pub class: &'static str,
    /// Tooltip text (`<title>`), e.g. "仅扶贫: 12".
    pub title: String,
}

pub struct Bar {
    pub label: String,
    pub label_y: String,
    pub y: String,
    pub segments: Vec<Segment>,
    pub total: u64,
    pub total_x: String,
}

pub struct LegendItem {
    pub x: String,
    pub text_x: String,
    pub class: &'static str,
    pub label: &'static str,
}

pub struct BarChart {
    pub width: u32,
    pub height: u32,
    pub bar_h: String,
    pub bars: Vec<Bar>,
    pub legend: Vec<LegendItem>,
    /// Accessible description of the whole chart.
    pub description: String,
}

/// Labels for the three stacks, in drawing order: both, poverty only, dibao only.
pub struct ChartLabels {
    pub both: &'static str,
    pub poverty_only: &'static str,
    pub dibao_only: &'static str,
    pub title: &'static str,
}

/// One stack: CSS class, label, and the count it draws.
type Stack = (&'static str, &'static str, fn(&AreaCounts) -> u64);

fn px(v: f64) -> String {
    format!("{v:.1}")
}

pub fn households_by_town(towns: &[AreaCounts], labels: &ChartLabels) -> BarChart {
    let max = towns
        .iter()
        .map(|t| t.households_both + t.households_poverty_only + t.households_dibao_only)
        .max()
        .unwrap_or(0)
        .max(1);
    let scale = BAR_AREA_W / max as f64;
    let kinds: [Stack; 3] = [
        ("seg-both", labels.both, |t| t.households_both),
        ("seg-poverty", labels.poverty_only, |t| {
            t.households_poverty_only
        }),
        ("seg-dibao", labels.dibao_only, |t| t.households_dibao_only),
    ];
    let bars = towns
        .iter()
        .enumerate()
        .map(|(i, town)| {
            let y = TOP + i as f64 * ROW_H;
            let mut x = LABEL_W;
            let mut total = 0;
            let mut segments = Vec::new();
            for (class, label, value) in kinds {
                let v = value(town);
                total += v;
                if v == 0 {
                    continue;
                }
                let w = v as f64 * scale;
                segments.push(Segment {
                    x: px(x),
                    w: px(w),
                    class,
                    title: format!("{} · {label}: {v}", town.name),
                });
                x += w;
            }
            Bar {
                label: town.name.clone(),
                label_y: px(y + BAR_H * 0.75),
                y: px(y),
                segments,
                total,
                total_x: px(x + 6.0),
            }
        })
        .collect::<Vec<_>>();
    let legend = kinds
        .iter()
        .enumerate()
        .map(|(i, (class, label, _))| {
            let x = LABEL_W + i as f64 * 150.0;
            LegendItem {
                x: px(x),
                text_x: px(x + 18.0),
                class,
                label,
            }
        })
        .collect();
    let height = (TOP + bars.len() as f64 * ROW_H + 8.0).ceil() as u32;
    BarChart {
        width: WIDTH,
        height,
        bar_h: px(BAR_H),
        description: labels.title.to_owned(),
        bars,
        legend,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_town() {
        let towns = vec![
            AreaCounts {
                name: "甲镇".into(),
                households_both: 6,
                households_poverty_only: 2,
                households_dibao_only: 2,
                ..Default::default()
            },
            AreaCounts {
                name: "乙镇".into(),
                households_both: 5,
                ..Default::default()
            },
            AreaCounts {
                name: "丙镇".into(),
                ..Default::default()
            },
        ];
        let labels = ChartLabels {
            both: "both",
            poverty_only: "poverty",
            dibao_only: "dibao",
            title: "t",
        };
        let c = households_by_town(&towns, &labels);
        assert_eq!(c.bars.len(), 3);
        assert_eq!(c.bars[0].total, 10);
        assert_eq!(c.bars[0].segments.len(), 3);
        // The largest bar fills the bar area; 6 of 10 is 312 px.
        assert_eq!(c.bars[0].segments[0].w, "312.0");
        assert_eq!(c.bars[0].segments[1].x, "462.0");
        assert_eq!(c.bars[1].segments[0].w, "260.0");
        assert!(c.bars[2].segments.is_empty());
        assert_eq!(c.legend.len(), 3);
        assert!(c.height > 34);
    }
}
