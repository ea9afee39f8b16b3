//! Charts drawn on the server as SVG, no JavaScript. Each carries its figures as text (a
//! title and a description for screen readers, each bar's value written beside it, and
//! `data-value` for checking), and tells series apart by pattern as well as colour.

use rust_decimal::{Decimal, prelude::ToPrimitive};

use crate::money::format_kronor;

/// One bar: its label, its value, and how it is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub value: Decimal,
}

/// A series of a grouped or stacked chart.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: &'static str,
    /// A fill pattern id from `DEFS`, so the series differ by more than colour.
    pub fill: &'static str,
    pub values: Vec<Decimal>,
}

/// A chart drawn as PNG, with its size in pixels.
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// The chart drawn as a PNG at twice its SVG size (for documents that take only raster
/// images), on white, with the bundled font so the text is the same on every machine.
pub fn png(svg: &str) -> Result<Png, String> {
    use resvg::{tiny_skia, usvg};
    use std::sync::{Arc, OnceLock};
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    let fonts = FONTS.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        if let Some(font) = crate::assets::chart_font() {
            db.load_font_data(font);
        }
        Arc::new(db)
    });
    let options = usvg::Options {
        font_family: "DejaVu Sans".into(),
        fontdb: fonts.clone(),
        ..Default::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| format!("chart: {e}"))?;
    let scale = 2.0;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or("chart: empty size")?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("chart: empty size")?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(Png {
        bytes: pixmap.encode_png().map_err(|e| format!("chart: {e}"))?,
        width: size.width(),
        height: size.height(),
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn f(d: Decimal) -> f64 {
    d.to_f64().unwrap_or_default()
}

/// The scale of an amount axis from 0 to at least `max`: about four steps of 1, 2, 2,5 or 5
/// times a power of ten. Only 0 where there is nothing to show.
fn ticks(max: f64) -> Vec<f64> {
    if max <= 0.0 || !max.is_finite() {
        return vec![0.0];
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let steps = (max / step - 1e-9).ceil().max(1.0) as usize;
    (0..=steps).map(|i| i as f64 * step).collect()
}

/// What an amount axis's tick labels count in, by its step (the second tick), so that each
/// label is a whole number or has one decimal: its name and its size.
fn unit(step: f64) -> (&'static str, f64) {
    if step >= 1_000_000.0 {
        ("Miljoner kronor", 1_000_000.0)
    } else if step >= 1_000.0 {
        ("Tusental kronor", 1_000.0)
    } else {
        ("Kronor", 1.0)
    }
}

/// A tick's label in the axis's unit, Swedish style: `2,5`, `20`, `5 000`.
fn tick_label(value: f64, size: f64) -> String {
    let v = value / size;
    if (v - v.round()).abs() > 1e-9 {
        return format!("{v:.1}").replace('.', ",");
    }
    let digits = format!("{:.0}", v.round());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}

/// Solid dark, diagonal hatch, and dots: three fills that differ in print and in grey.
const DEFS: &str = r##"<defs>
<pattern id="p-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#cfe0f3"/><line x1="0" y1="0" x2="0" y2="6" stroke="#1d4f91" stroke-width="2"/></pattern>
<pattern id="p-dots" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="6" height="6" fill="#f6e7c8"/><circle cx="3" cy="3" r="1.5" fill="#7a4b00"/></pattern>
</defs>"##;

/// The fills: `url(#p-…)` for patterns, or a solid colour.
pub const SOLID: &str = "#1d4f91";
pub const HATCH: &str = "url(#p-hatch)";
pub const DOTS: &str = "url(#p-dots)";

fn open(id: &str, title: &str, desc: &str, width: u32, height: u32) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{DEFS}"#,
        escape(title),
        escape(desc)
    )
}

/// Horizontal bars of counts out of `of` (how many actors have come this far).
pub fn progress(id: &str, title: &str, bars: &[(String, usize)], of: usize) -> String {
    let row = 30;
    let label_w = 230.0;
    let bar_w = 420.0;
    let height = (bars.len() as u32) * row + 10;
    let desc = bars
        .iter()
        .map(|(l, n)| format!("{l}: {n} av {of}"))
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = open(id, title, &desc, 760, height);
    for (i, (label, n)) in bars.iter().enumerate() {
        let y = i as u32 * row + 5;
        let w = if of == 0 {
            0.0
        } else {
            bar_w * (*n as f64) / (of as f64)
        };
        svg.push_str(&format!(
            r##"<g class="bar" data-label="{l}" data-value="{n}"><text x="0" y="{ty}" font-size="14">{l}</text><rect x="{label_w}" y="{y}" width="{bar_w}" height="20" fill="#eef2f7" stroke="#8a9bb0"/><rect x="{label_w}" y="{y}" width="{w:.1}" height="20" fill="{SOLID}"/><text x="{tx:.1}" y="{ty}" font-size="14">{n} av {of}</text></g>"##,
            l = escape(label),
            ty = y + 15,
            tx = label_w + bar_w + 8.0,
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Stacked horizontal bars, one per label, of the series (e.g. used and unused per actor).
pub fn stacked(id: &str, title: &str, labels: &[String], series: &[Series]) -> String {
    let row = 26;
    let label_w = 230.0;
    let bar_w = 380.0;
    let legend = 26;
    // The scale under the bars: its line, its ticks' values, and the unit.
    let axis_y = legend + (labels.len() as u32) * row + 5;
    let height = axis_y + 40;
    let max = (0..labels.len())
        .map(|i| series.iter().map(|s| f(s.values[i])).sum::<f64>())
        .fold(0.0, f64::max);
    let ticks = ticks(max);
    let top = ticks.last().copied().unwrap_or(0.0);
    let (unit_name, unit_size) = unit(ticks.get(1).copied().unwrap_or(0.0));
    let desc = series_description(labels, series);
    let mut svg = open(id, title, &desc, 900, height);
    svg.push_str(&legend_row(series, label_w));
    svg.push_str(&format!(r#"<g class="scale" data-unit="{unit_name}">"#));
    for t in &ticks {
        let x = if top > 0.0 {
            label_w + bar_w * t / top
        } else {
            label_w
        };
        svg.push_str(&format!(
            r##"<line x1="{x:.1}" y1="{legend}" x2="{x:.1}" y2="{}" stroke="#d0d7e0"/><text class="tick" data-value="{t}" x="{x:.1}" y="{}" font-size="11" text-anchor="middle">{}</text>"##,
            axis_y + 4,
            axis_y + 16,
            tick_label(*t, unit_size)
        ));
    }
    svg.push_str(&format!(
        r##"<line x1="{label_w}" y1="{axis_y}" x2="{:.1}" y2="{axis_y}" stroke="#333"/><text x="{label_w}" y="{}" font-size="11">{unit_name}</text></g>"##,
        label_w + bar_w,
        axis_y + 32
    ));
    for (i, label) in labels.iter().enumerate() {
        let y = legend + i as u32 * row + 5;
        svg.push_str(&format!(
            r#"<text x="0" y="{}" font-size="13">{}</text>"#,
            y + 14,
            escape(label)
        ));
        let mut x = label_w;
        for s in series {
            let v = s.values[i];
            let w = if top > 0.0 { bar_w * f(v) / top } else { 0.0 };
            svg.push_str(&format!(
                r#"<rect class="bar" data-label="{}" data-series="{}" data-value="{}" x="{x:.1}" y="{y}" width="{w:.1}" height="18" fill="{}" stroke="{SOLID}" stroke-width="0.5"/>"#,
                escape(label),
                s.name,
                v.round_dp(2),
                s.fill
            ));
            x += w;
        }
        let figures = series
            .iter()
            .map(|s| format_kronor(s.values[i]))
            .collect::<Vec<_>>()
            .join(" / ");
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{}" font-size="12">{}</text>"#,
            label_w + bar_w + 8.0,
            y + 14,
            escape(&figures)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Grouped vertical bars: for each label (a year) one bar per series.
pub fn grouped(id: &str, title: &str, labels: &[String], series: &[Series]) -> String {
    grouped_with_gaps(id, title, labels, series, &vec![true; labels.len()])
}

/// `grouped`, where a label whose `known` is false has no figures at all: its group is a
/// gap marked `–`, said as *ingen uppgift i Digikoord*, never bars of 0 (its values are
/// ignored).
pub fn grouped_with_gaps(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[Series],
    known: &[bool],
) -> String {
    use crate::summary::model::{NO_DATA, NO_DATA_LEGEND, NO_DATA_MARK};
    let known = |i: usize| known.get(i).copied().unwrap_or(true);
    let legend: f64 = 26.0;
    let plot_h: f64 = 220.0;
    let group_w = 34.0 * series.len() as f64 + 30.0;
    let width = (60.0 + group_w * labels.len() as f64).max(420.0);
    let height = legend + plot_h + 50.0;
    let max = series
        .iter()
        .flat_map(|s| {
            s.values
                .iter()
                .enumerate()
                .filter(|(i, _)| known(*i))
                .map(|(_, v)| f(*v))
        })
        .fold(0.0, f64::max);
    let ticks = ticks(max);
    let top = ticks.last().copied().unwrap_or(0.0);
    let (unit_name, unit_size) = unit(ticks.get(1).copied().unwrap_or(0.0));
    let desc = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if known(i) {
                series_description(std::slice::from_ref(l), &series_at(series, i))
            } else {
                format!("{l}: {NO_DATA}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = open(id, title, &desc, width.ceil() as u32, height.ceil() as u32);
    svg.push_str(&legend_row(series, 60.0));
    let base = legend + plot_h + 10.0;
    if (0..labels.len()).any(|i| !known(i)) {
        svg.push_str(&format!(
            r#"<text class="no-data-legend" x="60" y="{:.1}" font-size="12">{}</text>"#,
            height - 6.0,
            escape(NO_DATA_LEGEND)
        ));
    }
    // The scale beside the bars: a line and the value at each tick, and the unit.
    svg.push_str(&format!(r#"<g class="scale" data-unit="{unit_name}">"#));
    for t in &ticks {
        let y = if top > 0.0 {
            base - plot_h * t / top
        } else {
            base
        };
        svg.push_str(&format!(
            r##"<line x1="46" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#d0d7e0"/><text class="tick" data-value="{t}" x="44" y="{:.1}" font-size="11" text-anchor="end">{}</text>"##,
            width - 5.0,
            y + 4.0,
            tick_label(*t, unit_size)
        ));
    }
    svg.push_str(&format!(
        r#"<text x="{:.1}" y="{:.1}" font-size="11" text-anchor="end">{unit_name}</text></g>"#,
        width - 5.0,
        height - 6.0
    ));
    svg.push_str(&format!(
        r##"<line x1="50" y1="{base}" x2="{:.1}" y2="{base}" stroke="#333"/>"##,
        width - 5.0
    ));
    for (i, label) in labels.iter().enumerate() {
        let gx = 60.0 + group_w * i as f64;
        if !known(i) {
            svg.push_str(&format!(
                r#"<g class="no-data" data-label="{l}"><text x="{:.1}" y="{:.1}" font-size="16">{NO_DATA_MARK}</text><title>{l}: {NO_DATA}</title></g>"#,
                gx + 17.0 * series.len() as f64 - 4.0,
                base - 6.0,
                l = escape(label),
            ));
        }
        for (k, s) in series.iter().enumerate().filter(|_| known(i)) {
            let v = s.values[i];
            let h = if top > 0.0 { plot_h * f(v) / top } else { 0.0 };
            svg.push_str(&format!(
                r#"<rect class="bar" data-label="{}" data-series="{}" data-value="{}" x="{:.1}" y="{:.1}" width="30" height="{h:.1}" fill="{}" stroke="{SOLID}" stroke-width="0.5"><title>{} {}: {}</title></rect>"#,
                escape(label),
                s.name,
                v.round_dp(2),
                gx + 34.0 * k as f64,
                base - h,
                s.fill,
                s.name,
                escape(label),
                format_kronor(v)
            ));
        }
        svg.push_str(&format!(
            r#"<text x="{:.1}" y="{:.1}" font-size="13">{}</text>"#,
            gx,
            base + 18.0,
            escape(label)
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// Each series with only its value at `i`, for describing one label.
fn series_at(series: &[Series], i: usize) -> Vec<Series> {
    series
        .iter()
        .map(|s| Series {
            name: s.name,
            fill: s.fill,
            values: vec![s.values[i]],
        })
        .collect()
}

/// Every label's values in words, for a chart's description: "A: använt 900 kr, …; B: …".
fn series_description(labels: &[String], series: &[Series]) -> String {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let parts = series
                .iter()
                .map(|s| format!("{} {}", s.name.to_lowercase(), format_kronor(s.values[i])))
                .collect::<Vec<_>>()
                .join(", ");
            format!("{l}: {parts}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn legend_row(series: &[Series], x0: f64) -> String {
    let mut out = String::new();
    let mut x = x0;
    for s in series {
        out.push_str(&format!(
            r#"<rect x="{x:.1}" y="4" width="16" height="14" fill="{}" stroke="{SOLID}" stroke-width="0.5"/><text x="{:.1}" y="16" font-size="13">{}</text>"#,
            s.fill,
            x + 22.0,
            s.name
        ));
        x += 30.0 + 8.0 * s.name.chars().count() as f64;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_progress_chart_says_each_step_in_words_and_escapes_labels() {
        let svg = progress(
            "p",
            "Året i steg",
            &[("Rekvirerat".into(), 21), ("<Utbetalt>".into(), 20)],
            21,
        );
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("Rekvirerat: 21 av 21; &lt;Utbetalt&gt;: 20 av 21"));
        assert!(svg.contains(r#"data-value="20""#));
        assert!(!svg.contains("<Utbetalt>"));
    }

    #[test]
    fn stacked_and_grouped_bars_carry_their_values_and_a_legend_of_patterns() {
        let series = vec![
            Series {
                name: "Använt",
                fill: SOLID,
                values: vec![Decimal::from(900), Decimal::from(1000)],
            },
            Series {
                name: "Outnyttjat",
                fill: HATCH,
                values: vec![Decimal::from(100), Decimal::ZERO],
            },
        ];
        let labels = vec!["A".to_string(), "B & C".to_string()];
        for svg in [
            stacked("s", "Använt och outnyttjat", &labels, &series),
            grouped("g", "År för år", &labels, &series),
        ] {
            assert!(svg.contains(r#"data-series="Outnyttjat" data-value="100""#));
            assert!(svg.contains("url(#p-hatch)"));
            assert!(svg.contains("B &amp; C"));
            assert!(svg.ends_with("</svg>"));
        }
    }

    #[test]
    fn amount_charts_have_a_scale_of_round_values_in_a_named_unit() {
        assert_eq!(ticks(21_000_000.0), vec![0.0, 1e7, 2e7, 3e7]);
        assert_eq!(ticks(900.0), vec![0.0, 250.0, 500.0, 750.0, 1000.0]);
        assert_eq!(ticks(0.0), vec![0.0]);
        assert_eq!(unit(1e7), ("Miljoner kronor", 1e6));
        assert_eq!(unit(2.5e5), ("Tusental kronor", 1e3));
        assert_eq!(unit(250.0), ("Kronor", 1.0));
        assert_eq!(tick_label(2.5e6, 1e6), "2,5");
        assert_eq!(tick_label(5_000.0, 1.0), "5\u{a0}000");
        let series = vec![Series {
            name: "Använt",
            fill: SOLID,
            values: vec![Decimal::from(900_000), Decimal::from(1_000_000)],
        }];
        let labels = vec!["A".to_string(), "B".to_string()];
        for svg in [
            stacked("s", "Använt", &labels, &series),
            grouped("g", "År för år", &labels, &series),
        ] {
            assert!(
                svg.contains(r#"<g class="scale" data-unit="Tusental kronor">"#),
                "{svg}"
            );
            assert!(svg.contains(">1\u{a0}000</text>"), "{svg}");
            assert!(svg.contains(r#"class="tick" data-value="0""#), "{svg}");
            assert!(
                svg.contains(r#"class="tick" data-value="1000000""#),
                "{svg}"
            );
            assert!(png(&svg).is_ok());
        }
    }

    #[test]
    fn a_year_without_figures_is_a_marked_gap_not_bars_of_zero() {
        let series = vec![Series {
            name: "Utbetalt",
            fill: SOLID,
            values: vec![Decimal::ZERO, Decimal::from(21_000_000)],
        }];
        let labels = vec!["2019".to_string(), "2025".to_string()];
        let svg = grouped_with_gaps("t", "År för år", &labels, &series, &[false, true]);
        assert!(!svg.contains(r#"class="bar" data-label="2019""#), "{svg}");
        assert!(svg.contains(r#"<g class="no-data" data-label="2019">"#));
        assert!(svg.contains("2019: ingen uppgift i Digikoord; 2025: utbetalt 21"));
        assert!(svg.contains("– = ingen uppgift i Digikoord"));
        assert!(svg.contains(r#"data-label="2025" data-series="Utbetalt" data-value="21000000""#));
        assert!(png(&svg).is_ok());
        // Without gaps, nothing is marked.
        let whole = grouped("t", "År för år", &labels, &series);
        assert!(!whole.contains("no-data"));
        assert!(whole.contains(r#"data-label="2019" data-series="Utbetalt" data-value="0""#));
    }

    #[test]
    fn a_chart_draws_as_png_with_its_bars_and_its_words() {
        let svg = progress(
            "p",
            "Året",
            &[("Rekvirerat".into(), 21), ("Utbetalt".into(), 0)],
            21,
        );
        let png = png(&svg).expect("drawn");
        let pixmap = resvg::tiny_skia::Pixmap::decode_png(&png.bytes).expect("a PNG");
        assert_eq!((png.width, png.height), (1520, 140));
        assert_eq!((pixmap.width(), pixmap.height()), (1520, 140));
        let dark = |x0: u32, x1: u32, y0: u32, y1: u32| {
            (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    let p = pixmap.pixel(x, y).expect("inside");
                    u16::from(p.red()) + u16::from(p.green()) + u16::from(p.blue()) < 300
                })
                .count()
        };
        // The label is drawn in the bundled font, the full bar is filled, the empty one is not.
        assert!(dark(0, 400, 10, 50) > 100, "no label text");
        assert!(dark(500, 1240, 14, 46) > 10_000, "no full bar");
        assert_eq!(dark(500, 1240, 74, 106), 0, "an empty bar is drawn");
    }
}
