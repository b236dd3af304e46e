//! Compiler settings and `<default>` classes: the parser's set-up (`angle`, `eulerseq`, nested
//! classes with their inherited attributes), and attribute lookup through an element's class.

use std::collections::HashMap;
use std::path::Path;

use roxmltree::{Document, Node};

use super::{ClassAttrs, El, MjcfError, Parser};

impl<'a, 'input> Parser<'a, 'input> {
    pub(super) fn new(doc: &'a Document<'input>, file: &Path) -> Result<Self, MjcfError> {
        let mut p = Self {
            doc,
            file: file.to_path_buf(),
            degrees: true,
            eulerseq: "xyz".into(),
            classes: HashMap::new(),
        };
        let root = doc.root_element();
        if root.tag_name().name() != "mujoco" {
            return Err(p.err(root, None, "the root element must be <mujoco>"));
        }
        for compiler in root.children().filter(|n| n.has_tag_name("compiler")) {
            if let Some(angle) = compiler.attribute("angle") {
                p.degrees = match angle {
                    "degree" => true,
                    "radian" => false,
                    _ => {
                        return Err(p.err(compiler, Some("angle"), "must be `degree` or `radian`"));
                    }
                };
            }
            if let Some(seq) = compiler.attribute("eulerseq") {
                if seq.len() != 3 || !seq.chars().all(|c| "xyzXYZ".contains(c)) {
                    return Err(p.err(compiler, Some("eulerseq"), "must be three of x, y, z"));
                }
                p.eulerseq = seq.into();
            }
        }
        for default in root.children().filter(|n| n.has_tag_name("default")) {
            p.read_default(default, None);
        }
        Ok(p)
    }

    pub(super) fn read_default(&mut self, node: Node, parent: Option<&str>) {
        let name = node.attribute("class").unwrap_or("main").to_string();
        let mut attrs: ClassAttrs = parent
            .and_then(|p| self.classes.get(p).cloned())
            .unwrap_or_default();
        for child in node.children().filter(Node::is_element) {
            if child.has_tag_name("default") {
                continue;
            }
            let entry = attrs
                .entry(child.tag_name().name().to_string())
                .or_default();
            for a in child.attributes() {
                entry.insert(a.name().to_string(), a.value().to_string());
            }
        }
        self.classes.insert(name.clone(), attrs);
        for child in node.children().filter(|n| n.has_tag_name("default")) {
            self.read_default(child, Some(&name));
        }
    }

    /// The element's attribute, or its class's default.
    pub(super) fn attr(&self, el: El<'a, 'input>, name: &str) -> Option<String> {
        if let Some(v) = el.node.attribute(name) {
            return Some(v.to_string());
        }
        let class = el.node.attribute("class").unwrap_or(el.class);
        self.classes
            .get(class)
            .and_then(|c| c.get(el.node.tag_name().name()))
            .and_then(|a| a.get(name))
            .cloned()
    }
}
