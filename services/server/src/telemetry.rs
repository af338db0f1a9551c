use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber; `RUST_LOG` overrides the configured filter. Safe to call more than once.
pub fn init(format: LogFormat, filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    install_panic_hook();
}

/// Panics are logged through tracing (inside the request's span, so with its request id) with their place in
/// the code only. The default hook prints the panic message to stderr, and a message can quote the input that
/// caused it: a job goal, a CV text.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let thread = std::thread::current();
        tracing::error!(
            location = %location,
            thread = thread.name().unwrap_or("-"),
            "panic (message withheld: it may quote personal data)"
        );
    }));
}
