/// A sync helper that reads a file: blocking where async code calls it.
pub fn read_settings() -> String {
    std::fs::read_to_string("settings.toml").unwrap_or_default()
}
