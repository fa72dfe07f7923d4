//! Control flow, the core of Django's `defaulttags`: `if`, `for`, `with`,
//! `firstof`, `cycle`, `resetcycle`, `ifchanged` and `regroup`, each tag's
//! compile function beside its render half.

use std::sync::Arc;

use platen_core::{Error, ErrorKind, Value};

use crate::expr::BitStr;
use crate::expr::{FilterExpr, syntax};
use crate::lexer::Token;
use crate::nodes::*;
use crate::parser::{Parser, token_kwargs};
use crate::render::Renderer;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use platen_core::Object;

use crate::expr::Head;
use crate::render::{EMPTY_MAP, FORLOOP, LiveLoop, Mem};
use crate::scope::Slot;
use crate::smartif::{Cond, Op, parse_condition, py_contains, py_is};

type R = Result<Node, Error>;

pub(crate) fn do_if(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut compile = |s: &str| p.filter_expr(s);
    let bits = crate::lexer::split_contents(token.contents);
    let cond = parse_condition(&bits[1..], &mut compile)?;
    let until = ["elif", "else", "endif"];
    let mut branches = vec![(Some(cond), p.parse(&until)?)];
    let mut tok = p.next_token().expect("parse stopped at an end tag");
    while tok.contents.starts_with("elif") {
        let bits = p.split(&tok);
        let mut compile = |s: &str| p.filter_expr(s);
        let cond = parse_condition(&bits[1..], &mut compile).map_err(|e| p.error_at(&tok, e))?;
        branches.push((Some(cond), p.parse(&until)?));
        tok = p.next_token().expect("parse stopped at an end tag");
    }
    if tok.contents == "else" {
        branches.push((None, p.parse(&["endif"])?));
        tok = p.next_token().expect("parse stopped at an end tag");
    }
    if tok.contents != "endif" {
        return Err(p.syntax_at(
            &tok,
            format!(
                "Malformed template tag at line {}: \"{}\"",
                tok.line, tok.contents
            ),
        ));
    }
    Ok(Node::If(branches))
}

pub(crate) fn do_for(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() < 4 {
        return Err(syntax(format!(
            "'for' statements should have at least four words: {}",
            token.contents
        )));
    }
    let reversed = bits.last().is_some_and(|b| b == "reversed");
    let in_index = if reversed {
        bits.len() - 3
    } else {
        bits.len() - 2
    };
    if bits[in_index] != "in" {
        return Err(syntax(format!(
            "'for' statements should use the format 'for x in y': {}",
            token.contents
        )));
    }
    let joined = bits[1..in_index].join(" ");
    let mut vars = Vec::new();
    for var in joined.split(',') {
        let var = var.trim_matches(' ');
        if var.is_empty() || var.contains([' ', '"', '\'', '|']) {
            return Err(syntax(format!(
                "'for' tag received an invalid argument: {}",
                token.contents
            )));
        }
        vars.push(crate::names::name(var));
    }
    let seq = p.filter_expr(&bits[in_index + 1])?;
    let body = p.parse(&["empty", "endfor"])?;
    let tok = p.next_token().expect("parse stopped at an end tag");
    let empty = if tok.contents == "empty" {
        let l = p.parse(&["endfor"])?;
        p.delete_first_token();
        l
    } else {
        Vec::new()
    };
    Ok(Node::For(Box::new(ForNode {
        vars,
        seq,
        reversed,
        body,
        empty,
    })))
}

pub(crate) fn do_with(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    let mut rest = bits[1..].to_vec();
    let extra = token_kwargs(p, &mut rest, true)?;
    if extra.is_empty() {
        return Err(syntax(format!(
            "'{}' expected at least one variable assignment",
            bits[0]
        )));
    }
    if let Some(first) = rest.first() {
        return Err(syntax(format!(
            "'{}' received an invalid token: '{first}'",
            bits[0]
        )));
    }
    let body = p.parse(&["endwith"])?;
    p.delete_first_token();
    Ok(Node::With(extra, body))
}

pub(crate) fn do_firstof(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut bits = p.split(token);
    bits.remove(0);
    if bits.is_empty() {
        return Err(syntax("'firstof' statement requires at least one argument"));
    }
    let mut asvar = None;
    if bits.len() >= 2 && bits[bits.len() - 2] == "as" {
        asvar = bits.pop().map(Arc::from);
        bits.pop();
    }
    let vars = bits
        .iter()
        .map(|b| p.filter_expr(b))
        .collect::<Result<_, _>>()?;
    Ok(Node::FirstOf(vars, asvar))
}

pub(crate) fn do_cycle(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let mut args = p.split(token);
    if args.len() < 2 {
        return Err(syntax("'cycle' tag requires at least two arguments"));
    }
    if args.len() == 2 {
        let name = &args[1];
        let Some(named) = &p.named_cycles else {
            return Err(syntax(format!(
                "No named cycles in template. '{name}' is not defined"
            )));
        };
        let Some(def) = named.get(name.as_str()) else {
            return Err(syntax(format!("Named cycle '{name}' does not exist")));
        };
        return Ok(Node::Cycle(def.clone()));
    }
    let mut as_form = false;
    let mut silent = false;
    if args.len() > 4 {
        let n = args.len();
        if args[n - 3] == "as" {
            if args[n - 1] != "silent" {
                return Err(syntax(format!(
                    "Only 'silent' flag is allowed after cycle's name, not '{}'.",
                    args[n - 1]
                )));
            }
            as_form = true;
            silent = true;
            args.pop();
        } else if args[n - 2] == "as" {
            as_form = true;
        }
    }
    let def = if as_form {
        let n = args.len();
        let name = args[n - 1].clone();
        let values = args[1..n - 2]
            .iter()
            .map(|a| p.filter_expr(a))
            .collect::<Result<_, _>>()?;
        let def = Arc::new(CycleDef {
            values,
            name: Some(Arc::from(name.as_str())),
            silent,
        });
        p.named_cycles
            .get_or_insert_default()
            .insert(name.into_owned(), def.clone());
        def
    } else {
        let values = args[1..]
            .iter()
            .map(|a| p.filter_expr(a))
            .collect::<Result<_, _>>()?;
        Arc::new(CycleDef {
            values,
            name: None,
            silent: false,
        })
    };
    p.last_cycle = Some(def.clone());
    Ok(Node::Cycle(def))
}

pub(crate) fn do_resetcycle(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let args = p.split(token);
    if args.len() > 2 {
        return Err(syntax(format!(
            "'{}' tag accepts at most one argument.",
            args[0]
        )));
    }
    if args.len() == 2 {
        let name = &args[1];
        return match p.named_cycles.as_ref().and_then(|m| m.get(name.as_str())) {
            Some(def) => Ok(Node::ResetCycle(def.clone())),
            None => Err(syntax(format!("Named cycle '{name}' does not exist."))),
        };
    }
    match &p.last_cycle {
        Some(def) => Ok(Node::ResetCycle(def.clone())),
        None => Err(syntax("No cycles in template.")),
    }
}

pub(crate) fn do_ifchanged(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    let yes = p.parse(&["else", "endifchanged"])?;
    let tok = p.next_token().expect("parse stopped at an end tag");
    let no = if tok.contents == "else" {
        let l = p.parse(&["endifchanged"])?;
        p.delete_first_token();
        l
    } else {
        Vec::new()
    };
    let vars = bits[1..]
        .iter()
        .map(|b| p.filter_expr(b))
        .collect::<Result<_, _>>()?;
    Ok(Node::IfChanged(Box::new(IfChangedNode { vars, yes, no })))
}

pub(crate) fn do_regroup(p: &mut Parser<'_>, token: &Token<'_>) -> R {
    let bits = p.split(token);
    if bits.len() != 6 {
        return Err(syntax("'regroup' tag takes five arguments"));
    }
    let target = p.filter_expr(&bits[1])?;
    if bits[2] != "by" {
        return Err(syntax("second argument to 'regroup' tag must be 'by'"));
    }
    if bits[4] != "as" {
        return Err(syntax(
            "next-to-last argument to 'regroup' tag must be 'as'",
        ));
    }
    let expr = p.filter_expr(&format!("{}.{}", bits[5], bits[3]))?;
    Ok(Node::Regroup(
        Box::new(target),
        Box::new(expr),
        Arc::from(bits[5].as_str()),
    ))
}

impl Renderer<'_> {
    pub(crate) fn render_if(
        &mut self,
        branches: &[(Option<Cond>, NodeList)],
        out: &mut String,
    ) -> Result<(), Error> {
        for (cond, body) in branches {
            let matched = match cond {
                None => true,
                Some(Cond::Literal(e))
                    if e.filters.is_empty()
                        && let Head::Var(var) = &e.head
                        && let Some(v) = self.resolve_ref(var) =>
                {
                    v.is_true()
                }
                Some(c) => match self.eval(c) {
                    Ok(v) => v.is_true(),
                    Err(e) if e.kind() == ErrorKind::UndefinedVariable => false,
                    Err(e) => return Err(e),
                },
            };
            if matched {
                return self.render_list(body, out);
            }
        }
        Ok(())
    }

    pub(crate) fn render_with(
        &mut self,
        vars: &[(Arc<str>, FilterExpr)],
        body: &NodeList,
        out: &mut String,
    ) -> Result<(), Error> {
        // Resolved before the scope opens: `{% with a=b b=a %}` sees the outer names.
        let mut frame: smallvec::SmallVec<[Slot; 4]> =
            smallvec::SmallVec::with_capacity(vars.len());
        for (k, e) in vars {
            frame.push((k.clone(), self.resolve(e, false)?));
        }
        self.scopes.push_with(frame);
        let r = self.render_list(body, out);
        self.scopes.pop();
        r
    }

    pub(crate) fn render_firstof(
        &mut self,
        vars: &[FilterExpr],
        asvar: Option<&Arc<str>>,
        out: &mut String,
    ) -> Result<(), Error> {
        let mut first = String::new();
        for e in vars {
            let v = self.resolve(e, true)?;
            if v.is_true() {
                self.write_value(&v, &mut first);
                break;
            }
        }
        match asvar {
            Some(name) => self.set_var(name, Value::safe(first)),
            None => out.push_str(&first),
        }
        Ok(())
    }

    pub(crate) fn render_cycle(
        &mut self,
        def: &Arc<CycleDef>,
        out: &mut String,
    ) -> Result<(), Error> {
        let key = Arc::as_ptr(def) as usize;
        let n = def.values.len();
        let idx = {
            let pos = self
                .rctx
                .last_mut()
                .expect("render frame")
                .cycles
                .entry(key)
                .or_insert(0);
            let i = *pos % n;
            *pos = i + 1;
            i
        };
        let v = self.resolve(&def.values[idx], false)?;
        if let Some(name) = &def.name {
            self.set_upward(name, v.clone());
        }
        if !def.silent {
            self.write_value(&v, out);
        }
        Ok(())
    }

    pub(crate) fn reset_cycle(&mut self, def: &Arc<CycleDef>) -> Result<(), Error> {
        let key = Arc::as_ptr(def) as usize;
        self.rctx
            .last_mut()
            .expect("render frame")
            .cycles
            .insert(key, 0);
        Ok(())
    }

    pub(crate) fn render_regroup(
        &mut self,
        target: &FilterExpr,
        expr: &FilterExpr,
        name: &Arc<str>,
    ) -> Result<(), Error> {
        let list = self.resolve(target, true)?;
        if list.is_none() {
            self.set_var(name, Value::from(Vec::<Value>::new()));
            return Ok(());
        }
        let items: Vec<Value> = match list.try_iter() {
            Some(it) => it.collect(),
            None => {
                return Err(Error::new(
                    ErrorKind::InvalidType,
                    format!("'{}' object is not iterable", list.kind_name()),
                ));
            }
        };
        let mut groups: Vec<(Value, Vec<Value>)> = Vec::new();
        for item in items {
            self.set_var(name, item.clone());
            let key = self.resolve(expr, true)?;
            match groups.last_mut() {
                Some((k, l)) if *k == key => l.push(item),
                _ => groups.push((key, vec![item])),
            }
        }
        let v: Value = groups
            .into_iter()
            .map(|(grouper, list)| {
                Value::from_object(Grouped {
                    grouper,
                    list: Value::from(list),
                })
            })
            .collect();
        self.set_var(name, v);
        Ok(())
    }
}

impl Renderer<'_> {
    pub(crate) fn eval(&mut self, c: &Cond) -> Result<Value, Error> {
        match c {
            Cond::Literal(e) => self.resolve(e, true),
            Cond::Not(inner) => Ok(match self.eval(inner) {
                Ok(v) => Value::Bool(!v.is_true()),
                Err(_) => Value::Bool(false),
            }),
            Cond::Binary(op, a, b) => {
                let r = (|| -> Result<Value, Error> {
                    Ok(match op {
                        Op::Or => {
                            let x = self.eval(a)?;
                            if x.is_true() { x } else { self.eval(b)? }
                        }
                        Op::And => {
                            let x = self.eval(a)?;
                            if !x.is_true() { x } else { self.eval(b)? }
                        }
                        _ => {
                            let x = self.eval(a)?;
                            let y = self.eval(b)?;
                            let fail =
                                || Error::new(ErrorKind::InvalidType, "unsupported comparison");
                            Value::Bool(match op {
                                Op::In => py_contains(&y, &x).ok_or_else(fail)?,
                                Op::NotIn => !py_contains(&y, &x).ok_or_else(fail)?,
                                Op::Is => py_is(&x, &y),
                                Op::IsNot => !py_is(&x, &y),
                                Op::Eq => x == y,
                                Op::Ne => x != y,
                                Op::Lt => x.partial_cmp_py(&y).ok_or_else(fail)?.is_lt(),
                                Op::Le => x.partial_cmp_py(&y).ok_or_else(fail)?.is_le(),
                                Op::Gt => x.partial_cmp_py(&y).ok_or_else(fail)?.is_gt(),
                                Op::Ge => x.partial_cmp_py(&y).ok_or_else(fail)?.is_ge(),
                                _ => false,
                            })
                        }
                    })
                })();
                Ok(r.unwrap_or(Value::Bool(false)))
            }
        }
    }

    pub(crate) fn render_for(&mut self, f: &ForNode, out: &mut String) -> Result<(), Error> {
        let parent = self
            .lookup_name("forloop")
            .unwrap_or_else(|| EMPTY_MAP.clone());
        self.scopes.push();
        let r = self.render_for_inner(f, parent, out);
        self.scopes.pop();
        r
    }

    pub(crate) fn render_for_inner(
        &mut self,
        f: &ForNode,
        parent: Value,
        out: &mut String,
    ) -> Result<(), Error> {
        let seq = self.resolve(&f.seq, true)?;
        // A list is walked in place; anything else iterable is collected first.
        let collected: Vec<Value>;
        let items: &[Value] = match &seq {
            Value::None => &[],
            Value::List(l) => l,
            other => match other.try_iter() {
                Some(it) => {
                    collected = it.collect();
                    &collected
                }
                None => {
                    return Err(Error::new(
                        ErrorKind::InvalidType,
                        format!("'{}' object is not iterable", other.kind_name()),
                    ));
                }
            },
        };
        if items.is_empty() {
            return self.render_list(&f.empty, out);
        }
        let len = items.len();
        let forloop: &Arc<str> = &FORLOOP;
        let live = Arc::new(LiveLoop {
            i: AtomicUsize::new(0),
            len,
            parent,
            made: Default::default(),
        });
        let live_ptr = Arc::as_ptr(&live) as *const ();
        let live_val = Value::Object(live.clone());
        self.loops.push(HashMap::new());
        let result = (|| {
            for i in 0..len {
                let item = if f.reversed {
                    &items[len - 1 - i]
                } else {
                    &items[i]
                };
                live.i.store(i, Ordering::Relaxed);
                // Django sets `context['forloop']` anew each iteration: put the
                // live slot back unless it is still there.
                let top = self.scopes.top_mut();
                let in_place = matches!(top.first(), Some((k, Value::Object(o)))
                    if Arc::ptr_eq(k, forloop) && Arc::as_ptr(o) as *const () == live_ptr);
                if !in_place {
                    self.set_var(forloop, live_val.clone());
                }
                if f.vars.len() > 1 {
                    let parts: Vec<Value> = match item {
                        Value::List(_)
                        | Value::Map(_)
                        | Value::Str(_)
                        | Value::SafeStr(_)
                        | Value::Object(_) => item
                            .try_iter()
                            .map(|it| it.collect())
                            .unwrap_or_else(|| vec![item.clone()]),
                        _ => vec![item.clone()],
                    };
                    if parts.len() != f.vars.len() {
                        return Err(Error::new(
                            ErrorKind::InvalidValue,
                            format!(
                                "Need {} values to unpack in for loop; got {}. ",
                                f.vars.len(),
                                parts.len()
                            ),
                        ));
                    }
                    self.scopes.push_with(f.vars.iter().cloned().zip(parts));
                    let r = self.render_list(&f.body, out);
                    self.scopes.pop();
                    r?;
                } else {
                    let top = self.scopes.top_mut();
                    match top.get_mut(1) {
                        Some((k, v)) if Arc::ptr_eq(k, &f.vars[0]) => *v = item.clone(),
                        _ => self.set_var(&f.vars[0], item.clone()),
                    }
                    self.render_list(&f.body, out)?;
                }
            }
            Ok(())
        })();
        self.loops.pop();
        result
    }

    pub(crate) fn render_ifchanged(
        &mut self,
        n: &IfChangedNode,
        out: &mut String,
    ) -> Result<(), Error> {
        let key = n as *const IfChangedNode as usize;
        let mut rendered = None;
        let compare = if n.vars.is_empty() {
            let s = self.render_to_string(&n.yes)?;
            rendered = Some(s.clone());
            Mem::Output(s)
        } else {
            let mut vals = Vec::new();
            for e in &n.vars {
                vals.push(self.resolve(e, true)?);
            }
            Mem::Values(vals)
        };
        let store = match self.loops.last_mut() {
            Some(m) => m,
            None => &mut self.rctx.last_mut().expect("render frame").ifchanged,
        };
        let prev = store.entry(key).or_insert(None);
        let changed = match (&*prev, &compare) {
            (None, _) => true,
            (Some(Mem::Output(a)), Mem::Output(b)) => a != b,
            (Some(Mem::Values(a)), Mem::Values(b)) => a != b,
            _ => true,
        };
        if changed {
            *prev = Some(compare);
            match rendered {
                Some(s) if !s.is_empty() => out.push_str(&s),
                _ => self.render_list(&n.yes, out)?,
            }
        } else {
            self.render_list(&n.no, out)?;
        }
        Ok(())
    }
}

/// Regroup's `GroupedResult(grouper, list)`.
#[derive(Debug)]
struct Grouped {
    grouper: Value,
    list: Value,
}

impl Object for Grouped {
    fn get_attr(&self, name: &str) -> Option<Value> {
        match name {
            "grouper" => Some(self.grouper.clone()),
            "list" => Some(self.list.clone()),
            _ => None,
        }
    }
    fn get_item(&self, key: &Value) -> Option<Value> {
        match key.as_i64() {
            Some(0) => Some(self.grouper.clone()),
            Some(1) => Some(self.list.clone()),
            _ => None,
        }
    }
    fn len(&self) -> Option<usize> {
        Some(2)
    }
    fn try_iter(&self) -> Option<Box<dyn Iterator<Item = Value> + '_>> {
        Some(Box::new(
            [self.grouper.clone(), self.list.clone()].into_iter(),
        ))
    }
    fn render(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GroupedResult(grouper={}, list={})",
            self.grouper.repr(),
            self.list.repr()
        )
    }
}
