//! The one integration test binary: one module per area. Areas that run the `covenant` binary or
//! use rayon need the `cli` feature; the others also run with `--no-default-features`.

#[cfg(feature = "cli")]
mod authoring;
#[cfg(feature = "cli")]
mod batch;
mod case;
mod chains;
#[cfg(feature = "cli")]
mod check;
#[cfg(feature = "cli")]
mod eval;
#[cfg(feature = "cli")]
mod fmt;
mod fuzzing;
mod hostile;
#[cfg(feature = "cli")]
mod html;
mod limits;
#[cfg(feature = "cli")]
mod streams;
mod syntax;
mod time;
#[cfg(feature = "cli")]
mod vocabulary;
