//! The `{% if %}` expression parser: Django's `smartif`, a Pratt parser with
//! its precedences and error messages.

use platen_core::{Error, Value};

use crate::expr::{FilterExpr, syntax};

/// An operator of an `if` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Or,
    And,
    Not,
    In,
    NotIn,
    Is,
    IsNot,
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn from_str(s: &str) -> Option<Op> {
        Some(match s {
            "or" => Op::Or,
            "and" => Op::And,
            "not" => Op::Not,
            "in" => Op::In,
            "not in" => Op::NotIn,
            "is" => Op::Is,
            "is not" => Op::IsNot,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Op::Or => "or",
            Op::And => "and",
            Op::Not => "not",
            Op::In => "in",
            Op::NotIn => "not in",
            Op::Is => "is",
            Op::IsNot => "is not",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }

    fn lbp(self) -> u8 {
        match self {
            Op::Or => 6,
            Op::And => 7,
            Op::Not => 8,
            Op::In | Op::NotIn => 9,
            _ => 10,
        }
    }
}

/// A parsed `if` condition.
#[derive(Debug, Clone)]
pub(crate) enum Cond {
    Literal(Box<FilterExpr>),
    Not(Box<Cond>),
    Binary(Op, Box<Cond>, Box<Cond>),
}

enum Tok {
    Op(Op),
    Lit(FilterExpr, String),
    End,
}

struct IfParser {
    tokens: std::vec::IntoIter<Tok>,
    current: Tok,
    nots: usize,
}

/// How many `not`s may nest in one condition (Django stops at Python's
/// recursion limit).
const MAX_NOTS: usize = 200;

impl IfParser {
    fn next(&mut self) -> Tok {
        self.tokens.next().unwrap_or(Tok::End)
    }

    fn expression(&mut self, rbp: u8) -> Result<Cond, Error> {
        let t = std::mem::replace(&mut self.current, Tok::End);
        self.current = self.next();
        let mut left = self.nud(t)?;
        loop {
            let lbp = match &self.current {
                Tok::Op(op) => op.lbp(),
                _ => 0,
            };
            if rbp >= lbp {
                break;
            }
            let t = std::mem::replace(&mut self.current, Tok::End);
            self.current = self.next();
            left = self.led(t, left)?;
        }
        Ok(left)
    }

    fn nud(&mut self, t: Tok) -> Result<Cond, Error> {
        match t {
            Tok::Lit(expr, _) => Ok(Cond::Literal(Box::new(expr))),
            Tok::Op(Op::Not) => {
                self.nots += 1;
                if self.nots > MAX_NOTS {
                    return Err(Error::new(
                        platen_core::ErrorKind::Recursion,
                        format!("more than {MAX_NOTS} nested 'not' operators in if tag"),
                    ));
                }
                Ok(Cond::Not(Box::new(self.expression(Op::Not.lbp())?)))
            }
            Tok::Op(op) => Err(syntax(format!(
                "Not expecting '{}' in this position in if tag.",
                op.name()
            ))),
            Tok::End => Err(syntax("Unexpected end of expression in if tag.")),
        }
    }

    fn led(&mut self, t: Tok, left: Cond) -> Result<Cond, Error> {
        match t {
            Tok::Op(Op::Not) => Err(syntax("Not expecting 'not' as infix operator in if tag.")),
            Tok::Op(op) => {
                let right = self.expression(op.lbp())?;
                Ok(Cond::Binary(op, Box::new(left), Box::new(right)))
            }
            Tok::Lit(_, text) => Err(syntax(format!(
                "Not expecting '{text}' as infix operator in if tag."
            ))),
            Tok::End => Err(syntax("Unexpected end of expression in if tag.")),
        }
    }
}

/// Parses the bits of an `if`/`elif` tag.
pub(crate) fn parse_condition(
    bits: &[std::borrow::Cow<'_, str>],
    compile: &mut dyn FnMut(&str) -> Result<FilterExpr, Error>,
) -> Result<Cond, Error> {
    let mut toks = Vec::with_capacity(bits.len());
    let mut i = 0;
    while i < bits.len() {
        let bit: &str = &bits[i];
        let op = if bit == "is" && bits.get(i + 1).is_some_and(|b| b == "not") {
            i += 1;
            Some(Op::IsNot)
        } else if bit == "not" && bits.get(i + 1).is_some_and(|b| b == "in") {
            i += 1;
            Some(Op::NotIn)
        } else {
            Op::from_str(bit)
        };
        match op {
            Some(op) => toks.push(Tok::Op(op)),
            None => toks.push(Tok::Lit(compile(bit)?, bit.to_owned())),
        }
        i += 1;
    }
    let mut p = IfParser {
        tokens: toks.into_iter(),
        current: Tok::End,
        nots: 0,
    };
    p.current = p.next();
    let cond = p.expression(0)?;
    match &p.current {
        Tok::End => Ok(cond),
        Tok::Op(op) => Err(syntax(format!(
            "Unused '{}' at end of if expression.",
            op.name()
        ))),
        Tok::Lit(_, text) => Err(syntax(format!("Unused '{text}' at end of if expression."))),
    }
}

/// Python's `x in y`; `None` where Python raises `TypeError`.
pub(crate) fn py_contains(container: &Value, item: &Value) -> Option<bool> {
    match container {
        Value::Str(s) | Value::SafeStr(s) => item.as_str().map(|i| s.contains(i)),
        Value::List(l) => Some(l.iter().any(|v| v == item)),
        Value::Map(m) => match item {
            Value::Str(k) | Value::SafeStr(k) => Some(m.contains_key(&**k)),
            Value::List(_) | Value::Map(_) => None,
            _ => Some(false),
        },
        Value::Object(o) => o.try_iter().map(|mut it| it.any(|v| &v == item)),
        _ => None,
    }
}

/// Python's `is` for the values a template can hold.
pub(crate) fn py_is(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        // CPython caches small integers.
        (Value::Int(x), Value::Int(y)) => x == y && (-5..=256).contains(x),
        (Value::Str(x) | Value::SafeStr(x), Value::Str(y) | Value::SafeStr(y)) => {
            std::sync::Arc::ptr_eq(x, y)
        }
        (Value::List(x), Value::List(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Map(x), Value::Map(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Object(x), Value::Object(y)) => std::sync::Arc::ptr_eq(x, y),
        _ => false,
    }
}
