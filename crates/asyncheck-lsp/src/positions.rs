//! Byte offsets to LSP positions and back, in the negotiated encoding, and
//! file URIs to paths and back.

use std::path::{Path, PathBuf};

use asyncheck::line_index::LineIndex;
use asyncheck::{Diagnostic, Severity};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, InitializeParams, Location,
    NumberOrString, Position, PositionEncodingKind, Range, Uri,
};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, CONTROLS};

use crate::RuleDocs;

/// How LSP counts columns: UTF-16 code units unless the client offers UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16,
}

impl Encoding {
    pub fn negotiate(params: &InitializeParams) -> Self {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref());
        match offered {
            Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => Encoding::Utf8,
            _ => Encoding::Utf16,
        }
    }

    pub fn kind(self) -> PositionEncodingKind {
        match self {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }
    }

    fn width(self, text: &str) -> usize {
        match self {
            Encoding::Utf8 => text.len(),
            Encoding::Utf16 => text.encode_utf16().count(),
        }
    }
}

pub fn position(index: &LineIndex<'_>, text: &str, offset: usize, encoding: Encoding) -> Position {
    let offset = floor_char_boundary(text, offset);
    let line = index.line_of(offset);
    let start = index.line_start(line);
    Position {
        line: line as u32,
        character: encoding.width(&text[start..offset]) as u32,
    }
}

pub fn range(
    index: &LineIndex<'_>,
    text: &str,
    span: &asyncheck::Span,
    encoding: Encoding,
) -> Range {
    Range {
        start: position(index, text, span.start, encoding),
        end: position(index, text, span.end, encoding),
    }
}

/// The byte offset of an LSP position, clamped to the text.
pub fn offset(text: &str, position: Position, encoding: Encoding) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(n) => line_start += n + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |n| line_start + n);
    let mut units = 0usize;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= position.character as usize {
            return line_start + i;
        }
        units += match encoding {
            Encoding::Utf8 => c.len_utf8(),
            Encoding::Utf16 => c.len_utf16(),
        };
    }
    line_end
}

fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

pub fn to_lsp_diagnostic(
    diagnostic: &Diagnostic,
    uri: &Uri,
    text: &str,
    encoding: Encoding,
    docs: &RuleDocs,
) -> lsp_types::Diagnostic {
    let index = LineIndex::new(text);
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .labels
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: Location {
                uri: uri.clone(),
                range: range(&index, text, &label.span, encoding),
            },
            message: label.message.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(&index, text, &diagnostic.span, encoding),
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.rule.to_owned())),
        code_description: docs
            .page(diagnostic.rule)
            .map(|href| CodeDescription { href }),
        source: Some("asyncheck".to_owned()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}

/// Characters a path keeps escaped in a `file://` URI.
const PATH_ESCAPES: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

pub fn uri_to_path(uri: &Uri) -> PathBuf {
    let text = uri.as_str();
    let path = text.strip_prefix("file://").unwrap_or(text);
    PathBuf::from(percent_decode_str(path).decode_utf8_lossy().into_owned())
}

pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let path = path.to_str()?;
    format!("file://{}", utf8_percent_encode(path, PATH_ESCAPES))
        .parse()
        .ok()
}
