//! The file watcher of an auto-reloading cache.

use std::path::PathBuf;
use std::sync::Mutex;

use notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};

/// A running watcher; stops when dropped.
pub(crate) struct Watch {
    // Held only to keep the watcher thread alive; the mutex makes the holder
    // `Sync` on every platform.
    _watcher: Mutex<RecommendedWatcher>,
    paths: Vec<PathBuf>,
}

impl Watch {
    /// The directories watched.
    pub(crate) fn paths(&self) -> &[PathBuf] {
        &self.paths
    }
}

/// Watches `paths` recursively and calls `on_change` after any change under
/// them (and after a watcher error, when changes may have been missed).
///
/// Returns `None` when nothing could be watched; the cache then relies on
/// modification times alone.
pub(crate) fn start(paths: Vec<PathBuf>, on_change: impl Fn() + Send + 'static) -> Option<Watch> {
    let mut paths: Vec<PathBuf> = paths.into_iter().filter(|p| p.is_dir()).collect();
    paths.sort();
    paths.dedup();
    if paths.is_empty() {
        return None;
    }
    let handler = move |event: notify::Result<Event>| match event {
        Ok(event) if is_change(&event.kind) => on_change(),
        Ok(_) => {}
        Err(err) => {
            tracing::warn!(error = %err, "template watcher error; clearing the template cache");
            on_change();
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(watcher) => watcher,
        Err(err) => {
            tracing::warn!(error = %err, "cannot start the template watcher; relying on modification times");
            return None;
        }
    };
    let mut watched = Vec::new();
    for path in paths {
        match watcher.watch(&path, RecursiveMode::Recursive) {
            Ok(()) => watched.push(path),
            Err(err) => {
                tracing::warn!(path = %path.display(), error = %err, "cannot watch template directory")
            }
        }
    }
    if watched.is_empty() {
        return None;
    }
    Some(Watch {
        _watcher: Mutex::new(watcher),
        paths: watched,
    })
}

/// Whether an event can mean a template changed. Reads (our own included:
/// compiling opens the file) do not.
fn is_change(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use notify::event::CreateKind;

    #[test]
    fn reads_are_not_changes() {
        assert!(!is_change(&EventKind::Access(AccessKind::Open(
            AccessMode::Read
        ))));
        assert!(!is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_change(&EventKind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_change(&EventKind::Create(CreateKind::File)));
        assert!(is_change(&EventKind::Modify(ModifyKind::Any)));
    }
}
