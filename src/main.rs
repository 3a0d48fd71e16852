//! The `covenant` binary: parses the command line and dispatches to [`covenant::cli`].

use clap::Parser;
use covenant::cli::{run, Cli, Exit};

/// mimalloc: batch runs allocate and free many small strings from several threads (see docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Exit {
    run(Cli::parse())
}
