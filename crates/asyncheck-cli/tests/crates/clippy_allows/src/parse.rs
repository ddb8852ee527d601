pub fn number(s: &str) -> Result<u32, std::num::ParseIntError> {
    let value = match s.parse::<u32>() {
        Ok(value) => value,
        Err(e) => return Err(e),
    };
    Ok(value)
}
