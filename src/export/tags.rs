//! The logical structure of a tagged PDF (PDF/A-2a, PDF/UA-1): the tag tree and the outline,
//! gathered from the roles layout gives its items while the pages are drawn.
//!
//! Elements appear in the tree in the order their first piece is drawn, which is the order of
//! the document model (layout places blocks in reading order). A paragraph cut across pages,
//! or a table cell whose row is cut, is one element whose pieces lie on several pages.
//! Heading levels are made consecutive (PDF/UA forbids skipping one: a document whose first
//! heading is `##` reads it as H1) and the outline mirrors them.

use std::num::{NonZeroU16, NonZeroU32};

use krilla::destination::XyzDestination;
use krilla::geom::Point;
use krilla::outline::{Outline, OutlineNode};
use krilla::tagging::{
    ArtifactType, Identifier, Node as TagNode, TableHeaderScope, Tag, TagGroup, TagKind, TagTree,
};

use crate::layout::{Artifact, Node, Role, TableShape};

/// The document's language, for the structure root (the catalog's is set with the metadata).
const LANGUAGE: &str = "vi";

/// The tag tree being gathered.
#[derive(Default)]
pub(crate) struct Tagger {
    root: Children,
}

/// The children of an element (or of the root) in reading order.
#[derive(Default)]
struct Children {
    elements: Vec<Element>,
    order: Vec<Slot>,
}

/// One child: an element (an index into `elements`) or a piece of marked content.
enum Slot {
    Element(usize),
    Content(Identifier),
}

struct Element {
    node: Node,
    children: Children,
    /// The page index and point where its content starts, for the outline.
    start: (usize, Point),
}

impl Element {
    /// A new element; a table comes with all its rows and cells, so that an empty cell is
    /// still a cell and every row has its columns.
    fn new(node: Node, start: (usize, Point)) -> Self {
        let mut children = Children::default();
        if let Node::Table { shape, .. } = &node {
            for (r, row) in shape.rows.iter().enumerate() {
                let tr = children.element(&Node::Row(r), start);
                for c in 0..row.len() {
                    tr.children.element(&Node::Cell(c), start);
                }
            }
        }
        Element {
            node,
            children,
            start,
        }
    }
}

impl Children {
    /// The child element that is `node`, made at the end when there is none yet.
    fn element(&mut self, node: &Node, start: (usize, Point)) -> &mut Element {
        // The element sought is nearly always the last one made.
        let index = match self.elements.iter().rposition(|e| e.node.same(node)) {
            Some(index) => index,
            None => {
                self.elements.push(Element::new(node.clone(), start));
                self.order.push(Slot::Element(self.elements.len() - 1));
                self.elements.len() - 1
            }
        };
        &mut self.elements[index]
    }
}

/// The krilla artifact type of an item that is not read (`None`: a rule or border).
pub(crate) fn artifact_type(kind: Option<Artifact>) -> ArtifactType {
    match kind {
        Some(Artifact::PageHeader) => ArtifactType::Header,
        Some(Artifact::RepeatedHeader) => ArtifactType::PaginationOther,
        None => ArtifactType::Layout,
    }
}

/// Whether a picture's role leaves it without a description (a figure with no caption).
pub(crate) fn undescribed(role: &Role) -> bool {
    match role {
        Role::Content(path) => path.iter().any(|node| {
            matches!(node, Node::Figure { alt, .. } if alt.as_deref().is_none_or(str::is_empty))
        }),
        Role::Artifact(_) => false,
    }
}

impl Tagger {
    /// Files marked content `id`, drawn on page `page` from `at`, under the element `path`
    /// leads to.
    pub(crate) fn add(&mut self, path: &[Node], id: Identifier, page: usize, at: Point) {
        let mut children = &mut self.root;
        for node in path {
            children = &mut children.element(node, (page, at)).children;
        }
        children.order.push(Slot::Content(id));
    }

    /// The tag tree, and the outline of the headings.
    pub(crate) fn finish(self) -> (TagTree, Outline) {
        let mut walk = Walk::default();
        let nodes = walk.children(self.root, Within::Body);
        let mut tree = TagTree::new().with_lang(Some(LANGUAGE.to_string()));
        for node in nodes {
            tree.push(node);
        }
        while walk.close_outline_entry() {}
        (tree, walk.outline)
    }
}

/// The state of the walk that turns the gathered elements into krilla's tree.
#[derive(Default)]
struct Walk {
    /// The open headings: each one's level in the document and in the file.
    headings: Vec<(u8, u16)>,
    outline: Outline,
    /// Outline entries not yet closed, with their levels.
    entries: Vec<(u16, OutlineNode)>,
}

impl Walk {
    fn children(&mut self, children: Children, within: Within) -> Vec<TagNode> {
        let mut elements: Vec<Option<Element>> = children.elements.into_iter().map(Some).collect();
        let mut out = Vec::with_capacity(children.order.len());
        for slot in children.order {
            match slot {
                Slot::Content(id) => out.push(TagNode::Leaf(id)),
                Slot::Element(index) => {
                    if let Some(element) = elements.get_mut(index).and_then(Option::take) {
                        out.push(TagNode::Group(self.element(element, within)));
                    }
                }
            }
        }
        out
    }

    /// The element as a tag group, `within` the table or row it lies in directly.
    fn element(&mut self, element: Element, within: Within) -> TagGroup {
        let Element {
            node,
            children,
            start,
        } = element;
        let tag: TagKind = match &node {
            Node::Paragraph(_) => Tag::P.into(),
            Node::Heading { level, text, .. } => {
                let level = self.heading_level(*level);
                self.open_outline_entry(level, text, start);
                let level = NonZeroU16::new(level).unwrap_or(NonZeroU16::MIN);
                Tag::Hn(level, Some(text.to_string())).into()
            }
            Node::Figure { alt, .. } => Tag::Figure(alt.as_deref().map(str::to_string)).into(),
            Node::Caption(_) => Tag::Caption.into(),
            Node::Table { shape, .. } => {
                let children = self.children(children, Within::Table(shape));
                return TagGroup::with_children(Tag::Table, children);
            }
            Node::Row(r) => {
                let inner = match within {
                    Within::Table(shape) => Within::Row(shape, *r),
                    _ => Within::Body,
                };
                let children = self.children(children, inner);
                return TagGroup::with_children(Tag::TR, children);
            }
            Node::Cell(c) => cell_tag(within, *c),
        };
        let children = self.children(children, Within::Body);
        TagGroup::with_children(tag, children)
    }

    /// The file's level of a heading of the document's `level`: one below the nearest open
    /// heading of a higher level, so that no level is skipped.
    fn heading_level(&mut self, level: u8) -> u16 {
        while self.headings.last().is_some_and(|(open, _)| *open >= level) {
            self.headings.pop();
        }
        let file = self.headings.last().map_or(1, |(_, file)| file + 1);
        self.headings.push((level, file));
        file
    }

    fn open_outline_entry(&mut self, level: u16, text: &str, (page, at): (usize, Point)) {
        while self.entries.last().is_some_and(|(open, _)| *open >= level) {
            self.close_outline_entry();
        }
        let entry = OutlineNode::new(text.to_string(), XyzDestination::new(page, at));
        self.entries.push((level, entry.with_open(true)));
    }

    /// Closes the innermost open entry into its parent; false when none is open.
    fn close_outline_entry(&mut self) -> bool {
        let Some((_, entry)) = self.entries.pop() else {
            return false;
        };
        match self.entries.last_mut() {
            Some((_, parent)) => parent.push_child(entry),
            None => self.outline.push_child(entry),
        }
        true
    }
}

/// Where an element lies: rows and cells take their kind and span from their table's shape.
#[derive(Clone, Copy)]
enum Within<'a> {
    /// Not directly in a table or a row.
    Body,
    /// Directly in a table of this shape.
    Table(&'a TableShape),
    /// In row `.1` of a table of this shape.
    Row(&'a TableShape, usize),
}

/// A cell's tag: a column header in the table's header rows, else a data cell; with the
/// number of columns it spans.
fn cell_tag(within: Within, cell: usize) -> TagKind {
    let Within::Row(shape, row) = within else {
        return Tag::TD.into();
    };
    let span = shape
        .rows
        .get(row)
        .and_then(|cells| cells.get(cell))
        .and_then(|&span| u32::try_from(span).ok())
        .and_then(NonZeroU32::new)
        .filter(|span| span.get() > 1);
    if row < shape.header_rows {
        Tag::TH(TableHeaderScope::Column).with_col_span(span).into()
    } else {
        Tag::TD.with_col_span(span).into()
    }
}
