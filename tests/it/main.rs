//! The one integration test binary: one module per area.

mod case;
mod check;
mod eval;
mod fmt;
mod limits;
mod syntax;
mod time;
