//! The one integration test binary: one module per area.

#[cfg(feature = "cli")]
mod authoring;
mod batch;
mod case;
#[cfg(feature = "cli")]
mod check;
mod eval;
mod fmt;
mod fuzzing;
mod limits;
mod syntax;
mod time;
