//! The render budget: how much work (fuel) and output one render may use,
//! so a hostile or runaway template (nested loops multiplying a list,
//! includes that each pull in the next level twice) ends with an error
//! instead of running for minutes or allocating until the process aborts.
//!
//! Both are kept per node list rendered (a template's body, a loop's body
//! at each iteration, a block, an include): fuel is spent one unit per
//! node of the list and one for the list, and the text the list is written
//! into (the page, or a tag's capture: `{% filter %}`, a cache block) may
//! not grow past the output budget. A list is stopped at most one list
//! late. A capture is a text of its own, so while captures nest (at most
//! the render's nesting limit deep) each of them may hold that much.

use platen_core::{Error, ErrorKind};

/// The fuel of one render when the settings name none: far beyond a real
/// page (the largest benchmark page spends about 30,000), and spent by a
/// bomb within about a second.
pub const DEFAULT_FUEL: u64 = 50_000_000;

/// The output of one render when the settings name none (64 MiB).
pub const DEFAULT_MAX_OUTPUT_BYTES: usize = 64 << 20;

/// The limits of each render of an engine (options `fuel` and
/// `max_output_bytes`; `None` is unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderLimits {
    /// Work units: one per node rendered and one per node list (so per
    /// loop iteration).
    pub fuel: Option<u64>,
    /// Bytes of output: of the page, and of each text a tag captures.
    pub max_output_bytes: Option<usize>,
}

impl Default for RenderLimits {
    fn default() -> RenderLimits {
        RenderLimits {
            fuel: Some(DEFAULT_FUEL),
            max_output_bytes: Some(DEFAULT_MAX_OUTPUT_BYTES),
        }
    }
}

impl RenderLimits {
    /// No limits (for trusted templates, and to measure the checks).
    pub fn unlimited() -> RenderLimits {
        RenderLimits {
            fuel: None,
            max_output_bytes: None,
        }
    }
}

/// What is left of a render's budget.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    fuel: u64,
    max_output: usize,
    limits: RenderLimits,
}

impl Budget {
    pub(crate) fn new(limits: RenderLimits) -> Budget {
        Budget {
            fuel: limits.fuel.unwrap_or(u64::MAX),
            max_output: limits.max_output_bytes.unwrap_or(usize::MAX),
            limits,
        }
    }

    /// Spends `units` of fuel.
    #[inline]
    pub(crate) fn spend(&mut self, units: u64) -> Result<(), Error> {
        match self.fuel.checked_sub(units) {
            Some(left) => {
                self.fuel = left;
                Ok(())
            }
            None => Err(self.out_of_fuel()),
        }
    }

    /// Checks the length of the text being written.
    #[inline]
    pub(crate) fn check_output(&self, len: usize) -> Result<(), Error> {
        if len > self.max_output {
            return Err(self.too_much_output());
        }
        Ok(())
    }

    #[cold]
    fn out_of_fuel(&self) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "the render took more than its budget of {} steps (nodes, loop \
                 iterations and includes; the engine option `fuel` sets it)",
                self.limits.fuel.unwrap_or(u64::MAX)
            ),
        )
    }

    #[cold]
    fn too_much_output(&self) -> Error {
        Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "the render wrote more than its budget of {} bytes (the engine option \
                 `max_output_bytes` sets it)",
                self.limits.max_output_bytes.unwrap_or(usize::MAX)
            ),
        )
    }
}
