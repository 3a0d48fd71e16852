//! The one integration test binary: one module per area.

mod authoring;
mod batch;
mod case;
mod check;
mod eval;
mod fmt;
mod syntax;
mod time;
