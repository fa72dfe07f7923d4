//! platen-tera
