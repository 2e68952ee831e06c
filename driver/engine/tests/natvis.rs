//! The natvis file embedded in the engine's PDB: well-formed XML, and every visualized type
//! is a real engine type (its name is checked against `core::any::type_name`).

use std::collections::BTreeSet;

use cadenza_engine::debug_registry::{CadenzaDebugRoot, StreamSlot, StreamTable};
use cadenza_engine::format::{ChannelMask, Channels, Format, SampleRate};
use cadenza_engine::geometry::BufferGeometry;
use cadenza_engine::state::KsState;
use cadenza_engine::stream::{Stream, StreamStats};
use cadenza_engine::trace::{TraceRecord, TraceRing};

const NATVIS: &str = include_str!("../natvis/cadenza.natvis");

/// Type names without generic arguments, as natvis matches them (`Name&lt;*&gt;`).
fn base(name: &str) -> String {
    name.split('<').next().unwrap_or(name).to_string()
}

fn engine_types() -> BTreeSet<String> {
    [
        std::any::type_name::<KsState>(),
        std::any::type_name::<Channels>(),
        std::any::type_name::<SampleRate>(),
        std::any::type_name::<ChannelMask>(),
        std::any::type_name::<Format>(),
        std::any::type_name::<BufferGeometry>(),
        std::any::type_name::<StreamStats>(),
        std::any::type_name::<Stream>(),
        std::any::type_name::<TraceRecord>(),
        std::any::type_name::<TraceRing<16>>(),
        std::any::type_name::<StreamSlot>(),
        std::any::type_name::<StreamTable<4>>(),
        std::any::type_name::<CadenzaDebugRoot>(),
    ]
    .into_iter()
    .map(base)
    .collect()
}

#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
}

/// A small XML well-formedness check: balanced, properly nested tags, quoted attributes,
/// known entities only, one root. Returns every start tag.
fn parse(xml: &str) -> Result<Vec<Element>, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut elements = Vec::new();
    let mut roots = 0;
    let mut rest = xml;
    while let Some(lt) = rest.find('<') {
        check_text(&rest[..lt])?;
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<?") {
            let end = after.find("?>").ok_or("unterminated declaration")?;
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").ok_or("unterminated comment")?;
            if after[..end].contains("--") {
                return Err("`--` inside a comment".into());
            }
            rest = &after[end + 3..];
        } else if let Some(after) = rest.strip_prefix("</") {
            let end = after.find('>').ok_or("unterminated end tag")?;
            let name = after[..end].trim();
            let open = stack
                .pop()
                .ok_or(format!("</{name}> without a start tag"))?;
            if open != name {
                return Err(format!("</{name}> closes <{open}>"));
            }
            rest = &after[end + 1..];
        } else {
            let end = rest.find('>').ok_or("unterminated start tag")?;
            let inner = &rest[1..end];
            let (inner, empty) = match inner.strip_suffix('/') {
                Some(i) => (i, true),
                None => (inner, false),
            };
            let element = parse_tag(inner)?;
            if stack.is_empty() {
                roots += 1;
            }
            if !empty {
                stack.push(element.name.clone());
            }
            elements.push(element);
            rest = &rest[end + 1..];
        }
    }
    check_text(rest)?;
    if let Some(open) = stack.pop() {
        return Err(format!("<{open}> never closed"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(elements)
}

fn parse_tag(inner: &str) -> Result<Element, String> {
    let name_end = inner.find(char::is_whitespace).unwrap_or(inner.len());
    let name = &inner[..name_end];
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == ':')
    {
        return Err(format!("bad element name `{name}`"));
    }
    let mut attrs = Vec::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or(format!("attribute without value in <{name}>"))?;
        let key = rest[..eq].trim().to_string();
        let value = rest[eq + 1..].trim_start();
        let quote = value.chars().next().ok_or("missing attribute value")?;
        if quote != '"' && quote != '\'' {
            return Err(format!("unquoted attribute {key} in <{name}>"));
        }
        let close = value[1..].find(quote).ok_or("unterminated attribute")?;
        let raw = &value[1..=close];
        if raw.contains('<') {
            return Err(format!("`<` in attribute {key}"));
        }
        check_text(raw)?;
        attrs.push((key, unescape(raw)));
        rest = value[close + 2..].trim_start();
    }
    Ok(Element {
        name: name.to_string(),
        attrs,
    })
}

fn check_text(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        let after = &rest[amp..];
        let ok = ["&lt;", "&gt;", "&amp;", "&quot;", "&apos;"]
            .iter()
            .any(|e| after.starts_with(e));
        if !ok {
            return Err(format!(
                "unknown entity near `{}`",
                &after[..after.len().min(10)]
            ));
        }
        rest = &after[1..];
    }
    if text.contains('>') && text.contains("]]>") {
        return Err("`]]>` in text".into());
    }
    Ok(())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[test]
fn natvis_is_well_formed_xml() {
    let elements = parse(NATVIS).unwrap();
    assert_eq!(elements[0].name, "AutoVisualizer");
    assert!(
        elements[0]
            .attrs
            .iter()
            .any(|(k, v)| k == "xmlns" && v.contains("natvis/2010"))
    );
}

#[test]
fn every_visualized_type_exists_and_every_main_type_is_visualized() {
    let known = engine_types();
    let named: BTreeSet<String> = parse(NATVIS)
        .unwrap()
        .iter()
        .filter(|e| e.name == "Type")
        .map(|e| {
            let name = &e.attrs.iter().find(|(k, _)| k == "Name").unwrap().1;
            base(name)
        })
        .collect();
    for n in &named {
        assert!(
            known.contains(n),
            "natvis names `{n}`, which is not an engine type"
        );
    }
    for k in &known {
        assert!(named.contains(k), "`{k}` has no visualizer");
    }
}

#[test]
fn the_checker_rejects_broken_xml() {
    assert!(parse("<a><b></a></b>").is_err());
    assert!(parse("<a x=1></a>").is_err());
    assert!(parse("<a>&nbsp;</a>").is_err());
    assert!(parse("<a></a><b></b>").is_err());
    assert!(parse("<a>").is_err());
    assert!(parse("<a x=\"&lt;*&gt;\"><b/></a>").is_ok());
}
