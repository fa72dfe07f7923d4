//! Finding the partials a compiled Handlebars template names literally.

use handlebars::template::{Parameter, Template, TemplateElement};

/// Every partial name used literally in `template` (`{{> name}}`,
/// `{{> "name"}}`, `{{#> name}}`), in order of first use, and the names it
/// defines inline (`{{#*inline "name"}}`).
pub(crate) fn referenced(template: &Template) -> (Vec<String>, Vec<String>) {
    let mut used = Vec::new();
    let mut inline = Vec::new();
    walk(template, &mut used, &mut inline);
    (used, inline)
}

fn walk(template: &Template, used: &mut Vec<String>, inline: &mut Vec<String>) {
    for element in &template.elements {
        match element {
            TemplateElement::PartialExpression(d) | TemplateElement::PartialBlock(d) => {
                if let Some(name) = literal_name(&d.name)
                    && !used.contains(&name) {
                        used.push(name);
                    }
                if let Some(t) = &d.template {
                    walk(t, used, inline);
                }
            }
            TemplateElement::DecoratorBlock(d) | TemplateElement::DecoratorExpression(d) => {
                if literal_name(&d.name).as_deref() == Some("inline")
                    && let Some(name) = d.params.first().and_then(literal_name) {
                        inline.push(name);
                    }
                if let Some(t) = &d.template {
                    walk(t, used, inline);
                }
            }
            TemplateElement::HelperBlock(h) => {
                for t in h.template.iter().chain(h.inverse.iter()) {
                    walk(t, used, inline);
                }
            }
            _ => {}
        }
    }
}

fn literal_name(p: &Parameter) -> Option<String> {
    match p {
        Parameter::Name(n) => Some(n.clone()),
        Parameter::Path(handlebars::Path::Relative((_, raw))) => Some(raw.clone()),
        Parameter::Literal(serde_json_value) => serde_json_value.as_str().map(str::to_owned),
        _ => None,
    }
}
