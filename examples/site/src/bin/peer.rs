//! The load test's peer (filled in below).
fn main() {}
