//! The written outputs: PDF from the laid-out pages, DOCX from the document model.

pub mod docx;
pub mod pdf;
