//! platen
