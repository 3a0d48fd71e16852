//! The one integration test binary: one module per area.

mod case;
mod fmt;
mod syntax;
mod time;
