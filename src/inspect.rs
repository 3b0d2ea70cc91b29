//! `vanban inspect`: the checks a records officer asks of a PDF before it goes to an archive.
//!
//! It reads any PDF, not only vanban's: the PDF/A claim in its XMP metadata and whether the
//! file really conforms (checked by the independent `page_validation` validator, which passes
//! the veraPDF and Isartor test corpora), the same for a PDF/UA (accessibility) claim when the
//! file makes one, its fonts (embedded? subset?), its pages (size, and
//! margins measured from where content is actually drawn), its metadata, and whether its text
//! (read back through the fonts' ToUnicode maps) is Unicode NFC, as Vietnamese text must be.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use lopdf::{Dictionary, Document, Object, ObjectId};
use unicode_normalization::{is_nfc, UnicodeNormalization};

/// Everything `inspect` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The PDF version in the header.
    pub version: String,
    /// The PDF/A claim (`PDF/A-2B`), if the XMP metadata makes one.
    pub claim: Option<String>,
    /// The validator's verdict against the claim.
    pub validation: Option<Validation>,
    /// The PDF/UA claim (`PDF/UA-1`), if the XMP metadata makes one.
    pub ua_claim: Option<String>,
    /// The validator's verdict against the PDF/UA claim.
    pub ua_validation: Option<Validation>,
    /// Each font, once.
    pub fonts: Vec<FontReport>,
    /// Each page.
    pub pages: Vec<PageReport>,
    /// Title, author, subject, keywords, dates, producer, language.
    pub metadata: Vec<(String, String)>,
    /// The extracted text.
    pub text: TextReport,
}

/// The validator's verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// The profile checked.
    pub profile: String,
    /// Whether no rule failed.
    pub compliant: bool,
    /// How many rules were checked.
    pub rules: usize,
    /// The failed rules, one line each.
    pub failures: Vec<String>,
}

/// A font as the file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FontReport {
    /// Its PostScript name (`ABCDEF+LiberationSerif`).
    pub name: String,
    /// Its PDF type (`Type0`, `TrueType` …).
    pub kind: String,
    /// Whether its program is in the file.
    pub embedded: bool,
    /// Whether only the glyphs used are (a six-letter tag before `+`).
    pub subset: bool,
}

/// A page's size and where its content lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageReport {
    /// Width in points.
    pub width: f32,
    /// Height in points.
    pub height: f32,
    /// Top, right, bottom and left distances from the paper's edges to the content, in points.
    pub margins: Option<[f32; 4]>,
}

/// What the text looks like.
#[derive(Debug, Clone, PartialEq)]
pub struct TextReport {
    /// Characters read back.
    pub characters: usize,
    /// Whether the text is in Unicode normalisation form C.
    pub nfc: bool,
    /// A piece of text that is not, when there is one.
    pub first_not_nfc: Option<String>,
}

impl Report {
    /// Whether the file claims PDF/A and the validator confirms it, and confirms its PDF/UA
    /// claim too when it makes one.
    pub fn conforms(&self) -> bool {
        let holds = |v: &Option<Validation>| v.as_ref().is_some_and(|v| v.compliant);
        holds(&self.validation) && (self.ua_claim.is_none() || holds(&self.ua_validation))
    }

    /// The report as people read it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mm = |pt: f32| pt * 25.4 / 72.0;
        let _ = writeln!(out, "PDF version     {}", self.version);
        match &self.claim {
            Some(claim) => verdict(&mut out, "PDF/A", claim, self.validation.as_ref()),
            None => {
                let _ = writeln!(out, "PDF/A claim     none (not an archival PDF)");
            }
        }
        if let Some(claim) = &self.ua_claim {
            verdict(&mut out, "PDF/UA", claim, self.ua_validation.as_ref());
        }
        let _ = writeln!(out, "pages           {}", self.pages.len());
        for (index, page) in self.pages.iter().enumerate() {
            let size = paper_name(page.width, page.height);
            let margins = match page.margins {
                Some([top, right, bottom, left]) => format!(
                    "content margins top {:.1} right {:.1} bottom {:.1} left {:.1} mm",
                    mm(top),
                    mm(right),
                    mm(bottom),
                    mm(left)
                ),
                None => "no content".to_string(),
            };
            let _ = writeln!(
                out,
                "  page {:<3} {:.1} x {:.1} mm{size}, {margins}",
                index + 1,
                mm(page.width),
                mm(page.height)
            );
        }
        let _ = writeln!(out, "fonts           {}", self.fonts.len());
        for font in &self.fonts {
            let _ = writeln!(
                out,
                "  {} ({}) {}, {}",
                font.name,
                font.kind,
                if font.embedded {
                    "embedded"
                } else {
                    "NOT EMBEDDED"
                },
                if font.subset { "subset" } else { "not subset" }
            );
        }
        for (key, value) in &self.metadata {
            let _ = writeln!(out, "{key:<15} {value}");
        }
        let nfc = if self.text.nfc {
            "NFC".to_string()
        } else {
            format!(
                "NOT NFC (e.g. «{}»)",
                self.text.first_not_nfc.as_deref().unwrap_or("")
            )
        };
        let _ = writeln!(
            out,
            "text            {} characters, {nfc}",
            self.text.characters
        );
        out
    }
}

/// A claim's line and the rules that failed, for the report.
fn verdict(out: &mut String, standard: &str, claim: &str, validation: Option<&Validation>) {
    let label = format!("{standard} claim");
    match validation {
        Some(v) => {
            let verdict = if v.compliant {
                "conforms"
            } else {
                "DOES NOT CONFORM"
            };
            let _ = writeln!(
                out,
                "{label:<15} {claim}: {verdict} ({} rules checked, {} failed)",
                v.rules,
                v.failures.len()
            );
            for failure in &v.failures {
                let _ = writeln!(out, "  failed: {failure}");
            }
        }
        None => {
            let _ = writeln!(
                out,
                "{label:<15} {claim}: no validator for this part and level"
            );
        }
    }
}

fn paper_name(width: f32, height: f32) -> &'static str {
    let near = |a: f32, b: f32| (a - b).abs() < 1.5;
    if near(width, 595.28) && near(height, 841.89) {
        " (A4)"
    } else if near(width, 841.89) && near(height, 595.28) {
        " (A4 landscape)"
    } else {
        ""
    }
}

/// Reads and checks a PDF.
pub fn inspect(bytes: &[u8]) -> Result<Report, String> {
    let document = Document::load_mem(bytes).map_err(|e| format!("not a readable PDF ({e})"))?;
    let xmp = metadata_stream(&document);
    let claim = xmp.as_deref().and_then(pdfa_claim);
    let validation = match claim.as_deref().and_then(profile_of) {
        Some(profile) => Some(validate(bytes, profile)?),
        None => None,
    };
    let ua_claim = xmp.as_deref().and_then(pdfua_claim);
    let ua_validation = match ua_claim.as_deref() {
        Some("PDF/UA-1") => Some(validate(bytes, page_validation::ValidationProfile::PdfUa1)?),
        _ => None,
    };
    let mut fonts: BTreeMap<String, FontReport> = BTreeMap::new();
    let mut pages = Vec::new();
    let mut text = String::new();
    for page_id in document.get_pages().values() {
        let page_fonts = read_fonts(&document, *page_id);
        for font in page_fonts.values() {
            fonts
                .entry(font.report.name.clone())
                .or_insert_with(|| font.report.clone());
        }
        let (width, height) = media_box(&document, *page_id);
        let mut scan = Scan {
            fonts: &page_fonts,
            bounds: None,
            text: &mut text,
        };
        if let Ok(content) = document.get_and_decode_page_content(*page_id) {
            scan.run(&content.operations, &document, *page_id);
        }
        let margins = scan
            .bounds
            .map(|[x0, y0, x1, y1]| [height - y1, width - x1, y0, x0]);
        pages.push(PageReport {
            width,
            height,
            margins,
        });
    }
    let first_not_nfc = (!is_nfc(&text)).then(|| {
        text.split_whitespace()
            .find(|w| !is_nfc(w))
            .unwrap_or("")
            .chars()
            .take(40)
            .collect::<String>()
    });
    Ok(Report {
        version: document.version.clone(),
        claim,
        validation,
        ua_claim,
        ua_validation,
        fonts: fonts.into_values().collect(),
        pages,
        metadata: metadata(&document),
        text: TextReport {
            characters: text.chars().filter(|c| !c.is_whitespace()).count(),
            nfc: first_not_nfc.is_none(),
            first_not_nfc,
        },
    })
}

fn validate(
    bytes: &[u8],
    profile: page_validation::ValidationProfile,
) -> Result<Validation, String> {
    let options = page_validation::ValidationOptions::default().profile(profile);
    let report = page_validation::validate_pdf_bytes(bytes, &options)
        .map_err(|e| format!("the validator could not read the file ({e})"))?;
    Ok(Validation {
        profile: format!("{:?}", report.profile),
        compliant: report.is_compliant,
        rules: report.rules.total,
        failures: report.failures.iter().map(|f| f.to_string()).collect(),
    })
}

/// `PDF/A-2B` and the like, from the XMP `pdfaid` properties.
fn pdfa_claim(xmp: &str) -> Option<String> {
    let part = xmp_property(xmp, "pdfaid:part")?;
    let conformance = xmp_property(xmp, "pdfaid:conformance").unwrap_or_default();
    Some(format!("PDF/A-{part}{}", conformance.to_ascii_uppercase()))
}

/// `PDF/UA-1` and the like, from the XMP `pdfuaid:part` property.
fn pdfua_claim(xmp: &str) -> Option<String> {
    let part = xmp_property(xmp, "pdfuaid:part")?;
    Some(format!("PDF/UA-{part}"))
}

fn profile_of(claim: &str) -> Option<page_validation::ValidationProfile> {
    use page_validation::ValidationProfile as P;
    Some(match claim {
        "PDF/A-1B" => P::PdfA1b,
        "PDF/A-1A" => P::PdfA1a,
        "PDF/A-2B" => P::PdfA2b,
        "PDF/A-2A" => P::PdfA2a,
        "PDF/A-2U" => P::PdfA2u,
        "PDF/A-3B" => P::PdfA3b,
        "PDF/A-3A" => P::PdfA3a,
        "PDF/A-3U" => P::PdfA3u,
        _ => return None,
    })
}

fn metadata_stream(document: &Document) -> Option<String> {
    let catalog = document.catalog().ok()?;
    let (_, object) = document.dereference(catalog.get(b"Metadata").ok()?).ok()?;
    let stream = object.as_stream().ok()?;
    let bytes = stream
        .decompressed_content()
        .unwrap_or_else(|_| stream.content.clone());
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A simple XMP property, written as an element or as an attribute.
fn xmp_property(xmp: &str, name: &str) -> Option<String> {
    if let Some(start) = xmp.find(&format!("<{name}>")) {
        let rest = &xmp[start + name.len() + 2..];
        return rest.split('<').next().map(|v| v.trim().to_string());
    }
    let start = xmp.find(&format!("{name}=\""))?;
    let rest = &xmp[start + name.len() + 2..];
    rest.split('"').next().map(str::to_string)
}

fn metadata(document: &Document) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let info = document
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|o| document.dereference(o).ok())
        .and_then(|(_, o)| o.as_dict().ok());
    if let Some(info) = info {
        for key in [
            "Title",
            "Author",
            "Subject",
            "Keywords",
            "CreationDate",
            "ModDate",
            "Creator",
            "Producer",
        ] {
            if let Ok(Object::String(bytes, _)) = info.get(key.as_bytes()) {
                out.push((key.to_lowercase(), pdf_string(bytes)));
            }
        }
    }
    if let Ok(Object::String(bytes, _)) = document.catalog().and_then(|c| c.get(b"Lang")) {
        out.push(("language".into(), pdf_string(bytes)));
    }
    out
}

/// A PDF text string: UTF-16BE with a byte-order mark, else PDFDocEncoding (read as Latin-1).
fn pdf_string(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        return String::from_utf16_lossy(&units).nfc().collect();
    }
    bytes.iter().map(|&b| char::from(b)).collect()
}

fn media_box(document: &Document, page: ObjectId) -> (f32, f32) {
    let mut id = Some(page);
    while let Some(current) = id {
        let Ok(dict) = document.get_dictionary(current) else {
            break;
        };
        if let Ok(Object::Array(values)) = dict
            .get(b"MediaBox")
            .and_then(|o| document.dereference(o).map(|(_, o)| o))
        {
            let numbers: Vec<f32> = values.iter().filter_map(number).collect();
            if numbers.len() == 4 {
                return (
                    (numbers[2] - numbers[0]).abs(),
                    (numbers[3] - numbers[1]).abs(),
                );
            }
        }
        id = dict.get(b"Parent").and_then(Object::as_reference).ok();
    }
    (0.0, 0.0)
}

fn number(object: &Object) -> Option<f32> {
    match object {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// What is needed of a font to measure and read its text.
struct FontUse {
    report: FontReport,
    /// Bytes per character code (2 for Identity-H CID fonts).
    code_bytes: usize,
    widths: BTreeMap<u32, f32>,
    default_width: f32,
    to_unicode: BTreeMap<u32, String>,
}

fn read_fonts(document: &Document, page: ObjectId) -> BTreeMap<Vec<u8>, FontUse> {
    let mut out = BTreeMap::new();
    let Ok(fonts) = document.get_page_fonts(page) else {
        return out;
    };
    for (name, font) in fonts {
        out.insert(name, read_font(document, font));
    }
    out
}

fn read_font(document: &Document, font: &Dictionary) -> FontUse {
    let get_name = |d: &Dictionary, key: &[u8]| {
        d.get(key)
            .ok()
            .and_then(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default()
    };
    fn resolve_dict<'a>(document: &'a Document, object: &'a Object) -> Option<&'a Dictionary> {
        document
            .dereference(object)
            .ok()
            .and_then(|(_, o)| o.as_dict().ok())
    }
    let name = get_name(font, b"BaseFont");
    let kind = get_name(font, b"Subtype");
    let descendant = font
        .get(b"DescendantFonts")
        .ok()
        .and_then(|o| document.dereference(o).ok())
        .and_then(|(_, o)| o.as_array().ok())
        .and_then(|a| a.first())
        .and_then(|o| resolve_dict(document, o));
    let described = descendant.unwrap_or(font);
    let embedded = described
        .get(b"FontDescriptor")
        .ok()
        .and_then(|o| resolve_dict(document, o))
        .is_some_and(|d| {
            [b"FontFile".as_slice(), b"FontFile2", b"FontFile3"]
                .iter()
                .any(|k| d.has(k))
        });
    let subset = name.len() > 7
        && name.as_bytes()[6] == b'+'
        && name[..6].bytes().all(|b| b.is_ascii_uppercase());
    let mut widths = BTreeMap::new();
    let (code_bytes, default_width) = if let Some(cid) = descendant {
        let default = cid.get(b"DW").ok().and_then(number).unwrap_or(1000.0);
        if let Some(Object::Array(list)) = cid
            .get(b"W")
            .ok()
            .and_then(|o| document.dereference(o).ok())
            .map(|(_, o)| o)
        {
            let mut i = 0;
            while i + 1 < list.len() {
                let first = number(&list[i]).unwrap_or(0.0) as u32;
                match document.dereference(&list[i + 1]).map(|(_, o)| o) {
                    Ok(Object::Array(each)) => {
                        for (k, w) in each.iter().enumerate() {
                            widths.insert(first + k as u32, number(w).unwrap_or(default));
                        }
                        i += 2;
                    }
                    _ if i + 2 < list.len() => {
                        let last = number(&list[i + 1]).unwrap_or(0.0) as u32;
                        let w = number(&list[i + 2]).unwrap_or(default);
                        for code in first..=last.min(first + 65_535) {
                            widths.insert(code, w);
                        }
                        i += 3;
                    }
                    _ => break,
                }
            }
        }
        (2, default)
    } else {
        let first = font.get(b"FirstChar").ok().and_then(number).unwrap_or(0.0) as u32;
        if let Some(Object::Array(list)) = font
            .get(b"Widths")
            .ok()
            .and_then(|o| document.dereference(o).ok())
            .map(|(_, o)| o)
        {
            for (k, w) in list.iter().enumerate() {
                widths.insert(first + k as u32, number(w).unwrap_or(0.0));
            }
        }
        (1, 500.0)
    };
    let to_unicode = font
        .get(b"ToUnicode")
        .ok()
        .and_then(|o| document.dereference(o).ok())
        .and_then(|(_, o)| o.as_stream().ok())
        .and_then(|s| s.decompressed_content().ok())
        .map(|bytes| parse_cmap(&String::from_utf8_lossy(&bytes)))
        .unwrap_or_default();
    FontUse {
        report: FontReport {
            name,
            kind,
            embedded,
            subset,
        },
        code_bytes,
        widths,
        default_width,
        to_unicode,
    }
}

/// Reads `bfchar` and `bfrange` entries of a ToUnicode CMap.
fn parse_cmap(text: &str) -> BTreeMap<u32, String> {
    let hex = |token: &str| -> Option<Vec<u8>> {
        let digits = token.trim().trim_start_matches('<').trim_end_matches('>');
        (0..digits.len() / 2)
            .map(|i| u8::from_str_radix(digits.get(2 * i..2 * i + 2)?, 16).ok())
            .collect()
    };
    let code = |bytes: &[u8]| bytes.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
    let unicode = |bytes: &[u8]| {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    let mut map = BTreeMap::new();
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let mut i = 0;
    while i < tokens.len() {
        match tokens[i] {
            "beginbfchar" => {
                i += 1;
                while i + 1 < tokens.len() && tokens[i] != "endbfchar" {
                    if let (Some(from), Some(to)) = (hex(tokens[i]), hex(tokens[i + 1])) {
                        map.insert(code(&from), unicode(&to));
                    }
                    i += 2;
                }
            }
            "beginbfrange" => {
                i += 1;
                while i + 2 < tokens.len() && tokens[i] != "endbfrange" {
                    if let (Some(low), Some(high), Some(start)) =
                        (hex(tokens[i]), hex(tokens[i + 1]), hex(tokens[i + 2]))
                    {
                        let (low, high) = (code(&low), code(&high));
                        let base = unicode(&start);
                        if let Some(first) = base.chars().last() {
                            for (k, c) in (low..=high.min(low + 65_535)).enumerate() {
                                let shifted =
                                    char::from_u32(u32::from(first) + k as u32).unwrap_or(first);
                                let mut value: String =
                                    base.chars().take(base.chars().count() - 1).collect();
                                value.push(shifted);
                                map.insert(c, value);
                            }
                        }
                    }
                    i += 3;
                }
            }
            _ => i += 1,
        }
    }
    map
}

/// An affine matrix `[a b c d e f]` as PDF writes it.
type Matrix = [f32; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

fn multiply(m: &Matrix, n: &Matrix) -> Matrix {
    [
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    ]
}

fn apply(m: &Matrix, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

/// Walks a page's content: where ink goes, and what text it shows.
struct Scan<'a> {
    fonts: &'a BTreeMap<Vec<u8>, FontUse>,
    /// `[x0, y0, x1, y1]` in PDF user space (y up).
    bounds: Option<[f32; 4]>,
    text: &'a mut String,
}

impl Scan<'_> {
    fn include(&mut self, x: f32, y: f32) {
        if !x.is_finite() || !y.is_finite() {
            return;
        }
        let b = self.bounds.get_or_insert([x, y, x, y]);
        b[0] = b[0].min(x);
        b[1] = b[1].min(y);
        b[2] = b[2].max(x);
        b[3] = b[3].max(y);
    }

    fn run(
        &mut self,
        operations: &[lopdf::content::Operation],
        document: &Document,
        page: ObjectId,
    ) {
        let mut ctm = IDENTITY;
        let mut stack = Vec::new();
        let (mut tm, mut line) = (IDENTITY, IDENTITY);
        let mut font: Option<&FontUse> = None;
        let (mut size, mut leading, mut char_spacing, mut word_spacing) =
            (0.0f32, 0.0f32, 0.0f32, 0.0f32);
        let mut path: Vec<(f32, f32)> = Vec::new();
        let numbers = |op: &lopdf::content::Operation| {
            op.operands.iter().filter_map(number).collect::<Vec<f32>>()
        };
        for op in operations {
            let n = numbers(op);
            match op.operator.as_str() {
                "q" => stack.push(ctm),
                "Q" => ctm = stack.pop().unwrap_or(IDENTITY),
                "cm" if n.len() == 6 => ctm = multiply(&[n[0], n[1], n[2], n[3], n[4], n[5]], &ctm),
                "BT" => {
                    tm = IDENTITY;
                    line = IDENTITY;
                }
                "Tf" => {
                    font = op
                        .operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .and_then(|name| self.fonts.get(name));
                    size = n.last().copied().unwrap_or(0.0);
                }
                "TL" if n.len() == 1 => leading = n[0],
                "Tc" if n.len() == 1 => char_spacing = n[0],
                "Tw" if n.len() == 1 => word_spacing = n[0],
                "Td" | "TD" if n.len() == 2 => {
                    if op.operator == "TD" {
                        leading = -n[1];
                    }
                    line = multiply(&[1.0, 0.0, 0.0, 1.0, n[0], n[1]], &line);
                    tm = line;
                }
                "Tm" if n.len() == 6 => {
                    line = [n[0], n[1], n[2], n[3], n[4], n[5]];
                    tm = line;
                }
                "T*" | "'" | "\"" => {
                    line = multiply(&[1.0, 0.0, 0.0, 1.0, 0.0, -leading], &line);
                    tm = line;
                    if op.operator != "T*" {
                        if let Some(Object::String(bytes, _)) = op.operands.last() {
                            self.show(bytes, font, size, char_spacing, word_spacing, &mut tm, &ctm);
                        }
                    }
                }
                "Tj" => {
                    if let Some(Object::String(bytes, _)) = op.operands.first() {
                        self.show(bytes, font, size, char_spacing, word_spacing, &mut tm, &ctm);
                    }
                }
                "TJ" => {
                    if let Some(Object::Array(items)) = op.operands.first() {
                        for item in items {
                            match item {
                                Object::String(bytes, _) => self.show(
                                    bytes,
                                    font,
                                    size,
                                    char_spacing,
                                    word_spacing,
                                    &mut tm,
                                    &ctm,
                                ),
                                other => {
                                    let shift = -number(other).unwrap_or(0.0) / 1000.0 * size;
                                    tm = multiply(&[1.0, 0.0, 0.0, 1.0, shift, 0.0], &tm);
                                }
                            }
                        }
                    }
                    self.text.push(' ');
                }
                "ET" => self.text.push('\n'),
                "m" | "l" if n.len() == 2 => path.push(apply(&ctm, n[0], n[1])),
                "c" if n.len() == 6 => path.push(apply(&ctm, n[4], n[5])),
                "re" if n.len() == 4 => {
                    for (x, y) in [(n[0], n[1]), (n[0] + n[2], n[1] + n[3])] {
                        path.push(apply(&ctm, x, y));
                    }
                }
                "f" | "F" | "f*" | "S" | "s" | "B" | "B*" | "b" | "b*" => {
                    for (x, y) in std::mem::take(&mut path) {
                        self.include(x, y);
                    }
                }
                "n" => path.clear(),
                "Do" => {
                    let is_image = op
                        .operands
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .is_some_and(|name| xobject_is_image(document, page, name));
                    if is_image {
                        for (x, y) in [(0.0, 0.0), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0)] {
                            let (px, py) = apply(&ctm, x, y);
                            self.include(px, py);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn show(
        &mut self,
        bytes: &[u8],
        font: Option<&FontUse>,
        size: f32,
        char_spacing: f32,
        word_spacing: f32,
        tm: &mut Matrix,
        ctm: &Matrix,
    ) {
        let Some(font) = font else { return };
        for chunk in bytes.chunks(font.code_bytes) {
            let code = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b));
            let width = font
                .widths
                .get(&code)
                .copied()
                .unwrap_or(font.default_width)
                / 1000.0
                * size;
            let space = if font.code_bytes == 1 && code == 32 {
                word_spacing
            } else {
                0.0
            };
            let advance = width + char_spacing + space;
            let ink = font
                .to_unicode
                .get(&code)
                .is_none_or(|t| !t.trim().is_empty());
            if ink {
                let full = multiply(tm, ctm);
                for (x, y) in [(0.0, -0.2 * size), (width, 0.75 * size)] {
                    let (px, py) = apply(&full, x, y);
                    self.include(px, py);
                }
            }
            if let Some(text) = font.to_unicode.get(&code) {
                self.text.push_str(text);
            }
            *tm = multiply(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], tm);
        }
    }
}

fn xobject_is_image(document: &Document, page: ObjectId, name: &[u8]) -> bool {
    let Ok((resources, ids)) = document.get_page_resources(page) else {
        return false;
    };
    let dictionaries = resources.into_iter().chain(
        ids.iter()
            .filter_map(|id| document.get_dictionary(*id).ok()),
    );
    for dictionary in dictionaries {
        let Some(xobjects) = dictionary
            .get(b"XObject")
            .ok()
            .and_then(|o| document.dereference(o).ok())
            .and_then(|(_, o)| o.as_dict().ok())
        else {
            continue;
        };
        if let Some(stream) = xobjects
            .get(name)
            .ok()
            .and_then(|o| document.dereference(o).ok())
            .and_then(|(_, o)| o.as_stream().ok())
        {
            return stream
                .dict
                .get(b"Subtype")
                .and_then(Object::as_name)
                .is_ok_and(|s| s == b"Image");
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_ranges_and_chars_are_read() {
        let cmap = "2 beginbfchar\n<0001> <0054>\n<0002> <1EC6>\nendbfchar\n1 beginbfrange\n<0010> <0012> <0061>\nendbfrange";
        let map = parse_cmap(cmap);
        assert_eq!(map[&1], "T");
        assert_eq!(map[&2], "Ệ");
        assert_eq!(map[&0x12], "c");
    }

    #[test]
    fn xmp_properties_as_elements_or_attributes() {
        assert_eq!(
            xmp_property("<pdfaid:part>2</pdfaid:part>", "pdfaid:part").as_deref(),
            Some("2")
        );
        assert_eq!(
            xmp_property("pdfaid:conformance=\"B\"", "pdfaid:conformance").as_deref(),
            Some("B")
        );
    }
}
