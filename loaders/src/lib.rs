//! platen-loaders
