//! The one integration test binary: one module per area.

mod case;
mod syntax;
mod time;
