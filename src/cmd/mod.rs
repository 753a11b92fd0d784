//! One module per command; `main.rs` only parses the command line.

pub mod check;
pub mod review;
pub mod rules;
pub mod run;
