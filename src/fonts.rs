//! The fonts vanban draws with, and the one shaper used both to measure and to draw.
//!
//! Liberation Serif (metric-compatible with Times New Roman, which NĐ 30 mandates) is compiled
//! into the binary, so vanban works on a machine with no fonts installed. Kerning and ligatures
//! are off: Word applies neither by default, so the DOCX and the PDF break lines alike.

use rustybuzz::{script, Direction, Face, Feature, Script, ShapePlan, UnicodeBuffer};

use crate::model::TextStyle;

const REGULAR: &[u8] = include_bytes!("../fonts/LiberationSerif-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../fonts/LiberationSerif-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("../fonts/LiberationSerif-Italic.ttf");
const BOLD_ITALIC: &[u8] = include_bytes!("../fonts/LiberationSerif-BoldItalic.ttf");

/// The family name written into the DOCX: the metric twin of what the PDF embeds.
pub const DOCX_FAMILY: &str = "Times New Roman";

/// Which of the four faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Face4 {
    /// Upright, regular weight.
    Regular,
    /// Upright, bold.
    Bold,
    /// Italic, regular weight.
    Italic,
    /// Italic, bold.
    BoldItalic,
}

impl Face4 {
    /// The face for a text style.
    pub fn of(style: &TextStyle) -> Self {
        match (style.bold, style.italic) {
            (false, false) => Face4::Regular,
            (true, false) => Face4::Bold,
            (false, true) => Face4::Italic,
            (true, true) => Face4::BoldItalic,
        }
    }

    /// All four, in a fixed order.
    pub const ALL: [Face4; 4] = [
        Face4::Regular,
        Face4::Bold,
        Face4::Italic,
        Face4::BoldItalic,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// The face's name as people know it.
    pub fn name(self) -> &'static str {
        match self {
            Face4::Regular => "Liberation Serif Regular",
            Face4::Bold => "Liberation Serif Bold",
            Face4::Italic => "Liberation Serif Italic",
            Face4::BoldItalic => "Liberation Serif Bold Italic",
        }
    }
}

/// One shaped glyph, in em units (multiply by the font size for points).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShapedGlyph {
    /// The glyph's id in its face.
    pub id: u16,
    /// Horizontal advance.
    pub advance: f32,
    /// Horizontal offset from the pen position.
    pub x_offset: f32,
    /// Vertical offset from the baseline (up is positive, as in the font).
    pub y_offset: f32,
    /// Byte offset in the shaped text where the glyph's cluster starts.
    pub cluster: usize,
}

/// Vertical metrics of a face, in em units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VerticalMetrics {
    /// Height above the baseline.
    pub ascender: f32,
    /// Depth below the baseline (positive).
    pub descender: f32,
    /// Extra gap between lines.
    pub line_gap: f32,
}

impl VerticalMetrics {
    /// Single line spacing, in em (about 1.15 for Liberation Serif, as in Word).
    pub fn line_height(&self) -> f32 {
        self.ascender + self.descender + self.line_gap
    }
}

/// Where an underline goes and how thick it is, in em units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnderlineMetrics {
    /// Distance of the line's centre below the baseline (positive).
    pub offset: f32,
    /// Thickness of the line.
    pub thickness: f32,
}

/// The four embedded faces, parsed once per process and shared by every record.
pub struct FontBook {
    faces: Vec<Face<'static>>,
    features: Vec<Feature>,
    /// Shaping plans made once per face for the text vanban sets (left to right, Latin script
    /// or no script at all, as for digits): making a plan cost more than shaping itself.
    plans: Vec<Vec<(Option<Script>, ShapePlan)>>,
}

impl std::fmt::Debug for FontBook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontBook")
            .field("faces", &self.faces.len())
            .finish()
    }
}

impl FontBook {
    /// Parses the embedded Liberation Serif faces.
    pub fn embedded() -> Self {
        let faces: Vec<Face<'static>> = Face4::ALL
            .iter()
            .map(|&which| {
                // The bytes are compiled in and known to parse; a failure is a build defect.
                Face::from_slice(Self::data(which), 0).expect("embedded font parses")
            })
            .collect();
        let off = |tag: &[u8; 4]| Feature::new(rustybuzz::ttf_parser::Tag::from_bytes(tag), 0, ..);
        let features = vec![off(b"kern"), off(b"liga"), off(b"clig")];
        let plans = faces
            .iter()
            .map(|face| {
                [Some(script::LATIN), None]
                    .into_iter()
                    .map(|script| {
                        let plan =
                            ShapePlan::new(face, Direction::LeftToRight, script, None, &features);
                        (script, plan)
                    })
                    .collect()
            })
            .collect();
        FontBook {
            faces,
            features,
            plans,
        }
    }

    /// The font file of a face, as embedded.
    pub fn data(which: Face4) -> &'static [u8] {
        match which {
            Face4::Regular => REGULAR,
            Face4::Bold => BOLD,
            Face4::Italic => ITALIC,
            Face4::BoldItalic => BOLD_ITALIC,
        }
    }

    fn face(&self, which: Face4) -> &Face<'static> {
        &self.faces[which.index()]
    }

    /// Whether the face has a glyph for the character.
    pub fn has_char(&self, which: Face4, c: char) -> bool {
        self.face(which).glyph_index(c).is_some()
    }

    /// Vertical metrics of a face.
    pub fn vertical(&self, which: Face4) -> VerticalMetrics {
        let face = self.face(which);
        let upem = face.units_per_em() as f32;
        VerticalMetrics {
            ascender: f32::from(face.ascender()) / upem,
            descender: -f32::from(face.descender()) / upem,
            line_gap: f32::from(face.line_gap()) / upem,
        }
    }

    /// The face's own underline position and thickness (its `post` table), so the PDF
    /// underlines where Word does.
    pub fn underline(&self, which: Face4) -> UnderlineMetrics {
        let face = self.face(which);
        let upem = face.units_per_em() as f32;
        match face.underline_metrics() {
            Some(metrics) => UnderlineMetrics {
                offset: -f32::from(metrics.position) / upem,
                thickness: (f32::from(metrics.thickness) / upem).max(0.03),
            },
            // Liberation Serif has them; these are its values, for a face that would not.
            None => UnderlineMetrics {
                offset: 0.106,
                thickness: 0.049,
            },
        }
    }

    /// Shapes a piece of text in one face; offsets and advances in em.
    pub fn shape(&self, which: Face4, text: &str) -> Vec<ShapedGlyph> {
        let face = self.face(which);
        let upem = face.units_per_em() as f32;
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        // The same plan `rustybuzz::shape` would make for these properties, made once.
        buffer.guess_segment_properties();
        let script = Some(buffer.script()).filter(|s| *s != script::UNKNOWN);
        let plan = self.plans[which.index()].iter().find(|(s, _)| {
            *s == script
                && buffer.direction() == Direction::LeftToRight
                && buffer.language().is_none()
        });
        let output = match plan {
            Some((_, plan)) => rustybuzz::shape_with_plan(face, plan, buffer),
            None => rustybuzz::shape(face, &self.features, buffer),
        };
        output
            .glyph_infos()
            .iter()
            .zip(output.glyph_positions())
            .map(|(info, pos)| ShapedGlyph {
                id: info.glyph_id as u16,
                advance: pos.x_advance as f32 / upem,
                x_offset: pos.x_offset as f32 / upem,
                y_offset: pos.y_offset as f32 / upem,
                cluster: info.cluster as usize,
            })
            .collect()
    }

    /// The advance width of a text in a style, in points.
    pub fn measure(&self, text: &str, style: &TextStyle) -> f32 {
        let em: f32 = self
            .shape(Face4::of(style), text)
            .iter()
            .map(|g| g.advance)
            .sum();
        em * style.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(size: f32, bold: bool, italic: bool) -> TextStyle {
        TextStyle {
            size,
            bold,
            italic,
            underline: false,
        }
    }

    #[test]
    fn national_name_width_matches_the_spec_table() {
        // vn-official-docs.md §4.3: 9.57 cm at 13 pt bold, motto 6.05 cm at 14 pt bold.
        let book = FontBook::embedded();
        let cm = |pt: f32| pt / 72.0 * 2.54;
        let national = book.measure(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            &style(13.0, true, false),
        );
        let motto = book.measure("Độc lập - Tự do - Hạnh phúc", &style(14.0, true, false));
        assert!((cm(national) - 9.57).abs() < 0.02, "{}", cm(national));
        assert!((cm(motto) - 6.05).abs() < 0.02, "{}", cm(motto));
    }

    #[test]
    fn every_vietnamese_letter_is_in_every_face() {
        let book = FontBook::embedded();
        let letters = "aàảãáạăằẳẵắặâầẩẫấậđeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵ";
        for which in Face4::ALL {
            for c in letters
                .chars()
                .flat_map(|c| [c].into_iter().chain(c.to_uppercase()))
            {
                assert!(book.has_char(which, c), "{c} missing in {which:?}");
            }
        }
    }

    #[test]
    fn combining_marks_left_after_nfc_are_positioned_by_the_font() {
        // x + dot below and x + acute have no precomposed form, so NFC keeps the marks.
        let book = FontBook::embedded();
        let lower = book.shape(Face4::Regular, "x\u{0301}");
        let upper = book.shape(Face4::Regular, "X\u{0301}");
        for shaped in [&lower, &upper] {
            assert_eq!(shaped.len(), 2);
            let (base, mark) = (shaped[0], shaped[1]);
            assert_eq!(mark.advance, 0.0, "a mark takes no room of its own");
            assert_eq!(mark.cluster, 0, "it stays in its letter's cluster");
            // GPOS moves it back over the letter (its origin would otherwise be after it).
            assert!(
                mark.x_offset < 0.0 && -mark.x_offset < base.advance,
                "{mark:?}"
            );
        }
        // The mark sits lower over x than over X: anchored per letter, not stacked blindly.
        assert!(
            lower[1].y_offset < upper[1].y_offset - 0.1,
            "{lower:?} {upper:?}"
        );
        let below = book.shape(Face4::Bold, "x\u{0323}");
        assert_eq!(below[1].advance, 0.0);
    }

    #[test]
    fn single_line_spacing_is_about_1_15() {
        let book = FontBook::embedded();
        let h = book.vertical(Face4::Regular).line_height();
        assert!((h - 1.149).abs() < 0.01, "{h}");
    }
}
