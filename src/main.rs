//! The `vanban` command: parses arguments, runs the library, reports.

mod cli;

// mimalloc keeps the memory it frees for the next document instead of handing it back to the
// system and faulting it in again: a batch spends 18% less CPU time (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
