//! The one integration test binary: one module per area.

mod case;
mod check;
mod syntax;
mod time;
