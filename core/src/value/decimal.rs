//! An exact decimal number with Python's `decimal.Decimal` text form.
//!
//! Stored as Python stores it: a sign, a coefficient of decimal digits and an
//! exponent (`1.50` is `150 × 10⁻²`), or one of the special values. This is
//! the interchange form; engines that do decimal arithmetic (DTL's
//! `floatformat`) work on the digits directly.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A decimal number: `(-1)^negative × coefficient × 10^exponent`, or NaN or ±infinity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Decimal {
    negative: bool,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Kind {
    Finite { digits: Box<str>, exponent: i32 },
    Infinity,
    NaN,
}

/// The error of parsing a string that is not a decimal number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDecimalError;

impl fmt::Display for ParseDecimalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid literal for Decimal")
    }
}

impl std::error::Error for ParseDecimalError {}

impl Decimal {
    /// Builds a finite decimal from its parts. `digits` must be ASCII digits
    /// (leading zeros are removed, keeping at least one digit).
    pub fn from_parts(negative: bool, digits: &str, exponent: i32) -> Option<Decimal> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = digits.trim_start_matches('0');
        let digits = if trimmed.is_empty() { "0" } else { trimmed };
        Some(Decimal {
            negative,
            kind: Kind::Finite {
                digits: digits.into(),
                exponent,
            },
        })
    }

    /// Not a number.
    pub fn nan() -> Decimal {
        Decimal {
            negative: false,
            kind: Kind::NaN,
        }
    }

    /// Positive or negative infinity.
    pub fn infinity(negative: bool) -> Decimal {
        Decimal {
            negative,
            kind: Kind::Infinity,
        }
    }

    /// Whether the sign is negative (also for `-0` and `-Infinity`).
    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// Whether this is NaN.
    pub fn is_nan(&self) -> bool {
        matches!(self.kind, Kind::NaN)
    }

    /// Whether this is positive or negative infinity.
    pub fn is_infinite(&self) -> bool {
        matches!(self.kind, Kind::Infinity)
    }

    /// Whether this is a finite number.
    pub fn is_finite(&self) -> bool {
        matches!(self.kind, Kind::Finite { .. })
    }

    /// Whether this is zero (of any sign or exponent).
    pub fn is_zero(&self) -> bool {
        matches!(&self.kind, Kind::Finite { digits, .. } if &**digits == "0")
    }

    /// The coefficient's digits and the exponent of a finite number.
    pub fn parts(&self) -> Option<(&str, i32)> {
        match &self.kind {
            Kind::Finite { digits, exponent } => Some((digits, *exponent)),
            _ => None,
        }
    }

    /// The nearest float.
    pub fn to_f64(&self) -> f64 {
        let sign = if self.negative { -1.0 } else { 1.0 };
        match &self.kind {
            Kind::NaN => f64::NAN,
            Kind::Infinity => sign * f64::INFINITY,
            Kind::Finite { digits, exponent } => {
                sign * format!("{digits}e{exponent}")
                    .parse::<f64>()
                    .unwrap_or(f64::NAN)
            }
        }
    }
}

impl FromStr for Decimal {
    type Err = ParseDecimalError;

    /// Parses Python's decimal literal syntax: `1.5`, `-0.00`, `1e3`, `NaN`, `-Infinity`.
    fn from_str(s: &str) -> Result<Decimal, ParseDecimalError> {
        let s = s.trim();
        let (negative, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let lower = body.to_ascii_lowercase();
        match lower.as_str() {
            "nan" => {
                return Ok(Decimal {
                    negative,
                    kind: Kind::NaN,
                });
            }
            "inf" | "infinity" => return Ok(Decimal::infinity(negative)),
            _ => {}
        }
        let (mantissa, exp) = match lower.find('e') {
            Some(i) => {
                let exp: i32 = lower[i + 1..].parse().map_err(|_| ParseDecimalError)?;
                (&lower[..i], exp)
            }
            None => (lower.as_str(), 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if int.is_empty() && frac.is_empty() {
            return Err(ParseDecimalError);
        }
        let digits = format!("{int}{frac}");
        let exponent = exp
            .checked_sub(frac.len() as i32)
            .ok_or(ParseDecimalError)?;
        Decimal::from_parts(negative, &digits, exponent).ok_or(ParseDecimalError)
    }
}

impl fmt::Display for Decimal {
    /// Python's `str(Decimal)`: plain notation unless the exponent is positive
    /// or the number is very small, then scientific (`1E+2`, `1E-7`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.negative && !self.is_nan() {
            f.write_str("-")?;
        }
        let (digits, exponent) = match &self.kind {
            Kind::NaN => return f.write_str("NaN"),
            Kind::Infinity => return f.write_str("Infinity"),
            Kind::Finite { digits, exponent } => (&**digits, *exponent as i64),
        };
        let len = digits.len() as i64;
        let left_digits = exponent + len;
        let dot_place = if exponent <= 0 && left_digits > -6 {
            left_digits
        } else {
            1
        };
        if dot_place <= 0 {
            write!(f, "0.{}{digits}", "0".repeat((-dot_place) as usize))?;
        } else if dot_place >= len {
            write!(f, "{digits}{}", "0".repeat((dot_place - len) as usize))?;
        } else {
            let (a, b) = digits.split_at(dot_place as usize);
            write!(f, "{a}.{b}")?;
        }
        if left_digits != dot_place {
            write!(f, "E{:+}", left_digits - dot_place)?;
        }
        Ok(())
    }
}

impl PartialOrd for Decimal {
    /// Numeric order; NaN is unordered.
    fn partial_cmp(&self, other: &Decimal) -> Option<Ordering> {
        let rank = |d: &Decimal| -> Option<i8> {
            match d.kind {
                Kind::NaN => None,
                Kind::Infinity => Some(if d.negative { -2 } else { 2 }),
                Kind::Finite { .. } if d.is_zero() => Some(0),
                Kind::Finite { .. } => Some(if d.negative { -1 } else { 1 }),
            }
        };
        let (ra, rb) = (rank(self)?, rank(other)?);
        if ra != rb || ra.abs() != 1 {
            return Some(ra.cmp(&rb));
        }
        let (
            Kind::Finite {
                digits: da,
                exponent: ea,
            },
            Kind::Finite {
                digits: db,
                exponent: eb,
            },
        ) = (&self.kind, &other.kind)
        else {
            return None;
        };
        let adj_a = *ea as i64 + da.len() as i64;
        let adj_b = *eb as i64 + db.len() as i64;
        let magnitude = adj_a.cmp(&adj_b).then_with(|| {
            let width = da.len().max(db.len());
            format!("{da:0<width$}").cmp(&format!("{db:0<width$}"))
        });
        Some(if ra < 0 {
            magnitude.reverse()
        } else {
            magnitude
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn prints_like_python() {
        for (input, out) in [
            ("1.23", "1.23"),
            ("-0.00", "-0.00"),
            ("100", "100"),
            ("1e2", "1E+2"),
            ("0.0000001", "1E-7"),
            ("0.000001", "0.000001"),
            ("12345.6789", "12345.6789"),
            ("NaN", "NaN"),
            ("-Infinity", "-Infinity"),
            ("007.50", "7.50"),
            ("1.5E-3", "0.0015"),
        ] {
            assert_eq!(d(input).to_string(), out, "{input}");
        }
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "abc", "1.2.3", ".", "1e", "--1"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad}");
        }
    }

    #[test]
    fn orders_numerically() {
        assert!(d("1.50") == d("1.50"));
        assert_eq!(d("1.5").partial_cmp(&d("1.50")), Some(Ordering::Equal));
        assert!(d("-2") < d("-1.5"));
        assert!(d("10") > d("9.99"));
        assert!(d("0") > d("-0.1"));
        assert!(d("-Infinity") < d("-1e100"));
        assert_eq!(d("NaN").partial_cmp(&d("1")), None);
        assert_eq!(d("2.5").to_f64(), 2.5);
    }
}
