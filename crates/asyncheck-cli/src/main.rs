fn main() {
    std::process::exit(asyncheck_cli::run(std::env::args_os()));
}
