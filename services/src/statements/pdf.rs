//! The statement as a PDF (A4, printpdf with the standard Helvetica and Courier fonts, so no
//! font file is needed): the brand and invoice number, the customer and period, the balance
//! summary, the entries by kind and the usage by destination, across as many pages as the
//! destinations need. Amounts are printed in Courier, right-aligned, with the currency's
//! decimals at least (and more when an amount has them: call charges are often fractions of a
//! cent).

use super::StatementData;
use crate::ledger::currency_decimals;
use chrono::{DateTime, Utc};
use domain::locale::NumberFormat;
use printpdf::{
    BuiltinFont, Color, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rgb, TextItem,
};

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const LEFT: f32 = 18.0;
const RIGHT: f32 = 192.0;
const BOTTOM: f32 = 22.0;
/// Courier's advance width, in ems (every glyph).
const COURIER_EM: f32 = 0.6;

/// One page's drawing operations and where the next line goes.
struct Pages {
    done: Vec<Vec<Op>>,
    ops: Vec<Op>,
    y: f32,
    footer: String,
}

fn colour(grey: f32) -> Color {
    Color::Rgb(Rgb {
        r: grey,
        g: grey,
        b: grey,
        icc_profile: None,
    })
}

impl Pages {
    fn new(footer: String) -> Self {
        Pages {
            done: Vec::new(),
            ops: Vec::new(),
            y: PAGE_H - 20.0,
            footer,
        }
    }

    fn text(&mut self, x: f32, y: f32, font: BuiltinFont, size: f32, text: &str) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextCursor {
                pos: Point::new(Mm(x), Mm(y)),
            },
            Op::SetFont {
                font: PdfFontHandle::Builtin(font),
                size: Pt(size),
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.to_owned())],
            },
            Op::EndTextSection,
        ]);
    }

    /// `text` in Courier, ending at `right` (mm).
    fn number(&mut self, right: f32, y: f32, size: f32, text: &str) {
        let width_mm = text.chars().count() as f32 * COURIER_EM * size * 25.4 / 72.0;
        self.text(right - width_mm, y, BuiltinFont::Courier, size, text);
    }

    fn rule(&mut self, y: f32) {
        self.ops.extend([
            Op::SetOutlineColor { col: colour(0.75) },
            Op::SetOutlineThickness { pt: Pt(0.5) },
            Op::DrawLine {
                line: Line {
                    points: vec![
                        LinePoint {
                            p: Point::new(Mm(LEFT), Mm(y)),
                            bezier: false,
                        },
                        LinePoint {
                            p: Point::new(Mm(RIGHT), Mm(y)),
                            bezier: false,
                        },
                    ],
                    is_closed: false,
                },
            },
        ]);
    }

    /// Room for `mm` more on this page, or a new page.
    fn need(&mut self, mm: f32) {
        if self.y - mm < BOTTOM {
            self.close_page();
            self.y = PAGE_H - 20.0;
        }
    }

    fn close_page(&mut self) {
        let page = self.done.len() + 1;
        let footer = format!("{} · page {page}", self.footer);
        self.ops.push(Op::SetFillColor { col: colour(0.4) });
        self.text(LEFT, 12.0, BuiltinFont::Helvetica, 8.0, &footer);
        self.ops.push(Op::SetFillColor { col: colour(0.0) });
        self.done.push(std::mem::take(&mut self.ops));
    }

    /// A table: a bold header row and rows, with the first column as text and the others as
    /// numbers ending at the given right edges.
    fn table(&mut self, header: &[&str], edges: &[f32], rows: &[Vec<String>]) {
        self.need(14.0);
        self.row(header, edges, true);
        // Between the header's descenders and the first row's capitals.
        self.rule(self.y + 3.8);
        for r in rows {
            self.need(6.0);
            let cells: Vec<&str> = r.iter().map(String::as_str).collect();
            self.row(&cells, edges, false);
        }
        self.y -= 2.0;
    }

    fn row(&mut self, cells: &[&str], edges: &[f32], header: bool) {
        let y = self.y;
        let font = if header {
            BuiltinFont::HelveticaBold
        } else {
            BuiltinFont::Helvetica
        };
        for (i, cell) in cells.iter().enumerate() {
            if i == 0 {
                let shown: String = cell.chars().take(48).collect();
                self.text(LEFT, y, font, 9.5, &shown);
            } else if header {
                let width = cell.chars().count() as f32 * 0.55 * 9.5 * 25.4 / 72.0;
                self.text(edges[i - 1] - width, y, font, 9.5, cell);
            } else {
                self.number(edges[i - 1], y, 9.5, cell);
            }
        }
        self.y -= 6.0;
    }
}

/// Billed seconds as minutes with two decimals (`90` -> `1.50`), in `format`.
fn minutes(secs: i64, format: &NumberFormat) -> String {
    let m = (rust_decimal::Decimal::from(secs) / rust_decimal::Decimal::from(60)).round_dp(2);
    domain::ledger::to_micros(m).map_or_else(|_| m.to_string(), |micros| format.amount(micros, 2))
}

/// What the standard PDF fonts can draw: a narrow or no-break space (French, Swiss grouping)
/// becomes a plain space.
fn printable(text: String) -> String {
    text.replace(['\u{202f}', '\u{a0}'], " ")
}

/// Draws the statement numbered `number`, generated at `now`, as PDF bytes, its numbers in
/// `format` (the asker's locale).
pub fn render(
    data: &StatementData,
    number: i64,
    now: DateTime<Utc>,
    format: &NumberFormat,
) -> Vec<u8> {
    let currency = data.customer.billing_currency.as_str();
    let minor = currency_decimals(currency);
    let money = |m: i64| printable(format.amount(m, minor));
    let last_day = data.to - chrono::Duration::days(1);
    let period = format!(
        "{} to {}",
        data.from.format("%Y-%m-%d"),
        last_day.format("%Y-%m-%d")
    );
    let mut p = Pages::new(format!(
        "{} · statement {number:06} · {} · {period}",
        data.brand, data.customer.company_name
    ));

    p.text(LEFT, p.y, BuiltinFont::HelveticaBold, 20.0, &data.brand);
    p.number(RIGHT, p.y, 11.0, &format!("No. {number:06}"));
    p.y -= 9.0;
    p.text(
        LEFT,
        p.y,
        BuiltinFont::HelveticaBold,
        14.0,
        "Statement of account",
    );
    p.y -= 10.0;
    for (label, value) in [
        ("Customer", data.customer.company_name.clone()),
        ("Billing e-mail", data.customer.billing_email.clone()),
        ("Period", format!("{period} (UTC)")),
        ("Currency", currency.to_owned()),
        ("Issued", now.format("%Y-%m-%d %H:%M UTC").to_string()),
    ] {
        if value.is_empty() {
            continue;
        }
        p.text(LEFT, p.y, BuiltinFont::Helvetica, 10.0, label);
        p.text(LEFT + 35.0, p.y, BuiltinFont::Helvetica, 10.0, &value);
        p.y -= 5.5;
    }
    p.y -= 5.0;

    p.text(LEFT, p.y, BuiltinFont::HelveticaBold, 12.0, "Summary");
    p.y -= 8.0;
    for (label, micros) in [
        ("Opening balance", data.opening),
        ("Credits (top-ups, bonuses, refunds)", data.credits()),
        ("Charges (calls, DIDs, reversals)", -data.charges()),
        ("Closing balance", data.closing),
    ] {
        let bold = label == "Closing balance";
        if bold {
            p.rule(p.y + 4.0);
        }
        let font = if bold {
            BuiltinFont::HelveticaBold
        } else {
            BuiltinFont::Helvetica
        };
        p.text(LEFT, p.y, font, 10.0, label);
        p.number(RIGHT, p.y, 10.0, &format!("{} {currency}", money(micros)));
        p.y -= 6.0;
    }
    p.y -= 6.0;

    p.need(20.0);
    p.text(
        LEFT,
        p.y,
        BuiltinFont::HelveticaBold,
        12.0,
        "Entries by kind",
    );
    p.y -= 8.0;
    if data.kinds.is_empty() {
        p.text(
            LEFT,
            p.y,
            BuiltinFont::Helvetica,
            10.0,
            "No entry in this period.",
        );
        p.y -= 8.0;
    } else {
        let rows: Vec<Vec<String>> = data
            .kinds
            .iter()
            .map(|k| {
                vec![
                    k.kind.label().to_owned(),
                    k.entries.to_string(),
                    money(k.micros),
                ]
            })
            .collect();
        p.table(
            &["Kind", "Entries", &format!("Amount ({currency})")],
            &[130.0, RIGHT],
            &rows,
        );
    }
    p.y -= 4.0;

    p.need(20.0);
    p.text(
        LEFT,
        p.y,
        BuiltinFont::HelveticaBold,
        12.0,
        "Usage by destination",
    );
    p.y -= 8.0;
    if data.usage.is_empty() {
        p.text(
            LEFT,
            p.y,
            BuiltinFont::Helvetica,
            10.0,
            "No rated call in this period.",
        );
        p.y -= 8.0;
    } else {
        let mut rows: Vec<Vec<String>> = data
            .usage
            .iter()
            .map(|u| {
                vec![
                    if u.label.is_empty() {
                        "Unknown".to_owned()
                    } else {
                        u.label.clone()
                    },
                    u.calls.to_string(),
                    printable(minutes(u.billed_secs, format)),
                    money(u.spend),
                ]
            })
            .collect();
        let (calls, secs, spend) = data.usage.iter().fold((0, 0, 0), |(c, s, m), u| {
            (c + u.calls, s + u.billed_secs, m + u.spend)
        });
        rows.push(vec![
            "Total".to_owned(),
            calls.to_string(),
            printable(minutes(secs, format)),
            money(spend),
        ]);
        p.table(
            &[
                "Destination",
                "Calls",
                "Minutes",
                &format!("Amount ({currency})"),
            ],
            &[110.0, 145.0, RIGHT],
            &rows,
        );
    }
    p.y -= 4.0;
    p.need(12.0);
    p.ops.push(Op::SetFillColor { col: colour(0.35) });
    p.text(
        LEFT,
        p.y,
        BuiltinFont::Helvetica,
        8.5,
        "The closing balance is the opening balance plus every entry of the period. Pay as you go: no subscription.",
    );
    p.ops.push(Op::SetFillColor { col: colour(0.0) });
    p.close_page();

    let pages: Vec<PdfPage> = p
        .done
        .into_iter()
        .map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops))
        .collect();
    PdfDocument::new(&format!("Statement {number:06}"))
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new())
}
