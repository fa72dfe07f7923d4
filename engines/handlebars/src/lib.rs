//! platen-handlebars
