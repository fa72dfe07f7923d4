//! The C expression of a catalogue's `Plural-Forms` header
//! (`nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : ...);`), parsed once and
//! evaluated for each count, as Python's `gettext.c2py` does.

/// A parsed `plural=` expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Plural {
    /// The count `n`.
    N,
    /// A number.
    Num(i64),
    /// `!e`.
    Not(Box<Plural>),
    /// `a op b`.
    Bin(Op, Box<Plural>, Box<Plural>),
    /// `c ? a : b`.
    If(Box<Plural>, Box<Plural>, Box<Plural>),
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Op {
    /// Binding strength, C's order (higher binds tighter).
    fn precedence(self) -> u8 {
        match self {
            Op::Or => 1,
            Op::And => 2,
            Op::Eq | Op::Ne => 3,
            Op::Lt | Op::Le | Op::Gt | Op::Ge => 4,
            Op::Add | Op::Sub => 5,
            Op::Mul | Op::Div | Op::Rem => 6,
        }
    }
}

/// The rule of a catalogue without a `Plural-Forms` header: English's.
pub(crate) fn germanic() -> Plural {
    Plural::Bin(Op::Ne, Box::new(Plural::N), Box::new(Plural::Num(1)))
}

impl Plural {
    /// The plural form index for count `n`.
    ///
    /// Python evaluates the rule on the count as given (a float count stays a
    /// float), with `/` as floor division, `%` taking the divisor's sign and
    /// `&&`/`||` giving an operand's value; so does this.
    pub(crate) fn index(&self, n: f64) -> i64 {
        // `int()` of the result truncates.
        self.eval(n) as i64
    }

    fn eval(&self, n: f64) -> f64 {
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        match self {
            Plural::N => n,
            Plural::Num(v) => *v as f64,
            Plural::Not(e) => truth(e.eval(n) == 0.0),
            Plural::If(c, a, b) => {
                if c.eval(n) != 0.0 {
                    a.eval(n)
                } else {
                    b.eval(n)
                }
            }
            Plural::Bin(op, a, b) => {
                let a = a.eval(n);
                match op {
                    Op::Or => return if a != 0.0 { a } else { b.eval(n) },
                    Op::And => return if a == 0.0 { a } else { b.eval(n) },
                    _ => {}
                }
                let b = b.eval(n);
                match op {
                    Op::Eq => truth(a == b),
                    Op::Ne => truth(a != b),
                    Op::Lt => truth(a < b),
                    Op::Le => truth(a <= b),
                    Op::Gt => truth(a > b),
                    Op::Ge => truth(a >= b),
                    Op::Add => a + b,
                    Op::Sub => a - b,
                    Op::Mul => a * b,
                    // Python raises on a zero divisor; a broken rule picks the first form here.
                    Op::Div if b == 0.0 => 0.0,
                    Op::Rem if b == 0.0 => 0.0,
                    Op::Div => (a / b).floor(),
                    Op::Rem => a - b * (a / b).floor(),
                    Op::Or | Op::And => unreachable!("handled above"),
                }
            }
        }
    }

    /// Parses the `plural=` expression of a `Plural-Forms` header value.
    pub(crate) fn from_header(header: &str) -> Result<Plural, String> {
        let expr = header
            .split(';')
            .find_map(|part| {
                part.trim()
                    .strip_prefix("plural")
                    .map(str::trim_start)
                    .and_then(|r| r.strip_prefix('='))
            })
            .ok_or_else(|| format!("no `plural=` in Plural-Forms `{header}`"))?;
        Plural::parse(expr)
    }

    /// Parses a C plural expression.
    pub(crate) fn parse(src: &str) -> Result<Plural, String> {
        let tokens = tokenize(src)?;
        let mut p = ExprParser {
            tokens,
            pos: 0,
            depth: 0,
        };
        let e = p.ternary()?;
        if p.pos != p.tokens.len() {
            return Err(format!(
                "unexpected `{}` in plural expression `{src}`",
                p.tokens[p.pos].text()
            ));
        }
        Ok(e)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    N,
    Num(i64),
    Op(Op),
    Not,
    Question,
    Colon,
    Open,
    Close,
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::N => "n".into(),
            Tok::Num(v) => v.to_string(),
            Tok::Op(op) => format!("{op:?}"),
            Tok::Not => "!".into(),
            Tok::Question => "?".into(),
            Tok::Colon => ":".into(),
            Tok::Open => "(".into(),
            Tok::Close => ")".into(),
        }
    }
}

fn tokenize(src: &str) -> Result<Vec<Tok>, String> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let two = b.get(i..i + 2);
        let (tok, len) = match b[i] {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'0'..=b'9' => {
                let end = b[i..]
                    .iter()
                    .position(|c| !c.is_ascii_digit())
                    .map_or(b.len(), |p| i + p);
                let v = src[i..end]
                    .parse()
                    .map_err(|_| format!("number too large in plural expression `{src}`"))?;
                (Tok::Num(v), end - i)
            }
            b'n' => (Tok::N, 1),
            _ if two == Some(b"||") => (Tok::Op(Op::Or), 2),
            _ if two == Some(b"&&") => (Tok::Op(Op::And), 2),
            _ if two == Some(b"==") => (Tok::Op(Op::Eq), 2),
            _ if two == Some(b"!=") => (Tok::Op(Op::Ne), 2),
            _ if two == Some(b"<=") => (Tok::Op(Op::Le), 2),
            _ if two == Some(b">=") => (Tok::Op(Op::Ge), 2),
            b'<' => (Tok::Op(Op::Lt), 1),
            b'>' => (Tok::Op(Op::Gt), 1),
            b'+' => (Tok::Op(Op::Add), 1),
            b'-' => (Tok::Op(Op::Sub), 1),
            b'*' => (Tok::Op(Op::Mul), 1),
            b'/' => (Tok::Op(Op::Div), 1),
            b'%' => (Tok::Op(Op::Rem), 1),
            b'!' => (Tok::Not, 1),
            b'?' => (Tok::Question, 1),
            b':' => (Tok::Colon, 1),
            b'(' => (Tok::Open, 1),
            b')' => (Tok::Close, 1),
            // The header's own terminator.
            b';' => break,
            _ => {
                let c = src[i..].chars().next().unwrap_or('?');
                return Err(format!("unexpected `{c}` in plural expression `{src}`"));
            }
        };
        out.push(tok);
        i += len;
    }
    Ok(out)
}

/// How deeply parentheses and `?:` may nest: a hostile header can't overflow the stack.
const MAX_DEPTH: usize = 64;

struct ExprParser {
    tokens: Vec<Tok>,
    pos: usize,
    depth: usize,
}

impl ExprParser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn ternary(&mut self) -> Result<Plural, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("plural expression nests too deeply".into());
        }
        let cond = self.binary(0)?;
        let e = if self.peek() == Some(&Tok::Question) {
            self.pos += 1;
            let a = self.ternary()?;
            if self.peek() != Some(&Tok::Colon) {
                return Err("`?` without `:` in plural expression".into());
            }
            self.pos += 1;
            let b = self.ternary()?;
            Plural::If(Box::new(cond), Box::new(a), Box::new(b))
        } else {
            cond
        };
        self.depth -= 1;
        Ok(e)
    }

    /// Precedence climbing over the binary operators (all left-associative).
    fn binary(&mut self, min: u8) -> Result<Plural, String> {
        let mut lhs = self.unary()?;
        while let Some(Tok::Op(op)) = self.peek().cloned() {
            if op.precedence() <= min {
                break;
            }
            self.pos += 1;
            let rhs = self.binary(op.precedence())?;
            lhs = Plural::Bin(op, Box::new(lhs), Box::new(rhs));
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Plural, String> {
        match self.tokens.get(self.pos).cloned() {
            Some(Tok::Not) => {
                self.pos += 1;
                self.depth += 1;
                if self.depth > MAX_DEPTH {
                    return Err("plural expression nests too deeply".into());
                }
                let e = self.unary()?;
                self.depth -= 1;
                Ok(Plural::Not(Box::new(e)))
            }
            Some(Tok::N) => {
                self.pos += 1;
                Ok(Plural::N)
            }
            Some(Tok::Num(v)) => {
                self.pos += 1;
                Ok(Plural::Num(v))
            }
            Some(Tok::Open) => {
                self.pos += 1;
                let e = self.ternary()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err("unbalanced parenthesis in plural expression".into());
                }
                self.pos += 1;
                Ok(e)
            }
            Some(t) => Err(format!("unexpected `{}` in plural expression", t.text())),
            None => Err("plural expression ends too early".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(header: &str, ns: &[i64]) -> Vec<i64> {
        let p = Plural::from_header(header).unwrap();
        ns.iter().map(|&n| p.index(n as f64)).collect()
    }

    #[test]
    fn common_rules() {
        assert_eq!(forms("nplurals=2; plural=(n != 1);", &[0, 1, 2]), [1, 0, 1]);
        assert_eq!(forms("nplurals=2; plural=n>1;", &[0, 1, 2]), [0, 0, 1]);
        assert_eq!(forms("nplurals=1; plural=0;", &[0, 1, 5]), [0, 0, 0]);
        // Russian (Django's ru catalogue).
        let ru = "nplurals=4; plural=(n % 10 == 1 && n % 100 != 11 ? 0 : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? 1 : n % 10 == 0 || (n % 10 >= 5 && n % 10 <= 9) || (n % 100 >= 11 && n % 100 <= 14)? 2 : 3);";
        assert_eq!(
            forms(ru, &[1, 2, 5, 11, 21, 22, 25, 112]),
            [0, 1, 2, 2, 0, 1, 2, 2]
        );
        // Arabic's six forms.
        let ar = "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;";
        assert_eq!(forms(ar, &[0, 1, 2, 3, 11, 100]), [0, 1, 2, 3, 4, 5]);
        assert_eq!(
            forms("plural=!(n == 1) * 2 - 1 + 8 / 4 % 3;", &[1, 2]),
            [1, 3]
        );
    }

    #[test]
    fn bad_rules_are_errors() {
        for bad in [
            "nplurals=2;",
            "plural=(n != 1",
            "plural=n ? 1",
            "plural=x",
            "plural=1 2",
            "plural=99999999999999999999",
        ] {
            assert!(Plural::from_header(bad).is_err(), "{bad}");
        }
        let deep = format!("plural={}n{}", "(".repeat(500), ")".repeat(500));
        assert!(Plural::from_header(&deep).is_err());
        assert_eq!(Plural::parse("n / 0").unwrap().index(3.0), 0);
        // Python's semantics for float counts and `&&`.
        assert_eq!(Plural::parse("n != 1").unwrap().index(1.5), 1);
        assert_eq!(Plural::parse("n > 1 && 2").unwrap().index(5.0), 2);
        assert_eq!(Plural::parse("(n - 7) % 5").unwrap().index(0.0), 3);
    }
}
