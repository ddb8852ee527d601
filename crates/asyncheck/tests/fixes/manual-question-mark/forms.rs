use std::io;

fn value(text: &str) -> Result<u16, std::num::ParseIntError> {
    let port = match text.parse::<u16>() {
        Ok(port) => port,
        Err(e) => return Err(e),
    };
    let other = match text.parse::<u16>() {
        Err(err) => {
            return Err(err.into());
        }
        Ok(p) => p,
    };
    Ok(port + other)
}

fn statements(paths: &[&str]) -> io::Result<()> {
    match std::fs::remove_file(paths[0]) {
        Ok(()) => {}
        Err(e) => return Err(e),
    }
    match std::fs::write(paths[1], b"x") {
        Err(e) => return Err(From::from(e)),
        Ok(_) => {}
    };
    for path in paths {
        match std::fs::remove_file(path) {
            Ok(()) => (),
            Err(e) => { return Err(e) }
        }
    }
    if let Err(e) = std::fs::remove_dir(paths[2]) {
        return Err(e);
    }
    if paths.is_empty() {
        if let Err(e) = std::fs::remove_dir(paths[3]) {
            return Err(Into::into(e))
        }
    }
    Ok(())
}

fn map_err(text: &str) -> Result<u32, AppError> {
    let n = match text.parse::<u32>() {
        Ok(n) => n,
        Err(e) => return Err(AppError::Parse(e)),
    };
    if let Err(e) = std::fs::remove_file(text) {
        return Err(crate::AppError::Io(e));
    }
    let boxed = match text.parse::<u32>() {
        Ok(n) => n,
        Err(e) => return Err(Box::new(e)),
    };
    Ok(n + boxed)
}

fn options(words: &[&str]) -> Option<usize> {
    let Some(first) = words.first() else {
        return None;
    };
    let Some(mut count) = first.find(' ') else { return None };
    count += match words.last() {
        Some(w) => w.len(),
        None => return None,
    };
    let position = match words.iter().position(|w| w.is_empty()) {
        None => {
            return None;
        }
        Some(i) => i,
    };
    Some(count + position)
}

fn precedence(left: Sum, right: Sum, ok: bool) -> Result<u8, Error> {
    let a = match left + right {
        Ok(v) => v,
        Err(e) => return Err(e),
    };
    let b = match if ok { first() } else { second() } {
        Ok(v) => v,
        Err(e) => return Err(e),
    };
    match match first() { Ok(v) => Ok(v), Err(e) => Err(e) }.map(|v| v + 1) {
        Ok(_) => {}
        Err(e) => return Err(e),
    }
    let nested = match match first() { Ok(v) => v, Err(e) => return Err(e) }.checked() {
        Ok(v) => v,
        Err(e) => return Err(e.into()),
    };
    Ok(a + b + nested)
}

fn arm_bodies(input: Option<&str>) -> Result<u8, std::num::ParseIntError> {
    let n = match input {
        Some(text) => match text.parse::<u8>() {
            Ok(n) => n,
            Err(e) => return Err(e),
        }
        None => 0,
    };
    let m = match input {
        None => 1,
        Some(text) => match text.parse::<u8>() {
            Ok(n) => n,
            Err(e) => return Err(e),
        }
    };
    Ok(n + m)
}

async fn in_select(rx: &mut Rx) -> Result<u8, Error> {
    let v = tokio::select! {
        _ = rx.recv() => match first() { Ok(x) => x, Err(e) => return Err(e) },
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
