//! A few kept entries, replaced in turn once full: what an adapter keeps per
//! thread between renders (its conversions of contexts and shared values).

/// Up to `capacity` entries; once full, a new entry replaces the entries in
/// turn, oldest first.
#[derive(Debug)]
pub struct RoundRobin<T> {
    entries: Vec<T>,
    capacity: usize,
    /// The entry the next insert replaces once full.
    next: usize,
}

impl<T> RoundRobin<T> {
    /// An empty set that keeps up to `capacity` entries (at least one).
    pub const fn new(capacity: usize) -> RoundRobin<T> {
        RoundRobin {
            entries: Vec::new(),
            capacity: if capacity == 0 { 1 } else { capacity },
            next: 0,
        }
    }

    /// The first entry `matches` accepts.
    pub fn find(&self, mut matches: impl FnMut(&T) -> bool) -> Option<&T> {
        self.entries.iter().find(|entry| matches(entry))
    }

    /// The first entry `matches` accepts, or else a new one from `make` (in
    /// turn replacing an old one when full); says which with its `bool`
    /// (true: found). An error of `make` leaves the set as it was.
    pub fn find_or_insert<E>(
        &mut self,
        matches: impl FnMut(&T) -> bool,
        make: impl FnOnce() -> Result<T, E>,
    ) -> Result<(&mut T, bool), E> {
        if let Some(i) = self.entries.iter().position(matches) {
            return Ok((&mut self.entries[i], true));
        }
        let entry = make()?;
        Ok((self.insert(entry), false))
    }

    /// Adds `entry`, in turn replacing an old one when full.
    pub fn insert(&mut self, entry: T) -> &mut T {
        if self.entries.len() < self.capacity {
            self.entries.push(entry);
            let last = self.entries.len() - 1;
            return &mut self.entries[last];
        }
        let i = self.next % self.entries.len();
        self.next = i + 1;
        self.entries[i] = entry;
        &mut self.entries[i]
    }

    /// Keeps only the entries `keep` accepts.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.entries.retain(keep);
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_then_replaces_oldest_first() {
        let mut kept = RoundRobin::new(3);
        for i in 0..3 {
            kept.insert(i);
        }
        kept.insert(3);
        kept.insert(4);
        let all: Vec<i32> = (0..10)
            .filter(|i| kept.find(|e| e == i).is_some())
            .collect();
        assert_eq!(all, [2, 3, 4]);
        kept.insert(5);
        assert!(kept.find(|e| *e == 2).is_none());
        assert_eq!(kept.len(), 3);
    }

    #[test]
    fn find_or_insert_finds_makes_and_keeps_on_error() {
        let mut kept = RoundRobin::new(2);
        assert_eq!(
            kept.find_or_insert(|e| *e == 1, || Ok::<_, ()>(1))
                .map(|(e, found)| (*e, found)),
            Ok((1, false))
        );
        assert_eq!(
            kept.find_or_insert(|e| *e == 1, || Ok::<_, ()>(9))
                .map(|(e, found)| (*e, found)),
            Ok((1, true))
        );
        assert!(kept.find_or_insert(|e| *e == 2, || Err("no")).is_err());
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn retain_then_insert_still_turns() {
        let mut kept = RoundRobin::new(2);
        kept.insert(1);
        kept.insert(2);
        kept.insert(3);
        kept.retain(|e| *e != 2);
        kept.insert(4);
        kept.insert(5);
        assert_eq!(kept.len(), 2);
        assert!(kept.find(|e| *e == 5).is_some());
        let mut one = RoundRobin::new(0);
        assert!(one.is_empty());
        one.insert(1);
        one.insert(2);
        assert_eq!((one.len(), one.find(|_| true)), (1, Some(&2)));
    }
}
