use std::io;

fn value(text: &str) -> Result<u16, std::num::ParseIntError> {
    let port = text.parse::<u16>()?;
    let other = text.parse::<u16>()?;
    Ok(port + other)
}

fn statements(paths: &[&str]) -> io::Result<()> {
    std::fs::remove_file(paths[0])?;
    std::fs::write(paths[1], b"x")?;
    for path in paths {
        std::fs::remove_file(path)?;
    }
    std::fs::remove_dir(paths[2])?;
    if paths.is_empty() {
        std::fs::remove_dir(paths[3])?;
    }
    Ok(())
}

fn map_err(text: &str) -> Result<u32, AppError> {
    let n = text.parse::<u32>().map_err(AppError::Parse)?;
    std::fs::remove_file(text).map_err(crate::AppError::Io)?;
    let boxed = text.parse::<u32>()?;
    Ok(n + boxed)
}

fn options(words: &[&str]) -> Option<usize> {
    let first = words.first()?;
    let mut count = first.find(' ')?;
    count += match words.last() {
        Some(w) => w.len(),
        None => return None,
    };
    let position = words.iter().position(|w| w.is_empty())?;
    Some(count + position)
}

fn precedence(left: Sum, right: Sum, ok: bool) -> Result<u8, Error> {
    let a = (left + right)?;
    let b = (if ok { first() } else { second() })?;
    (match first() { Ok(v) => Ok(v), Err(e) => Err(e) }.map(|v| v + 1))?;
    let nested = first()?.checked()?;
    Ok(a + b + nested)
}

fn arm_bodies(input: Option<&str>) -> Result<u8, std::num::ParseIntError> {
    let n = match input {
        Some(text) => text.parse::<u8>()?,
        None => 0,
    };
    let m = match input {
        None => 1,
        Some(text) => text.parse::<u8>()?,
    };
    Ok(n + m)
}

async fn in_select(rx: &mut Rx) -> Result<u8, Error> {
    let v = tokio::select! {
        _ = rx.recv() => first()?,
        else => 0,
    };
    Ok(v)
}

fn not_fixed(text: &str, holder: &mut Holder) -> Result<u8, std::num::ParseIntError> {
    let parsed = text.parse::<u8>();
    if let Err(e) = parsed {
        return Err(e);
    }
    let v = match holder.value {
        Ok(v) => v,
        Err(e) => return Err(e),
    };
    for _ in 0..2 {
        if let Err(e) = parsed {
            return Err(e);
        }
    }
    Ok(parsed.unwrap_or(v))
}
