pub fn number(s: &str) -> Result<u32, std::num::ParseIntError> {
    let value = match s.parse::<u32>() { //~ manual-question-mark
        Ok(value) => value,
        Err(e) => return Err(e),
    };
    Ok(value)
}

pub async fn below_the_root(x: Option<u8>) -> Result<u8, String> {
    Ok(x.unwrap())
}
