//! nianbao (年报): reads a county's 政府信息公开工作年度报告 statistical tables, whatever shape
//! units left them in, into one common schema of 200 fields.
//!
//! The pipeline runs one way, one module per stage:
//! [`discover`] → [`read`] → [`locate`] → [`normalize`] → [`check`] → [`output`], driven
//! by [`pipeline`] and the commands in [`cmd`].
//! [`schema`] defines the format once; [`demo`] writes synthetic counties.

pub mod changes;
pub mod check;
pub mod cmd;
pub mod demo;
pub mod discover;
pub mod formula;
pub mod grid;
pub mod layout;
pub mod locate;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod prior;
pub mod read;
pub mod report;
pub mod rollup;
pub mod roster;
pub mod schema;
pub mod settings;
pub mod text;
mod zip_out;
