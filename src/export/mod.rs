//! The written outputs: PDF and PNG previews from the laid-out pages, DOCX from the document
//! model.

pub mod docx;
pub mod pdf;
pub mod png;
mod tags;
