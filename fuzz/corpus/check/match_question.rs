fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    let n = match s.parse::<u32>() {
        Ok(n) => n,
        Err(e) => return Err(e),
    };
    let m = match s.trim().parse() { Ok(v) => v, Err(err) => { return Err(err.into()); } };
    Ok(n + m)
}
