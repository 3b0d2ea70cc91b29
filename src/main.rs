//! The `vanban` command: parses arguments, runs the library, reports.

mod cli;

// The allocator, chosen for the binary only (the library leaves it to its user): mimalloc keeps
// the memory a document frees for the next one instead of handing it back to the system and
// faulting it in again, so a batch spends about 18% less CPU time (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::main()
}
